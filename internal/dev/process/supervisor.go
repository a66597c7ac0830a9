package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Policy says how a crashed process is restarted.
type Policy struct {
	// InitialBackoff is the wait before restarting after a first crash; it
	// doubles with every further crash inside Window, up to MaxBackoff.
	InitialBackoff, MaxBackoff time.Duration
	// MaxCrashes is how many crashes inside Window are restarted; one more
	// and the supervisor gives up.
	MaxCrashes int
	Window     time.Duration
	// ReadyTimeout bounds the wait for a restarted process to be ready.
	ReadyTimeout time.Duration
}

// DefaultPolicy restarts after 1s, 2s, 4s, 8s and 16s and gives up at the
// sixth crash within two minutes.
func DefaultPolicy() Policy {
	return Policy{InitialBackoff: time.Second, MaxBackoff: 30 * time.Second, MaxCrashes: 5, Window: 2 * time.Minute, ReadyTimeout: 2 * time.Minute}
}

// crashLog keeps the recent crashes of one process.
type crashLog struct {
	policy Policy
	times  []time.Time
}

// record notes a crash at now. It returns how long to wait before the
// restart, how many crashes the window now holds, and whether to give up.
func (c *crashLog) record(now time.Time) (time.Duration, int, bool) {
	c.times = slices.DeleteFunc(c.times, func(t time.Time) bool { return now.Sub(t) >= c.policy.Window })
	c.times = append(c.times, now)
	n := len(c.times)
	if n > c.policy.MaxCrashes {
		return 0, n, true
	}
	delay := c.policy.InitialBackoff
	for i := 1; i < n && delay < c.policy.MaxBackoff; i++ {
		delay *= 2
	}
	return min(delay, c.policy.MaxBackoff), n, false
}

// Runner is a started program as the supervisor sees it.
type Runner interface {
	Done() <-chan struct{}
	// ExitError says how the program ended, with the last lines of its log.
	ExitError() error
	// ExitStatus says briefly how the program ended ("signal: killed").
	ExitStatus() string
	Log() string
	Stop(grace time.Duration)
}

// Starter starts a program.
type Starter func(Spec) (Runner, error)

// ReadyFunc reports nil once a program serves.
type ReadyFunc func(context.Context) error

// Supervisor starts programs, restarts those that crash, and stops them all
// in reverse order of start.
type Supervisor struct {
	start  Starter
	clock  clock.Clock
	out    io.Writer
	policy Policy
	grace  time.Duration

	mu       sync.Mutex
	units    []*unit
	stopping bool
	stopCh   chan struct{}
	fatal    chan error
	wg       sync.WaitGroup
}

type unit struct {
	spec    Spec
	ready   ReadyFunc
	run     Runner
	crashes crashLog
}

// NewSupervisor returns a supervisor that writes what it does to out.
// grace is how long a program may take to stop after SIGTERM.
func NewSupervisor(start Starter, clk clock.Clock, out io.Writer, policy Policy, grace time.Duration) *Supervisor {
	return &Supervisor{start: start, clock: clk, out: out, policy: policy, grace: grace, stopCh: make(chan struct{}), fatal: make(chan error, 1)}
}

// StartInDir returns a Starter of real processes with their logs and pid
// files in the given folders.
func StartInDir(logDir, pidDir string) Starter {
	return func(spec Spec) (Runner, error) { return Start(spec, logDir, pidDir) }
}

// Launch starts a program and waits until ready reports success, the program
// exits, or timeout passes; from then on the program is supervised.
func (s *Supervisor) Launch(ctx context.Context, spec Spec, ready ReadyFunc, timeout time.Duration) error {
	begin := s.clock.Now()
	fmt.Fprintf(s.out, "Starting %s ...", spec.Name)
	s.mu.Lock()
	if s.stopping {
		s.mu.Unlock()
		fmt.Fprintln(s.out)
		return errors.New("stopping")
	}
	r, err := s.start(spec)
	if err != nil {
		s.mu.Unlock()
		fmt.Fprintln(s.out)
		return err
	}
	u := &unit{spec: spec, ready: ready, run: r, crashes: crashLog{policy: s.policy}}
	s.units = append(s.units, u)
	s.mu.Unlock()
	if err := s.waitReady(ctx, r, ready, timeout); err != nil {
		fmt.Fprintln(s.out)
		if errors.Is(err, errExited) {
			return r.ExitError()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s did not become ready within %s; see %s", spec.Name, timeout, r.Log())
		}
		return err
	}
	fmt.Fprintf(s.out, " ready in %.1fs\n", s.clock.Since(begin).Seconds())
	s.wg.Add(1)
	go s.watch(ctx, u)
	return nil
}

var errExited = errors.New("exited")

// waitReady polls ready every 100ms until it succeeds.
func (s *Supervisor) waitReady(ctx context.Context, r Runner, ready ReadyFunc, timeout time.Duration) error {
	deadline := s.clock.Now().Add(timeout)
	for {
		select {
		case <-r.Done():
			return errExited
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if ready(ctx) == nil {
			return nil
		}
		if !s.clock.Now().Before(deadline) {
			return context.DeadlineExceeded
		}
		select {
		case <-r.Done():
			return errExited
		case <-ctx.Done():
			return ctx.Err()
		case <-s.clock.After(100 * time.Millisecond):
		}
	}
}

// watch restarts the unit's program each time it crashes, until the
// supervisor stops or the program crashes too often.
func (s *Supervisor) watch(ctx context.Context, u *unit) {
	defer s.wg.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.stopCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		s.mu.Lock()
		r := u.run
		s.mu.Unlock()
		select {
		case <-r.Done():
		case <-s.stopCh:
			return
		}
		if s.isStopping() {
			return
		}
		delay, n, giveUp := u.crashes.record(s.clock.Now())
		if giveUp {
			s.giveUp(fmt.Errorf("%s keeps crashing (%d times within %s), so ke-dev stops everything; %w", u.spec.Name, n, s.policy.Window, r.ExitError()))
			return
		}
		fmt.Fprintf(s.out, "ke-dev: %s exited unexpectedly (%s); restarting it in %s (crash %d of at most %d within %s; log: %s)\n",
			u.spec.Name, r.ExitStatus(), delay, n, s.policy.MaxCrashes, s.policy.Window, r.Log())
		select {
		case <-s.clock.After(delay):
		case <-s.stopCh:
			return
		}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return
		}
		begin := s.clock.Now()
		next, err := s.start(u.spec)
		if err != nil {
			s.mu.Unlock()
			s.giveUp(fmt.Errorf("restarting %s: %w", u.spec.Name, err))
			return
		}
		u.run = next
		s.mu.Unlock()
		switch err := s.waitReady(ctx, next, u.ready, s.policy.ReadyTimeout); {
		case err == nil:
			fmt.Fprintf(s.out, "ke-dev: %s is running again (ready in %.1fs)\n", u.spec.Name, s.clock.Since(begin).Seconds())
		case errors.Is(err, errExited), errors.Is(err, context.Canceled):
			// A crash before ready counts like any other; a stop ends the loop.
		default:
			s.giveUp(fmt.Errorf("%s did not become ready again within %s, so ke-dev stops everything; see %s", u.spec.Name, s.policy.ReadyTimeout, next.Log()))
			return
		}
	}
}

func (s *Supervisor) isStopping() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopping
}

func (s *Supervisor) giveUp(err error) {
	select {
	case s.fatal <- err:
	default:
	}
}

// Wait blocks until a program crashes too often (it returns why) or ctx is
// done (it returns nil).
func (s *Supervisor) Wait(ctx context.Context) error {
	select {
	case err := <-s.fatal:
		return err
	case <-ctx.Done():
		return nil
	}
}

// Stop stops every program in reverse order of start; nothing is restarted
// afterwards.
func (s *Supervisor) Stop() {
	s.mu.Lock()
	if !s.stopping {
		s.stopping = true
		close(s.stopCh)
	}
	runs := make([]Runner, 0, len(s.units))
	for _, u := range s.units {
		runs = append(runs, u.run)
	}
	s.units = nil
	s.mu.Unlock()
	for i := len(runs) - 1; i >= 0; i-- {
		runs[i].Stop(s.grace)
	}
	s.wg.Wait()
}

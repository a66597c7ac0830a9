package process

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestCrashLogBacksOffAndGivesUp(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := crashLog{policy: DefaultPolicy()}
	// Five crashes in a row are restarted after 1s, 2s, 4s, 8s, 16s.
	at := start
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second} {
		delay, n, giveUp := c.record(at)
		if giveUp || delay != want || n != i+1 {
			t.Fatalf("crash %d: delay %s, count %d, give up %v; want %s, %d, false", i+1, delay, n, giveUp, want, i+1)
		}
		at = at.Add(delay + time.Second)
	}
	// The sixth within two minutes is one too many.
	if _, n, giveUp := c.record(at); !giveUp || n != 6 {
		t.Fatalf("sixth crash within %s: count %d, give up %v", at.Sub(start), n, giveUp)
	}

	// Crashes spread out are restarted for ever, the backoff starting over
	// once the earlier crashes leave the window.
	c = crashLog{policy: DefaultPolicy()}
	at = start
	for i := range 20 {
		delay, n, giveUp := c.record(at)
		if giveUp || n > 3 {
			t.Fatalf("crash %d at %s: count %d, give up %v", i+1, at.Sub(start), n, giveUp)
		}
		if i > 3 && delay != 4*time.Second {
			t.Fatalf("crash %d: delay %s, want 4s with three crashes in the window", i+1, delay)
		}
		at = at.Add(50 * time.Second)
	}
	c = crashLog{policy: DefaultPolicy()}
	if delay, _, _ := c.record(start); delay != time.Second {
		t.Fatal(delay)
	}
	if delay, n, _ := c.record(start.Add(5 * time.Minute)); delay != time.Second || n != 1 {
		t.Fatalf("a crash long after the last one: delay %s, count %d", delay, n)
	}
}

// fakeRunner is a program the test ends at will.
type fakeRunner struct {
	name string
	done chan struct{}
	once sync.Once
}

func (f *fakeRunner) Done() <-chan struct{} { return f.done }
func (f *fakeRunner) ExitError() error {
	return fmt.Errorf("%s stopped unexpectedly (signal: killed)", f.name)
}
func (f *fakeRunner) ExitStatus() string { return "signal: killed" }
func (f *fakeRunner) Log() string        { return "/logs/" + f.name + ".log" }
func (f *fakeRunner) Stop(time.Duration) { f.crash() }
func (f *fakeRunner) crash()             { f.once.Do(func() { close(f.done) }) }

type fakeStarter struct {
	mu      sync.Mutex
	started map[string][]*fakeRunner
	order   []string
}

func (f *fakeStarter) start(spec Spec) (Runner, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &fakeRunner{name: spec.Name, done: make(chan struct{})}
	f.started[spec.Name] = append(f.started[spec.Name], r)
	f.order = append(f.order, spec.Name)
	return r, nil
}

func (f *fakeStarter) runs(name string) []*fakeRunner {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*fakeRunner(nil), f.started[name]...)
}

// syncBuffer is the supervisor's output, read while it writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func newTestSupervisor(t *testing.T) (*Supervisor, *fakeStarter, *clocktesting.FakeClock, *syncBuffer) {
	t.Helper()
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fs := &fakeStarter{started: map[string][]*fakeRunner{}}
	out := &syncBuffer{}
	s := NewSupervisor(fs.start, clk, out, DefaultPolicy(), time.Second)
	ready := func(context.Context) error { return nil }
	for _, name := range []string{"etcd", "kube-apiserver", "kube-scheduler"} {
		if err := s.Launch(context.Background(), Spec{Name: name}, ready, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	return s, fs, clk, out
}

func TestSupervisorRestartsACrashedProgram(t *testing.T) {
	s, fs, clk, out := newTestSupervisor(t)
	defer s.Stop()

	fs.runs("kube-scheduler")[0].crash()
	eventually(t, "the restart line", func() bool {
		return strings.Contains(out.String(), "ke-dev: kube-scheduler exited unexpectedly (signal: killed); restarting it in 1s (crash 1 of at most 5 within 2m0s; log: /logs/kube-scheduler.log)")
	})
	eventually(t, "the backoff timer", clk.HasWaiters)
	if n := len(fs.runs("kube-scheduler")); n != 1 {
		t.Fatalf("restarted before the backoff passed: %d runs", n)
	}
	clk.Step(time.Second)
	eventually(t, "the second run", func() bool { return len(fs.runs("kube-scheduler")) == 2 })
	eventually(t, "the line saying it runs again", func() bool {
		return strings.Contains(out.String(), "ke-dev: kube-scheduler is running again")
	})
	// Nothing else was touched.
	if len(fs.runs("etcd")) != 1 || len(fs.runs("kube-apiserver")) != 1 {
		t.Fatalf("other programs were restarted: %v", fs.order)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatalf("Wait after one restart: %v", err)
	}
}

func TestSupervisorKeepsRestartingCrashesSpreadOut(t *testing.T) {
	s, fs, clk, _ := newTestSupervisor(t)
	defer s.Stop()
	// A crash every 30s: never more than four within two minutes.
	for i := range 8 {
		fs.runs("kube-apiserver")[i].crash()
		eventually(t, "the backoff timer", clk.HasWaiters)
		clk.Step(30 * time.Second)
		eventually(t, "the next run", func() bool { return len(fs.runs("kube-apiserver")) == i+2 })
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatalf("crashes 30s apart must be restarted, got %v", err)
	}
}

func TestSupervisorGivesUpAfterSixCrashesInTwoMinutes(t *testing.T) {
	s, fs, clk, out := newTestSupervisor(t)
	for i := range 5 {
		fs.runs("kube-apiserver")[i].crash()
		eventually(t, "the backoff timer", clk.HasWaiters)
		clk.Step(time.Duration(1<<i) * time.Second)
		eventually(t, "the next run", func() bool { return len(fs.runs("kube-apiserver")) == i+2 })
	}
	fs.runs("kube-apiserver")[5].crash()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "kube-apiserver keeps crashing (6 times within 2m0s), so ke-dev stops everything") ||
		!strings.Contains(err.Error(), "kube-apiserver stopped unexpectedly") {
		t.Fatalf("want the give-up naming kube-apiserver, got %v\noutput:\n%s", err, out)
	}
	if n := len(fs.runs("kube-apiserver")); n != 6 {
		t.Fatalf("%d runs, want 6", n)
	}
	s.Stop()
	for _, name := range []string{"etcd", "kube-scheduler"} {
		select {
		case <-fs.runs(name)[0].Done():
		default:
			t.Fatalf("%s still runs after Stop", name)
		}
	}
}

func TestStopDuringBackoffRestartsNothing(t *testing.T) {
	s, fs, clk, _ := newTestSupervisor(t)
	fs.runs("etcd")[0].crash()
	eventually(t, "the backoff timer", clk.HasWaiters)
	stopped := make(chan struct{})
	go func() { s.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop waited for the backoff")
	}
	clk.Step(time.Minute)
	if n := len(fs.runs("etcd")); n != 1 {
		t.Fatalf("etcd was restarted after Stop: %d runs", n)
	}
	if err := s.Launch(context.Background(), Spec{Name: "late"}, func(context.Context) error { return nil }, time.Minute); err == nil || len(fs.runs("late")) != 0 {
		t.Fatal("Launch after Stop started a program")
	}
}

// Package upstream follows kube-apiserver as ke-apiserver depends on it: a
// cheap periodic probe of its /readyz says whether it answers, and each
// informer's list and watch say whether the caches have caught up with it.
// From both it answers ke-apiserver's readiness and whether a list served
// from the caches may be stale.
//
// It also keeps the informers from falling behind after an outage:
// client-go's reflectors back off exponentially (up to 30 s, with as much
// jitter again) while kube-apiserver is unreachable, so that the first
// relist after it comes back could wait half a minute. The informers'
// lists and watches go through the monitor instead, which holds them while
// the probe says kube-apiserver is not ready and releases them as soon as
// it is: they fail once, not once per backoff step, and catch up within the
// probe interval.
package upstream

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
)

// Timing of the probe and of the judgement of the informers.
const (
	// Interval is the time between probes while kube-apiserver is ready.
	Interval = time.Second
	// RetryInterval is the time between probes while it is not.
	RetryInterval = 250 * time.Millisecond
	// Timeout bounds one probe.
	Timeout = 2 * time.Second
	// Grace is how long an informer may be between two watches (a watch
	// ends every few minutes and is opened again at once) before its cache
	// counts as stale.
	Grace = time.Second
	// MaxHold bounds how long an informer's list or watch is held while
	// kube-apiserver is not ready; then it is tried all the same.
	MaxHold = 30 * time.Second
)

// Monitor follows kube-apiserver. Run it; until its first probe it counts
// kube-apiserver as ready.
type Monitor struct {
	probe func(context.Context) error
	clock clock.PassiveClock
	log   logr.Logger
	poke  chan struct{}

	mu sync.Mutex
	// checked says a probe has answered; ready, why and since are its result.
	checked bool
	ready   bool
	why     error
	since   time.Time
	// readyCh is closed while kube-apiserver is ready; probedCh is closed
	// and replaced after each probe.
	readyCh  chan struct{}
	probedCh chan struct{}
	feeds    map[*feed]struct{}
}

// New returns a monitor that probes kube-apiserver's /readyz with rc.
func New(rc *rest.Config, log logr.Logger) (*Monitor, error) {
	rc = rest.CopyConfig(rc)
	rc.Timeout = Timeout
	hc, err := rest.HTTPClientFor(rc)
	if err != nil {
		return nil, err
	}
	url := strings.TrimSuffix(rc.Host, "/") + "/readyz"
	if !strings.Contains(rc.Host, "://") {
		url = "https://" + strings.TrimSuffix(rc.Host, "/") + "/readyz"
	}
	return NewWithProbe(func(ctx context.Context) error { return probeReadyz(ctx, hc, url) }, clock.RealClock{}, log), nil
}

// NewWithProbe returns a monitor with its own probe, for tests.
func NewWithProbe(probe func(context.Context) error, clk clock.PassiveClock, log logr.Logger) *Monitor {
	m := &Monitor{probe: probe, clock: clk, log: log, poke: make(chan struct{}, 1), ready: true,
		readyCh: make(chan struct{}), probedCh: make(chan struct{}), feeds: map[*feed]struct{}{}, since: clk.Now()}
	close(m.readyCh)
	return m
}

func probeReadyz(ctx context.Context, hc *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("kube-apiserver's /readyz answered %d", resp.StatusCode)
	}
	return nil
}

// Run probes kube-apiserver until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	for {
		started := m.clock.Now()
		err := m.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		m.record(err, started)
		wait := Interval
		if err != nil {
			wait = RetryInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-m.poke:
			t.Stop()
		case <-t.C:
		}
	}
}

// record keeps the result of a probe sent at sent: kube-apiserver has
// been (not) ready since about then.
func (m *Monitor) record(err error, sent time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := sent
	switch {
	case err == nil && !m.ready:
		m.log.Info("kube-apiserver is ready again", "notReadyFor", now.Sub(m.since).Round(time.Millisecond).String())
		m.ready, m.since = true, now
		close(m.readyCh)
	case err != nil && m.ready:
		m.log.Error(err, "kube-apiserver is not ready: lists may be stale and informers wait for it")
		m.ready, m.since = false, now
		m.readyCh = make(chan struct{})
	}
	m.checked, m.why = true, err
	close(m.probedCh)
	m.probedCh = make(chan struct{})
}

// Ready returns nil when kube-apiserver answered the last probe as ready,
// else why not.
func (m *Monitor) Ready() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ready {
		return nil
	}
	return fmt.Errorf("kube-apiserver has not answered as ready since %s", m.since.UTC().Format(time.RFC3339))
}

// Freshness says whether the cached objects of a kind may be stale.
type Freshness struct {
	Stale bool `json:"stale"`
	// Reason says why, for people.
	Reason string `json:"reason,omitempty"`
	// Since is when the cache may have stopped following kube-apiserver.
	Since *time.Time `json:"since,omitempty"`
}

// Freshness says whether lists of gvk from the caches may be stale: when
// kube-apiserver is not ready, or when an informer that such a list
// depends on (that of gvk, and those of every built-in kind, which decide
// what a caller may see) has not been watching for more than Grace. The
// informers of other custom resources do not count.
func (m *Monitor) Freshness(gvk schema.GroupVersionKind) Freshness {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.ready {
		since := m.since
		return Freshness{Stale: true, Reason: "kube-apiserver is not answering; the list shows what ke-apiserver last saw", Since: &since}
	}
	now := m.clock.Now()
	var oldest time.Time
	kind := ""
	for f := range m.feeds {
		if f.custom && f.gvk != gvk {
			continue
		}
		if since, current := f.state(); !current && now.Sub(since) > Grace && (oldest.IsZero() || since.Before(oldest)) {
			oldest, kind = since, f.gvk.Kind
		}
	}
	if oldest.IsZero() {
		return Freshness{}
	}
	return Freshness{Stale: true, Reason: fmt.Sprintf("ke-apiserver is catching up with kube-apiserver (%s)", kind), Since: &oldest}
}

// Synced returns nil when the informers of the built-in kinds are all
// watching kube-apiserver, else which is not.
func (m *Monitor) Synced() error {
	f := m.Freshness(schema.GroupVersionKind{})
	if f.Stale {
		return errors.New(f.Reason)
	}
	return nil
}

// ProbeNow asks for a probe at once and waits for its result (or ctx, or
// twice the probe's timeout).
func (m *Monitor) ProbeNow(ctx context.Context) {
	m.mu.Lock()
	probed := m.probedCh
	m.mu.Unlock()
	select {
	case m.poke <- struct{}{}:
	default:
	}
	t := time.NewTimer(2 * Timeout)
	defer t.Stop()
	select {
	case <-probed:
	case <-ctx.Done():
	case <-t.C:
	}
}

// WaitReady waits until kube-apiserver is ready, ctx ends or MaxHold
// passes; it reports whether kube-apiserver is ready.
func (m *Monitor) WaitReady(ctx context.Context) bool {
	m.mu.Lock()
	ready := m.readyCh
	m.mu.Unlock()
	select {
	case <-ready:
		return true
	default:
	}
	t := time.NewTimer(MaxHold)
	defer t.Stop()
	select {
	case <-ready:
		return true
	case <-ctx.Done():
	case <-t.C:
	}
	return false
}

func (m *Monitor) register(f *feed) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.feeds[f] = struct{}{}
}

func (m *Monitor) unregister(f *feed) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.feeds, f)
}

package upstream_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	toolscache "k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/apiserver/upstream"
)

var podGVK = corev1.SchemeGroupVersion.WithKind("Pod")

// probe is a probe whose answer the test sets.
type probe struct{ down atomic.Bool }

func (p *probe) check(context.Context) error {
	if p.down.Load() {
		return errors.New("connection refused")
	}
	return nil
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func run(t *testing.T, m *upstream.Monitor) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go m.Run(ctx)
}

// lister lists nothing and hands out fake watches, or fails with err.
type lister struct {
	err     atomic.Pointer[error]
	watches chan *watch.FakeWatcher
}

func newLister() *lister { return &lister{watches: make(chan *watch.FakeWatcher, 10)} }

func (l *lister) lw() *toolscache.ListWatch {
	return &toolscache.ListWatch{
		ListWithContextFunc: func(context.Context, metav1.ListOptions) (runtime.Object, error) {
			if err := l.err.Load(); err != nil {
				return nil, *err
			}
			return &corev1.PodList{}, nil
		},
		WatchFuncWithContext: func(context.Context, metav1.ListOptions) (watch.Interface, error) {
			if err := l.err.Load(); err != nil {
				return nil, *err
			}
			w := watch.NewFake()
			l.watches <- w
			return w, nil
		},
	}
}

func TestAFailedProbeMakesEveryListStaleAndKubeAPIServerNotReady(t *testing.T) {
	p := &probe{}
	m := upstream.NewWithProbe(p.check, clocktesting.NewFakePassiveClock(time.Now()), logr.Discard())
	run(t, m)
	if err := m.Ready(); err != nil || m.Freshness(podGVK).Stale {
		t.Fatalf("before: %v %+v", err, m.Freshness(podGVK))
	}
	p.down.Store(true)
	eventually(t, "not ready", func() bool { return m.Ready() != nil })
	if f := m.Freshness(podGVK); !f.Stale || f.Since == nil || f.Reason == "" {
		t.Errorf("while down: %+v", f)
	}
	p.down.Store(false)
	eventually(t, "ready", func() bool { return m.Ready() == nil })
	if f := m.Freshness(podGVK); f.Stale {
		t.Errorf("after: %+v", f)
	}
}

func TestAListWaitsWhileKubeAPIServerIsNotReadyAndGoesOnWhenItIs(t *testing.T) {
	p := &probe{}
	m := upstream.NewWithProbe(p.check, clocktesting.NewFakePassiveClock(time.Now()), logr.Discard())
	run(t, m)
	p.down.Store(true)
	eventually(t, "not ready", func() bool { return m.Ready() != nil })
	l := newLister()
	feed := m.Feed(l.lw(), &corev1.Pod{}, clientgoscheme.Scheme).(toolscache.ListerWatcherWithContext)
	done := make(chan error, 1)
	go func() {
		_, err := feed.ListWithContext(context.Background(), metav1.ListOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the list went on while kube-apiserver was not ready: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	p.down.Store(false)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the list did not go on when kube-apiserver was ready")
	}
}

func TestAListThatCannotReachKubeAPIServerIsTriedAgainWhenItIsReady(t *testing.T) {
	p := &probe{}
	m := upstream.NewWithProbe(p.check, clocktesting.NewFakePassiveClock(time.Now()), logr.Discard())
	run(t, m)
	l := newLister()
	refused := errors.New("dial tcp: connection refused")
	l.err.Store(&refused)
	p.down.Store(true) // not probed yet: the monitor still counts kube-apiserver ready
	feed := m.Feed(l.lw(), &corev1.Pod{}, clientgoscheme.Scheme).(toolscache.ListerWatcherWithContext)
	go func() {
		time.Sleep(500 * time.Millisecond)
		l.err.Store(nil)
		p.down.Store(false)
	}()
	if _, err := feed.ListWithContext(context.Background(), metav1.ListOptions{}); err != nil {
		t.Errorf("the list was not tried again: %v", err)
	}
}

func TestAnInformerWithoutAWatchMakesItsListsStaleAfterTheGrace(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	m := upstream.NewWithProbe((&probe{}).check, clk, logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	pods := newLister()
	podFeed := m.Feed(pods.lw(), &corev1.Pod{}, clientgoscheme.Scheme).(toolscache.ListerWatcherWithContext)
	w, err := podFeed.WatchWithContext(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	upstreamWatch := <-pods.watches
	if f := m.Freshness(podGVK); f.Stale {
		t.Fatalf("watching: %+v", f)
	}
	upstreamWatch.Stop() // kube-apiserver went away
	eventually(t, "the watch ended", func() bool { _, open := <-w.ResultChan(); return !open })
	if f := m.Freshness(podGVK); f.Stale {
		t.Errorf("stale within the grace: %+v", f)
	}
	clk.SetTime(clk.Now().Add(upstream.Grace + time.Second))
	if f := m.Freshness(podGVK); !f.Stale || f.Since == nil {
		t.Errorf("after the grace: %+v", f)
	}
	if err := m.Synced(); err == nil {
		t.Error("Synced with a built-in kind's informer without a watch")
	}

	// The watch of a streaming list is current at the end of its initial events.
	send := true
	w, err = podFeed.WatchWithContext(ctx, metav1.ListOptions{SendInitialEvents: &send})
	if err != nil {
		t.Fatal(err)
	}
	upstreamWatch = <-pods.watches
	go func() {
		for range w.ResultChan() {
		}
	}()
	upstreamWatch.Add(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}})
	if f := m.Freshness(podGVK); !f.Stale {
		t.Error("fresh before the initial events ended")
	}
	upstreamWatch.Action(watch.Bookmark, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{metav1.InitialEventsAnnotationKey: "true"}}})
	eventually(t, "fresh after the bookmark", func() bool { return !m.Freshness(podGVK).Stale })
}

func TestACustomResourceOnlyMakesItsOwnListsStale(t *testing.T) {
	clk := clocktesting.NewFakePassiveClock(time.Now())
	m := upstream.NewWithProbe((&probe{}).check, clk, logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	widgets := schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Widget"}
	obj := &unstructured.Unstructured{}
	obj.SetGroupVersionKind(widgets)
	l := newLister()
	gone := error(apierrors.NewNotFound(schema.GroupResource{Group: "example.com", Resource: "gadgets"}, ""))
	feed := m.Feed(l.lw(), obj, clientgoscheme.Scheme).(toolscache.ListerWatcherWithContext)
	if _, err := feed.ListWithContext(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	clk.SetTime(clk.Now().Add(upstream.Grace + time.Second))
	if !m.Freshness(widgets).Stale || m.Freshness(podGVK).Stale || m.Synced() != nil {
		t.Errorf("widgets %+v, pods %+v, synced %v", m.Freshness(widgets), m.Freshness(podGVK), m.Synced())
	}

	// A kind kube-apiserver no longer serves is gone, not stale.
	gadgets := widgets
	gadgets.Kind = "Gadget"
	obj = &unstructured.Unstructured{}
	obj.SetGroupVersionKind(gadgets)
	l = newLister()
	l.err.Store(&gone)
	feed = m.Feed(l.lw(), obj, clientgoscheme.Scheme).(toolscache.ListerWatcherWithContext)
	if _, err := feed.ListWithContext(ctx, metav1.ListOptions{}); !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	clk.SetTime(clk.Now().Add(upstream.Grace + time.Second))
	if f := m.Freshness(gadgets); f.Stale {
		t.Errorf("gadgets: %+v", f)
	}
}

package upstream

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// NewInformerFunc makes the shared informers of a controller-runtime cache
// (cache.Options.NewInformer) list and watch through the monitor.
func (m *Monitor) NewInformerFunc(scheme *runtime.Scheme) func(toolscache.ListerWatcher, runtime.Object, time.Duration, toolscache.Indexers) toolscache.SharedIndexInformer {
	return func(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, idx toolscache.Indexers) toolscache.SharedIndexInformer {
		return toolscache.NewSharedIndexInformer(m.Feed(lw, obj, scheme), obj, resync, idx)
	}
}

// Feed wraps the lister-watcher of an informer of obj's kind: its lists
// and watches wait while kube-apiserver is not ready, one that fails to
// reach kube-apiserver is tried again as soon as it is ready, and the
// monitor learns whether the informer is watching.
func (m *Monitor) Feed(lw toolscache.ListerWatcher, obj runtime.Object, scheme *runtime.Scheme) toolscache.ListerWatcher {
	f := &feed{m: m, lw: toolscache.ToListerWatcherWithContext(lw), since: m.clock.Now()}
	switch obj.(type) {
	case *unstructured.Unstructured, *unstructured.UnstructuredList, *metav1.PartialObjectMetadata, *metav1.PartialObjectMetadataList:
		f.custom = true
		f.gvk = obj.GetObjectKind().GroupVersionKind()
	default:
		if gvk, err := apiutil.GVKForObject(obj, scheme); err == nil {
			f.gvk = gvk
		} else {
			f.gvk = schema.GroupVersionKind{Kind: reflect.TypeOf(obj).Elem().Name()}
		}
	}
	return f
}

// feed is the lister-watcher of one informer.
type feed struct {
	m      *Monitor
	lw     toolscache.ListerWatcherWithContext
	gvk    schema.GroupVersionKind
	custom bool

	mu sync.Mutex
	// current says a watch is open and past its initial events; since is
	// when it last stopped being so.
	current bool
	since   time.Time
	// gone says kube-apiserver refuses the kind (it does not serve it, or
	// ke-apiserver may not read it): a problem of its own, not staleness.
	gone bool
	// registered says the monitor counts the feed: from the informer's
	// first call until its context ends.
	registered bool
}

func (f *feed) state() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.since, f.current || f.gone
}

func (f *feed) setCurrent(current bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.current && !current {
		f.since = f.m.clock.Now()
	}
	f.current = current
}

func (f *feed) setGone(err error) {
	var status apierrors.APIStatus
	gone := false
	if errors.As(err, &status) {
		switch status.Status().Code {
		case 403, 404, 405:
			gone = true
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gone = gone
}

// ListWithContext implements toolscache.ListerWatcherWithContext.
func (f *feed) ListWithContext(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
	f.start(ctx)
	obj, err := f.lw.ListWithContext(ctx, opts)
	if err != nil && f.retry(ctx, err) {
		obj, err = f.lw.ListWithContext(ctx, opts)
	}
	f.setGone(err)
	return obj, err
}

// WatchWithContext implements toolscache.ListerWatcherWithContext.
func (f *feed) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	f.start(ctx)
	w, err := f.lw.WatchWithContext(ctx, opts)
	if err != nil && f.retry(ctx, err) {
		w, err = f.lw.WatchWithContext(ctx, opts)
	}
	f.setGone(err)
	if err != nil {
		return nil, err
	}
	// A watch that sends the initial objects first (the reflector's
	// streaming list) is current at their end, marked by a bookmark.
	initial := opts.SendInitialEvents != nil && *opts.SendInitialEvents
	return f.track(ctx, w, !initial), nil
}

// List implements toolscache.ListerWatcher (the reflector calls
// ListWithContext).
func (f *feed) List(opts metav1.ListOptions) (runtime.Object, error) {
	return f.ListWithContext(context.Background(), opts)
}

// Watch implements toolscache.ListerWatcher (the reflector calls
// WatchWithContext).
func (f *feed) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return f.WatchWithContext(context.Background(), opts)
}

// IsWatchListSemanticsUnSupported tells the reflector whether the wrapped
// lister-watcher supports streaming lists.
func (f *feed) IsWatchListSemanticsUnSupported() bool {
	u, ok := f.lw.(interface{ IsWatchListSemanticsUnSupported() bool })
	return ok && u.IsWatchListSemanticsUnSupported()
}

// start registers the feed while its informer runs (the context ends with
// the informer) and holds the call while kube-apiserver is not ready.
func (f *feed) start(ctx context.Context) {
	f.mu.Lock()
	first := !f.registered
	f.registered = true
	f.mu.Unlock()
	if first {
		f.m.register(f)
		context.AfterFunc(ctx, func() {
			f.m.unregister(f)
			f.mu.Lock()
			f.registered = false
			f.mu.Unlock()
		})
	}
	f.m.WaitReady(ctx)
}

// retry reports whether a failed call should be made again at once: when
// kube-apiserver was not reached (no API status below 500 came back) and,
// probed again, it is ready now.
func (f *feed) retry(ctx context.Context, err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Code < 500 || ctx.Err() != nil {
		return false
	}
	f.m.ProbeNow(ctx)
	return f.m.WaitReady(ctx) && ctx.Err() == nil
}

// track passes a watch's events through and follows whether it is open.
func (f *feed) track(ctx context.Context, w watch.Interface, current bool) watch.Interface {
	t := &trackedWatch{w: w, out: make(chan watch.Event), stop: make(chan struct{})}
	f.setCurrent(current)
	go func() {
		defer close(t.out)
		defer f.setCurrent(false)
		for {
			select {
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				if ev.Type == watch.Bookmark && initialEventsEnd(ev.Object) {
					f.setCurrent(true)
				}
				select {
				case t.out <- ev:
				case <-t.stop:
					return
				case <-ctx.Done():
					return
				}
			case <-t.stop:
				return
			}
		}
	}()
	return t
}

func initialEventsEnd(obj runtime.Object) bool {
	a, err := meta.Accessor(obj)
	return err == nil && a.GetAnnotations()[metav1.InitialEventsAnnotationKey] == "true"
}

// trackedWatch is a watch whose events pass through the feed.
type trackedWatch struct {
	w    watch.Interface
	out  chan watch.Event
	once sync.Once
	stop chan struct{}
}

func (t *trackedWatch) Stop() {
	t.once.Do(func() {
		close(t.stop)
		t.w.Stop()
	})
}

func (t *trackedWatch) ResultChan() <-chan watch.Event { return t.out }

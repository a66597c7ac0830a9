// Package cachewait lets a service answer a write once ke-apiserver's cache
// shows it, so that the caller's next request (and the authorizer, which
// reads the same informers) sees what the caller was told. It waits
// briefly and gives up quietly: the write has happened either way.
package cachewait

import (
	"context"
	"strconv"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// DefaultTimeout bounds a wait when the service sets none.
const DefaultTimeout = 5 * time.Second

// Until waits until r holds obj at least at its resource version, and
// reports whether it does (services need not look).
func Until(ctx context.Context, r client.Reader, obj client.Object, timeout time.Duration) bool {
	want := obj.GetResourceVersion()
	return poll(ctx, r, obj, timeout, func(cached client.Object, err error) bool {
		return err == nil && newerOrEqual(cached.GetResourceVersion(), want)
	})
}

// Gone waits until r no longer holds obj (or holds another object of its
// name), and reports whether it does not.
func Gone(ctx context.Context, r client.Reader, obj client.Object, timeout time.Duration) bool {
	uid := obj.GetUID()
	return poll(ctx, r, obj, timeout, func(cached client.Object, err error) bool {
		return apierrors.IsNotFound(err) || (err == nil && cached.GetUID() != uid)
	})
}

func poll(ctx context.Context, r client.Reader, obj client.Object, timeout time.Duration, done func(client.Object, error) bool) bool {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	key := client.ObjectKeyFromObject(obj)
	fresh, ok := obj.DeepCopyObject().(client.Object)
	if !ok {
		return false
	}
	return wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		return done(fresh, r.Get(ctx, key, fresh)), nil
	}) == nil
}

// newerOrEqual compares resource versions. They are opaque, but etcd's are
// integers; anything else counts as caught up only when equal.
func newerOrEqual(have, want string) bool {
	if have == want {
		return true
	}
	h, err1 := strconv.ParseUint(have, 10, 64)
	w, err2 := strconv.ParseUint(want, 10, 64)
	return err1 == nil && err2 == nil && h >= w
}

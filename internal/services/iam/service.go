// Package iam is the logic behind ke-apiserver's IAM API: users and their
// passwords, members at the workspace, project and cluster levels, roles of
// the four levels built from role templates, and groups. Handlers decode,
// authorize by URL and encode; this package validates, checks what
// authorization by URL cannot (nobody grants, builds or takes away a role
// with permissions they do not hold, nor acts on a user or group that holds
// more than they do; the last administrator of a workspace stays), and
// writes the platform's objects with ke-apiserver's own identity. Its
// errors are Kubernetes API errors (k8s.io/apimachinery/pkg/api/errors),
// which the handlers answer as they are.
//
// Reads come from ke-apiserver's cache. After a write the service waits,
// briefly, until the cache shows it, so that the next request (and the
// authorizer, which reads the same informers) sees what the caller was told.
package iam

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/services/cachewait"
)

// Authorizer decides whether a user may do something.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// TokenRevoker revokes every token of a user.
type TokenRevoker interface {
	RevokeUser(ctx context.Context, user string) (int, error)
}

// Service implements the IAM API.
type Service struct {
	// Reader reads from ke-apiserver's cache; Client writes.
	Reader     client.Reader
	Client     client.Client
	Authorizer Authorizer
	// Escalation is the authorizer without self-service: whether a caller
	// holds everything a user or group holds.
	Escalation Escalation
	Tokens     TokenRevoker
	Clock      clock.PassiveClock
	BcryptCost int
	// Passwords keeps the users' password hashes, apart from the users.
	Passwords *passwordsecret.Store
	// SystemNamespace holds the platform's Secrets (the initial
	// administrator's password).
	SystemNamespace string
	// CacheWait bounds the wait for the cache to show a write (5s when zero).
	CacheWait time.Duration

	locks stripedLocks
}

// stripedLocks serializes the check-then-write sequences of one replica
// (unique e-mails, the last administrator) per key.
type stripedLocks [64]sync.Mutex

func (l *stripedLocks) lock(key string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	m := &l[h.Sum32()%uint32(len(l))]
	m.Lock()
	return m.Unlock
}

// get reads a cluster-scoped object from the cache by name; one that does
// not exist is a 404 that names gr.
func get[T any, P interface {
	*T
	client.Object
}](ctx context.Context, s *Service, gr schema.GroupResource, name string) (P, error) {
	obj := P(new(T))
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewNotFound(gr, name)
		}
		return nil, err
	}
	return obj, nil
}

func (s *Service) cacheWait() time.Duration {
	if s.CacheWait > 0 {
		return s.CacheWait
	}
	return cachewait.DefaultTimeout
}

// waitCached waits until the cache holds obj at least at its resource version.
func (s *Service) waitCached(ctx context.Context, obj client.Object) {
	cachewait.Until(ctx, s.Reader, obj, s.CacheWait)
}

// waitGone waits until the cache no longer holds obj.
func (s *Service) waitGone(ctx context.Context, obj client.Object) {
	cachewait.Gone(ctx, s.Reader, obj, s.CacheWait)
}

// waitHash waits until the password cache holds the user's hash.
func (s *Service) waitHash(ctx context.Context, u *iamv1beta1.User, hash string) {
	_ = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, s.cacheWait(), true, func(ctx context.Context) (bool, error) {
		got, err := s.Passwords.Hash(ctx, u)
		return err == nil && got == hash, nil
	})
}

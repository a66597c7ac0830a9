package streams_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"
	"k8s.io/apiserver/pkg/authentication/user"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authn/streams"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// result is the authentication of a token of a user's session.
func result(name, tokenID, session string) *authn.Result {
	return &authn.Result{User: &user.DefaultInfo{Name: name},
		Claims: &token.Claims{Claims: jwt.Claims{Subject: name, ID: tokenID}, SessionID: session}}
}

// checker refuses the tokens and users it was told to.
type checker struct {
	mu      sync.Mutex
	refused map[string]error
	asked   int
}

func (c *checker) refuse(key string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused[key] = err
}

func (c *checker) Recheck(_ context.Context, res *authn.Result) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked++
	if err, ok := c.refused[res.Claims.ID]; ok {
		return err
	}
	return c.refused[res.User.GetName()]
}

func ended(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

func TestRevocationsEndTheMatchingStreams(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(s tokenstore.Store) error
		ends   []string
	}{
		{name: "revoking a token ends its streams only",
			revoke: func(s tokenstore.Store) error { return s.Revoke(context.Background(), "a1") },
			ends:   []string{"alice/a1 first", "alice/a1 second"}},
		{name: "taking a token ends its streams",
			revoke: func(s tokenstore.Store) error { _, _, err := s.Take(context.Background(), "a2"); return err },
			ends:   []string{"alice/a2"}},
		{name: "revoking a session ends the streams of its tokens",
			revoke: func(s tokenstore.Store) error { return s.RevokeSession(context.Background(), "alice", "s1") },
			ends:   []string{"alice/a1 first", "alice/a1 second", "alice/a2"}},
		{name: "revoking a user ends every stream of the user",
			revoke: func(s tokenstore.Store) error { _, err := s.RevokeUser(context.Background(), "alice"); return err },
			ends:   []string{"alice/a1 first", "alice/a1 second", "alice/a2", "alice/a3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(time.Now())
			mem := tokenstore.NewMemory(clk)
			reg := streams.New(&checker{refused: map[string]error{}}, time.Hour)
			store := streams.Store{Store: mem, Registry: reg}
			for _, r := range []tokenstore.Record{
				{ID: "a1", User: "alice", SessionID: "s1", ExpiresAt: clk.Now().Add(time.Hour)},
				{ID: "a2", User: "alice", SessionID: "s1", ExpiresAt: clk.Now().Add(time.Hour)},
				{ID: "a3", User: "alice", SessionID: "s2", ExpiresAt: clk.Now().Add(time.Hour)},
				{ID: "b1", User: "bob", SessionID: "s1", ExpiresAt: clk.Now().Add(time.Hour)},
			} {
				if err := store.Add(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			open := map[string]context.Context{}
			for name, res := range map[string]*authn.Result{
				"alice/a1 first": result("alice", "a1", "s1"), "alice/a1 second": result("alice", "a1", "s1"),
				"alice/a2": result("alice", "a2", "s1"), "alice/a3": result("alice", "a3", "s2"), "bob/b1": result("bob", "b1", "s1"),
			} {
				ctx, done := reg.Track(context.Background(), res)
				t.Cleanup(done)
				open[name] = ctx
			}
			if err := tt.revoke(store); err != nil {
				t.Fatal(err)
			}
			for name, ctx := range open {
				want := false
				for _, e := range tt.ends {
					want = want || e == name
				}
				if ended(ctx) != want {
					t.Errorf("%s ended: %t, want %t", name, ended(ctx), want)
				}
				if want && !errors.Is(context.Cause(ctx), streams.ErrRevoked) {
					t.Errorf("%s ended because of %v", name, context.Cause(ctx))
				}
			}
		})
	}
}

func TestTheRecheckEndsStreamsThatNoLongerAuthenticate(t *testing.T) {
	c := &checker{refused: map[string]error{}}
	reg := streams.New(c, 20*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go reg.Run(ctx)

	revoked, doneRevoked := reg.Track(context.Background(), result("alice", "a1", "s1"))
	defer doneRevoked()
	kept, doneKept := reg.Track(context.Background(), result("alice", "a2", "s1"))
	defer doneKept()
	unreachable, doneUnreachable := reg.Track(context.Background(), result("bob", "b1", "s2"))
	defer doneUnreachable()
	c.refuse("a1", fmt.Errorf("%w: the token was revoked", authn.ErrUnauthenticated))
	c.refuse("bob", errors.New("the token store cannot be reached"))

	select {
	case <-revoked.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the stream of a token that no longer authenticates is still open")
	}
	time.Sleep(100 * time.Millisecond)
	if ended(kept) {
		t.Error("the stream of a token that still authenticates ended")
	}
	if ended(unreachable) {
		t.Error("a stream ended because the check could not be made")
	}
}

func TestAFinishedRequestLeavesTheRegistry(t *testing.T) {
	reg := streams.New(&checker{refused: map[string]error{}}, time.Hour)
	ctx, done := reg.Track(context.Background(), result("alice", "a1", "s1"))
	if reg.Len() != 1 {
		t.Fatalf("Len() = %d, want 1", reg.Len())
	}
	done()
	if reg.Len() != 0 || !ended(ctx) {
		t.Fatalf("after the request: Len() = %d, context ended %t", reg.Len(), ended(ctx))
	}
	reg.EndUser("alice") // nothing left to end
}

package oauth

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// A replica whose cache of password Secrets lags behind its cache of users
// reads the hash from kube-apiserver: the right password logs in, and the
// attempts made meanwhile are not wrong passwords that lock the user out.
func TestALaggingPasswordCacheIsNotAWrongPassword(t *testing.T) {
	ctx := context.Background()
	sch := scheme.New()
	live := fake.NewClientBuilder().WithScheme(sch).Build()
	u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "newcomer", UID: "u-1"}}
	if err := live.Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	hash, err := password.Hash("P4ssw0rd-long", 4)
	if err != nil {
		t.Fatal(err)
	}
	if err := (&passwordsecret.Store{Namespace: "superkube-system", Writer: live}).Set(ctx, u, hash); err != nil {
		t.Fatal(err)
	}
	// The cache of Secrets has not seen the new one yet.
	lagging := &passwordsecret.Store{Namespace: "superkube-system", Reader: fake.NewClientBuilder().WithScheme(sch).Build()}
	server := func(withLive bool) *Server {
		d := Deps{Users: live, Writer: live, Clock: clock.RealClock{}, Store: tokenstore.NewMemory(clock.RealClock{}), Passwords: lagging}
		if withLive {
			d.LivePasswords = &passwordsecret.Store{Namespace: "superkube-system", Reader: live}
		}
		s, err := NewServer(Options{Issuer: "https://ke.test", BcryptCost: 4, LoginsPerMinute: 600, LoginBurst: 100}, d)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	at := loginAttempt{username: "newcomer", sourceIP: "192.0.2.1", kind: iamv1beta1.LoginPassword}

	// Without the read from kube-apiserver, as before: a wrong password.
	if _, err := server(false).passwordLogin(ctx, at, "P4ssw0rd-long"); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("without the live read: %v, want ErrLoginFailed (the lag this test is about)", err)
	}
	s := server(true)
	for i := range DefaultLockout().MaxFailures + 2 {
		got, err := s.passwordLogin(ctx, at, "P4ssw0rd-long")
		if err != nil || got.Name != "newcomer" {
			t.Fatalf("login %d with the right password while the cache lags: %v", i+1, err)
		}
	}
	if _, err := s.passwordLogin(ctx, at, "wrong-password"); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("a wrong password: %v, want ErrLoginFailed", err)
	}
}

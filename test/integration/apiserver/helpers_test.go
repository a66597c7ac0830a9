package apiserver

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/go-jose/go-jose/v4/jwt"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	tokenpkg "github.com/superkube/super-kubenetes/internal/oauth/token"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Password is the password of every user the tests create.
const Password = "Test-Passw0rd!"

// storedHash reads the hash in the user's password Secret ("" without one).
func storedHash(t *testing.T, u *iamv1beta1.User) string {
	t.Helper()
	h, err := (&passwordsecret.Store{Namespace: platform.SystemNamespace, Reader: st.k8s}).Hash(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// newUser creates a user with Password and waits until it is hashed and Active.
func newUser(t *testing.T, name string, mutate ...func(*iamv1beta1.User)) {
	t.Helper()
	platform.NewUser(t, st.k8s, name, Password, mutate...)
}

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	platform.Eventually(t, what, 30*time.Second, check)
}

func errf(format string, args ...any) error { return fmt.Errorf(format, args...) }

func keyOf(name string) types.NamespacedName { return types.NamespacedName{Name: name} }

func labelsFor(user string) client.MatchingLabels {
	return client.MatchingLabels{iamv1beta1.UserRefLabel: user}
}

// otherIssuerToken is a well-formed token signed by a key ke-apiserver does not know.
func otherIssuerToken(t *testing.T) string {
	t.Helper()
	ks, err := tokenpkg.GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	iss, err := tokenpkg.NewIssuer(st.url, ks, clock.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := iss.Issue(&tokenpkg.Claims{Claims: jwt.Claims{Subject: "admin", ID: "forged"}, TokenType: tokenpkg.TypeAccess}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

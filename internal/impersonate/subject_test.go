package impersonate_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/impersonate"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// A platform user acts with the groups of their bindings, a service account
// with its own groups; a missing or disabled user is refused by name.
func TestSubject(t *testing.T) {
	alice := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice", UID: "u1"}}
	alice.Status.Groups = []string{"dev"}
	bob := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "bob"}, Spec: iamv1beta1.UserSpec{Disabled: true}}
	cl := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(alice, bob).Build()
	ctx := context.Background()

	u, err := impersonate.Subject(ctx, cl, "alice", "the operator")
	if err != nil || u.GetName() != "alice" || u.GetUID() != "u1" || !slices.Equal(u.GetGroups(), []string{"dev", user.AllAuthenticated}) {
		t.Fatalf("alice: %+v, %v", u, err)
	}
	sa, err := impersonate.Subject(ctx, cl, "system:serviceaccount:ci:deployer", "the run's user")
	if err != nil || !slices.Contains(sa.GetGroups(), "system:serviceaccounts:ci") || !slices.Contains(sa.GetGroups(), user.AllAuthenticated) {
		t.Fatalf("service account: %+v, %v", sa, err)
	}
	if _, err := impersonate.Subject(ctx, cl, "bob", "the operator"); err == nil || !strings.Contains(err.Error(), `the operator "bob" is disabled`) {
		t.Fatalf("disabled: %v", err)
	}
	if _, err := impersonate.Subject(ctx, cl, "carol", "the run's user"); err == nil || !strings.Contains(err.Error(), `the run's user "carol" is not a platform user`) {
		t.Fatalf("missing: %v", err)
	}
}

package envtest_test

import (
	"context"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) { envtest.Run(m, &env, envtest.Options{}) }

func TestTheControlPlaneStoresAndReturnsObjects(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "envtest-"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	got, err := env.Clientset.CoreV1().Namespaces().Get(ctx, ns.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("reading the namespace back: %v", err)
	}
	if got.UID != ns.UID {
		t.Fatalf("got namespace uid %s, want %s", got.UID, ns.UID)
	}
}

func TestTheControlPlaneReportsThePinnedVersion(t *testing.T) {
	v, err := env.Clientset.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.37.2" {
		t.Fatalf("kube-apiserver reports %q, want the pinned v1.37.2", v.GitVersion)
	}
}

func TestAnAddedUserIsAuthorizedByRBAC(t *testing.T) {
	ctx := context.Background()
	cfg, err := env.AddUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	review, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
		Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "list", Resource: "secrets"}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if review.Status.Allowed {
		t.Fatal("a user without bindings may list secrets; RBAC is not in force")
	}
}

package webhook_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/ledger"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

func cache(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).
		WithIndex(&quotav1alpha2.ResourceQuota{}, webhook.WorkspaceIndex, func(o client.Object) []string {
			return []string{o.(*quotav1alpha2.ResourceQuota).Spec.Workspace}
		}).Build()
}

func review(t *testing.T, n int) admission.Request {
	t.Helper()
	p := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "proj", Name: fmt.Sprintf("p%d", n), UID: types.UID(fmt.Sprintf("uid-%d", n))},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}}}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{UID: types.UID(fmt.Sprintf("req-%d", n)),
		Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, Resource: metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespace: "proj", Name: p.Name, Operation: admissionv1.Create, Object: runtime.RawExtension{Raw: raw}}}
}

// A replica that does not lead forwards the reviews it would charge to the
// leader named in the Lease, which decides against its own book: the
// follower's book is never charged, and the leader's refusal comes back.
func TestAFollowerForwardsToTheLeader(t *testing.T) {
	ctx := context.Background()
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "proj", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws"}}},
		&quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", UID: "q-uid", Generation: 1},
			Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "ws", Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("2")}}},
	}
	dec := admission.NewDecoder(scheme.New())
	leaderBook, followerBook := &ledger.Book{}, &ledger.Book{}
	elected := make(chan struct{})
	close(elected)
	leader := &webhook.Validator{Cache: cache(objs...), Book: leaderBook, Decoder: dec,
		Leader: &webhook.Leader{Elected: elected}}
	srv := httptest.NewTLSServer(&admission.Webhook{Handler: leader, WithContextFunc: webhook.Context})
	defer srv.Close()

	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	lease := types.NamespacedName{Namespace: "system", Name: "ke-controller-manager-quota-webhook"}
	addr := strings.TrimPrefix(srv.URL, "https://")
	apis := cache(&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: lease.Namespace, Name: lease.Name},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(addr)}})
	follower := &webhook.Validator{Cache: cache(objs...), Book: followerBook, Decoder: dec,
		Leader: &webhook.Leader{Elected: make(chan struct{}), Reader: apis, Lease: lease, CAFile: caFile, ServerName: "example.com"}}

	for n := 1; n <= 2; n++ {
		if resp := follower.Handle(ctx, review(t, n)); !resp.Allowed {
			t.Fatalf("create %d refused: %+v", n, resp.Result)
		}
	}
	resp := follower.Handle(ctx, review(t, 3))
	if resp.Allowed || resp.Result == nil || resp.Result.Code != http.StatusForbidden ||
		!strings.Contains(resp.Result.Message, `exceeded workspace quota "q"`) {
		t.Fatalf("the third 1-CPU create under 2 CPUs was not refused with the quota's message: %+v", resp.Result)
	}
	if s, _ := leaderBook.Snapshot("q-uid"); len(s.Pending) != 2 {
		t.Errorf("the leader's book has %d charges, want 2", len(s.Pending))
	}
	if _, counted := followerBook.Snapshot("q-uid"); counted {
		t.Error("the follower counted and charged its own book")
	}

	// A review forwarded to a replica that does not lead waits for the
	// election, then is refused with a message that says to try again.
	notLeader := &webhook.Validator{Cache: cache(objs...), Book: &ledger.Book{}, Decoder: dec,
		Leader: &webhook.Leader{Elected: make(chan struct{}), Wait: 50 * time.Millisecond}}
	fwd := httptest.NewRequest(http.MethodPost, webhook.Path, nil)
	fwd.Header.Set(webhook.ForwardedHeader, "1")
	resp = notLeader.Handle(webhook.Context(ctx, fwd), review(t, 4))
	if resp.Allowed || resp.Result.Code != http.StatusServiceUnavailable || !strings.Contains(resp.Result.Message, "try again") {
		t.Fatalf("a forwarded review at a replica that does not lead: %+v", resp.Result)
	}
}

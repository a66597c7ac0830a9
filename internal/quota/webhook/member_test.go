package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/count"
	"github.com/superkube/super-kubenetes/internal/quota/ledger"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// members reads one member's cache.
type members map[string]client.Reader

func (m members) Reader(_ context.Context, cluster string) (client.Reader, error) {
	return m[cluster], nil
}

// places puts the workspace on the host and the member edge.
type places struct{ host, edge client.Reader }

func (p places) For(context.Context, string) ([]count.Place, error) {
	return []count.Place{{Reader: p.host}, {Cluster: "edge", Reader: p.edge}}, nil
}

// A review may name a member only with the multicluster token; with it,
// the member's project is read from the member's cache and charged to the
// workspace's one book.
func TestAMemberReviewNeedsTheToken(t *testing.T) {
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "ws"}
	host := cache(&quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", UID: "q-uid", Generation: 1},
		Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "ws", Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("1")}}})
	edge := cache(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "proj", Labels: ws}})
	book := &ledger.Book{}
	v := &webhook.Validator{Cache: host, Places: places{host, edge}, Members: members{"edge": edge}, Book: book,
		MemberToken: func() string { return "the-multicluster-token" }, Decoder: admission.NewDecoder(scheme.New())}
	from := func(token string) context.Context {
		r := httptest.NewRequest(http.MethodPost, webhook.Path, nil)
		r.Header.Set(webhook.ClusterHeader, "edge")
		r.Header.Set("Authorization", "Bearer "+token)
		return webhook.Context(context.Background(), r)
	}
	for _, token := range []string{"", "a-guess"} {
		resp := v.Handle(from(token), review(t, 1))
		if resp.Allowed || resp.Result.Code != http.StatusUnauthorized {
			t.Fatalf("a member review with token %q: %+v", token, resp.Result)
		}
	}
	// The host has no namespace proj: only the member's cache knows it is
	// the workspace's, so the second create is refused.
	if resp := v.Handle(from("the-multicluster-token"), review(t, 2)); !resp.Allowed {
		t.Fatalf("the first member create was refused: %+v", resp.Result)
	}
	resp := v.Handle(from("the-multicluster-token"), review(t, 3))
	if resp.Allowed || !strings.Contains(resp.Result.Message, "used 1 of 1") {
		t.Fatalf("the second member create: %+v", resp.Result)
	}
	s, _ := book.Snapshot("q-uid")
	if len(s.Pending) != 1 || s.Pending[0].Cluster != "edge" {
		t.Fatalf("the charge %+v does not name the member", s.Pending)
	}
}

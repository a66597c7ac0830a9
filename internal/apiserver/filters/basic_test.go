package filters_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

func TestWithRequestInfo(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		target    string
		want      *request.Info // checked fields only; nil for a 400
		wantField string
	}{
		{"a namespaced object path puts its info in the context", http.MethodDelete, "/api/v1/namespaces/dev/pods/web-1",
			&request.Info{IsResourceRequest: true, Verb: "delete", Namespace: "dev", Resource: "pods", Name: "web-1", Level: iamv1beta1.LevelNamespace}, ""},
		{"a watch query makes the verb watch", http.MethodGet, "/apis/apps/v1/namespaces/dev/deployments?watch=true",
			&request.Info{IsResourceRequest: true, Verb: "watch", APIGroup: "apps", Namespace: "dev", Resource: "deployments", Level: iamv1beta1.LevelNamespace}, ""},
		{"a non-resource path is not a resource request", http.MethodGet, "/healthz",
			&request.Info{Verb: "get", Level: iamv1beta1.LevelGlobal}, ""},
		{"an encoded slash in a name is 400 naming the name", http.MethodGet, "/api/v1/namespaces/dev/secrets/a%2F..%2Fb", nil, "name"},
		{"an encoded slash in a namespace is 400 naming the namespace", http.MethodGet, "/api/v1/namespaces/dev%2Fx/secrets", nil, "namespace"},
		{"a .. segment is 400 naming the path", http.MethodGet, "/api/v1/namespaces/dev/../kube-system/secrets", nil, "path"},
		{"an encoded .. segment is 400 naming the path", http.MethodGet, "/api/v1/namespaces/dev/%2E%2E/kube-system/secrets", nil, "path"},
		{"an encoded slash in a workspace is 400 naming the workspace", http.MethodGet, "/kapis/tenant.superkube.io/v1beta1/workspaces/a%2Fb/namespaces", nil, "workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *request.Info
			inner := &reached{}
			h := filters.WithRequestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, _ = request.InfoFrom(r.Context())
				inner.ServeHTTP(w, r)
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))

			if tt.want == nil {
				if inner.ran {
					t.Fatal("the handler ran for a malformed path")
				}
				st := status(t, rec)
				if st.Code != http.StatusBadRequest || st.Reason != metav1.StatusReasonBadRequest {
					t.Fatalf("Status = %d/%s, want 400/BadRequest", st.Code, st.Reason)
				}
				if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != tt.wantField {
					t.Fatalf("Status details = %+v, want one cause for field %q", st.Details, tt.wantField)
				}
				return
			}
			if rec.Code != http.StatusOK || got == nil {
				t.Fatalf("code = %d, info %v: want 200 with info in the context", rec.Code, got)
			}
			if got.IsResourceRequest != tt.want.IsResourceRequest || got.Verb != tt.want.Verb || got.APIGroup != tt.want.APIGroup ||
				got.Namespace != tt.want.Namespace || got.Resource != tt.want.Resource || got.Name != tt.want.Name || got.Level != tt.want.Level {
				t.Errorf("info = %+v, want %+v", got, tt.want)
			}
		})
	}
}

package impersonate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/impersonate"
)

// Every request carries the user's identity as impersonation headers, over
// the process's own credentials; the base config's impersonation is not
// kept.
func TestRequestsActAsTheUser(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.Header.Clone():
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"shop"}}`))
	}))
	defer srv.Close()
	base := &rest.Config{Host: srv.URL, BearerToken: "ke-apiserver", Impersonate: rest.ImpersonationConfig{UserName: "someone-else"}}
	c, err := impersonate.New(base, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := c.Kubernetes(&user.DefaultInfo{Name: "olivia", UID: "u-1", Groups: []string{"team", user.AllAuthenticated}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), "shop", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	h := <-got
	if h.Get("Impersonate-User") != "olivia" || h.Get("Impersonate-Uid") != "u-1" || len(h.Values("Impersonate-Group")) != 2 ||
		h.Get("Authorization") != "Bearer ke-apiserver" {
		t.Errorf("headers %v", h)
	}
	if base.Impersonate.UserName != "someone-else" {
		t.Error("the base config was changed")
	}
}

package routes_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/testutil/statustest"
)

func TestMethods(t *testing.T) {
	served := ""
	m := routes.Methods{
		http.MethodGet:    func(http.ResponseWriter, *http.Request) { served = "get" },
		http.MethodDelete: func(http.ResponseWriter, *http.Request) { served = "delete" },
	}
	tests := []struct {
		name, method, wantServed string
		wantCode                 int
	}{
		{"a method the path takes is served by its handler", http.MethodDelete, "delete", http.StatusOK},
		{"HEAD is served as GET", http.MethodHead, "get", http.StatusOK},
		{"another method is a 405 Status that lists the methods in Allow", http.MethodPost, "", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			served = ""
			rec := httptest.NewRecorder()
			m.ServeHTTP(rec, httptest.NewRequest(tt.method, "/kapis/x/v1/things/a", nil))
			if rec.Code != tt.wantCode || served != tt.wantServed {
				t.Fatalf("code %d, served %q; want %d, %q", rec.Code, served, tt.wantCode, tt.wantServed)
			}
			if tt.wantCode != http.StatusMethodNotAllowed {
				return
			}
			if st := statustest.Failure(t, rec); st.Reason != metav1.StatusReasonMethodNotAllowed {
				t.Errorf("reason %s", st.Reason)
			}
			if a := rec.Header().Get("Allow"); a != "DELETE, GET" {
				t.Errorf("Allow %q, want \"DELETE, GET\"", a)
			}
		})
	}
}

package server_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/apiserver/server"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/httpfilters"
)

// lines is a logger's output, line by line.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) add(prefix, args string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, prefix+" "+args)
}

func (l *lines) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, x := range l.all {
		if strings.Contains(x, s) {
			out = append(out, x)
		}
	}
	return out
}

func TestAServerErrorIsLoggedOnceWithItsCauseAndRequestIDAndAnsweredWithout(t *testing.T) {
	const (
		hash  = "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
		token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"
	)
	logs := &lines{}
	h := server.NewHandler(server.Deps{
		Log: funcr.New(logs.add, funcr.Options{Verbosity: 0}), Tokens: tokens{}, Authorizer: authorizer{}, Audit: audit.Sinks{},
		Ready: func() error { return nil }, MaxBodyBytes: 1 << 20, Registry: prometheus.NewRegistry(),
		Routes: []server.Route{routeFunc(func(mux routes.Mux) {
			mux.Handle("/kapis/iam.superkube.io/v1beta1/users", routes.Methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
				responsewriters.WriteStatus(w, fmt.Errorf("listing users: %w", errors.New("etcd cluster is unavailable (cause-1)")))
			}})
			mux.Handle("/kapis/iam.superkube.io/v1beta1/groups", routes.Methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
				responsewriters.WriteStatus(w, apierrors.NewInternalError(errors.New("store rejected "+hash+" with Bearer "+token+" (cause-2)")))
			}})
			mux.Handle("/kapis/resources.superkube.io/v1alpha3/pods", routes.Methods{http.MethodGet: func(w http.ResponseWriter, _ *http.Request) {
				responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
					"the pods are still loading; retry (cause-3)"))
			}})
			mux.Handle("/kapis/iam.superkube.io/v1beta1/users/{user}", routes.Methods{http.MethodGet: func(w http.ResponseWriter, r *http.Request) {
				responsewriters.WriteStatus(w, apierrors.NewNotFound(schema.GroupResource{Resource: "users"}, r.PathValue("user")))
			}})
		})},
	})
	get := func(path string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer alice-token")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, tt := range []struct {
		path, cause string
		code        int
		shown       bool // whether the caller may read the message
	}{
		{"/kapis/iam.superkube.io/v1beta1/users", "listing users: etcd cluster is unavailable (cause-1)", http.StatusInternalServerError, false},
		{"/kapis/iam.superkube.io/v1beta1/groups", "(cause-2)", http.StatusInternalServerError, false},
		{"/kapis/resources.superkube.io/v1alpha3/pods", "the pods are still loading; retry (cause-3)", http.StatusServiceUnavailable, true},
	} {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(tt.path)
			id := rec.Header().Get(httpfilters.RequestIDHeader)
			if rec.Code != tt.code || id == "" {
				t.Fatalf("code %d, request id %q", rec.Code, id)
			}
			logged := logs.matching(`"requestID"="` + id + `"`)
			if len(logged) != 1 {
				t.Fatalf("want one log line of the request, got %d: %q", len(logged), logged)
			}
			l := logged[0]
			for _, want := range []string{`"msg"="Request failed"`, tt.cause, `"path"="` + tt.path + `"`, fmt.Sprintf(`"code"=%d`, tt.code)} {
				if !strings.Contains(l, want) {
					t.Errorf("the log line lacks %s: %s", want, l)
				}
			}
			for _, secret := range []string{hash, token} {
				if strings.Contains(l, secret) {
					t.Errorf("the log line holds a secret: %s", l)
				}
			}
			body := rec.Body.String()
			if strings.Contains(body, tt.cause) != tt.shown {
				t.Errorf("the answer shows the cause=%v, want %v: %s", !tt.shown, tt.shown, body)
			}
			if !tt.shown && (!strings.Contains(body, id) || strings.Contains(body, "etcd") || strings.Contains(body, "store rejected")) {
				t.Errorf("a 500 must name the request id and nothing of the cause: %s", body)
			}
		})
	}

	t.Run("a client error is not logged at the default verbosity", func(t *testing.T) {
		rec := get("/kapis/iam.superkube.io/v1beta1/users/nobody")
		if rec.Code != http.StatusNotFound {
			t.Fatalf("code %d", rec.Code)
		}
		if l := logs.matching(rec.Header().Get(httpfilters.RequestIDHeader)); len(l) != 0 {
			t.Fatalf("logged %q", l)
		}
	})
}

// Package routes is how handler packages register their endpoints, on an
// http.ServeMux in the server or a recorder when the OpenAPI document is
// generated: one path at a time, with its handlers by method (Methods), so
// that a method the path does not take answers 405 with the Allow header
// everywhere. (A ServeMux pattern with a method would instead fall through
// to the server's catch-all and answer 404.)
package routes

import (
	"net/http"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// Mux is the part of http.ServeMux that handlers use. Patterns are paths
// without a method: a handler that serves some methods only is a Methods;
// any other handler serves every method (the Kubernetes API proxy).
type Mux interface {
	Handle(pattern string, handler http.Handler)
}

// Methods serves one path with a handler per method, and answers other
// methods with 405 and the Allow header. HEAD is served as GET.
type Methods map[string]http.HandlerFunc

func (m Methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	if h, ok := m[method]; ok {
		h(w, r)
		return
	}
	allowed := strings.Join(m.Methods(), ", ")
	w.Header().Set("Allow", allowed)
	responsewriters.WriteStatus(w, apistatus.New(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
		r.Method+" is not supported at "+r.URL.Path+"; it takes "+allowed))
}

// Methods lists the methods served, sorted.
func (m Methods) Methods() []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

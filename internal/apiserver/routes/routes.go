// Package routes defines what handler packages register their endpoints
// on: an http.ServeMux in the server, a recorder when the OpenAPI document
// is generated.
package routes

import (
	"net/http"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// Mux is the part of http.ServeMux that handlers use.
type Mux interface {
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
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
	responsewriters.WriteStatus(w, responsewriters.StatusError(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed,
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

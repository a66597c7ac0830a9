package tracing

import (
	"context"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/tracing/jaeger"
	"github.com/superkube/super-kubenetes/internal/tracing/tracegen"
)

// Service is a service of the namespace as the list shows it.
type Service struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// Operation is an operation of a service.
type Operation struct {
	Name string `json:"name"`
}

// List is the list convention's answer.
type List[T any] struct {
	Items      []T `json:"items"`
	TotalItems int `json:"totalItems"`
}

// spanNamespace is a span's namespace: its process's k8s.namespace.name,
// else what follows the last "." of its service name ("" when none).
func spanNamespace(p jaeger.Process) string {
	if ns, ok := jaeger.Tag(p.Tags, tracegen.NamespaceKey); ok && ns != "" {
		return ns
	}
	return nameNamespace(p.ServiceName)
}

// nameNamespace is the namespace a service name says ("app.namespace").
func nameNamespace(service string) string {
	if i := strings.LastIndexByte(service, '.'); i >= 0 {
		return service[i+1:]
	}
	return ""
}

// resolver finds the namespace of a service whose name carries no ".ns"
// (an OpenTelemetry SDK names it as it likes, and says its namespace in
// the resource): from the process of one of its recent spans, kept for a
// minute.
type resolver struct {
	mu    sync.Mutex
	known map[string]resolved
}

type resolved struct {
	ns string
	at time.Time
}

// lookback is how far back the resolver looks for a service's spans.
const lookback = 7 * 24 * time.Hour

func (h *Handler) serviceNamespace(ctx context.Context, service string) (string, error) {
	if ns := nameNamespace(service); ns != "" {
		return ns, nil
	}
	r := &h.resolver
	now := h.now()
	r.mu.Lock()
	k, ok := r.known[service]
	r.mu.Unlock()
	if ok && now.Sub(k.at) < time.Minute {
		return k.ns, nil
	}
	traces, err := h.Store.Search(ctx, &jaeger.Query{Service: service, Start: now.Add(-lookback), End: now, Limit: 1})
	if err != nil {
		return "", err
	}
	ns := ""
	for _, t := range traces {
		for _, p := range t.Processes {
			if p.ServiceName == service {
				ns = spanNamespace(p)
			}
		}
	}
	r.mu.Lock()
	if r.known == nil {
		r.known = map[string]resolved{}
	}
	r.known[service] = resolved{ns: ns, at: now}
	r.mu.Unlock()
	return ns, nil
}

// namespaceServices are Jaeger's services of the namespace, sorted.
func (h *Handler) namespaceServices(ctx context.Context, ns string) (all map[string]bool, mine []string, err error) {
	names, err := h.Store.Services(ctx)
	if err != nil {
		return nil, nil, err
	}
	all = map[string]bool{}
	for _, s := range names {
		all[s] = true
		got, err := h.serviceNamespace(ctx, s)
		if err != nil {
			return nil, nil, err
		}
		if got == ns {
			mine = append(mine, s)
		}
	}
	sort.Strings(mine)
	return all, mine, nil
}

// checkService answers whether service is one of the namespace's: 404
// when Jaeger knows no such service, 422 on param when it is another
// namespace's.
func (h *Handler) checkService(ctx context.Context, c *call, service, param string) error {
	if service == "" {
		return invalid(param, "is required: a service of namespace "+c.ns)
	}
	all, mine, err := h.namespaceServices(ctx, c.ns)
	if err != nil {
		return storeFailed(err)
	}
	if !all[service] {
		return apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: "services"}, service)
	}
	for _, s := range mine {
		if s == service {
			return nil
		}
	}
	return invalid(param, "service "+strconv.Quote(service)+" is not in namespace "+c.ns)
}

// page applies the list convention's name filter, page and limit to
// sorted names.
func page(r *http.Request, names []string) ([]string, int, error) {
	q := r.URL.Query()
	if f := strings.ToLower(q.Get("name")); f != "" {
		var kept []string
		for _, n := range names {
			if strings.Contains(strings.ToLower(n), f) {
				kept = append(kept, n)
			}
		}
		names = kept
	}
	if q.Get("ascending") == "false" {
		for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
			names[i], names[j] = names[j], names[i]
		}
	}
	total := len(names)
	pg, limit := 1, 0
	var err error
	if v := q.Get("page"); v != "" {
		if pg, err = strconv.Atoi(v); err != nil || pg < 1 {
			return nil, 0, apistatus.BadRequest("page", "must be a positive integer")
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			return nil, 0, apistatus.BadRequest("limit", "must be a positive integer")
		}
	}
	if limit > 0 {
		from := min((pg-1)*limit, len(names))
		names = names[from:min(from+limit, len(names))]
	}
	return names, total, nil
}

// services lists the namespace's services, by name (ascending unless
// ascending=false).
func (h *Handler) services(w http.ResponseWriter, r *http.Request) {
	c := h.begin(w, r)
	if c == nil {
		return
	}
	_, mine, err := h.namespaceServices(r.Context(), c.ns)
	if err != nil {
		responsewriters.WriteStatus(w, storeFailed(err))
		return
	}
	names, total, err := page(r, mine)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out := List[Service]{Items: []Service{}, TotalItems: total}
	for _, n := range names {
		out.Items = append(out.Items, Service{Name: n, Namespace: c.ns})
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

// operations lists a service's operations.
func (h *Handler) operations(w http.ResponseWriter, r *http.Request) {
	c := h.begin(w, r)
	if c == nil {
		return
	}
	svc := r.PathValue("service")
	if err := h.checkService(r.Context(), c, svc, "service"); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ops, err := h.Store.Operations(r.Context(), svc)
	if err != nil {
		responsewriters.WriteStatus(w, storeFailed(err))
		return
	}
	sort.Strings(ops)
	names, total, err := page(r, ops)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out := List[Operation]{Items: []Operation{}, TotalItems: total}
	for _, n := range names {
		out.Items = append(out.Items, Operation{Name: n})
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

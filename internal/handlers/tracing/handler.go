// Package tracing serves the tracing part of the service mesh API, under
// /kapis/servicemesh.superkube.io/v1alpha2/namespaces/{namespace}/tracing:
// Jaeger's services, operations, trace search and trace by id, trimmed
// to the caller. A span belongs to the namespace of its process tag
// k8s.namespace.name or, failing that, to what follows the last "." of
// its service name (Istio's "app.namespace"); the caller sees the spans
// of namespaces where it may list pods, started after that namespace's
// creation, and nothing of a trace that holds none of the path
// namespace's spans it may see.
package tracing

import (
	"context"
	"errors"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/tracing/jaeger"
)

// Group is the service mesh API's group; Prefix the tracing endpoints'
// version path.
const (
	Group  = "servicemesh.superkube.io"
	Prefix = "/kapis/" + Group + "/v1alpha2"
	// Resource is the URL's resource for the authorization filter.
	Resource = "tracing"
)

// Store is what the handler reads of Jaeger (*jaeger.Client).
type Store interface {
	Services(ctx context.Context) ([]string, error)
	Operations(ctx context.Context, service string) ([]string, error)
	Search(ctx context.Context, q *jaeger.Query) ([]jaeger.Trace, error)
	Trace(ctx context.Context, id string) (*jaeger.Trace, error)
}

// Authorizer is what the handler needs of the authorizer.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Visible(a authz.Attributes) authz.Visibility
}

// Handler serves the tracing endpoints.
type Handler struct {
	// Store is Jaeger; nil answers 503 "tracing is not configured".
	Store      Store
	Authorizer Authorizer
	// Reader reads namespaces (from the cache).
	Reader client.Reader
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// resolver finds the namespace of services whose name does not say it.
	resolver resolver
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	get := func(f http.HandlerFunc) routes.Methods { return routes.Methods{http.MethodGet: f} }
	base := Prefix + "/namespaces/{namespace}/tracing"
	mux.Handle(base+"/services", get(h.services))
	mux.Handle(base+"/services/{service}/operations", get(h.operations))
	mux.Handle(base+"/traces", get(h.search))
	mux.Handle(base+"/traces/{traceID}", get(h.trace))
}

// AuthzRules let authenticated users through to the handler, which checks
// the right to list pods in the namespace and trims every answer.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: Resource, Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

// SearchParams documents the trace search's parameters (for the OpenAPI
// document).
var SearchParams = [][3]string{
	{"service", "string", "required: a service of the namespace (as /services lists it)"},
	{"operation", "string", "an operation of that service"},
	{"tags", "string", `JSON object of tags a span must all have, such as {"http.response.status_code":"500"}`},
	{"minDuration", "string", "shortest span, a duration such as 100ms or 1.5s"},
	{"maxDuration", "string", "longest span"},
	{"start", "integer", "earliest span start, Unix microseconds (default an hour before end; never before the namespace's creation)"},
	{"end", "integer", "latest span start, Unix microseconds (default now)"},
	{"limit", "integer", "traces, 1 to 1000 (default 20)"},
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// call is one request: who asks about which namespace.
type call struct {
	r    *http.Request
	user user.Info
	ns   string
	// created is the path namespace's creation.
	created time.Time
}

func unavailable(msg string) error {
	return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, msg, apistatus.RetryAfter(10))
}

// invalid is a 422 naming the parameter.
func invalid(param, msg string) error {
	return apistatus.New(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, param+": "+msg,
		apistatus.Cause(metav1.CauseTypeFieldValueInvalid, param, msg))
}

// storeFailed maps a failure of Jaeger to a Status.
func storeFailed(err error) error {
	var st apierrors.APIStatus
	var ae *jaeger.APIError
	switch {
	case errors.As(err, &st):
		return err
	case errors.Is(err, jaeger.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return unavailable("tracing is unavailable: Jaeger did not answer in time")
	case errors.As(err, &ae):
		return apistatus.BadRequest("query", ae.Message)
	}
	return err
}

// begin authorizes the caller in the path namespace: it must exist and
// the caller must be allowed to list its pods. nil and a written answer
// when not.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request) *call {
	if h.Store == nil {
		responsewriters.WriteStatus(w, unavailable("tracing is not configured: ke-apiserver has no Jaeger URL (servicemesh.jaeger.url, --jaeger-url)"))
		return nil
	}
	u, _ := request.UserFrom(r.Context())
	c := &call{r: r, user: u, ns: r.PathValue("namespace")}
	a := &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: "list", Resource: "pods", Namespace: c.ns}
	if !h.Authorizer.Authorize(a).Allowed {
		responsewriters.WriteStatus(w, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: Resource}, "",
			errors.New("user "+u.GetName()+" may not read the traces of namespace "+c.ns+": listing its pods is required")))
		return nil
	}
	var ns corev1.Namespace
	if err := h.Reader.Get(r.Context(), client.ObjectKey{Name: c.ns}, &ns); err != nil {
		responsewriters.WriteStatus(w, err)
		return nil
	}
	c.created = ns.CreationTimestamp.Time
	return c
}

// scope is what a caller may see of spans: the namespaces where it may
// list pods, and each namespace's creation.
type scope struct {
	visible authz.Visibility
	created map[string]time.Time
}

func (h *Handler) scope(c *call) (*scope, error) {
	a := authz.Attributes{User: c.user.GetName(), Groups: c.user.GetGroups(), Verb: "list", Resource: "pods"}
	s := &scope{visible: h.Authorizer.Visible(a), created: map[string]time.Time{}}
	var list corev1.NamespaceList
	if err := h.Reader.List(c.r.Context(), &list); err != nil {
		return nil, err
	}
	for _, ns := range list.Items {
		s.created[ns.Name] = ns.CreationTimestamp.Time
	}
	return s, nil
}

// sees reports whether a span of namespace ns started at start is the
// caller's to see: a namespace it may read, that exists, and that was
// created by then (a recreated namespace never shows its predecessor's
// spans; creation times have whole seconds, so the second counts).
func (s *scope) sees(ns string, start time.Time) bool {
	created, ok := s.created[ns]
	return ok && s.visible.Allows(ns) && !start.Before(created.Truncate(time.Second))
}

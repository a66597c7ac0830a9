// Package topology serves a project's traffic graph and the comparison
// of a service's versions (a canary's page) at
// /kapis/servicemesh.superkube.io/v1alpha2, from the mesh's standard
// metrics in the monitoring API's Prometheus. A caller may read them in a
// namespace where it may list pods, as the monitoring API decides.
package topology

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	promclient "github.com/superkube/super-kubenetes/internal/monitoring/client"
	"github.com/superkube/super-kubenetes/internal/servicemesh/topology"
)

// Group is the service mesh's API group.
const Group = "servicemesh.superkube.io"

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/v1alpha2"

// Bounds of the parameters.
const (
	DefaultDuration = 10 * time.Minute
	MinDuration     = 10 * time.Second
	MaxDuration     = 30 * 24 * time.Hour
	// DefaultRange is the versions' range without start.
	DefaultRange = 30 * time.Minute
	// MaxPoints bounds the points of a series, as Prometheus does.
	MaxPoints = 11000
	// MinStep is the finest default step.
	MinStep = 10 * time.Second
)

// Authorizer decides.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Handler serves the graph and the versions.
type Handler struct {
	// Service reads Prometheus; nil or without Prometheus answers 503.
	Service    *topology.Service
	Authorizer Authorizer
	// Reader reads namespaces (a cache), to clip ranges at the
	// namespace's creation: a recreated project never shows its
	// predecessor's traffic.
	Reader client.Reader
	Now    func() time.Time
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/namespaces/{namespace}/topology", routes.Methods{http.MethodGet: h.graph})
	mux.Handle(Prefix+"/namespaces/{namespace}/services/{service}/versions/metrics", routes.Methods{http.MethodGet: h.versions})
}

// AuthzRules let the two reads through to the handler, which checks the
// namespace.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "topology", Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Resource: "services", Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

// TopologyParams and VersionsParams document the parameters (OpenAPI).
var (
	TopologyParams = [][3]string{
		{"start", "string", "start of the window, RFC 3339 or Unix seconds (default end - duration)"},
		{"end", "string", "end of the window (default now)"},
		{"duration", "string", "the window's length without start, such as 10m (default 10m; 10s to 30d)"},
	}
	VersionsParams = [][3]string{
		{"start", "string", "start of the range, RFC 3339 or Unix seconds (default end - 30m)"},
		{"end", "string", "end of the range (default now)"},
		{"step", "string", "resolution, such as 30s (default range/100, at least 10s; at most 11,000 points)"},
	}
)

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) graph(w http.ResponseWriter, r *http.Request) {
	ns, ok := h.allowed(w, r, "topology")
	if !ok {
		return
	}
	start, end, err := window(r.URL.Query(), h.now())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	start, err = h.clip(r, ns, start)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !end.After(start) {
		responsewriters.WriteJSON(w, http.StatusOK, &topology.Graph{Namespace: ns, Start: start, End: end, Units: topology.Units,
			Nodes: []topology.Node{}, Edges: []topology.Edge{}})
		return
	}
	g, err := h.Service.Graph(r.Context(), ns, start, end)
	if err != nil {
		responsewriters.WriteStatus(w, failed(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, g)
}

func (h *Handler) versions(w http.ResponseWriter, r *http.Request) {
	ns, ok := h.allowed(w, r, "services")
	if !ok {
		return
	}
	svc := r.PathValue("service")
	if errs := validation.IsDNS1035Label(svc); len(errs) > 0 {
		responsewriters.WriteStatus(w, invalid("service", strings.Join(errs, "; ")))
		return
	}
	rng, err := stepRange(r.URL.Query(), h.now())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if rng.Start, err = h.clip(r, ns, rng.Start); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !rng.End.After(rng.Start) {
		rng.Start = rng.End
	}
	v, err := h.Service.Versions(r.Context(), ns, svc, rng)
	if err != nil {
		responsewriters.WriteStatus(w, failed(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, v)
}

// allowed answers 503 without Prometheus and 403 to a caller that may
// not list the namespace's pods.
func (h *Handler) allowed(w http.ResponseWriter, r *http.Request, resource string) (string, bool) {
	if h.Service == nil || h.Service.Prometheus == nil {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
			"monitoring is not configured: ke-apiserver has no Prometheus URL (--prometheus-url)", apistatus.RetryAfter(10)))
		return "", false
	}
	ns := r.PathValue("namespace")
	u, _ := request.UserFrom(r.Context())
	if u == nil || !h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: "list",
		Resource: "pods", Namespace: ns}).Allowed {
		name := ""
		if u != nil {
			name = u.GetName()
		}
		responsewriters.WriteStatus(w, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: resource}, "",
			fmt.Errorf("user %s may not read the traffic of namespace %s", name, ns)))
		return "", false
	}
	return ns, true
}

// clip moves a start before the namespace's creation to it.
func (h *Handler) clip(r *http.Request, ns string, start time.Time) (time.Time, error) {
	if h.Reader == nil {
		return start, nil
	}
	var n corev1.Namespace
	if err := h.Reader.Get(r.Context(), client.ObjectKey{Name: ns}, &n); err != nil {
		if apierrors.IsNotFound(err) {
			return start, apierrors.NewNotFound(corev1.Resource("namespaces"), ns)
		}
		return start, err
	}
	if created := n.CreationTimestamp.Time; start.Before(created) {
		return created, nil
	}
	return start, nil
}

func failed(err error) error {
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	if errors.Is(err, promclient.ErrUnavailable) {
		return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
			"monitoring is unavailable: Prometheus did not answer in time", apistatus.RetryAfter(10))
	}
	var qe *promclient.QueryError
	if errors.As(err, &qe) {
		return apistatus.New(http.StatusInternalServerError, metav1.StatusReasonInternalError, "Prometheus refused the query: "+qe.Message)
	}
	return err
}

// invalid is a 422 naming the parameter.
func invalid(param, msg string) error {
	return apistatus.New(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, param+": "+msg,
		apistatus.Cause(metav1.CauseTypeFieldValueInvalid, param, msg))
}

// window reads start, end and duration.
func window(q url.Values, now time.Time) (time.Time, time.Time, error) {
	end := now
	if v := q.Get("end"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return time.Time{}, time.Time{}, invalid("end", err.Error())
		}
		end = t
	}
	d := DefaultDuration
	var start time.Time
	switch s, dur := q.Get("start"), q.Get("duration"); {
	case s != "" && dur != "":
		return time.Time{}, time.Time{}, invalid("duration", "start and duration exclude each other")
	case s != "":
		t, err := parseTime(s)
		if err != nil {
			return time.Time{}, time.Time{}, invalid("start", err.Error())
		}
		start, d = t, end.Sub(t)
		if d <= 0 {
			return time.Time{}, time.Time{}, invalid("start", "must be before end")
		}
	case dur != "":
		v, err := parseDuration(dur)
		if err != nil {
			return time.Time{}, time.Time{}, invalid("duration", err.Error())
		}
		d = v
	}
	if d < MinDuration || d > MaxDuration {
		field := "duration"
		if q.Get("start") != "" {
			field = "start"
		}
		return time.Time{}, time.Time{}, invalid(field, fmt.Sprintf("the window must be %s to %s long", model.Duration(MinDuration), model.Duration(MaxDuration)))
	}
	if start.IsZero() {
		start = end.Add(-d)
	}
	return start, end, nil
}

// stepRange reads start, end and step.
func stepRange(q url.Values, now time.Time) (promv1.Range, error) {
	r := promv1.Range{End: now}
	if v := q.Get("end"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return r, invalid("end", err.Error())
		}
		r.End = t
	}
	r.Start = r.End.Add(-DefaultRange)
	if v := q.Get("start"); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return r, invalid("start", err.Error())
		}
		if !t.Before(r.End) {
			return r, invalid("start", "must be before end")
		}
		r.Start = t
	}
	if r.End.Sub(r.Start) > MaxDuration {
		return r, invalid("start", "the range may be at most "+model.Duration(MaxDuration).String()+" long")
	}
	r.Step = max(r.End.Sub(r.Start)/100, MinStep).Truncate(time.Second)
	if v := q.Get("step"); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			return r, invalid("step", err.Error())
		}
		if d < time.Second {
			return r, invalid("step", "must be at least 1s")
		}
		r.Step = d
	}
	if r.End.Sub(r.Start)/r.Step > MaxPoints {
		return r, invalid("step", fmt.Sprintf("too fine: more than %d points per series", MaxPoints))
	}
	return r, nil
}

var errBadTime = errors.New("want RFC 3339 or Unix seconds")

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e11 {
		return time.Time{}, errBadTime
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// parseDuration reads "30s", "5m", "1h30m", "2d" (Prometheus's units).
func parseDuration(s string) (time.Duration, error) {
	if d, err := model.ParseDuration(s); err == nil && d > 0 {
		return time.Duration(d), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, errors.New("want a positive duration such as 30s, 10m or 1h")
}

// Package logging serves the logging API at
// /kapis/logging.superkube.io/v1alpha2: the container logs kept in the log
// store, searched by keywords, namespaces, workloads, pods and containers
// over a time range, as a page of records, counts per interval, statistics
// or an export, trimmed to the namespaces where the caller may read pods'
// logs, each from its creation on (a deleted namespace's records stay out
// of a new namespace of the same name).
package logging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
)

// Group is the API group of the logging API.
const Group = "logging.superkube.io"

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/v1alpha2"

// Authorizer is what the handler needs of the authorizer: the namespaces
// where a caller may do something, as the list engine trims lists, and
// whether it may read audit records on the platform or in a workspace.
type Authorizer interface {
	Visible(a authz.Attributes) authz.Visibility
	Authorize(a *authz.Attributes) authz.Decision
}

// Handler serves the logging API.
type Handler struct {
	// Service is the log store: VictoriaLogs (*loggingsvc.Service) or
	// Elasticsearch/OpenSearch (*elastic.Client).
	Service    loggingsvc.Backend
	Authorizer Authorizer
	// Reader reads namespaces (from the cache).
	Reader client.Reader
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/logs", routes.Methods{http.MethodGet: h.logs})
	mux.Handle(Prefix+"/namespaces/{namespace}/logs", routes.Methods{http.MethodGet: h.logs})
	mux.Handle(Prefix+"/events", routes.Methods{http.MethodGet: h.events})
	mux.Handle(Prefix+"/namespaces/{namespace}/events", routes.Methods{http.MethodGet: h.events})
	mux.Handle(Prefix+"/auditing/events", routes.Methods{http.MethodGet: h.auditing})
	mux.Handle(Prefix+"/workspaces/{workspace}/auditing/events", routes.Methods{http.MethodGet: h.auditing})
}

// AuthzRules let every authenticated user through to the handler, which
// trims the search to the namespaces where the caller may read pods' logs.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

// QueryParams documents the parameters of the logs search (for the
// OpenAPI document).
var QueryParams = append([][3]string{
	{"operation", "string", "query (default): a page of records; histogram: lines per interval; statistics: containers and lines; export: the lines as text; tail: the new lines as server-sent events"},
	{"since", "string", "tail: how far back the lines start, a duration up to 1h (default 10s)"},
	{"log_query", "string", "words the line must hold, all of them, separated by commas (case does not matter)"},
	{"namespaces", "string", "namespaces, separated by commas"},
	{"namespace_query", "string", "parts of namespace names, separated by commas"},
	{"workloads", "string", "workloads (their pods' name prefix), separated by commas"},
	{"workload_query", "string", "parts of workload names, separated by commas"},
	{"pods", "string", "pods, separated by commas"},
	{"pod_query", "string", "parts of pod names, separated by commas"},
	{"containers", "string", "containers, separated by commas"},
	{"container_query", "string", "parts of container names, separated by commas"},
}, WindowParams...)

// WindowParams document the time range, order and page of a search.
var WindowParams = [][3]string{
	{"start_time", "string", "RFC 3339 or Unix seconds (default: end_time less 7 days)"},
	{"end_time", "string", "RFC 3339 or Unix seconds (default now)"},
	{"sort", "string", "desc (default, newest first) or asc"},
	{"from", "integer", "records to skip, 0 to 100000"},
	{"size", "integer", "records of the page, default 10; more than 1000 is 1000"},
	{"interval", "string", "the histogram's interval, a duration such as 30s, 15m or 1h (default: the range in about 60 intervals); at most 1000 intervals"},
}

// EventQueryParams documents the parameters of the events search (for the
// OpenAPI document).
var EventQueryParams = append([][3]string{
	{"operation", "string", "query (default): a page of events; histogram: events per interval"},
	{"involved_object_kind", "string", "kinds of the object the event is about, separated by commas"},
	{"involved_object_name", "string", "names of that object, separated by commas"},
	{"involved_object_uid", "string", "UIDs of that object, separated by commas"},
	{"involved_object_namespace", "string", "namespaces, separated by commas"},
	{"reason", "string", "reasons, separated by commas"},
	{"type", "string", "Normal or Warning, separated by commas"},
	{"message_query", "string", "words the message must hold, all of them, separated by commas (case does not matter)"},
}, WindowParams...)

// AuditQueryParams documents the parameters of the audit search (for the
// OpenAPI document).
var AuditQueryParams = append([][3]string{
	{"operation", "string", "query (default): a page of audit records; histogram: records per interval"},
	{"user", "string", "user names, separated by commas"},
	{"verb", "string", "verbs (create, update, patch, delete ...), separated by commas"},
	{"resource", "string", "resources (deployments, users ...), separated by commas"},
	{"name", "string", "object names, separated by commas"},
	{"namespace", "string", "namespaces, separated by commas"},
	{"workspace", "string", "workspaces, separated by commas"},
	{"code", "string", "answer codes, separated by commas"},
	{"source", "string", "kube-apiserver or ke-apiserver, separated by commas"},
}, WindowParams...)

// Limits of the parameters.
const (
	defaultRange = 7 * 24 * time.Hour
	defaultSize  = 10
	maxFrom      = 100000
)

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) logs(w http.ResponseWriter, r *http.Request) {
	u, _ := request.UserFrom(r.Context())
	q, op, err := parse(r, h.now())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	scope, err := h.scope(r, u.GetName(), u.GetGroups(), r.PathValue("namespace"), podLogs)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	q.Scope = scope
	ctx := r.Context()
	var answer any
	switch op {
	case "histogram":
		answer, err = h.Service.Histogram(ctx, q)
		answer = map[string]any{"histogram": answer}
	case "statistics":
		answer, err = h.Service.Statistics(ctx, q)
		answer = map[string]any{"statistics": answer}
	case "export":
		h.export(w, r, q)
		return
	case "tail":
		h.tail(w, r, q)
		return
	default:
		answer, err = h.Service.Search(ctx, q)
		answer = map[string]any{"query": answer}
	}
	if err != nil {
		responsewriters.WriteStatus(w, storeError(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, answer)
}

// searcher is a kind of record with a page and a histogram (events, audit
// records): how its query is made of the parameters and which records the
// caller may read, and the service's two searches of it.
type searcher[Q any] struct {
	query func(v url.Values, win loggingsvc.Window, sc logsql.Scope) Q
	scope func(r *http.Request, user string, groups []string) (logsql.Scope, error)
	page  func(context.Context, Q) (any, error)
	hist  func(context.Context, Q) (*loggingsvc.Histogram, error)
}

// serve answers a search of a kind: the operation, the time range and the
// page are read, and the caller's scope decided, the same way for each.
func serve[Q any](w http.ResponseWriter, r *http.Request, now time.Time, s searcher[Q]) {
	u, _ := request.UserFrom(r.Context())
	v := r.URL.Query()
	op, err := operation(v, "query", "histogram")
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	win, err := parseWindow(v, now)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	sc, err := s.scope(r, u.GetName(), u.GetGroups())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	q := s.query(v, win, sc)
	var answer any
	if op == "histogram" {
		var hist *loggingsvc.Histogram
		hist, err = s.hist(r.Context(), q)
		answer = map[string]any{"histogram": hist}
	} else {
		var page any
		page, err = s.page(r.Context(), q)
		answer = map[string]any{"query": page}
	}
	if err != nil {
		responsewriters.WriteStatus(w, storeError(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, answer)
}

// events searches Kubernetes events.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	serve(w, r, h.now(), searcher[loggingsvc.EventQuery]{
		query: func(v url.Values, win loggingsvc.Window, sc logsql.Scope) loggingsvc.EventQuery {
			return loggingsvc.EventQuery{Scope: sc, Window: win, Search: logsql.EventSearch{
				Namespaces: list(v, "involved_object_namespace"), Kinds: list(v, "involved_object_kind"), Names: list(v, "involved_object_name"),
				UIDs: list(v, "involved_object_uid"), Reasons: list(v, "reason"), Types: list(v, "type"), Words: list(v, "message_query"),
			}}
		},
		scope: func(r *http.Request, user string, groups []string) (logsql.Scope, error) {
			return h.scope(r, user, groups, r.PathValue("namespace"), events)
		},
		page: func(ctx context.Context, q loggingsvc.EventQuery) (any, error) { return h.Service.Events(ctx, q) },
		hist: h.Service.EventHistogram,
	})
}

// auditing searches audit records: everything for whoever may read them
// on the platform, else the records of the workspaces where the caller may
// (a workspace administrator), each from the workspace's creation;
// nothing for anybody else.
func (h *Handler) auditing(w http.ResponseWriter, r *http.Request) {
	serve(w, r, h.now(), searcher[loggingsvc.AuditQuery]{
		query: func(v url.Values, win loggingsvc.Window, sc logsql.Scope) loggingsvc.AuditQuery {
			return loggingsvc.AuditQuery{Scope: sc, Window: win, Search: logsql.AuditSearch{
				Users: list(v, "user"), Verbs: list(v, "verb"), Resources: list(v, "resource"), Names: list(v, "name"),
				Namespaces: list(v, "namespace"), Workspaces: list(v, "workspace"), Codes: list(v, "code"), Sources: list(v, "source"),
			}}
		},
		scope: func(r *http.Request, user string, groups []string) (logsql.Scope, error) {
			return h.auditScope(r, user, groups, r.PathValue("workspace"))
		},
		page: func(ctx context.Context, q loggingsvc.AuditQuery) (any, error) { return h.Service.Audit(ctx, q) },
		hist: h.Service.AuditHistogram,
	})
}

// auditScope is the workspaces whose audit records the caller may read,
// each from its creation; All on the platform. Within one workspace when
// ws is given (403 when the caller may not read its records).
func (h *Handler) auditScope(r *http.Request, userName string, groups []string, ws string) (logsql.Scope, error) {
	attrs := func(ws string) *authz.Attributes {
		return &authz.Attributes{User: userName, Groups: groups, ResourceRequest: true, Verb: "list", APIGroup: Group, Resource: "auditing", Workspace: ws}
	}
	platform := h.Authorizer.Authorize(attrs("")).Allowed
	if ws == "" && platform {
		return logsql.Scope{All: true}, nil
	}
	var list tenantv1beta1.WorkspaceList
	if err := h.Reader.List(r.Context(), &list); err != nil {
		return logsql.Scope{}, err
	}
	sc := logsql.Scope{Namespaces: map[string]time.Time{}}
	for _, w := range list.Items {
		if (ws == "" || w.Name == ws) && (platform || h.Authorizer.Authorize(attrs(w.Name)).Allowed) {
			sc.Namespaces[w.Name] = w.CreationTimestamp.Time
		}
	}
	if ws != "" && platform && len(sc.Namespaces) == 0 {
		// A deleted workspace's records, for whoever may read them all.
		sc.Namespaces[ws] = time.Time{}
	}
	if ws != "" && len(sc.Namespaces) == 0 {
		return logsql.Scope{}, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: "auditing"}, "",
			fmt.Errorf("user %s may not read the audit records of workspace %s", userName, ws))
	}
	return sc, nil
}

// export streams the lines as text; an error before the first line is a
// Status, after it the stream ends.
func (h *Handler) export(w http.ResponseWriter, r *http.Request, q loggingsvc.Query) {
	started := false
	begin := func() {
		started = true
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="logs.txt"`)
		w.WriteHeader(http.StatusOK)
	}
	if _, err := h.Service.Export(r.Context(), q, w, begin); err != nil && !started {
		responsewriters.WriteStatus(w, storeError(err))
	}
}

// Tail limits.
const (
	defaultTailSince = 10 * time.Second
	maxTailSince     = time.Hour
	// heartbeat keeps a quiet stream's connection open through proxies.
	heartbeat = 15 * time.Second
)

// tail streams the new matching lines as server-sent events, one record a
// "data:" event (JSON, as in a page), with a comment every heartbeat. The
// store away before the stream began is a 503 Status; after, an "error"
// event ends the stream.
func (h *Handler) tail(w http.ResponseWriter, r *http.Request, q loggingsvc.Query) {
	since := defaultTailSince
	if s := r.URL.Query().Get("since"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > maxTailSince {
			responsewriters.WriteStatus(w, apistatus.BadRequest("since", "must be a duration from 0s to 1h"))
			return
		}
		since = d
	}
	if err := h.Service.Available(r.Context()); err != nil {
		responsewriters.WriteStatus(w, storeError(err))
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var mu sync.Mutex
	send := func(b []byte) error {
		mu.Lock()
		defer mu.Unlock()
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send([]byte(": following\n\n")); err != nil {
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		t := time.NewTicker(heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if send([]byte(": keepalive\n\n")) != nil {
					cancel()
					return
				}
			}
		}
	}()
	err := h.Service.Tail(ctx, q, since, func(rec loggingsvc.Record) error {
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return send(append(append([]byte("data: "), data...), '\n', '\n'))
	})
	if err != nil && ctx.Err() == nil {
		_ = send([]byte("event: error\ndata: {\"message\":\"the log store is unavailable; the stream ends\"}\n\n"))
	}
}

// storeError is the answer to a failed search: 503 when the store does not
// answer (its own message stays in the log), the error itself otherwise.
func storeError(err error) error {
	if loggingsvc.Unavailable(err) || errors.Is(err, context.DeadlineExceeded) {
		return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
			"the log store is unavailable; try again later", apistatus.RetryAfter(10))
	}
	return err
}

// readable is a kind of record and the permission that lets a caller
// read it in a namespace.
type readable struct {
	name                        string
	verb, resource, subresource string
}

var (
	podLogs = readable{name: "logs", verb: "get", resource: "pods", subresource: "log"}
	events  = readable{name: "events", verb: "list", resource: "events"}
)

// scope is the namespaces where the caller may read a kind of record, each
// from its creation; within one namespace when ns is given (403 when the
// caller may not read there).
func (h *Handler) scope(r *http.Request, userName string, groups []string, ns string, kind readable) (logsql.Scope, error) {
	v := h.Authorizer.Visible(authz.Attributes{User: userName, Groups: groups, ResourceRequest: true, Verb: kind.verb, Resource: kind.resource, Subresource: kind.subresource})
	if ns != "" && !v.Allows(ns) {
		return logsql.Scope{}, apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: kind.name}, "",
			fmt.Errorf("user %s may not read the %s of namespace %s", userName, kind.name, ns))
	}
	var list corev1.NamespaceList
	if err := h.Reader.List(r.Context(), &list); err != nil {
		return logsql.Scope{}, err
	}
	// Someone who may read every namespace finds the lines of deleted
	// ones too; a namespace that exists counts from its creation.
	sc := logsql.Scope{All: v.All && ns == "", Namespaces: map[string]time.Time{}}
	for _, n := range list.Items {
		if (ns == "" && v.Allows(n.Name)) || n.Name == ns {
			sc.Namespaces[n.Name] = n.CreationTimestamp.Time
		}
	}
	return sc, nil
}

// parse reads the parameters of a logs search; a bad one is a 400 Status
// naming it.
func parse(r *http.Request, now time.Time) (loggingsvc.Query, string, error) {
	v := r.URL.Query()
	op, err := operation(v, "query", "histogram", "statistics", "export", "tail")
	if err != nil {
		return loggingsvc.Query{}, "", err
	}
	q := loggingsvc.Query{Search: logsql.Search{
		Words:      list(v, "log_query"),
		Namespaces: list(v, "namespaces"), NamespaceParts: list(v, "namespace_query"),
		Workloads: list(v, "workloads"), WorkloadParts: list(v, "workload_query"),
		Pods: list(v, "pods"), PodParts: list(v, "pod_query"),
		Containers: list(v, "containers"), ContainerParts: list(v, "container_query"),
	}}
	q.Window, err = parseWindow(v, now)
	return q, op, err
}

// operation reads the operation, one of ops (the first is the default).
func operation(v url.Values, ops ...string) (string, error) {
	op := v.Get("operation")
	if op == "" {
		return ops[0], nil
	}
	if slices.Contains(ops, op) {
		return op, nil
	}
	return "", apistatus.BadRequest("operation", "must be "+strings.Join(ops[:len(ops)-1], ", ")+" or "+ops[len(ops)-1])
}

// list reads a parameter of values separated by commas.
func list(v url.Values, name string) []string {
	var out []string
	for _, s := range strings.Split(v.Get(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseWindow reads the time range, the order, the page and the interval.
func parseWindow(v url.Values, now time.Time) (loggingsvc.Window, error) {
	w := loggingsvc.Window{Size: defaultSize}
	end := now
	if s := v.Get("end_time"); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return w, apistatus.BadRequest("end_time", err.Error())
		}
		end = t
	}
	start := end.Add(-defaultRange)
	if s := v.Get("start_time"); s != "" {
		t, err := parseTime(s)
		if err != nil {
			return w, apistatus.BadRequest("start_time", err.Error())
		}
		start = t
	}
	if !start.Before(end) {
		return w, apistatus.BadRequest("start_time", "must be before end_time")
	}
	w.Range.Start, w.Range.End = start, end
	switch v.Get("sort") {
	case "", "desc":
	case "asc":
		w.Ascending = true
	default:
		return w, apistatus.BadRequest("sort", "must be asc or desc")
	}
	if s := v.Get("from"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxFrom {
			return w, apistatus.BadRequest("from", "must be an integer from 0 to "+strconv.Itoa(maxFrom))
		}
		w.From = n
	}
	if s := v.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return w, apistatus.BadRequest("size", "must be a positive integer (more than "+strconv.Itoa(loggingsvc.MaxSize)+" is "+strconv.Itoa(loggingsvc.MaxSize)+")")
		}
		w.Size = min(n, loggingsvc.MaxSize)
	}
	span := end.Sub(start)
	w.Interval = niceInterval(span / 60)
	if span/w.Interval > loggingsvc.MaxBuckets {
		w.Interval = (span / loggingsvc.MaxBuckets).Truncate(time.Second) + time.Second
	}
	if s := v.Get("interval"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Second {
			return w, apistatus.BadRequest("interval", "must be a duration of at least 1s, such as 30s, 15m or 1h")
		}
		if span/d > loggingsvc.MaxBuckets {
			return w, apistatus.BadRequest("interval", "gives more than "+strconv.Itoa(loggingsvc.MaxBuckets)+" intervals over the time range")
		}
		w.Interval = d
	}
	return w, nil
}

// niceInterval rounds d up to an interval a chart reads well.
func niceInterval(d time.Duration) time.Duration {
	for _, n := range []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute,
		15 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour} {
		if d <= n {
			return n
		}
	}
	return 24 * time.Hour
}

// parseTime reads RFC 3339 or Unix seconds.
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	return time.Time{}, errors.New("must be an RFC 3339 time or Unix seconds")
}

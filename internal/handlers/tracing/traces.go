package tracing

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/tracing/jaeger"
)

const (
	// DefaultLimit is the traces of a search without a limit.
	DefaultLimit = 20
	// MaxLimit bounds the limit of a search.
	MaxLimit = 1000
	// defaultRange is the search's span of time when start is not given.
	defaultRange = time.Hour
)

// parseSearch reads the search's parameters; a bad one is a 422 naming it.
func parseSearch(q url.Values, now time.Time) (*jaeger.Query, error) {
	out := &jaeger.Query{Service: q.Get("service"), Operation: q.Get("operation"), Limit: DefaultLimit}
	if v := q.Get("tags"); v != "" {
		if err := json.Unmarshal([]byte(v), &out.Tags); err != nil {
			return nil, invalid("tags", `must be a JSON object of strings, such as {"http.response.status_code":"500"}`)
		}
		for k := range out.Tags {
			if k == "" {
				return nil, invalid("tags", "a tag's key must not be empty")
			}
		}
	}
	for _, d := range []struct {
		name string
		into *time.Duration
	}{{"minDuration", &out.MinDuration}, {"maxDuration", &out.MaxDuration}} {
		v := q.Get(d.name)
		if v == "" {
			continue
		}
		dur, err := time.ParseDuration(v)
		if err != nil || dur < 0 {
			return nil, invalid(d.name, "must be a non-negative duration such as 100ms or 1.5s, got "+strconv.Quote(v))
		}
		*d.into = dur
	}
	if out.MaxDuration > 0 && out.MinDuration > out.MaxDuration {
		return nil, invalid("maxDuration", "must not be less than minDuration")
	}
	out.End = now
	for _, t := range []struct {
		name string
		into *time.Time
	}{{"end", &out.End}, {"start", &out.Start}} {
		v := q.Get(t.name)
		if v == "" {
			continue
		}
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil || us < 0 {
			return nil, invalid(t.name, "must be a time in Unix microseconds, got "+strconv.Quote(v))
		}
		*t.into = time.UnixMicro(us)
	}
	if out.Start.IsZero() {
		out.Start = out.End.Add(-defaultRange)
	}
	if out.End.Before(out.Start) {
		return nil, invalid("end", "must not be before start")
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxLimit {
			return nil, invalid("limit", "must be an integer from 1 to "+strconv.Itoa(MaxLimit))
		}
		out.Limit = n
	}
	return out, nil
}

// search finds the namespace's traces and answers them trimmed, newest
// first.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	c := h.begin(w, r)
	if c == nil {
		return
	}
	q, err := parseSearch(r.URL.Query(), h.now())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := h.checkService(r.Context(), c, q.Service, "service"); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out := List[*Trace]{Items: []*Trace{}}
	// Nothing of a namespace is older than the namespace.
	if created := c.created.Truncate(time.Second); q.Start.Before(created) {
		q.Start = created
	}
	if !q.End.Before(q.Start) {
		sc, err := h.scope(c)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		traces, err := h.Store.Search(r.Context(), q)
		if err != nil {
			responsewriters.WriteStatus(w, storeFailed(err))
			return
		}
		for i := range traces {
			if t := trim(&traces[i], sc, c.ns); t != nil {
				out.Items = append(out.Items, t)
			}
		}
		sortNewestFirst(out.Items)
	}
	out.TotalItems = len(out.Items)
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

// validTraceID checks a trace id: 1 to 32 hexadecimal digits.
func validTraceID(id string) error {
	if id == "" || len(id) > 32 {
		return errors.New("must be 1 to 32 hexadecimal digits")
	}
	for _, r := range id {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return errors.New("must be 1 to 32 hexadecimal digits")
		}
	}
	return nil
}

// trace answers one trace, trimmed; 404 when Jaeger has none or none of
// its spans is the caller's in the namespace, so that a trace of another
// tenant cannot be told from one that does not exist.
func (h *Handler) trace(w http.ResponseWriter, r *http.Request) {
	c := h.begin(w, r)
	if c == nil {
		return
	}
	id := r.PathValue("traceID")
	if err := validTraceID(id); err != nil {
		responsewriters.WriteStatus(w, invalid("traceID", err.Error()))
		return
	}
	id = strings.ToLower(id)
	notFound := apierrors.NewNotFound(schema.GroupResource{Group: Group, Resource: "traces"}, id)
	t, err := h.Store.Trace(r.Context(), id)
	switch {
	case errors.Is(err, jaeger.ErrNotFound):
		responsewriters.WriteStatus(w, notFound)
		return
	case err != nil:
		responsewriters.WriteStatus(w, storeFailed(err))
		return
	}
	sc, err := h.scope(c)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out := trim(t, sc, c.ns)
	if out == nil {
		responsewriters.WriteStatus(w, notFound)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

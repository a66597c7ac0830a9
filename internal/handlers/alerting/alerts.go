package alerting

import (
	"cmp"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/authz"
	promclient "github.com/superkube/super-kubenetes/internal/monitoring/client"
	alertingsvc "github.com/superkube/super-kubenetes/internal/services/alerting"
)

// scopeFunc computes what the caller may see at a level; the error is the
// answer.
type scopeFunc func(r *http.Request) (alertingsvc.Scope, error)

// projectScope: the project's own alerts (the filter has checked the
// right to list alerts there). Its history starts at its creation.
func (h *Handler) projectScope(r *http.Request) (alertingsvc.Scope, error) {
	ns := r.PathValue("namespace")
	var obj corev1.Namespace
	var created time.Time
	if err := h.Reader.Get(r.Context(), client.ObjectKey{Name: ns}, &obj); err == nil {
		created = obj.CreationTimestamp.Time
	} else if !apierrors.IsNotFound(err) {
		return alertingsvc.Scope{}, err
	}
	return alertingsvc.ProjectScope(ns, created), nil
}

// clusterScope: the cluster's alerts (the filter has checked the right to
// list clusteralerts).
func clusterScope(*http.Request) (alertingsvc.Scope, error) {
	return alertingsvc.Scope{Cluster: true, Level: alertingv2beta1.LevelCluster}, nil
}

// platformScope: everything for a platform viewer; else the cluster's
// alerts for a cluster viewer and the alerts of the projects where the
// caller may list alerts. Nobody is refused: the list may be empty.
func (h *Handler) platformScope(r *http.Request) (alertingsvc.Scope, error) {
	u := caller(r)
	if h.allowed(u, "list", "alerts", "") {
		return alertingsvc.Scope{All: true}, nil
	}
	s := alertingsvc.Scope{Cluster: h.allowed(u, "list", "clusteralerts", ""), Namespaces: map[string]bool{}, Created: map[string]time.Time{}}
	v := h.Authorizer.Visible(authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: "list", APIGroup: Group, Resource: "alerts"})
	var list corev1.NamespaceList
	if err := h.Reader.List(r.Context(), &list); err != nil {
		return s, err
	}
	for _, ns := range list.Items {
		if v.Allows(ns.Name) {
			s.Namespaces[ns.Name] = true
			s.Created[ns.Name] = ns.CreationTimestamp.Time
		}
	}
	return s, nil
}

// alertList is the list convention of the alerts: sortBy activeAt (the
// default, newest first), name (the alert's name), severity or state;
// filters state, severity, level, group, rule and namespace; name is a
// substring of the alert's name, labelSelector selects on its labels.
var alertList = listquery.Spec{SortBy: []string{"activeAt", "severity", "state"}, Filters: []string{"state", "severity", "level", "group", "rule", "namespace"}}

var severityRank = map[string]int{"critical": 0, "error": 1, "warning": 2, "info": 3}

func (h *Handler) alerts(scope scopeFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := listquery.Parse(r.URL.Query(), alertList)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if level := q.Filters["level"]; level != "" && level != alertingv2beta1.LevelProject && level != alertingv2beta1.LevelCluster && level != alertingv2beta1.LevelGlobal {
			responsewriters.WriteStatus(w, apistatus.BadRequest("level", "must be project, cluster or global"))
			return
		}
		s, err := scope(r)
		if err != nil {
			responsewriters.WriteStatus(w, failed(err))
			return
		}
		all, err := h.Service.Alerts(r.Context(), s)
		if err != nil {
			responsewriters.WriteStatus(w, failed(err))
			return
		}
		kept := all[:0]
		for _, a := range all {
			if keepAlert(q, a) {
				kept = append(kept, a)
			}
		}
		slices.SortStableFunc(kept, func(a, b alertingsvc.Alert) int {
			var c int
			switch q.SortBy {
			case "name":
				c = strings.Compare(a.Rule, b.Rule)
			case "severity":
				c = cmp.Compare(rank(a.Labels[alertingv2beta1.SeverityLabel]), rank(b.Labels[alertingv2beta1.SeverityLabel]))
			case "state":
				c = strings.Compare(a.State, b.State)
			default:
				c = a.ActiveAt.Compare(b.ActiveAt)
			}
			if !q.Ascending {
				c = -c
			}
			return cmp.Or(c, strings.Compare(a.Fingerprint, b.Fingerprint))
		})
		from, to := q.Window(len(kept))
		responsewriters.WriteJSON(w, http.StatusOK, alertingsvc.AlertList{Items: kept[from:to], TotalItems: len(kept)})
	}
}

// rank orders severities most urgent first; unknown ones last.
func rank(s string) int {
	if r, ok := severityRank[s]; ok {
		return -r
	}
	return -len(severityRank)
}

func keepAlert(q *listquery.Query, a alertingsvc.Alert) bool {
	if !q.MatchesName(a.Rule, "") || !q.Labels.Matches(labels.Set(a.Labels)) {
		return false
	}
	for k, v := range q.Filters {
		var got string
		switch k {
		case "state":
			got = a.State
		case "severity":
			got = a.Labels[alertingv2beta1.SeverityLabel]
		case "level":
			got = a.Level
		case "group":
			got = a.Group
		case "rule":
			got = a.Rule
		case "namespace":
			got = a.Labels["namespace"]
		}
		if got != v {
			return false
		}
	}
	return true
}

// parseTime reads RFC 3339 or Unix seconds.
func parseTime(param, v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Unix(0, int64(f*1e9)), nil
	}
	return time.Time{}, apistatus.BadRequest(param, "must be RFC 3339 or Unix seconds")
}

// history answers the alerts' intervals over start..end (default: the last
// day), at step (default range/1000, at least 15s).
func (h *Handler) history(scope scopeFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		end := h.now()
		var err error
		if v := q.Get("end"); v != "" {
			if end, err = parseTime("end", v); err != nil {
				responsewriters.WriteStatus(w, err)
				return
			}
		}
		start := end.Add(-24 * time.Hour)
		if v := q.Get("start"); v != "" {
			if start, err = parseTime("start", v); err != nil {
				responsewriters.WriteStatus(w, err)
				return
			}
		}
		if !start.Before(end) {
			responsewriters.WriteStatus(w, apistatus.BadRequest("start", "must be before end"))
			return
		}
		if end.Sub(start) > alertingsvc.MaxHistory {
			responsewriters.WriteStatus(w, apistatus.BadRequest("start", "the range may span 31 days at most"))
			return
		}
		step := alertingsvc.HistoryStep(end.Sub(start))
		if v := q.Get("step"); v != "" {
			d, err := model.ParseDuration(v)
			if err != nil || d <= 0 {
				responsewriters.WriteStatus(w, apistatus.BadRequest("step", "must be a duration such as 15s or 1m"))
				return
			}
			step = time.Duration(d)
		}
		if end.Sub(start)/step > alertingsvc.MaxHistoryPoints {
			responsewriters.WriteStatus(w, apistatus.BadRequest("step", "is too small: at most 11,000 points per series"))
			return
		}
		s, err := scope(r)
		if err != nil {
			responsewriters.WriteStatus(w, failed(err))
			return
		}
		// A project's history starts at its creation.
		for ns := range s.Namespaces {
			if c, ok := s.Created[ns]; ok && len(s.Namespaces) == 1 && start.Before(c) {
				start = c.Truncate(time.Second)
			}
		}
		if !start.Before(end) {
			responsewriters.WriteStatus(w, apistatus.BadRequest("end", "is before the project was created"))
			return
		}
		out, err := h.Service.History(r.Context(), s, start, end, step)
		if err != nil {
			responsewriters.WriteStatus(w, failed(err))
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, out)
	}
}

var silencesGR = schema.GroupResource{Group: Group, Resource: "silences"}

func (h *Handler) alertmanager(w http.ResponseWriter) *alertingsvc.Alertmanager {
	if h.Service == nil || h.Service.Alertmanager == nil {
		responsewriters.WriteStatus(w, failed(alertingsvc.ErrNoAlertmanager))
		return nil
	}
	return h.Service.Alertmanager
}

// silenceList is the list convention of silences: filters state and
// createdBy; name is a substring of the comment... of the id.
var silenceList = listquery.Spec{SortBy: []string{"startsAt", "endsAt"}, Filters: []string{"state", "createdBy"}}

// listSilences lists a project's silences (those that match its namespace
// exactly), or every silence at platform level (the filter has checked the
// right to list silences there).
func (h *Handler) listSilences(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), silenceList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	am := h.alertmanager(w)
	if am == nil {
		return
	}
	all, err := am.Silences(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, failed(err))
		return
	}
	ns := r.PathValue("namespace")
	kept := make([]alertingsvc.Silence, 0, len(all))
	for _, s := range all {
		if ns != "" && !s.InProject(ns) {
			continue
		}
		if !q.MatchesName(s.ID, s.Comment) {
			continue
		}
		if v := q.Filters["state"]; v != "" && s.State != v {
			continue
		}
		if v := q.Filters["createdBy"]; v != "" && s.CreatedBy != v {
			continue
		}
		kept = append(kept, s)
	}
	slices.SortStableFunc(kept, func(a, b alertingsvc.Silence) int {
		var c int
		switch q.SortBy {
		case "endsAt":
			c = a.EndsAt.Compare(b.EndsAt)
		case "name":
			c = strings.Compare(a.ID, b.ID)
		default:
			c = a.StartsAt.Compare(b.StartsAt)
		}
		if !q.Ascending {
			c = -c
		}
		return cmp.Or(c, strings.Compare(a.ID, b.ID))
	})
	from, to := q.Window(len(kept))
	responsewriters.WriteJSON(w, http.StatusOK, alertingsvc.SilenceList{Items: kept[from:to], TotalItems: len(kept)})
}

// createSilence adds a silence created by the caller; a project's silence
// always matches its namespace and nothing else.
func (h *Handler) createSilence(w http.ResponseWriter, r *http.Request) {
	var in alertingsvc.NewSilence
	if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "Silence"}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	am := h.alertmanager(w)
	if am == nil {
		return
	}
	errs := alertingsvc.ValidateSilence(&in, h.now())
	if ns := r.PathValue("namespace"); ns != "" {
		var more field.ErrorList
		in.Matchers, more = alertingsvc.ProjectMatchers(ns, in.Matchers)
		errs = append(errs, more...)
	}
	if len(errs) > 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("Silence", "", errs))
		return
	}
	if in.StartsAt.IsZero() {
		in.StartsAt = h.now()
	}
	s, err := am.Create(r.Context(), in, caller(r).GetName())
	if err != nil {
		responsewriters.WriteStatus(w, silenceFailed(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, s)
}

// expireSilence ends a silence of the level: one's own needs the right to
// create silences there, someone else's the right to delete them.
func (h *Handler) expireSilence(w http.ResponseWriter, r *http.Request) {
	am := h.alertmanager(w)
	if am == nil {
		return
	}
	id, ns := r.PathValue("id"), r.PathValue("namespace")
	u := caller(r)
	if !h.allowed(u, "create", "silences", ns) && !h.allowed(u, "delete", "silences", ns) {
		responsewriters.WriteStatus(w, forbidden(u, "silences", "expire silences here"))
		return
	}
	s, err := am.Silence(r.Context(), id)
	if err != nil {
		responsewriters.WriteStatus(w, silenceFailed(err))
		return
	}
	if ns != "" && !s.InProject(ns) {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(silencesGR, id))
		return
	}
	if s.CreatedBy != u.GetName() && !h.allowed(u, "delete", "silences", ns) {
		responsewriters.WriteStatus(w, forbidden(u, "silences", "expire a silence created by someone else"))
		return
	}
	if err := am.Expire(r.Context(), id); err != nil {
		responsewriters.WriteStatus(w, silenceFailed(err))
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, apistatus.Success("silence "+id+" expired"))
}

func silenceFailed(err error) error {
	if errors.Is(err, alertingsvc.ErrSilenceNotFound) {
		return apierrors.NewNotFound(silencesGR, "")
	}
	var agg interface{ Errors() []error }
	if errors.As(err, &agg) {
		return apistatus.Invalid("Silence", "", field.ErrorList{field.Invalid(field.NewPath("matchers"), "", err.Error())})
	}
	return failed(err)
}

// previewFailed: Prometheus refusing the compiled expression names the
// rule's expression.
func previewFailed(err error) error {
	var qe *promclient.QueryError
	if errors.As(err, &qe) {
		return apistatus.Invalid("RulePreview", "", field.ErrorList{field.Invalid(field.NewPath("rule", "expr"), "", qe.Message)})
	}
	return failed(err)
}

package elastic

import (
	"sort"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// m is a JSON object of the query DSL.
type m = map[string]any

// Fields of the documents that the platform writes (events, audit
// records): those of the VictoriaLogs records, but for the time and the
// message, which take the names Elasticsearch's tools expect.
const (
	docTime    = "@timestamp"
	docMessage = "message"
)

// kind is where one kind of record is and how its fields are named.
type kind struct {
	index, time, message string
	// scope is the field of the tenancy filter (namespace or workspace).
	scope string
}

func (c *Client) logs() kind {
	f := c.fields
	return kind{index: c.cfg.Indices.Logs, time: f.Time, message: f.Message, scope: f.Namespace}
}

func (c *Client) events() kind {
	return kind{index: c.cfg.Indices.Events, time: docTime, message: docMessage, scope: logsql.EventNamespace}
}

func (c *Client) audit() kind {
	return kind{index: c.cfg.Indices.Audit, time: docTime, message: docMessage, scope: logsql.AuditWorkspace}
}

// how a list's values match a field.
type match int

const (
	exact     match = iota // the whole value
	substring              // a part of it (logsql: field:*"v"*)
	workload               // a workload's pods (see workloadQuery)
)

// oneOf is a field and the values one of which it must match.
type oneOf struct {
	field  string
	values []string
	how    match
}

// filter is the bool query of a search: the tenancy of sc over k.scope,
// one value of each list, every word in the message, all ANDed; false when
// the scope is empty (nothing can match, nothing is asked).
func (c *Client) filter(k kind, sc logsql.Scope, lists []oneOf, words []string) (m, bool) {
	var must, mustNot []any
	names := make([]string, 0, len(sc.Namespaces))
	for ns := range sc.Namespaces {
		names = append(names, ns)
	}
	sort.Strings(names)
	scope := c.keyword(k.scope)
	switch {
	case !sc.All && len(names) == 0:
		return nil, false
	case !sc.All:
		// One of the namespaces, each from its creation on.
		alts := make([]any, 0, len(names))
		for _, ns := range names {
			alt := []any{term(scope, ns)}
			if from := sc.Namespaces[ns]; !from.IsZero() {
				alt = append(alt, m{"range": m{k.time: m{"gte": logsql.Time(from)}}})
			}
			alts = append(alts, m{"bool": m{"filter": alt}})
		}
		must = append(must, anyOf(alts))
	default:
		// Everything but the records of earlier namespaces of the names that
		// exist now.
		for _, ns := range names {
			if from := sc.Namespaces[ns]; !from.IsZero() {
				mustNot = append(mustNot, m{"bool": m{"filter": []any{term(scope, ns), m{"range": m{k.time: m{"lt": logsql.Time(from)}}}}}})
			}
		}
	}
	for _, l := range lists {
		var alts []any
		for _, v := range l.values {
			if v != "" {
				alts = append(alts, c.matchOne(l, v))
			}
		}
		if len(alts) > 0 {
			must = append(must, anyOf(alts))
		}
	}
	for _, w := range words {
		if w != "" {
			must = append(must, m{"match_phrase": m{k.message: w}})
		}
	}
	b := m{}
	if len(must) > 0 {
		b["filter"] = must
	}
	if len(mustNot) > 0 {
		b["must_not"] = mustNot
	}
	return m{"bool": b}, true
}

func (c *Client) matchOne(l oneOf, v string) m {
	f := c.keyword(l.field)
	switch l.how {
	case substring:
		return m{"wildcard": m{f: m{"value": "*" + wildcardEscape(v) + "*"}}}
	case workload:
		return c.workloadQuery(f, v)
	default:
		return term(f, v)
	}
}

// ownerLabels are the labels of a pod that tell its owner (logsql.Owner),
// by the name Kubernetes gives them.
var ownerLabels = struct{ templateHash, revisionHash, statefulSetPod, jobName, batchJobName string }{
	"pod-template-hash", "controller-revision-hash", "statefulset.kubernetes.io/pod-name", "job-name", "batch.kubernetes.io/job-name",
}

// label is the field of a pod's label.
func (c *Client) label(name string) string { return c.fields.Labels + "." + name }

// workloadQuery matches the pods of workload w (pod is the pod name's
// keyword field) as logsql's filter does: the prefix <w>- and the owner's
// labels with the shape of the names (a Deployment's <w>-<hash>-<suffix>,
// a StatefulSet's <w>-<ordinal>, a DaemonSet's <w>-<suffix>, a Job's
// job-name, a CronJob's <w>-<schedule>-<suffix>), or, for a pod without any
// owner's label, the prefix alone.
func (c *Client) workloadQuery(pod, w string) m {
	l := ownerLabels
	has := func(name string) m { return m{"exists": m{"field": c.label(name)}} }
	shaped := func(re string) m { return m{"regexp": m{pod: m{"value": luceneEscape(w) + "-" + re}}} }
	all := func(clauses ...any) m { return m{"bool": m{"filter": clauses}} }
	alts := []any{
		term(c.keyword(c.label(l.jobName)), w),
		term(c.keyword(c.label(l.batchJobName)), w),
		all(has(l.templateHash), shaped("[^-]+-[^-]+")),
		all(has(l.statefulSetPod), shaped("[0-9]+")),
		m{"bool": m{"filter": []any{has(l.revisionHash), shaped("[^-]+")}, "must_not": []any{has(l.statefulSetPod)}}},
		all(anyOf([]any{has(l.jobName), has(l.batchJobName)}), shaped("[0-9]+-[^-]+")),
		m{"bool": m{"must_not": []any{has(l.templateHash), has(l.revisionHash), has(l.jobName), has(l.batchJobName)}}},
	}
	return all(m{"prefix": m{pod: m{"value": w + "-"}}}, anyOf(alts))
}

// luceneEscape makes v match itself in a Lucene regular expression.
func luceneEscape(v string) string {
	var b strings.Builder
	for _, r := range v {
		if strings.ContainsRune(`.?+*|{}[]()"\#@&<>~^$-`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keyword is the field to match whole values of f in.
func (c *Client) keyword(f string) string { return f + c.fields.suffix() }

func term(f, v string) m { return m{"term": m{f: m{"value": v}}} }

func anyOf(alts []any) m { return m{"bool": m{"should": alts, "minimum_should_match": 1}} }

// wildcardEscape makes v match itself in a wildcard pattern.
func wildcardEscape(v string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(v)
}

// within adds the time range r to a query (start included, end included,
// as VictoriaLogs' start and end).
func within(q m, field string, r victorialogs.Range) m {
	rng := m{}
	if !r.Start.IsZero() {
		rng["gte"] = stamp(r.Start)
	}
	if !r.End.IsZero() {
		rng["lte"] = stamp(r.End)
	}
	if len(rng) == 0 {
		return q
	}
	return and(q, m{"range": m{field: rng}})
}

// and joins a clause to a bool query's filter, without changing q.
func and(q m, clause m) m {
	b := m{}
	for k, v := range q["bool"].(m) {
		b[k] = v
	}
	f, _ := b["filter"].([]any)
	b["filter"] = append(append([]any{}, f...), clause)
	return m{"bool": b}
}

// stamp is a time as the range queries take it, to the millisecond
// (Elasticsearch's date fields).
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// logQuery is the query of a container log search.
func (c *Client) logQuery(s logsql.Search, sc logsql.Scope) (m, bool) {
	f := c.fields
	return c.filter(c.logs(), sc, []oneOf{
		{f.Namespace, s.Namespaces, exact}, {f.Namespace, s.NamespaceParts, substring},
		{f.Pod, s.Workloads, workload}, {f.Pod, s.WorkloadParts, substring},
		{f.Pod, s.Pods, exact}, {f.Pod, s.PodParts, substring},
		{f.Container, s.Containers, exact}, {f.Container, s.ContainerParts, substring},
	}, s.Words)
}

// eventQuery is the query of an event search.
func (c *Client) eventQuery(s logsql.EventSearch, sc logsql.Scope) (m, bool) {
	return c.filter(c.events(), sc, []oneOf{
		{logsql.EventNamespace, s.Namespaces, exact}, {logsql.EventObjectKind, s.Kinds, exact}, {logsql.EventObjectName, s.Names, exact},
		{logsql.EventObjectUID, s.UIDs, exact}, {logsql.EventReason, s.Reasons, exact}, {logsql.EventType, s.Types, exact},
	}, s.Words)
}

// auditQuery is the query of an audit search (scope of workspaces).
func (c *Client) auditQuery(s logsql.AuditSearch, sc logsql.Scope) (m, bool) {
	return c.filter(c.audit(), sc, []oneOf{
		{logsql.AuditUser, s.Users, exact}, {logsql.AuditVerb, s.Verbs, exact}, {logsql.AuditResource, s.Resources, exact},
		{logsql.AuditName, s.Names, exact}, {logsql.AuditNamespace, s.Namespaces, exact}, {logsql.AuditWorkspace, s.Workspaces, exact},
		{logsql.AuditCode, s.Codes, exact}, {logsql.AuditSource, s.Sources, exact},
	}, nil)
}

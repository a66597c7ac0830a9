// Package logsql builds VictoriaLogs' LogsQL filters from a search's
// parameters. Every value a caller gives is quoted, so that no value can
// add a filter, an operator or a pipe of its own; the tenancy filter (each
// namespace the caller may read, from its creation on) is built here too
// and joined to the caller's filters with AND.
package logsql

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// Fields of a container log record, as vlagent writes them.
const (
	FieldNamespace   = "kubernetes.pod_namespace"
	FieldPod         = "kubernetes.pod_name"
	FieldContainer   = "kubernetes.container_name"
	FieldNode        = "kubernetes.pod_node_name"
	FieldContainerID = "kubernetes.container_id"
	FieldMessage     = "_msg"
	FieldTime        = "_time"
)

// Quote makes s a LogsQL string literal.
func Quote(s string) string { return strconv.Quote(s) }

// Time formats t for a LogsQL time filter, to the second (as Kubernetes
// keeps creation times), so that a scope of many namespaces stays short.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// MaxQueryLen is the longest query the store must take
// (VictoriaLogs' -search.maxQueryLen): the scope names each namespace of
// the caller with its creation time, about 70 bytes each, so 4 MiB holds
// some 50,000 namespaces (the store's default, 16 KiB, about 200).
const MaxQueryLen = 4 << 20

// Search is what a caller looks for. Exact lists match a field's whole
// value, one of them; Fuzzy lists match a part of it, one of them; Words
// must all be in the line.
type Search struct {
	Namespaces, NamespaceParts []string
	// Workloads match the pods of a workload by their owner's labels and
	// the shape of their names (see workload); WorkloadParts match a part
	// of the pods' names.
	Workloads, WorkloadParts   []string
	Pods, PodParts             []string
	Containers, ContainerParts []string
	Words                      []string
}

// Scope is the namespaces a caller may read, each from a time on (its
// creation, so that an older namespace of the same name stays out). All
// is every namespace (a platform administrator): the namespaces that
// exist then count from the time Namespaces gives them, and those that no
// longer exist in full, so that a deleted namespace's lines are still
// found but never under a new namespace of its name.
type Scope struct {
	All        bool
	Namespaces map[string]time.Time
}

// From returns the scope of a search of the records from start on. A
// namespace created at or before start needs no time of its own there: the
// records of an earlier namespace of its name are older than start, out of
// the search's range. So the filter names those namespaces together and
// the store tests fewer conditions (for who may read everything, none at
// all for them). A zero start changes nothing.
func (sc Scope) From(start time.Time) Scope {
	if start.IsZero() {
		return sc
	}
	out := Scope{All: sc.All, Namespaces: make(map[string]time.Time, len(sc.Namespaces))}
	for ns, from := range sc.Namespaces {
		switch {
		case from.After(start):
			out.Namespaces[ns] = from
		case !sc.All:
			out.Namespaces[ns] = time.Time{}
		}
	}
	return out
}

// Filter returns the LogsQL filter of a search within a scope, and false
// when the scope is empty (nothing can match).
func Filter(s Search, sc Scope) (string, bool) {
	return build(FieldNamespace, sc, []oneOf{
		{FieldNamespace, s.Namespaces, exact}, {FieldNamespace, s.NamespaceParts, substring},
		{FieldPod, s.Workloads, workload}, {FieldPod, s.WorkloadParts, substring},
		{FieldPod, s.Pods, exact}, {FieldPod, s.PodParts, substring},
		{FieldContainer, s.Containers, exact}, {FieldContainer, s.ContainerParts, substring},
	}, s.Words)
}

// oneOf is a field and the values one of which it must match, and how.
type oneOf struct {
	field  string
	values []string
	match  func(field, v string) string
}

// build joins the tenancy filter of a scope over scopeField, the lists
// (one value of each) and the words (all of them, in the message); false
// when the scope is empty.
func build(scopeField string, sc Scope, lists []oneOf, words []string) (string, bool) {
	parts, ok := scopeParts(scopeField, sc)
	if !ok {
		return "", false
	}
	for _, l := range lists {
		parts = appendOneOf(parts, l.field, l.values, l.match)
	}
	for _, w := range words {
		if w != "" {
			parts = append(parts, FieldMessage+":i("+Quote(w)+")")
		}
	}
	if len(parts) == 0 {
		return "*", true
	}
	return strings.Join(parts, " "), true
}

// scopeParts is the tenancy filter of a scope over the records' namespace
// field, and false when the scope is empty.
func scopeParts(field string, sc Scope) ([]string, bool) {
	var parts []string
	names := make([]string, 0, len(sc.Namespaces))
	for ns := range sc.Namespaces {
		names = append(names, ns)
	}
	sort.Strings(names)
	switch {
	case !sc.All && len(names) == 0:
		return nil, false
	case !sc.All:
		// The namespaces without a time together (one condition for the
		// store to test), each of the others from its time.
		var whole, alts []string
		for _, ns := range names {
			if from := sc.Namespaces[ns]; !from.IsZero() {
				alts = append(alts, "("+field+":="+Quote(ns)+" "+FieldTime+":>="+Time(from)+")")
			} else {
				whole = append(whole, Quote(ns))
			}
		}
		if len(whole) > 0 {
			alts = append([]string{field + ":in(" + strings.Join(whole, ",") + ")"}, alts...)
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	default:
		// Everything but the records of earlier namespaces of the names
		// that exist now.
		var before []string
		for _, ns := range names {
			if from := sc.Namespaces[ns]; !from.IsZero() {
				before = append(before, "("+field+":="+Quote(ns)+" "+FieldTime+":<"+Time(from)+")")
			}
		}
		if len(before) > 0 {
			parts = append(parts, "NOT ("+strings.Join(before, " OR ")+")")
		}
	}
	return parts, true
}

func exact(field, v string) string { return field + ":=" + Quote(v) }

// substring matches a part of the value.
func substring(field, v string) string { return field + ":*" + Quote(v) + "*" }

// appendOneOf appends "(f(a) OR f(b) ...)" for the values that are not
// empty.
func appendOneOf(parts []string, field string, values []string, f func(field, v string) string) []string {
	var alts []string
	for _, v := range values {
		if v != "" {
			alts = append(alts, f(field, v))
		}
	}
	if len(alts) == 0 {
		return parts
	}
	return append(parts, "("+strings.Join(alts, " OR ")+")")
}

// Fields of a Kubernetes event record, as the event exporter writes them
// (in the store's events tenant).
const (
	EventNamespace       = "namespace"
	EventWorkspace       = "workspace"
	EventObjectKind      = "object.kind"
	EventObjectName      = "object.name"
	EventObjectNamespace = "object.namespace"
	EventObjectUID       = "object.uid"
	EventReason          = "reason"
	EventType            = "type"
	EventSource          = "source"
	EventCount           = "count"
	EventFirstTime       = "first_time"
	EventUID             = "event.uid"
	EventName            = "event.name"
)

// EventStream are the fields that make an event record's stream: the
// involved object.
var EventStream = []string{EventNamespace, EventObjectKind, EventObjectName}

// EventSearch is what a caller looks for in events: exact values, one of
// each list, and words that must all be in the message.
type EventSearch struct {
	Namespaces, Kinds, Names, UIDs, Reasons, Types []string
	Words                                          []string
}

// EventFilter returns the LogsQL filter of an event search within a
// scope, and false when the scope is empty.
func EventFilter(s EventSearch, sc Scope) (string, bool) {
	return build(EventNamespace, sc, []oneOf{
		{EventNamespace, s.Namespaces, exact}, {EventObjectKind, s.Kinds, exact}, {EventObjectName, s.Names, exact},
		{EventObjectUID, s.UIDs, exact}, {EventReason, s.Reasons, exact}, {EventType, s.Types, exact},
	}, s.Words)
}

// Fields of an audit record, as ke-apiserver writes them for its own
// audit events and for kube-apiserver's (in the store's audit tenant).
const (
	AuditSource       = "source"
	AuditType         = "type"
	AuditUser         = "user"
	AuditImpersonator = "impersonator"
	AuditVerb         = "verb"
	AuditAPIGroup     = "api_group"
	AuditResource     = "resource"
	AuditSubresource  = "subresource"
	AuditName         = "name"
	AuditNamespace    = "namespace"
	AuditWorkspace    = "workspace"
	AuditCode         = "code"
	AuditResult       = "result"
	AuditSourceIP     = "source_ip"
	AuditUserAgent    = "user_agent"
	AuditID           = "audit_id"
)

// AuditStream are the fields that make an audit record's stream: the
// component that recorded it.
var AuditStream = []string{AuditSource}

// AuditSearch is what a caller looks for in audit records: exact values,
// one of each list.
type AuditSearch struct {
	Users, Verbs, Resources, Names, Namespaces, Workspaces, Codes, Sources []string
}

// AuditFilter returns the LogsQL filter of an audit search within a scope
// of workspaces (each from its creation), and false when it is empty.
func AuditFilter(s AuditSearch, sc Scope) (string, bool) {
	return build(AuditWorkspace, sc, []oneOf{
		{AuditUser, s.Users, exact}, {AuditVerb, s.Verbs, exact}, {AuditResource, s.Resources, exact}, {AuditName, s.Names, exact},
		{AuditNamespace, s.Namespaces, exact}, {AuditWorkspace, s.Workspaces, exact}, {AuditCode, s.Codes, exact}, {AuditSource, s.Sources, exact},
	}, nil)
}

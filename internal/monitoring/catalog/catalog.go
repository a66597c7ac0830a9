// Package catalog holds the named metrics of the monitoring API: for each
// level (cluster, node, workspace, namespace, workload, pod, container,
// PVC, component) the metrics it answers, each with its unit, description
// and PromQL template. The templates read raw series (cAdvisor,
// kube-state-metrics and the components' own metrics), so that any
// Prometheus-compatible store answers without our recording rules.
//
// A template marks where the caller's filters go with placeholder
// matchers (`pod=~"$pod"`), which package promql fills through the syntax
// tree.
package catalog

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Level is what a metric describes.
type Level string

// The levels.
const (
	Cluster   Level = "cluster"
	Node      Level = "node"
	Workspace Level = "workspace"
	Namespace Level = "namespace"
	Workload  Level = "workload"
	Pod       Level = "pod"
	Container Level = "container"
	PVC       Level = "pvc"
	Component Level = "component"
)

// Levels lists the levels in the order of the docs.
func Levels() []Level {
	return []Level{Cluster, Node, Workspace, Namespace, Workload, Pod, Container, PVC, Component}
}

// Keys are the labels that name an object of the level in a series:
// what ranking and paging count as one object.
func (l Level) Keys() []string {
	switch l {
	case Node:
		return []string{"node"}
	case Workspace:
		return []string{"workspace"}
	case Namespace:
		return []string{"namespace"}
	case Workload:
		return []string{"namespace", "workload_kind", "workload"}
	case Pod:
		return []string{"namespace", "pod"}
	case Container:
		return []string{"namespace", "pod", "container"}
	case PVC:
		return []string{"namespace", "persistentvolumeclaim"}
	}
	return nil
}

// Units of the metrics, exactly as the API writes them.
const (
	Cores       = "cores"
	Bytes       = "bytes"
	BytesPerSec = "bytes/s"
	Ratio       = "ratio"
	Count       = "count"
	CountPerSec = "count/s"
	Seconds     = "seconds"
)

// Placeholders the templates use; the monitoring service fills each.
const (
	PNamespace = "namespace"
	PNode      = "node"
	PWorkspace = "workspace"
	PPod       = "pod"
	PContainer = "container"
	PPVC       = "pvc"
	PJob       = "job"
)

// Placeholders lists them all.
func Placeholders() []string {
	return []string{PNamespace, PNode, PWorkspace, PPod, PContainer, PPVC, PJob}
}

// Metric is a named metric.
type Metric struct {
	Name        string `json:"name"`
	Level       Level  `json:"level"`
	Unit        string `json:"unit"`
	Description string `json:"description"`
	// Expr is the PromQL template, over raw series: any Prometheus
	// answers it.
	Expr string `json:"-"`
	// Recorded, when set, is the same metric read from the series of the
	// recording rules the chart ships (superkube:*), with the same
	// placeholders: a few precomputed series instead of one per container,
	// used where Prometheus has them (see package monitoring's service).
	// Only metrics whose recorded series keep the labels the service
	// confines tenants by (namespace) or that only unconfined callers read
	// (cluster and node levels) have one.
	Recorded string `json:"-"`
	// Components, at the component level, are the components the metric
	// describes; empty means all.
	Components []string `json:"components,omitempty"`
}

// Components are the component level's objects, with the scrape jobs
// (the `job` label) that serve each.
func Components() map[string][]string {
	return map[string][]string{
		"apiserver":          {"apiserver"},
		"etcd":               {"etcd"},
		"scheduler":          {"kube-scheduler"},
		"controller-manager": {"kube-controller-manager"},
		"platform":           {"ke-apiserver", "ke-controller-manager", "ke-console"},
	}
}

// ComponentNames lists the components, sorted.
func ComponentNames() []string {
	out := make([]string, 0, 5)
	for c := range Components() {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Catalog is every metric by level.
type Catalog struct {
	byLevel map[Level][]Metric
}

// New returns the catalog.
func New() *Catalog {
	c := &Catalog{byLevel: map[Level][]Metric{}}
	for _, m := range metrics() {
		c.byLevel[m.Level] = append(c.byLevel[m.Level], m)
	}
	return c
}

// Metrics returns a level's metrics, in catalog order.
func (c *Catalog) Metrics(l Level) []Metric { return c.byLevel[l] }

// ParseLevel parses a level name; the error lists the valid ones.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels() {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown level %q: valid levels are %s", s, strings.Join(levelNames(), ", "))
}

func levelNames() []string {
	out := make([]string, 0, 9)
	for _, l := range Levels() {
		out = append(out, string(l))
	}
	return out
}

// Select returns the metrics of a level that filter names: metric names
// separated by "|", or a regular expression; all of them when filter is
// empty. At the component level, only the component's metrics count. An
// unknown name or a filter that selects nothing is an error that lists
// the valid names.
func (c *Catalog) Select(l Level, component, filter string) ([]Metric, error) {
	var pool []Metric
	for _, m := range c.byLevel[l] {
		if component == "" || len(m.Components) == 0 || slices.Contains(m.Components, component) {
			pool = append(pool, m)
		}
	}
	if filter == "" {
		return pool, nil
	}
	names := func() string {
		out := make([]string, len(pool))
		for i, m := range pool {
			out[i] = m.Name
		}
		return strings.Join(out, ", ")
	}
	byName := map[string]Metric{}
	for _, m := range pool {
		byName[m.Name] = m
	}
	// A list of exact names first; anything else is a regular expression.
	parts := strings.Split(filter, "|")
	exact := true
	for _, p := range parts {
		if !plainName.MatchString(p) {
			exact = false
		}
	}
	if exact {
		var out []Metric
		for _, p := range parts {
			m, ok := byName[p]
			if !ok {
				return nil, fmt.Errorf("unknown metric %q of level %s: valid metrics are %s", p, l, names())
			}
			if !slices.ContainsFunc(out, func(o Metric) bool { return o.Name == p }) {
				out = append(out, m)
			}
		}
		return out, nil
	}
	re, err := regexp.Compile("^(?:" + filter + ")$")
	if err != nil {
		return nil, fmt.Errorf("bad regular expression %q: %w", filter, err)
	}
	var out []Metric
	for _, m := range pool {
		if re.MatchString(m.Name) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no metric of level %s matches %q: valid metrics are %s", l, filter, names())
	}
	return out, nil
}

var plainName = regexp.MustCompile(`^[a-z0-9_]+$`)

// Markdown is the catalog as a table for docs/monitoring.md.
func (c *Catalog) Markdown() string {
	var b strings.Builder
	b.WriteString("| level | metric | unit | description |\n|---|---|---|---|\n")
	for _, l := range Levels() {
		for _, m := range c.byLevel[l] {
			desc := m.Description
			if len(m.Components) > 0 {
				desc += " (" + strings.Join(m.Components, ", ") + ")"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", l, m.Name, m.Unit, strings.ReplaceAll(desc, "|", `\|`))
		}
	}
	return b.String()
}

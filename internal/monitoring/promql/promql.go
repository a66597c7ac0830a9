// Package promql rewrites PromQL through its syntax tree (the parser of
// github.com/prometheus/prometheus): it fills the placeholders of the
// catalog's templates with the caller's filters, and confines a query to
// a set of namespaces by adding a namespace matcher to every selector. No
// user input is ever spliced into query text.
package promql

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// NamespaceLabel is the label that names a series' namespace.
const NamespaceLabel = "namespace"

// ErrNoNamespaces is the refusal to confine a query to no namespace at all.
var ErrNoNamespaces = errors.New("the query cannot be confined: no namespace is visible")

// pql parses with the default options: no experimental functions (info()
// could join in series the selectors do not confine).
var pql = parser.NewParser(parser.Options{})

// Parse parses an expression.
func Parse(q string) (parser.Expr, error) {
	return pql.ParseExpr(q)
}

// Placeholder is the value a template's matcher has when a filter goes
// there: `pod=~"$pod"` takes the pod filter.
func Placeholder(name string) string { return "$" + name }

// Fill replaces each placeholder matcher of expr (a matcher whose value is
// "$<name>") with the filter of that name, built on the same label: an
// exact name or a regular expression. A placeholder without a filter is
// removed, so that it selects everything. It fails on a placeholder the
// filters do not know, which is a mistake in the template.
func Fill(expr parser.Expr, filters map[string]Filter) error {
	for _, vs := range selectors(expr) {
		out := vs.LabelMatchers[:0:0]
		for _, m := range vs.LabelMatchers {
			name, isPlaceholder := strings.CutPrefix(m.Value, "$")
			if !isPlaceholder || m.Type != labels.MatchRegexp {
				out = append(out, m)
				continue
			}
			f, known := filters[name]
			if !known {
				return fmt.Errorf("the template's placeholder %q has no filter", m.Value)
			}
			if f.empty() {
				continue
			}
			fm, err := f.matcher(m.Name)
			if err != nil {
				return err
			}
			out = append(out, fm)
		}
		vs.LabelMatchers = out
	}
	return nil
}

// selectors are every vector selector of expr, those of range selectors
// and subqueries included.
func selectors(expr parser.Expr) []*parser.VectorSelector {
	var out []*parser.VectorSelector
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			out = append(out, vs)
		}
		return nil
	})
	return out
}

// Filter narrows a placeholder: to names, or to a regular expression (a
// Go RE2 expression, anchored at both ends as Prometheus anchors it).
// The zero Filter selects everything.
type Filter struct {
	Names []string
	Regex string
	// None selects nothing (an empty list of names that is not "all").
	None bool
}

// Names returns a filter of the names.
func Names(names ...string) Filter {
	if len(names) == 0 {
		return Filter{None: true}
	}
	return Filter{Names: names}
}

func (f Filter) empty() bool { return !f.None && len(f.Names) == 0 && f.Regex == "" }

func (f Filter) matcher(label string) (*labels.Matcher, error) {
	switch {
	case f.None:
		// No object has an empty name: selects nothing.
		return labels.NewMatcher(labels.MatchEqual, label, "")
	case f.Regex != "":
		m, err := labels.NewMatcher(labels.MatchRegexp, label, f.Regex)
		if err != nil {
			return nil, fmt.Errorf("bad regular expression %q: %w", f.Regex, err)
		}
		return m, nil
	case len(f.Names) == 1:
		return labels.NewMatcher(labels.MatchEqual, label, f.Names[0])
	default:
		return labels.NewMatcher(labels.MatchRegexp, label, alternation(f.Names))
	}
}

// alternation is a regular expression that matches exactly the names.
func alternation(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = regexp.QuoteMeta(n)
	}
	sort.Strings(quoted)
	return strings.Join(quoted, "|")
}

// Confine adds to every selector of expr (in matrix selectors, subqueries,
// both sides of binary operators and every function argument alike) a
// matcher that keeps only the series of the namespaces. Matchers already
// there stay: a series must match them all, so the result is never wider
// than the namespaces. Series without a namespace label (nodes, the
// control plane) are not read. It refuses an empty set of namespaces.
func Confine(expr parser.Expr, namespaces []string) error {
	return ConfineOn(expr, NamespaceLabel, namespaces)
}

// ConfineOn is Confine on another label than namespace: series such as
// Istio's name their namespaces destination_workload_namespace and
// source_workload_namespace.
func ConfineOn(expr parser.Expr, label string, namespaces []string) error {
	if len(namespaces) == 0 {
		return ErrNoNamespaces
	}
	f := Names(namespaces...)
	for _, vs := range selectors(expr) {
		m, err := f.matcher(label)
		if err != nil {
			return err
		}
		vs.LabelMatchers = append(vs.LabelMatchers, m)
	}
	return nil
}

// ConfineString parses q, confines it to the namespaces and prints it.
func ConfineString(q string, namespaces []string) (string, error) {
	expr, err := Parse(q)
	if err != nil {
		return "", err
	}
	if err := Confine(expr, namespaces); err != nil {
		return "", err
	}
	return expr.String(), nil
}

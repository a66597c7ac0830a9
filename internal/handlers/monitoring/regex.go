package monitoring

import (
	"fmt"
	"slices"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// checkRegex refuses a regular expression Prometheus would refuse; it
// checks with Prometheus' own matcher, which reads the expression as
// PromQL does.
func checkRegex(re string) error {
	if _, err := labels.NewMatcher(labels.MatchRegexp, "name", re); err != nil {
		return fmt.Errorf("bad regular expression %q: %w", re, err)
	}
	return nil
}

// matcherOf matches names as the filter selects them in PromQL.
func matcherOf(f promql.Filter) (func(string) bool, error) {
	switch {
	case f.None:
		return func(string) bool { return false }, nil
	case f.Regex != "":
		m, err := labels.NewMatcher(labels.MatchRegexp, "name", f.Regex)
		if err != nil {
			return nil, fmt.Errorf("bad regular expression %q: %w", f.Regex, err)
		}
		return m.Matches, nil
	case len(f.Names) > 0:
		return func(s string) bool { return slices.Contains(f.Names, s) }, nil
	}
	return func(string) bool { return true }, nil
}

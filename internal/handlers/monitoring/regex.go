package monitoring

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// checkRegex refuses a regular expression Prometheus would refuse.
func checkRegex(re string) error {
	if _, err := regexp.Compile("^(?:" + re + ")$"); err != nil {
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
		re, err := regexp.Compile("^(?:" + f.Regex + ")$")
		if err != nil {
			return nil, fmt.Errorf("bad regular expression %q: %w", f.Regex, err)
		}
		return re.MatchString, nil
	case len(f.Names) > 0:
		return func(s string) bool { return slices.Contains(f.Names, s) }, nil
	}
	return func(string) bool { return true }, nil
}

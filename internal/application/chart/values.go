package chart

import (
	"errors"
	"fmt"
	"strings"

	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	"sigs.k8s.io/yaml"
)

// ErrValues is the kind of error of values that are not a YAML map, or that fail the chart's
// values.schema.json (an API answers 422).
var ErrValues = errors.New("invalid values")

// ValidateValues checks values (YAML, as an ApplicationRelease holds them)
// the way Helm does before an install: merged over the chart's defaults,
// against values.schema.json of the chart and of its subcharts. The error
// names the fields that are wrong.
func (c *Chart) ValidateValues(values string) error {
	vals := map[string]any{}
	if strings.TrimSpace(values) != "" {
		if err := yaml.Unmarshal([]byte(values), &vals); err != nil {
			return &Error{Kind: ErrValues, Message: fmt.Sprintf("the values are not a YAML map: %v", err)}
		}
	}
	merged, err := commonutil.CoalesceValues(c.Chart, vals)
	if err != nil {
		return &Error{Kind: ErrValues, Message: fmt.Sprintf("the values cannot be merged with the chart's defaults: %v", err)}
	}
	if err := commonutil.ValidateAgainstSchema(c.Chart, merged); err != nil {
		return &Error{Kind: ErrValues, Message: "the values do not match the chart's values.schema.json: " + strings.TrimSpace(err.Error())}
	}
	return nil
}

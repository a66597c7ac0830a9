package monitoring

import (
	"strconv"

	"github.com/prometheus/common/model"
)

// APIVersion and Kind of the answers.
const (
	APIVersion = "monitoring.superkube.io/v1alpha3"
	Kind       = "Metrics"
)

// Metrics is the answer of the monitoring API: one result per metric
// asked for, and the count and page of the objects when they are ranked.
type Metrics struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Results    []Result `json:"results"`
	TotalItems *int     `json:"totalItems,omitempty"`
	Page       *int     `json:"page,omitempty"`
}

// Result is one metric's series, or the error of its query alone.
type Result struct {
	MetricName string `json:"metricName"`
	Unit       string `json:"unit"`
	// ResultType is "vector" (instant) or "matrix" (range).
	ResultType string   `json:"resultType"`
	Series     []Series `json:"series"`
	Error      string   `json:"error"`
}

// Series is one series: its labels and its value (instant) or values
// (range).
type Series struct {
	Labels map[string]string `json:"labels"`
	Value  *Point            `json:"value,omitempty"`
	Values []Point           `json:"values,omitempty"`
}

// Point is a sample, written as Prometheus writes it: [unix seconds,
// "value"] (the value a string, "NaN" possible).
type Point struct {
	T model.Time
	V model.SampleValue
}

// MarshalJSON writes [seconds, "value"].
func (p Point) MarshalJSON() ([]byte, error) {
	out := make([]byte, 0, 32)
	out = append(out, '[')
	out = strconv.AppendFloat(out, float64(p.T)/1000, 'f', -1, 64)
	out = append(out, ',', '"')
	out = strconv.AppendFloat(out, float64(p.V), 'f', -1, 64)
	return append(out, '"', ']'), nil
}

// latest is the series' last value.
func (s *Series) latest() (float64, bool) {
	switch {
	case s.Value != nil:
		return float64(s.Value.V), true
	case len(s.Values) > 0:
		return float64(s.Values[len(s.Values)-1].V), true
	}
	return 0, false
}

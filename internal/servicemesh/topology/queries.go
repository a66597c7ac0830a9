package topology

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/superkube/super-kubenetes/internal/monitoring/promql"
)

// Istio's labels the graph reads.
const (
	lSourceWorkload   = "source_workload"
	lSourceNamespace  = "source_workload_namespace"
	lSourceApp        = "source_app"
	lSourceVersion    = "source_version"
	lDestWorkload     = "destination_workload"
	lDestNamespace    = "destination_workload_namespace"
	lDestApp          = "destination_app"
	lDestVersion      = "destination_version"
	lServiceName      = "destination_service_name"
	lServiceNamespace = "destination_service_namespace"
	lResponseCode     = "response_code"
	lLe               = "le"
	lQuantile         = "quantile"
	edgeLabels        = "source_workload, source_workload_namespace, source_app, source_version, destination_workload, destination_workload_namespace, destination_app, destination_version, destination_service_name, destination_service_namespace"
	// edgeIdentity is what tells the edges of a series apart (app and
	// version come with the requests).
	edgeIdentity       = "source_workload, source_workload_namespace, destination_workload, destination_workload_namespace, destination_service_name, destination_service_namespace"
	requestsSelector   = `istio_requests_total{reporter="destination"}`
	durationsSelector  = `istio_request_duration_milliseconds_bucket{reporter="destination"}`
	serviceMatchers    = `reporter="destination", destination_service_name=~"$service", destination_service_namespace=~"$namespace"`
	placeholderService = "service"
	placeholderNS      = "namespace"
)

// Quantiles are the latency quantiles of edges and versions.
var Quantiles = []struct {
	Name  string
	Value float64
}{{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}}

func rangeOf(d time.Duration) string { return model.Duration(d).String() }

// graphRequests is the request rates of every edge touching ns, by
// response code.
func graphRequests(ns string, window time.Duration) (string, error) {
	return touching(`sum by (`+edgeLabels+`, response_code) (rate(`+requestsSelector+`[`+rangeOf(window)+`]))`, ns)
}

// graphDurations is the rates of the duration buckets of every edge
// touching ns: the quantiles of an edge are computed from its buckets
// summed, whatever the edge groups (a service node's edge sums its
// callers'), so one query serves all the edges.
func graphDurations(ns string, window time.Duration) (string, error) {
	return touching(`sum by (`+edgeIdentity+`, le) (rate(`+durationsSelector+`[`+rangeOf(window)+`]))`, ns)
}

// touching confines q to the series that have either end in ns: those
// received by its workloads, or sent by them to other namespaces. The
// two halves never share a series, so `or` adds them up.
func touching(q, ns string) (string, error) {
	in, err := promql.Parse(q)
	if err != nil {
		return "", err
	}
	if err := promql.ConfineOn(in, lDestNamespace, []string{ns}); err != nil {
		return "", err
	}
	out, err := promql.Parse(q)
	if err != nil {
		return "", err
	}
	if err := promql.ConfineOn(out, lSourceNamespace, []string{ns}); err != nil {
		return "", err
	}
	notIn, err := labels.NewMatcher(labels.MatchNotEqual, lDestNamespace, ns)
	if err != nil {
		return "", err
	}
	parser.Inspect(out, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			vs.LabelMatchers = append(vs.LabelMatchers, notIn)
		}
		return nil
	})
	return (&parser.BinaryExpr{Op: parser.LOR, LHS: in, RHS: out, VectorMatching: &parser.VectorMatching{Card: parser.CardManyToMany}}).String(), nil
}

// versionQueries are the three range queries of a service's versions:
// request rate, 5xx rate, and latency quantiles (labelled quantile).
func versionQueries(ns, svc string, window time.Duration) (rate, errors, latency string, err error) {
	w := rangeOf(window)
	reqs := `istio_requests_total{` + serviceMatchers + `}`
	fails := `istio_requests_total{` + serviceMatchers + `, response_code=~"5.."}`
	buckets := `sum by (destination_version, le) (rate(istio_request_duration_milliseconds_bucket{` + serviceMatchers + `}[` + w + `]))`
	lat := ""
	for i, q := range Quantiles {
		if i > 0 {
			lat += " or "
		}
		lat += `label_replace(histogram_quantile(` + model.SampleValue(q.Value).String() + `, ` + buckets + `), "quantile", "` + q.Name + `", "destination_version", ".*")`
	}
	out := make([]string, 3)
	for i, q := range []string{
		`sum by (destination_version) (rate(` + reqs + `[` + w + `]))`,
		`sum by (destination_version) (rate(` + fails + `[` + w + `]))`,
		lat,
	} {
		expr, err := promql.Parse(q)
		if err != nil {
			return "", "", "", err
		}
		if err := promql.Fill(expr, map[string]promql.Filter{placeholderService: promql.Names(svc), placeholderNS: promql.Names(ns)}); err != nil {
			return "", "", "", err
		}
		// The workloads answering are the namespace's too (a series is
		// the namespace's only if both say so).
		if err := promql.ConfineOn(expr, lDestNamespace, []string{ns}); err != nil {
			return "", "", "", err
		}
		out[i] = expr.String()
	}
	return out[0], out[1], out[2], nil
}

package monitoring

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// Bad input is a 400 Status that names the parameter.
func TestBadInputIsA400NamingTheParameter(t *testing.T) {
	users(t)
	now := time.Now().Unix()
	ts := func(d int64) string { return time.Unix(now+d, 0).UTC().Format(time.RFC3339) }
	tests := []struct {
		path  string
		q     url.Values
		field string
		// says is in the message.
		says string
	}{
		{"/cluster", url.Values{"metrics_filter": {"cluster_cpu_usage|galaxy_size"}}, "metrics_filter", "valid metrics are cluster_cpu_usage"},
		{"/namespaces/wsa-dev/pods", url.Values{"metrics_filter": {"pod_(cpu"}}, "metrics_filter", "bad regular expression"},
		{"/namespaces/wsa-dev/pods", url.Values{"resources_filter": {"web-(1"}}, "resources_filter", "bad regular expression"},
		{"/namespaces/wsa-dev/pods", url.Values{"sort_metric": {"node_cpu_usage"}}, "sort_metric", "valid metrics are pod_cpu_usage"},
		{"/namespaces/wsa-dev/pods", url.Values{"sort_type": {"up"}}, "sort_type", ""},
		{"/namespaces/wsa-dev/pods", url.Values{"limit": {"0"}}, "limit", ""},
		{"/namespaces/wsa-dev/pods", url.Values{"page": {"x"}}, "page", ""},
		{"/cluster", url.Values{"start": {ts(-60)}, "end": {ts(-120)}}, "end", "before start"},
		{"/cluster", url.Values{"start": {ts(-86400)}, "end": {ts(0)}, "step": {"1s"}}, "step", "11000"},
		{"/cluster", url.Values{"start": {ts(-60)}, "step": {"fast"}}, "step", ""},
		{"/cluster", url.Values{"time": {"yesterday"}}, "time", ""},
		{"/cluster", url.Values{"start": {"soon"}}, "start", ""},
		{"/cluster", url.Values{"end": {ts(0)}}, "start", ""},
		{"/cluster", url.Values{"sort_metric": {"cluster_cpu_usage"}}, "sort_metric", "nothing to rank"},
		{"/components/dns", nil, "component", "valid components are apiserver, controller-manager, etcd, platform, scheduler"},
		{"/namespaces/wsa-dev/workloads/cronjob", nil, "kind", "valid kinds"},
		{"/metrics", url.Values{"level": {"galaxy"}}, "level", "valid levels are cluster"},
		{"/query", url.Values{"query": {"sum("}}, "query", ""},
		{"/query", nil, "query", "required"},
		{"/namespaces/wsa-dev", url.Values{"time": {"1000"}}, "time", "before the namespace was created"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.q.Encode(), func(t *testing.T) {
			r := get(t, admin, tt.path, tt.q)
			platform.ExpectStatus(t, r, http.StatusBadRequest)
			details, _ := r.JSON["details"].(map[string]any)
			causes, _ := details["causes"].([]any)
			if len(causes) == 0 || causes[0].(map[string]any)["field"] != tt.field {
				t.Errorf("causes %v, want the field %s", causes, tt.field)
			}
			if !strings.Contains(r.Str("message"), tt.says) {
				t.Errorf("message %q does not say %q", r.Str("message"), tt.says)
			}
		})
	}
}

// A Prometheus that is down or hangs is a 503 Status within the
// configured timeout, and the API answers again when it is back.
func TestPrometheusDownOrSlowIsA503WithinTheTimeout(t *testing.T) {
	users(t)
	for _, fault := range []struct {
		name      string
		fail, fix func()
	}{
		{"down", forward.Down, func() {
			if err := forward.Up(); err != nil {
				t.Fatal(err)
			}
		}},
		{"hanging", forward.Stall, forward.Resume},
	} {
		t.Run(fault.name, func(t *testing.T) {
			fault.fail()
			for _, path := range []string{"/cluster", "/namespaces/wsa-dev/pods?sort_metric=pod_cpu_usage&limit=3", "/query?query=up"} {
				start := time.Now()
				r := api.Do(t, http.MethodGet, prefix+path, admin, nil)
				took := time.Since(start)
				platform.ExpectStatus(t, r, http.StatusServiceUnavailable)
				if !strings.Contains(r.Str("message"), "monitoring is unavailable") {
					t.Errorf("message %q", r.Str("message"))
				}
				if took > timeout+time.Second {
					t.Errorf("%s answered after %s, the timeout is %s", path, took, timeout)
				}
			}
			fault.fix()
			platform.Eventually(t, "the API answers again", 30*time.Second, func() error {
				if r := get(t, admin, "/cluster", nil); r.Code != http.StatusOK {
					return errorf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		})
	}
}

package chart

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/superkube/super-kubenetes/internal/logging/elastic"
)

// With logging.elasticsearch enabled both components take the cluster
// (and nothing of VictoriaLogs), with the password and CA of the Secret
// mounted where their configuration says, and accept the configuration.
func TestTheChartPointsBothComponentsAtElasticsearch(t *testing.T) {
	h := newHelm(t, "sk-logging-es", "skes")
	vals := map[string]any{
		"apiserver": map[string]any{"issuer": "https://ke.example.com"},
		"logging": map[string]any{
			"deploy": map[string]any{"enabled": false},
			"elasticsearch": map[string]any{"enabled": true, "flavour": "opensearch",
				"addresses": []any{"https://opensearch.logging.svc:9200"}, "username": "superkube",
				"existingSecret": "opensearch-credentials", "caKey": "ca.crt",
				"fields": map[string]any{"keywordSuffix": "none"}},
		},
	}
	if err := h.install(vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	want := &elastic.Config{Flavour: elastic.OpenSearch, Addresses: []string{"https://opensearch.logging.svc:9200"},
		Username: "superkube", PasswordFile: "/etc/superkube/elasticsearch/password", CAFile: "/etc/superkube/elasticsearch/ca.crt",
		Indices: elastic.Indices{Logs: "ks-logstash-log-*", Events: "superkube-events-*", Audit: "superkube-audit-*"},
		Fields:  elastic.Fields{KeywordSuffix: "none"}}
	as := h.apiserverConfig().Logging
	if diff := cmp.Diff(want, as.Elasticsearch); diff != "" || as.VictoriaLogsURL != "" {
		t.Errorf("ke-apiserver's store (-want +got):\n%s\nvictoriaLogsURL %q", diff, as.VictoriaLogsURL)
	}
	ev := h.controllerManagerConfig().Events
	if diff := cmp.Diff(want, ev.Elasticsearch); diff != "" || ev.VictoriaLogsURL != "" {
		t.Errorf("ke-controller-manager's store (-want +got):\n%s\nvictoriaLogsURL %q", diff, ev.VictoriaLogsURL)
	}
	for _, c := range []string{"apiserver", "controller-manager"} {
		if got := mountedSecret(h.deployment(c), "/etc/superkube/elasticsearch"); got != "opensearch-credentials" {
			t.Errorf("%s mounts %q at /etc/superkube/elasticsearch, want the Secret given", c, got)
		}
	}
}

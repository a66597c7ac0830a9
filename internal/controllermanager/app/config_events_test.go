package app

import (
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/logging/elastic"
)

func TestTheEventStoreIsOneOfVictoriaLogsAndElasticsearch(t *testing.T) {
	es := &elastic.Config{Flavour: elastic.OpenSearch, Addresses: []string{"http://opensearch:9200"}}
	cases := []struct {
		name    string
		vl      string
		es      *elastic.Config
		wantErr string
	}{
		{"no store exports nothing", "", nil, ""},
		{"VictoriaLogs", "http://victorialogs:9428", nil, ""},
		{"OpenSearch", "", es, ""},
		{"both are refused", "http://victorialogs:9428", es, "events: set either victoriaLogsURL or elasticsearch, not both"},
		{"a bad VictoriaLogs URL is refused", "ftp://victorialogs", nil, "events.victoriaLogsURL"},
		{"a bad address is refused", "", &elastic.Config{Addresses: []string{"opensearch"}}, "events.elasticsearch.addresses"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Events.VictoriaLogsURL, c.Events.Elasticsearch = tc.vl, tc.es
			var errs []string
			for _, err := range c.Validate() {
				if strings.HasPrefix(err.Error(), "events") {
					errs = append(errs, err.Error())
				}
			}
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("errors %q, want none", errs)
			case tc.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.wantErr)):
				t.Errorf("errors %q, want one with %q", errs, tc.wantErr)
			}
		})
	}
}

package app

import (
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/logging/elastic"
)

// loggingErrors are the problems Validate finds with the logging section.
func loggingErrors(c Config) []string {
	var out []string
	for _, err := range c.Validate() {
		if strings.HasPrefix(err.Error(), "logging") {
			out = append(out, err.Error())
		}
	}
	return out
}

func TestTheLogStoreIsOneOfVictoriaLogsAndElasticsearch(t *testing.T) {
	es := func(mut func(*elastic.Config)) *elastic.Config {
		c := &elastic.Config{Addresses: []string{"https://es.logging:9200"}, Username: "superkube", PasswordFile: "/etc/es/password"}
		if mut != nil {
			mut(c)
		}
		return c
	}
	cases := []struct {
		name    string
		vl      string
		es      *elastic.Config
		wantErr string
	}{
		{"no store is allowed (the API answers 503)", "", nil, ""},
		{"VictoriaLogs alone is allowed", "http://victorialogs:9428", nil, ""},
		{"Elasticsearch alone is allowed", "", es(nil), ""},
		{"OpenSearch with its own index of events is allowed", "", es(func(c *elastic.Config) {
			c.Flavour = elastic.OpenSearch
			c.Indices.Events = "cluster-a-events-*"
		}), ""},
		{"both stores are refused", "http://victorialogs:9428", es(nil), "logging: set either victoriaLogsURL or elasticsearch, not both"},
		{"a VictoriaLogs URL that is no http URL is refused", "victorialogs:9428", nil, "logging.victoriaLogsURL"},
		{"Elasticsearch without an address is refused", "", es(func(c *elastic.Config) { c.Addresses = nil }), "logging.elasticsearch.addresses must name"},
		{"an address that is no http URL is refused", "", es(func(c *elastic.Config) { c.Addresses = []string{"es.logging:9200"} }), "logging.elasticsearch.addresses"},
		{"an address with credentials is refused without echoing them", "", es(func(c *elastic.Config) { c.Addresses = []string{"https://u:hunter2@es:9200"} }), "without credentials"},
		{"an unknown flavour is refused", "", es(func(c *elastic.Config) { c.Flavour = "solr" }), "logging.elasticsearch.flavour"},
		{"a password without a user is refused", "", es(func(c *elastic.Config) { c.Username = "" }), "logging.elasticsearch.passwordFile needs a username"},
		{"an audit index that is no prefix-* pattern is refused", "", es(func(c *elastic.Config) { c.Indices.Audit = "audit" }), "logging.elasticsearch.indices.audit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Logging.VictoriaLogsURL, c.Logging.Elasticsearch = tc.vl, tc.es
			errs := loggingErrors(c)
			switch {
			case tc.wantErr == "" && len(errs) > 0:
				t.Errorf("errors %q, want none", errs)
			case tc.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0], tc.wantErr)):
				t.Errorf("errors %q, want one with %q", errs, tc.wantErr)
			}
			for _, e := range errs {
				if strings.Contains(e, "hunter2") {
					t.Errorf("the error %q shows a password", e)
				}
			}
		})
	}
}

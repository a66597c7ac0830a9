package logging

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Each kind of user finds the lines of the namespaces where it may read
// pods' logs, and nothing else: the totals, the pages, the histogram, the
// statistics and the export alike; one namespace it may not read is 403.
func TestTenancyAsFiveKindsOfUser(t *testing.T) {
	tok := users(t)
	withGone := append([]string{"gone"}, all...)
	tests := []struct {
		user       string
		namespaces []string
		total      int
	}{
		{"admin", withGone, expected(all...) + goneLines},
		{clusterViewer, withGone, expected(all...) + goneLines},
		{workspaceAdmin, []string{"wsa-dev", "wsa-prod"}, expected("wsa-dev", "wsa-prod")},
		{projectViewer, []string{"reborn", "wsa-dev"}, expected("wsa-dev", "reborn")},
		{nobody, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			p := search(t, tok[tt.user], "", url.Values{"size": {"1000"}})
			if p.Total != tt.total || len(p.Records) != tt.total {
				t.Errorf("total %d with %d records, want %d", p.Total, len(p.Records), tt.total)
			}
			if got := namespacesOf(p.Records); !slices.Equal(got, tt.namespaces) {
				t.Errorf("namespaces %v, want %v", got, tt.namespaces)
			}
			for _, r := range p.Records {
				if !strings.Contains(r.Log, "namespace "+r.Namespace) {
					t.Fatalf("a record that is not its namespace's: %+v", r)
				}
			}
			// The words of another tenant's lines find nothing of theirs.
			if !slices.Contains(tt.namespaces, "other") {
				if p := search(t, tok[tt.user], "", url.Values{"log_query": {"namespace other"}}); p.Total != 0 {
					t.Errorf("the search for other's words found %d lines", p.Total)
				}
				if p := search(t, tok[tt.user], "", url.Values{"namespaces": {"other"}}); p.Total != 0 {
					t.Errorf("the filter namespaces=other found %d lines", p.Total)
				}
			}
			h := histogram(t, tok[tt.user], url.Values{})
			if h.Total != tt.total {
				t.Errorf("the histogram counts %d lines, want %d", h.Total, tt.total)
			}
			if s := statistics(t, tok[tt.user], url.Values{}); s.Logs != tt.total {
				t.Errorf("the statistics count %d lines, want %d", s.Logs, tt.total)
			}
			if lines := export(t, tok[tt.user], url.Values{}); len(lines) != tt.total {
				t.Errorf("the export has %d lines, want %d", len(lines), tt.total)
			}
		})
	}

	for _, c := range []struct {
		user, ns string
		code     int
	}{
		{projectViewer, "wsa-dev", http.StatusOK},
		{projectViewer, "wsa-prod", http.StatusForbidden},
		{projectViewer, "other", http.StatusForbidden},
		{workspaceAdmin, "wsb-app", http.StatusForbidden},
		{workspaceAdmin, "wsa-prod", http.StatusOK},
		{nobody, "wsa-dev", http.StatusForbidden},
		{clusterViewer, "other", http.StatusOK},
	} {
		r := get(t, tok[c.user], "/namespaces/"+c.ns+"/logs", nil)
		if r.Code != c.code {
			t.Errorf("%s, the logs of namespace %s: %d %s, want %d", c.user, c.ns, r.Code, r.Body, c.code)
		}
		if r.Code == http.StatusForbidden && r.Str("kind") != "Status" {
			t.Errorf("%s, a refusal that is not a Status: %s", c.user, r.Body)
		}
	}
	if p := search(t, tok[projectViewer], "/namespaces/wsa-dev/logs", url.Values{"size": {"1000"}}); p.Total != expected("wsa-dev") ||
		!slices.Equal(namespacesOf(p.Records), []string{"wsa-dev"}) {
		t.Errorf("the project viewer's namespace: %d lines of %v", p.Total, namespacesOf(p.Records))
	}
}

// A namespace named as a deleted one was: nobody finds the deleted one's
// lines under its name, not even a platform administrator, who still finds
// those of a deleted namespace whose name is free.
func TestARecreatedNamespaceShowsOnlyItsOwnLines(t *testing.T) {
	tok := users(t)
	for _, path := range []string{"", "/namespaces/reborn/logs"} {
		p := search(t, tok[projectViewer], path, url.Values{"namespaces": {"reborn"}, "size": {"1000"}})
		if p.Total != expected("reborn") {
			t.Errorf("%q: the project viewer finds %d lines of reborn, want %d (its own)", path, p.Total, expected("reborn"))
		}
		for _, r := range p.Records {
			if strings.Contains(r.Log, "old-life") {
				t.Fatalf("%q: the deleted namespace's line %q", path, r.Log)
			}
		}
		if p := search(t, tok[projectViewer], path, url.Values{"log_query": {"old-life"}}); p.Total != 0 {
			t.Errorf("%q: a search for the deleted namespace's words found %d lines", path, p.Total)
		}
	}
	for _, q := range []url.Values{{"log_query": {"old-life"}}, {"namespaces": {"reborn"}, "log_query": {"old-life"}}, {"pods": {"old-0"}}} {
		if p := search(t, tok["admin"], "", q); p.Total != 0 {
			t.Errorf("%s: the platform administrator finds %d of the earlier reborn's lines under the new one's name", q.Encode(), p.Total)
		}
	}
	if p := search(t, tok["admin"], "", url.Values{"namespaces": {"gone"}}); p.Total != goneLines {
		t.Errorf("the platform administrator finds %d lines of the deleted namespace gone, want %d", p.Total, goneLines)
	}
	for _, u := range []string{workspaceAdmin, projectViewer, nobody} {
		if p := search(t, tok[u], "", url.Values{"namespaces": {"gone"}}); p.Total != 0 {
			t.Errorf("%s finds %d lines of the deleted namespace gone", u, p.Total)
		}
	}
}

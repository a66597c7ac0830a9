package apiserver

import (
	"net/http"
	"testing"
)

func TestEveryUserReadsTheListEnginesDiscoveryDocument(t *testing.T) {
	world(t)
	r := do(t, http.MethodGet, engine, token(t, "outsider"), nil)
	if r.code != http.StatusOK {
		t.Fatalf("a user without roles: %d %s", r.code, r.body)
	}
	resources, _ := r.json["resources"].([]any)
	found := false
	for _, x := range resources {
		if m, _ := x.(map[string]any); m["name"] == "pods" {
			found = m["sortBy"] != nil && m["filters"] != nil
		}
	}
	if !found {
		t.Fatalf("the document has no pods with sort columns and filters: %s", r.body)
	}
	expectStatus(t, do(t, http.MethodGet, engine, "", nil), http.StatusUnauthorized)
}

package apiserver

import (
	"net/http"
	"testing"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

func TestEveryUserReadsTheListEnginesDiscoveryDocument(t *testing.T) {
	world(t)
	r := api.Do(t, http.MethodGet, engine, api.Token(t, "outsider"), nil)
	if r.Code != http.StatusOK {
		t.Fatalf("a user without roles: %d %s", r.Code, r.Body)
	}
	resources, _ := r.JSON["resources"].([]any)
	found := false
	for _, x := range resources {
		if m, _ := x.(map[string]any); m["name"] == "pods" {
			found = m["sortBy"] != nil && m["filters"] != nil
		}
	}
	if !found {
		t.Fatalf("the document has no pods with sort columns and filters: %s", r.Body)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, engine, "", nil), http.StatusUnauthorized)
}

package apiserver

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

func TestMergePatchesNestedTooDeeplyAreRefusedEverywhere(t *testing.T) {
	iamWorld(t)
	a := api.Admin(t)
	// 40 levels under a field the objects do not have (decoding ignores
	// it), so that only the depth can refuse the patch.
	deep := `{"spec":{"deep":` + strings.Repeat(`{"a":`, 40) + `"x"` + strings.Repeat("}", 40) + `}}`
	newUser(t, "mp-user")
	if r := api.DoJSON(t, http.MethodPost, iamAPI+"/groups", a, map[string]any{"metadata": map[string]any{"name": "mp-group"}}); r.Code != http.StatusCreated {
		t.Fatalf("creating the group: %d %s", r.Code, r.Body)
	}
	for _, path := range []string{iamAPI + "/users/mp-user", iamAPI + "/groups/mp-group", tenantAPI + "/workspaces/iam-ws"} {
		t.Run(path, func(t *testing.T) {
			r := api.Do(t, http.MethodPatch, path, a, bytes.NewReader([]byte(deep)), "Content-Type", "application/merge-patch+json")
			platform.ExpectStatus(t, r, http.StatusBadRequest)
			if !strings.Contains(string(r.Body), "the patch nests more than 32 levels deep") || !strings.Contains(string(r.Body), `"field":"spec.deep.a.a`) {
				t.Fatalf("the Status does not name the problem and where: %s", r.Body)
			}
		})
	}
}

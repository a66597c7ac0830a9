package tenant

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestMergePatch(t *testing.T) {
	tests := []struct {
		name, doc, patch, want string
	}{
		{"a patch object merges key by key", `{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"c":4}}`, `{"a":1,"b":{"c":4,"d":3}}`},
		{"null removes a key", `{"a":1,"b":2}`, `{"b":null}`, `{"a":1}`},
		{"an array replaces the whole array", `{"a":[1,2,3]}`, `{"a":[4]}`, `{"a":[4]}`},
		{"an object replaces a scalar", `{"a":1}`, `{"a":{"b":2}}`, `{"a":{"b":2}}`},
		{"a scalar patch replaces the document", `{"a":1}`, `"x"`, `"x"`},
		{"an empty patch changes nothing", `{"a":{"b":1}}`, `{}`, `{"a":{"b":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MergePatch([]byte(tt.doc), []byte(tt.patch))
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			_ = json.Unmarshal(got, &g)
			_ = json.Unmarshal([]byte(tt.want), &w)
			if !reflect.DeepEqual(g, w) {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestMergePatchRefusesBadPatchesWithA400(t *testing.T) {
	for name, patch := range map[string]string{
		"a patch that is not JSON":  `{"a":`,
		"a patch nested too deeply": strings.Repeat(`{"a":`, maxPatchDepth+2) + "1" + strings.Repeat("}", maxPatchDepth+2),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := MergePatch([]byte(`{}`), []byte(patch)); !apierrors.IsBadRequest(err) {
				t.Fatalf("want a 400, got %v", err)
			}
		})
	}
}

func TestReservedKeysAreKeptFromTheObjectAndNeverTakenFromTheUser(t *testing.T) {
	tests := []struct {
		name     string
		in, keep map[string]string
		want     map[string]string
	}{
		{"the user's own keys pass", map[string]string{"team": "a", "example.com/x": "y"}, nil, map[string]string{"team": "a", "example.com/x": "y"}},
		{"platform and Kubernetes keys are dropped", map[string]string{
			"superkube.io/workspace": "other", "iam.superkube.io/user-ref": "x", "kubernetes.io/metadata.name": "x",
			"pod-security.kubernetes.io/enforce": "privileged", "node.k8s.io/x": "y"}, nil, nil},
		{"the object's reserved keys stay, its other keys follow the user", map[string]string{"team": "b"},
			map[string]string{"superkube.io/creator": "alice", "team": "a", "old": "x"}, map[string]string{"superkube.io/creator": "alice", "team": "b"}},
		{"a look-alike domain is not reserved", map[string]string{"notsuperkube.io/x": "1"}, nil, map[string]string{"notsuperkube.io/x": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := userKeys(tt.in, tt.keep); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

package tenant

import (
	"reflect"
	"testing"
)

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

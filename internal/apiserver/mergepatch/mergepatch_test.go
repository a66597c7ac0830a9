package mergepatch

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name, doc, patch, want string
	}{
		{"a patch object merges key by key", `{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"c":4}}`, `{"a":1,"b":{"c":4,"d":3}}`},
		{"null removes a key", `{"a":1,"b":2}`, `{"b":null}`, `{"a":1}`},
		{"an array replaces the whole array", `{"a":[1,2,3]}`, `{"a":[4]}`, `{"a":[4]}`},
		{"an object replaces a scalar", `{"a":1}`, `{"a":{"b":2}}`, `{"a":{"b":2}}`},
		{"a scalar patch replaces the document", `{"a":1}`, `"x"`, `"x"`},
		{"an empty patch changes nothing", `{"a":{"b":1}}`, `{}`, `{"a":{"b":1}}`},
		{"replacing, removing and keeping at once", `{"a":1,"b":{"c":2,"d":3},"e":[1,2]}`, `{"a":null,"b":{"c":5},"e":[3],"f":"new"}`,
			`{"b":{"c":5,"d":3},"e":[3],"f":"new"}`},
		{"a patch nested as deeply as allowed applies", `{}`, nested(MaxDepth), nested(MaxDepth)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Apply([]byte(tt.doc), []byte(tt.patch))
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

// nested is a patch of n nested objects.
func nested(n int) string {
	return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
}

func TestBadPatchesAreRefusedWithA400(t *testing.T) {
	for name, tt := range map[string]struct{ patch, says string }{
		"a patch that is not JSON":            {`{"a":`, "not valid JSON"},
		"a patch nested too deeply":           {nested(MaxDepth + 2), "nests more than 32 levels deep"},
		"arrays count as levels too":          {`{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + "}", "nests more than 32 levels deep"},
		"a deep patch under a shallow target": {`{"metadata":{"labels":` + nested(MaxDepth) + "}}", "nests more than 32 levels deep"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Apply([]byte(`{"a":1}`), []byte(tt.patch))
			if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("want a 400 saying %q, got %v", tt.says, err)
			}
		})
	}
}

func TestApplyToDecodesTheResultAndTellsWhetherThePatchSetsAVersion(t *testing.T) {
	type meta struct {
		Name            string `json:"name"`
		ResourceVersion string `json:"resourceVersion,omitempty"`
	}
	type object struct {
		Metadata meta              `json:"metadata"`
		Labels   map[string]string `json:"labels,omitempty"`
	}
	cur := object{Metadata: meta{Name: "a"}, Labels: map[string]string{"keep": "1", "drop": "2"}}
	tests := []struct {
		name, patch string
		want        object
		setsVersion bool
	}{
		{"a patch without a version is unconditional", `{"labels":{"drop":null,"new":"3"}}`,
			object{Metadata: meta{Name: "a"}, Labels: map[string]string{"keep": "1", "new": "3"}}, false},
		{"a patch that names a version makes the update conditional", `{"metadata":{"resourceVersion":"7"}}`,
			object{Metadata: meta{Name: "a", ResourceVersion: "7"}, Labels: cur.Labels}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got object
			sets, err := ApplyTo(cur, []byte(tt.patch), &got)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) || sets != tt.setsVersion {
				t.Fatalf("got %+v (sets version %v), want %+v (%v)", got, sets, tt.want, tt.setsVersion)
			}
		})
	}
	t.Run("a result that does not fit the object is a 400", func(t *testing.T) {
		var got object
		if _, err := ApplyTo(cur, []byte(`{"labels":"not a map"}`), &got); !apierrors.IsBadRequest(err) {
			t.Fatalf("want a 400, got %v", err)
		}
	})
}

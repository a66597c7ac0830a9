// Package mergepatch applies the JSON merge patches (RFC 7386) of the
// platform's PATCH endpoints, with one bound on how deeply a patch may nest.
// Handlers read the patch with requestbody.ReadMergePatch.
package mergepatch

import (
	"encoding/json"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// MaxDepth bounds the nesting of objects and arrays in a patch.
const MaxDepth = 32

// Apply applies a JSON merge patch to a JSON document: an object in the
// patch merges key by key, null removes a key, anything else replaces. A
// patch that is not JSON, or that nests deeper than MaxDepth, is a 400 that
// names the problem (and, for depth, where in the patch).
func Apply(doc, patch []byte) ([]byte, error) {
	var d, p any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, apierrors.NewBadRequest("the patch is not valid JSON: " + err.Error())
	}
	if where, ok := tooDeep(p, nil); ok {
		return nil, apistatus.BadRequest(where, fmt.Sprintf("the patch nests more than %d levels deep", MaxDepth))
	}
	return json.Marshal(merge(d, p))
}

// ApplyTo applies a JSON merge patch to current as the API shows it and
// decodes the result into out. It reports whether the patch sets
// metadata.resourceVersion, which makes the update conditional.
func ApplyTo(current any, patch []byte, out any) (setsVersion bool, err error) {
	doc, err := json.Marshal(current)
	if err != nil {
		return false, err
	}
	merged, err := Apply(doc, patch)
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(merged, out); err != nil {
		return false, apierrors.NewBadRequest("the patched object is not valid: " + err.Error())
	}
	var p struct {
		Metadata map[string]json.RawMessage `json:"metadata"`
	}
	if json.Unmarshal(patch, &p) == nil {
		_, setsVersion = p.Metadata["resourceVersion"]
	}
	return setsVersion, nil
}

// tooDeep returns the path to the first value below MaxDepth levels.
func tooDeep(v any, path []string) (string, bool) {
	if len(path) >= MaxDepth {
		switch v.(type) {
		case map[string]any, []any:
		default:
			return "", false
		}
		s := strings.Join(path, ".")
		if len(s) > 128 {
			s = s[:128] + "..."
		}
		return s, true
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if where, ok := tooDeep(c, append(path, k)); ok {
				return where, true
			}
		}
	case []any:
		for i, c := range x {
			if where, ok := tooDeep(c, append(path, fmt.Sprintf("[%d]", i))); ok {
				return where, true
			}
		}
	}
	return "", false
}

func merge(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = merge(tm[k], v)
	}
	return tm
}

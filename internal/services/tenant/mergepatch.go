package tenant

import (
	"encoding/json"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// maxPatchDepth bounds the nesting a merge patch may have.
const maxPatchDepth = 32

// MergePatch applies a JSON merge patch (RFC 7386) to a JSON document: an
// object in the patch merges key by key, null removes a key, anything else
// replaces. A patch that is not JSON is a 400.
func MergePatch(doc, patch []byte) ([]byte, error) {
	var d, p any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(patch, &p); err != nil {
		return nil, apierrors.NewBadRequest("the patch is not valid JSON: " + err.Error())
	}
	merged, ok := mergeValue(d, p, 0)
	if !ok {
		return nil, apierrors.NewBadRequest("the patch is nested too deeply")
	}
	return json.Marshal(merged)
}

func mergeValue(target, patch any, depth int) (any, bool) {
	if depth > maxPatchDepth {
		return nil, false
	}
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch, true
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
		merged, ok := mergeValue(tm[k], v, depth+1)
		if !ok {
			return nil, false
		}
		tm[k] = merged
	}
	return tm, true
}

package elastic

import (
	"encoding/json"
	"strconv"
	"strings"
)

// lookup is the value of the field path (a.b.c) in a document's source as
// a string, whether the source holds it flat ("a.b.c": v), as objects
// ({"a": {"b": {"c": v}}}) or mixed ("a": {"b.c": v}); "" when absent.
func lookup(src map[string]any, path string) string {
	if v, ok := src[path]; ok {
		return text(v)
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '.' {
			continue
		}
		if inner, ok := src[path[:i]].(map[string]any); ok {
			if v := lookup(inner, path[i+1:]); v != "" {
				return v
			}
		}
	}
	return ""
}

// text is a JSON value as a string.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, text(e))
		}
		return strings.Join(parts, ",")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// Package listquery implements the list convention of every list endpoint
// under /kapis: page, limit, sortBy, ascending, labelSelector,
// fieldSelector, name (case-insensitive substring of the name or display
// name) and names (exact list), answered as {"items": [...], "totalItems": N}.
package listquery

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// Limits of the list convention.
const (
	DefaultLimit = 10
	// MaxLimit caps limit; a larger one is refused, not silently cut.
	MaxLimit = 500
)

// Query is a parsed list request.
type Query struct {
	Page      int
	Limit     int
	SortBy    string
	Ascending bool
	Labels    labels.Selector
	Fields    fields.Selector
	// Name is the lower-cased substring to find in names and display names.
	Name string
	// Names is the exact set of names asked for, or nil.
	Names map[string]bool
	// Filters holds the endpoint's own filter parameters, by name.
	Filters map[string]string
}

// Spec describes what an endpoint accepts besides the common parameters.
type Spec struct {
	// SortBy lists the columns the endpoint sorts by; createTime and name
	// are always accepted.
	SortBy []string
	// Filters lists the endpoint's own filter parameters.
	Filters []string
	// FieldSelectors lists the fields fieldSelector may name (besides
	// metadata.name and metadata.namespace).
	FieldSelectors []string
}

var common = []string{"page", "limit", "sortBy", "ascending", "labelSelector", "fieldSelector", "name", "names", "watch", "resourceVersion"}

// Parse reads and checks the query; every error is a 400 Status naming the
// parameter.
func Parse(q url.Values, spec Spec) (*Query, error) {
	out := &Query{Page: 1, Limit: DefaultLimit, SortBy: "createTime", Labels: labels.Everything(), Fields: fields.Everything(), Filters: map[string]string{}}
	for key := range q {
		if !slices.Contains(common, key) && !slices.Contains(spec.Filters, key) {
			return nil, apistatus.BadRequest(key, "is not a parameter of this list; it takes "+strings.Join(append(slices.Clone(common[:8]), spec.Filters...), ", "))
		}
	}
	var err error
	if v := q.Get("page"); v != "" {
		if out.Page, err = strconv.Atoi(v); err != nil || out.Page < 1 || out.Page > 1_000_000 {
			return nil, apistatus.BadRequest("page", "must be a whole number from 1")
		}
	}
	if v := q.Get("limit"); v != "" {
		if out.Limit, err = strconv.Atoi(v); err != nil || out.Limit < 1 || out.Limit > MaxLimit {
			return nil, apistatus.BadRequest("limit", "must be a whole number from 1 to "+strconv.Itoa(MaxLimit))
		}
	}
	if v := q.Get("sortBy"); v != "" {
		if v != "createTime" && v != "name" && !slices.Contains(spec.SortBy, v) {
			return nil, apistatus.BadRequest("sortBy", "must be one of "+strings.Join(append([]string{"createTime", "name"}, spec.SortBy...), ", "))
		}
		out.SortBy = v
	}
	if v := q.Get("ascending"); v != "" {
		if out.Ascending, err = strconv.ParseBool(v); err != nil {
			return nil, apistatus.BadRequest("ascending", "must be true or false")
		}
	}
	if v := q.Get("labelSelector"); v != "" {
		if out.Labels, err = labels.Parse(v); err != nil {
			return nil, apistatus.BadRequest("labelSelector", err.Error())
		}
	}
	if v := q.Get("fieldSelector"); v != "" {
		if out.Fields, err = fields.ParseSelector(v); err != nil {
			return nil, apistatus.BadRequest("fieldSelector", err.Error())
		}
		for _, r := range out.Fields.Requirements() {
			if r.Field != "metadata.name" && r.Field != "metadata.namespace" && !slices.Contains(spec.FieldSelectors, r.Field) {
				return nil, apistatus.BadRequest("fieldSelector", "cannot select on "+r.Field+"; it takes "+
					strings.Join(append([]string{"metadata.name", "metadata.namespace"}, spec.FieldSelectors...), ", "))
			}
		}
	}
	out.Name = strings.ToLower(strings.TrimSpace(q.Get("name")))
	if v := q.Get("names"); v != "" {
		out.Names = map[string]bool{}
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out.Names[n] = true
			}
		}
	}
	for _, f := range spec.Filters {
		if v := q.Get(f); v != "" {
			out.Filters[f] = v
		}
	}
	return out, nil
}

// MatchesName applies name and names to an object's name and display name.
func (q *Query) MatchesName(name, displayName string) bool {
	if q.Names != nil && !q.Names[name] {
		return false
	}
	if q.Name == "" {
		return true
	}
	return containsFold(name, q.Name) || (displayName != "" && containsFold(displayName, q.Name))
}

// containsFold reports whether s contains the lower-case sub, ignoring case.
func containsFold(s, lowerSub string) bool {
	if len(lowerSub) > len(s) {
		return false
	}
	for i := 0; i+len(lowerSub) <= len(s); i++ {
		match := true
		for j := 0; j < len(lowerSub); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lowerSub[j] {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// Window returns the bounds of the page the query asks for among n sorted items.
func (q *Query) Window(n int) (start, end int) {
	start = (q.Page - 1) * q.Limit
	if start > n {
		start = n
	}
	end = start + q.Limit
	if end > n {
		end = n
	}
	return start, end
}

// List is the answer of every list endpoint.
type List[T any] struct {
	Items      []T `json:"items"`
	TotalItems int `json:"totalItems"`
}

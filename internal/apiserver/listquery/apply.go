package listquery

import (
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Columns gives the sortable values of an item beyond name and createTime.
type Columns[T any] map[string]func(T) string

// Filters decide an endpoint's own filters for an item.
type Filters[T any] map[string]func(item T, value string) bool

// Apply filters, sorts and pages a small in-memory collection of objects
// (users, workspaces, members ...). The list engine has its own indexed
// implementation for large collections.
func Apply[T metav1.Object](items []T, q *Query, cols Columns[T], filters Filters[T]) List[T] {
	kept := make([]T, 0, len(items))
	for _, it := range items {
		if !q.MatchesName(it.GetName(), it.GetAnnotations()[tenantv1beta1.DisplayNameAnnotation]) {
			continue
		}
		if !q.Labels.Matches(labels.Set(it.GetLabels())) {
			continue
		}
		if !q.Fields.Matches(fields.Set{"metadata.name": it.GetName(), "metadata.namespace": it.GetNamespace()}) {
			continue
		}
		ok := true
		for name, value := range q.Filters {
			if f, has := filters[name]; has && !f(it, value) {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, it)
		}
	}
	less := func(a, b T) int {
		switch q.SortBy {
		case "name":
			return strings.Compare(a.GetName(), b.GetName())
		case "createTime":
			if c := a.GetCreationTimestamp().Compare(b.GetCreationTimestamp().Time); c != 0 {
				return c
			}
			return strings.Compare(a.GetName(), b.GetName())
		default:
			if col, ok := cols[q.SortBy]; ok {
				if c := strings.Compare(col(a), col(b)); c != 0 {
					return c
				}
			}
			return strings.Compare(a.GetName(), b.GetName())
		}
	}
	sort.SliceStable(kept, func(i, j int) bool {
		c := less(kept[i], kept[j])
		if q.Ascending {
			return c < 0
		}
		return c > 0
	})
	start, end := q.Window(len(kept))
	return List[T]{Items: kept[start:end], TotalItems: len(kept)}
}

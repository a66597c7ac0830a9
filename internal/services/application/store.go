package application

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/Masterminds/semver/v3"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
)

// AppList is the list convention of the apps: the store's search.
var AppList = listquery.Spec{SortBy: []string{"updateTime", "state"}, Filters: []string{"state", "category", "workspace", "repository"}}

// Search filters, sorts and pages apps: name is a case-insensitive
// substring of the name, display name, chart name, description or a
// keyword; state, category, workspace and repository are exact. The
// caller has already kept the apps it may see.
func Search(apps []*applicationv2.Application, q *listquery.Query) listquery.List[*applicationv2.Application] {
	name := q.Name
	kept := make([]*applicationv2.Application, 0, len(apps))
	for _, a := range apps {
		if name != "" && !appMatches(a, name) {
			continue
		}
		kept = append(kept, a)
	}
	qq := *q
	qq.Name = ""
	return listquery.Apply(kept, &qq,
		listquery.Columns[*applicationv2.Application]{
			"updateTime": func(a *applicationv2.Application) string {
				if a.Status.UpdateTime == nil {
					return a.CreationTimestamp.UTC().Format("2006-01-02T15:04:05Z")
				}
				return a.Status.UpdateTime.UTC().Format("2006-01-02T15:04:05Z")
			},
			"state": func(a *applicationv2.Application) string { return string(a.Status.State) },
		},
		listquery.Filters[*applicationv2.Application]{
			"state":      func(a *applicationv2.Application, v string) bool { return string(a.Status.State) == v },
			"category":   func(a *applicationv2.Application, v string) bool { return slices.Contains(a.Spec.Categories, v) },
			"workspace":  func(a *applicationv2.Application, v string) bool { return a.Labels[applicationv2.WorkspaceLabel] == v },
			"repository": func(a *applicationv2.Application, v string) bool { return a.Labels[applicationv2.RepositoryLabel] == v },
		})
}

func appMatches(a *applicationv2.Application, lower string) bool {
	if containsFold(a.Name, lower) || containsFold(a.Spec.DisplayName, lower) || containsFold(a.Spec.ChartName, lower) ||
		containsFold(a.Spec.Description, lower) {
		return true
	}
	for _, k := range a.Spec.Keywords {
		if containsFold(k, lower) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains lower (lower-cased), ignoring
// case, without allocating for ASCII text.
func containsFold(s, lower string) bool {
	if len(lower) > len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return strings.Contains(strings.ToLower(s), lower)
		}
	}
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for ; j < len(lower); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
		}
		if j == len(lower) {
			return true
		}
	}
	return false
}

// VersionsNewestFirst sorts versions by semantic version, newest first
// (then by creation time).
func VersionsNewestFirst(vs []*applicationv2.ApplicationVersion) {
	slices.SortStableFunc(vs, func(a, b *applicationv2.ApplicationVersion) int {
		if c := CompareVersions(b.Spec.Version, a.Spec.Version); c != 0 {
			return c
		}
		return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
	})
}

// CompareVersions compares two chart versions as semantic versions; one
// that does not parse sorts below one that does, two such as strings.
func CompareVersions(a, b string) int {
	va, ea := semver.NewVersion(a)
	vb, eb := semver.NewVersion(b)
	switch {
	case ea == nil && eb == nil:
		return va.Compare(vb)
	case ea == nil:
		return 1
	case eb == nil:
		return -1
	}
	return strings.Compare(a, b)
}

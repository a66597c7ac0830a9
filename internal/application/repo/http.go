package repo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"
	repov1 "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

func listHTTP(ctx context.Context, u *url.URL, opts Options) (*Index, error) {
	iu := *u
	iu.Path = strings.TrimSuffix(iu.Path, "/") + "/index.yaml"
	data, err := get(ctx, &iu, opts, MaxIndexBytes, "index.yaml")
	if err != nil {
		return nil, err
	}
	return ParseIndex(data, u.String())
}

// ParseIndex reads an index.yaml of the repository at baseURL; chart URLs
// in it are made absolute.
func ParseIndex(data []byte, baseURL string) (*Index, error) {
	where := strings.TrimSuffix(baseURL, "/") + "/index.yaml"
	bad := func(format string, args ...any) error {
		return &Error{URL: where, Message: fmt.Sprintf("%s is not a Helm repository index: ", where) + fmt.Sprintf(format, args...)}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, bad("it is empty")
	}
	if trimmed[0] == '<' {
		return nil, bad("it is HTML or XML (is the URL the repository's root?)")
	}
	var raw repov1.IndexFile
	var err error
	if json.Valid(trimmed) {
		err = json.Unmarshal(trimmed, &raw)
	} else {
		err = yaml.Unmarshal(trimmed, &raw)
	}
	if err != nil {
		return nil, bad("%s", shorten(err.Error()))
	}
	if raw.APIVersion == "" {
		return nil, bad("it has no apiVersion")
	}
	if raw.Entries == nil {
		return nil, bad("it has no entries")
	}
	idx := &Index{Charts: make(map[string][]ChartVersion, len(raw.Entries)), Digest: sum(data)}
	for name, versions := range raw.Entries {
		out := make([]ChartVersion, 0, len(versions))
		for i, v := range versions {
			if v == nil || v.Metadata == nil {
				idx.Skipped = append(idx.Skipped, fmt.Sprintf("%s[%d]: empty entry", name, i))
				continue
			}
			if v.APIVersion == "" {
				v.APIVersion = "v1"
			}
			if err := v.Validate(); err != nil {
				idx.Skipped = append(idx.Skipped, fmt.Sprintf("%s %s: %v", name, v.Version, err))
				continue
			}
			if v.Name != name {
				idx.Skipped = append(idx.Skipped, fmt.Sprintf("%s %s: the entry is named %q", name, v.Version, v.Name))
				continue
			}
			if len(v.URLs) == 0 {
				idx.Skipped = append(idx.Skipped, fmt.Sprintf("%s %s: no urls", name, v.Version))
				continue
			}
			abs, err := repov1.ResolveReferenceURL(baseURL, v.URLs[0])
			if err != nil {
				idx.Skipped = append(idx.Skipped, fmt.Sprintf("%s %s: url %q: %v", name, v.Version, v.URLs[0], err))
				continue
			}
			cv := fromMetadata(v.Metadata)
			cv.URL = abs
			cv.Digest = strings.TrimPrefix(v.Digest, "sha256:")
			cv.Created = v.Created
			out = append(out, cv)
		}
		if len(out) > 0 {
			sortVersions(out)
			idx.Charts[name] = out
		}
	}
	sort.Strings(idx.Skipped)
	return idx, nil
}

// sortVersions orders newest first; invalid semver last, by string.
func sortVersions(vs []ChartVersion) {
	parsed := make(map[string]*semver.Version, len(vs))
	for _, v := range vs {
		if sv, err := semver.NewVersion(v.Version); err == nil {
			parsed[v.Version] = sv
		}
	}
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := parsed[vs[i].Version], parsed[vs[j].Version]
		switch {
		case a != nil && b != nil:
			return a.GreaterThan(b)
		case a != nil:
			return true
		case b != nil:
			return false
		}
		return vs[i].Version > vs[j].Version
	})
}

func shorten(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

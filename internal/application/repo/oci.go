package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	helmregistry "helm.sh/helm/v4/pkg/registry"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/errcode"
)

// maxManifestBytes bounds a manifest or a chart's config blob.
const maxManifestBytes = 4 << 20

// An OCI repository URL is oci://host[/path]. When host/path is itself a
// registry repository with semver tags, it is one chart (its versions are
// the tags). Otherwise the registry's catalog is listed and every registry
// repository under host/path/ whose manifests are Helm charts is a chart.

func (o Options) ociClient(host string) (*auth.Client, error) {
	hc, err := o.httpClient()
	if err != nil {
		return nil, err
	}
	c := &auth.Client{Client: hc, Cache: auth.NewCache()}
	if o.Username != "" || o.Password != "" {
		c.Credential = auth.StaticCredential(host, auth.Credential{Username: o.Username, Password: o.Password})
	}
	c.SetUserAgent("ke-controller-manager")
	return c, nil
}

func (o Options) plainHTTP(host string) bool {
	if o.PlainHTTP {
		return true
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func (o Options) repository(host, path string) (*remote.Repository, error) {
	r, err := remote.NewRepository(host + "/" + path)
	if err != nil {
		return nil, &Error{URL: "oci://" + host + "/" + path, Message: fmt.Sprintf("oci://%s/%s is not a valid registry repository: %v", host, path, err), Err: err}
	}
	c, err := o.ociClient(host)
	if err != nil {
		return nil, err
	}
	r.Client, r.PlainHTTP = c, o.plainHTTP(host)
	return r, nil
}

func listOCI(ctx context.Context, u *url.URL, opts Options) (*Index, error) {
	host, path := u.Host, strings.Trim(u.Path, "/")
	var repos []string
	if path != "" {
		r, err := opts.repository(host, path)
		if err != nil {
			return nil, err
		}
		tags, err := semverTags(ctx, r)
		if err == nil && len(tags) > 0 {
			repos = []string{path}
		} else if err != nil && !notFound(err) {
			return nil, ociError(ctx, u, err, opts)
		}
	}
	if repos == nil {
		reg, err := remote.NewRegistry(host)
		if err != nil {
			return nil, &Error{URL: redact(u), Message: fmt.Sprintf("%s: invalid registry host: %v", redact(u), err), Err: err}
		}
		c, err := opts.ociClient(host)
		if err != nil {
			return nil, err
		}
		reg.Client, reg.PlainHTTP = c, opts.plainHTTP(host)
		prefix := ""
		if path != "" {
			prefix = path + "/"
		}
		err = reg.Repositories(ctx, "", func(names []string) error {
			for _, n := range names {
				if strings.HasPrefix(n, prefix) {
					repos = append(repos, n)
				}
			}
			if len(repos) > 10000 {
				return errors.New("more than 10000 repositories")
			}
			return nil
		})
		if err != nil {
			return nil, ociError(ctx, u, err, opts)
		}
	}
	sort.Strings(repos)

	type job struct {
		repo, tag string
	}
	var jobs []job
	for _, name := range repos {
		r, err := opts.repository(host, name)
		if err != nil {
			return nil, err
		}
		tags, err := semverTags(ctx, r)
		if err != nil {
			return nil, ociError(ctx, u, err, opts)
		}
		for _, t := range tags {
			jobs = append(jobs, job{name, t})
		}
	}
	type result struct {
		cv       ChartVersion
		manifest string
		skip     string
		err      error
	}
	results := make([]result, len(jobs))
	n := opts.Concurrency
	if n <= 0 {
		n = 4
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r, err := opts.repository(host, j.repo)
			if err != nil {
				results[i].err = err
				return
			}
			cv, mdigest, skip, err := readChartManifest(ctx, r, j.tag)
			if err != nil {
				results[i].err = ociError(ctx, u, err, opts)
				return
			}
			cv.URL = fmt.Sprintf("oci://%s/%s:%s", host, j.repo, j.tag)
			if skip != "" {
				skip = fmt.Sprintf("%s:%s: %s", j.repo, j.tag, skip)
			}
			results[i] = result{cv: cv, manifest: mdigest, skip: skip}
		}()
	}
	wg.Wait()
	idx := &Index{Charts: map[string][]ChartVersion{}}
	var lines []string
	for _, r := range results {
		if r.err != nil {
			return nil, r.err
		}
		if r.skip != "" {
			idx.Skipped = append(idx.Skipped, r.skip)
			continue
		}
		idx.Charts[r.cv.Name] = append(idx.Charts[r.cv.Name], r.cv)
		lines = append(lines, r.cv.URL+"@"+r.manifest)
	}
	for name := range idx.Charts {
		sortVersions(idx.Charts[name])
	}
	sort.Strings(lines)
	idx.Digest = sum([]byte(strings.Join(lines, "\n")))
	return idx, nil
}

// semverTags lists the tags of r that are chart versions ('_' stands for
// '+' in a tag).
func semverTags(ctx context.Context, r *remote.Repository) ([]string, error) {
	var tags []string
	err := r.Tags(ctx, "", func(ts []string) error {
		for _, t := range ts {
			if _, err := semver.StrictNewVersion(strings.ReplaceAll(t, "_", "+")); err == nil {
				tags = append(tags, t)
			}
		}
		return nil
	})
	return tags, err
}

// readChartManifest reads the manifest at tag and its config (the chart's
// Chart.yaml as JSON). skip says why it is not a chart.
func readChartManifest(ctx context.Context, r *remote.Repository, tag string) (ChartVersion, string, string, error) {
	cv, mdigest, _, skip, err := readChart(ctx, r, tag)
	return cv, mdigest, skip, err
}

// readChart is readChartManifest, with the chart layer's descriptor.
func readChart(ctx context.Context, r *remote.Repository, tag string) (ChartVersion, string, *ocispec.Descriptor, string, error) {
	desc, err := r.Resolve(ctx, tag)
	if err != nil {
		return ChartVersion{}, "", nil, "", err
	}
	if desc.Size > maxManifestBytes {
		return ChartVersion{}, "", nil, "manifest too large", nil
	}
	if desc.MediaType != ocispec.MediaTypeImageManifest {
		return ChartVersion{}, "", nil, fmt.Sprintf("not a Helm chart (manifest type %s)", desc.MediaType), nil
	}
	data, err := content.FetchAll(ctx, r.Manifests(), desc)
	if err != nil {
		return ChartVersion{}, "", nil, "", err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return ChartVersion{}, "", nil, "manifest is not JSON", nil //nolint:nilerr // not a chart: skipped, not a failure
	}
	if m.Config.MediaType != helmregistry.ConfigMediaType {
		return ChartVersion{}, "", nil, fmt.Sprintf("not a Helm chart (config type %s)", m.Config.MediaType), nil
	}
	var layer *ocispec.Descriptor
	for i := range m.Layers {
		if t := m.Layers[i].MediaType; t == helmregistry.ChartLayerMediaType || t == helmregistry.LegacyChartLayerMediaType {
			layer = &m.Layers[i]
		}
	}
	if layer == nil {
		return ChartVersion{}, "", nil, "no chart layer", nil
	}
	if m.Config.Size > maxManifestBytes {
		return ChartVersion{}, "", nil, "chart config too large", nil
	}
	cfg, err := content.FetchAll(ctx, r.Blobs(), m.Config)
	if err != nil {
		return ChartVersion{}, "", nil, "", err
	}
	md := new(helmchart.Metadata)
	if err := json.Unmarshal(cfg, md); err != nil {
		return ChartVersion{}, "", nil, "chart config is not Chart.yaml JSON", nil //nolint:nilerr // not a chart: skipped, not a failure
	}
	if md.APIVersion == "" {
		md.APIVersion = helmchart.APIVersionV2
	}
	if err := md.Validate(); err != nil {
		return ChartVersion{}, "", nil, err.Error(), nil //nolint:nilerr // an invalid chart: skipped, not a failure
	}
	cv := fromMetadata(md)
	cv.Digest = layer.Digest.Encoded()
	if t, err := time.Parse(time.RFC3339, m.Annotations[ocispec.AnnotationCreated]); err == nil {
		cv.Created = t
	}
	return cv, desc.Digest.String(), layer, "", nil
}

// fetchOCI reads the chart layer of oci://host/repo:tag.
func fetchOCI(ctx context.Context, u *url.URL, digest string, opts Options) ([]byte, error) {
	ref := strings.Trim(u.Path, "/")
	i := strings.LastIndex(ref, ":")
	if i < 0 {
		return nil, &Error{URL: redact(u), Message: fmt.Sprintf("the chart URL %s has no :tag", redact(u))}
	}
	repoPath, tag := ref[:i], ref[i+1:]
	r, err := opts.repository(u.Host, repoPath)
	if err != nil {
		return nil, err
	}
	_, _, l, skip, err := readChart(ctx, r, tag)
	if err != nil {
		return nil, ociError(ctx, u, err, opts)
	}
	if skip != "" {
		return nil, &Error{URL: redact(u), Message: fmt.Sprintf("%s: %s", redact(u), skip)}
	}
	if l.Size > MaxChartBytes {
		return nil, &Error{URL: redact(u), Err: ErrTooLarge, Message: fmt.Sprintf("the chart archive at %s is %d bytes, more than the limit of %d", redact(u), l.Size, MaxChartBytes)}
	}
	if digest != "" && l.Digest.Encoded() != strings.TrimPrefix(digest, "sha256:") {
		return nil, &Error{URL: redact(u), Err: ErrDigestMismatch,
			Message: fmt.Sprintf("the chart archive at %s has digest %s, not the sha256:%s the repository listed", redact(u), l.Digest, strings.TrimPrefix(digest, "sha256:"))}
	}
	// FetchAll checks the blob against its descriptor's digest.
	b, err := content.FetchAll(ctx, r.Blobs(), *l)
	if err != nil {
		return nil, ociError(ctx, u, err, opts)
	}
	return b, nil
}

func notFound(err error) bool {
	var re *errcode.ErrorResponse
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}

// ociError words a registry error.
func ociError(ctx context.Context, u *url.URL, err error, opts Options) error {
	var re *errcode.ErrorResponse
	if errors.As(err, &re) {
		msg := fmt.Sprintf("the registry at %s answered %d %s to %s %s", redact(u), re.StatusCode, http.StatusText(re.StatusCode), re.Method, re.URL.Path)
		if len(re.Errors) > 0 {
			msg += ": " + re.Errors.Error()
		}
		switch re.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			msg += " (check the repository's credentials)"
		case http.StatusNotFound:
			if strings.HasSuffix(re.URL.Path, "/_catalog") {
				msg += " (the registry does not list its repositories; give the URL of one chart, oci://host/path/chart)"
			}
		}
		return &Error{URL: redact(u), Message: msg, Err: err}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return unreachable(ctx, redact(u), ue.Err, opts.timeout())
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return unreachable(ctx, redact(u), err, opts.timeout())
	}
	return &Error{URL: redact(u), Message: fmt.Sprintf("the registry at %s does not answer as an OCI registry: %v", redact(u), shorten(err.Error())), Err: err}
}

// Package chartsource turns an ApplicationVersion into its chart archive:
// the ConfigMap of an uploaded chart (in the system namespace), or the URL
// of a repository's chart (HTTP(S) or OCI, through repo.Fetch) with the
// repository's credentials. An archive is at most MaxChartBytes, and its
// sha256 must be the version's recorded digest when there is one.
//
// Its errors have kinds (ErrNotFound, ErrUnavailable, ErrDigestMismatch,
// ErrTooLarge) for errors.Is, so that the API can answer with a status
// code, and messages the release controller puts in a release's status.
package chartsource

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/repo"
)

// MaxChartBytes is the largest chart archive returned.
const MaxChartBytes = appv2.MaxChartBytes

// Kinds of errors.
var (
	// ErrNotFound: the version has no chart where it says (no source, no
	// ConfigMap, no chart.tgz in it).
	ErrNotFound = errors.New("chart not found")
	// ErrUnavailable: the chart's source could not be read or answered
	// badly (unreachable, an HTTP error, unusable credentials).
	ErrUnavailable = errors.New("chart source unavailable")
	// ErrDigestMismatch: the archive is not the recorded digest.
	ErrDigestMismatch = repo.ErrDigestMismatch
	// ErrTooLarge: the archive is larger than MaxChartBytes.
	ErrTooLarge = repo.ErrTooLarge
)

// Error is a chart that could not be fetched.
type Error struct {
	// Kind is one of the Err variables of this package.
	Kind    error
	Message string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// Is matches the error's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

func fail(kind error, err error, format string, args ...any) error {
	return &Error{Kind: kind, Err: err, Message: fmt.Sprintf(format, args...)}
}

// Fetcher returns the chart archive of a version.
type Fetcher interface {
	Fetch(ctx context.Context, v *appv2.ApplicationVersion) ([]byte, error)
}

// Source fetches charts; it is a Fetcher.
type Source struct {
	// Reader reads ConfigMaps and Secrets in SystemNamespace (uncached:
	// they are not watched), and Repositories unless Repositories is set.
	Reader client.Reader
	// Repositories reads Repositories; nil is Reader.
	Repositories    client.Reader
	SystemNamespace string
	// Timeout bounds a download; 0 is repo.DefaultTimeout.
	Timeout time.Duration
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// WorkspaceAllowedCIDRs are the internal networks a workspace's
	// repository may reach; otherwise it reaches public addresses only
	// (see Guard).
	WorkspaceAllowedCIDRs []netip.Prefix
}

// WorkspaceRepository names a workspace's repository in netguard's errors.
const WorkspaceRepository = "a workspace's chart repository"

// Guard is the address guard of a repository's connections: none for a
// platform repository (made by platform administrators); public addresses
// only, and the allowed networks, for a workspace's (whose developers must
// not make the platform reach its internal services), and for a chart
// whose repository is gone.
func Guard(rp *appv2.Repository, allowed []netip.Prefix) *netguard.Policy {
	if rp != nil && rp.Labels[appv2.WorkspaceLabel] == "" {
		return nil
	}
	return &netguard.Policy{Allowed: allowed, For: WorkspaceRepository}
}

// Fetch implements Fetcher.
func (s *Source) Fetch(ctx context.Context, v *appv2.ApplicationVersion) ([]byte, error) {
	src := v.Spec.Source
	var data []byte
	var err error
	switch {
	case src.ConfigMap != "":
		data, err = s.fromConfigMap(ctx, src.ConfigMap)
	case src.URL != "":
		data, err = s.fromURL(ctx, v)
	default:
		return nil, fail(ErrNotFound, nil, "version %s has no chart source (neither configMap nor url)", v.Name)
	}
	if err != nil {
		return nil, err
	}
	if len(data) > MaxChartBytes {
		return nil, fail(ErrTooLarge, nil, "the chart archive of version %s is larger than %d bytes", v.Name, MaxChartBytes)
	}
	if d := digest(src.Digest); d != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, d) {
			return nil, fail(ErrDigestMismatch, nil, "the chart archive of version %s has sha256 %s, not the recorded digest %s", v.Name, got, d)
		}
	}
	return data, nil
}

func digest(d string) string { return strings.TrimPrefix(d, "sha256:") }

func (s *Source) fromConfigMap(ctx context.Context, name string) ([]byte, error) {
	cm := &corev1.ConfigMap{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Namespace: s.SystemNamespace, Name: name}, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fail(ErrNotFound, err, "the chart ConfigMap %s/%s does not exist", s.SystemNamespace, name)
		}
		return nil, err
	}
	data, ok := cm.BinaryData[appv2.ChartKey]
	if !ok {
		return nil, fail(ErrNotFound, nil, "the chart ConfigMap %s/%s has no %s", s.SystemNamespace, name, appv2.ChartKey)
	}
	return data, nil
}

// fromURL downloads a repository's chart. Credentials are those of the
// version's Repository, from its credentials Secret labelled for it, and
// repo.Fetch sends them only to the repository's host.
func (s *Source) fromURL(ctx context.Context, v *appv2.ApplicationVersion) ([]byte, error) {
	src := v.Spec.Source
	rp, cr, err := s.repository(ctx, src.Repository)
	if err != nil {
		return nil, err
	}
	repoURL := ""
	if rp != nil {
		repoURL = rp.Spec.URL
	}
	if repoURL == "" {
		// No repository (any more): the chart's own URL, without credentials.
		repoURL = src.URL
	}
	data, err := repo.Fetch(ctx, repoURL, src.URL, src.Digest, repo.Options{Credentials: cr, Timeout: s.Timeout, Transport: s.Transport, Guard: Guard(rp, s.WorkspaceAllowedCIDRs)})
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, repo.ErrDigestMismatch):
		return nil, fail(ErrDigestMismatch, err, "the chart archive of version %s is not the recorded digest %s: %s", v.Name, digest(src.Digest), err)
	case errors.Is(err, repo.ErrTooLarge):
		return nil, fail(ErrTooLarge, err, "the chart archive of version %s is larger than %d bytes: %s", v.Name, MaxChartBytes, err)
	default:
		return nil, fail(ErrUnavailable, err, "downloading the chart: %s", err)
	}
}

// repository returns the URL and credentials of a Repository; none when
// name is "" or the Repository does not exist.
func (s *Source) repository(ctx context.Context, name string) (*appv2.Repository, repo.Credentials, error) {
	if name == "" {
		return nil, repo.Credentials{}, nil
	}
	rd := s.Repositories
	if rd == nil {
		rd = s.Reader
	}
	r := &appv2.Repository{}
	if err := rd.Get(ctx, client.ObjectKey{Name: name}, r); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, repo.Credentials{}, nil
		}
		return nil, repo.Credentials{}, err
	}
	if r.Spec.CredentialsSecret == "" {
		return r, repo.Credentials{}, nil
	}
	sec := &corev1.Secret{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Namespace: s.SystemNamespace, Name: r.Spec.CredentialsSecret}, sec); err != nil {
		return nil, repo.Credentials{}, fail(ErrUnavailable, err, "reading the credentials of repository %s: %s", name, err)
	}
	// Only a Secret labelled for this repository counts (as admission requires).
	if sec.Labels[appv2.RepositoryLabel] != name {
		return nil, repo.Credentials{}, fail(ErrUnavailable, nil, "the credentials Secret %s is not labelled %s=%s", sec.Name, appv2.RepositoryLabel, name)
	}
	return r, repo.Credentials{Username: string(sec.Data["username"]), Password: string(sec.Data["password"]), CAData: sec.Data["ca.crt"]}, nil
}

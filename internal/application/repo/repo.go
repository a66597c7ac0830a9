// Package repo reads Helm chart repositories for the app store: the index
// of an HTTP repository (index.yaml) or the charts and tags of an OCI
// registry, and fetches a chart archive with its digest checked. Every
// read is bounded in size and time, and every failure says, in words a
// repository's owner understands, what the repository answered.
package repo

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	helmchart "helm.sh/helm/v4/pkg/chart/v2"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

// Limits of what a repository may answer.
const (
	// MaxIndexBytes is the largest index.yaml read (a repository of 1,000
	// charts with 10 versions each has an index of about 5 MiB).
	MaxIndexBytes = 32 << 20
	// MaxChartBytes is the largest chart archive fetched.
	MaxChartBytes = appv2.MaxChartBytes
	// DefaultTimeout bounds one List or Fetch.
	DefaultTimeout = 60 * time.Second
)

// Credentials of a repository (from its credentials Secret).
type Credentials struct {
	Username string
	Password string
	// CAData is a PEM bundle of extra certificate authorities (ca.crt).
	CAData []byte
}

// Options of a List or Fetch. The zero value works.
type Options struct {
	Credentials
	// Timeout bounds the whole operation; 0 means DefaultTimeout.
	Timeout time.Duration
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
	// PlainHTTP talks plain HTTP to an OCI registry. Without it, only a
	// registry on a loopback address (localhost, 127.0.0.1, ::1) is spoken
	// to over HTTP, as Docker does.
	PlainHTTP bool
	// Concurrency of the OCI manifest reads; 0 means 4.
	Concurrency int
	// Guard, when set, checks every address connected to after DNS
	// resolution, redirects included: a workspace's repository reaches
	// public addresses only (and the networks the platform allows).
	Guard *netguard.Policy
}

// Maintainer of a chart.
type Maintainer struct {
	Name, Email, URL string
}

// ChartVersion is one version of a chart in a repository.
type ChartVersion struct {
	Name        string
	Version     string
	AppVersion  string
	Description string
	Icon        string
	Home        string
	Keywords    []string
	Sources     []string
	Maintainers []Maintainer
	Annotations map[string]string
	Deprecated  bool
	Created     time.Time
	// URL of the archive: absolute http(s) URL, or oci://host/path:tag.
	URL string
	// Digest is the sha256 of the archive in hex; "" when the index has
	// none.
	Digest string
}

// Index is what a repository holds.
type Index struct {
	// Charts by name, each newest version first (semver order).
	Charts map[string][]ChartVersion
	// Digest identifies the content listed (sha256 of index.yaml, or of
	// the OCI tags and manifest digests), so that an unchanged repository
	// need not be applied again.
	Digest string
	// Skipped names entries left out because they were invalid.
	Skipped []string
}

// Versions counts the versions of the index.
func (i *Index) Versions() int {
	n := 0
	for _, vs := range i.Charts {
		n += len(vs)
	}
	return n
}

// Error is a repository that could not be read.
type Error struct {
	// URL is what was requested (never with credentials).
	URL string
	// Message says what went wrong.
	Message string
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// ErrDigestMismatch is the kind of error of a fetched archive that is not
// the one the index promised.
var ErrDigestMismatch = errors.New("chart archive digest mismatch")

// ErrTooLarge is the kind of error of an answer larger than its limit
// (MaxIndexBytes, MaxChartBytes).
var ErrTooLarge = errors.New("larger than the limit")

// List reads the charts of the repository at rawURL (http(s):// or oci://).
func List(ctx context.Context, rawURL string, opts Options) (*Index, error) {
	u, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	if u.Scheme == "oci" {
		return listOCI(ctx, u, opts)
	}
	return listHTTP(ctx, u, opts)
}

// Fetch downloads the chart archive at chartURL (a ChartVersion's URL) of
// the repository at repoURL, and checks it against digest (sha256 hex; ""
// skips the check). Credentials are sent only to the repository's host.
func Fetch(ctx context.Context, repoURL, chartURL, digest string, opts Options) ([]byte, error) {
	ru, err := parseURL(repoURL)
	if err != nil {
		return nil, err
	}
	cu, err := parseURL(chartURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	var data []byte
	if cu.Scheme == "oci" {
		if ru.Scheme != "oci" || ru.Host != cu.Host {
			opts.Credentials = Credentials{CAData: opts.CAData}
		}
		data, err = fetchOCI(ctx, cu, digest, opts)
	} else {
		if ru.Host != cu.Host {
			opts.Username, opts.Password = "", ""
		}
		data, err = get(ctx, cu, opts, MaxChartBytes, "chart archive")
	}
	if err != nil {
		return nil, err
	}
	if digest != "" {
		if got := sum(data); got != strings.TrimPrefix(digest, "sha256:") {
			return nil, &Error{URL: redact(cu), Err: ErrDigestMismatch,
				Message: fmt.Sprintf("the chart archive at %s has digest sha256:%s, not the sha256:%s the repository listed", redact(cu), got, strings.TrimPrefix(digest, "sha256:"))}
		}
	}
	return data, nil
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultTimeout
}

func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &Error{URL: raw, Message: fmt.Sprintf("the repository URL %q is not a URL: %v", raw, err), Err: err}
	}
	switch u.Scheme {
	case "http", "https", "oci":
	default:
		return nil, &Error{URL: raw, Message: fmt.Sprintf("the repository URL %q must start with https://, http:// or oci://", redact(u))}
	}
	if u.Host == "" {
		return nil, &Error{URL: raw, Message: fmt.Sprintf("the repository URL %q has no host", redact(u))}
	}
	if u.User != nil {
		return nil, &Error{URL: redact(u), Message: fmt.Sprintf("the repository URL %s carries credentials; put them in the repository's credentials Secret", redact(u))}
	}
	return u, nil
}

// redact drops a URL's user info and query (which may hold tokens).
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	c.Fragment = ""
	return c.String()
}

func sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])
}

// httpClient is the client of an HTTP repository or an OCI registry.
func (o Options) httpClient() (*http.Client, error) {
	if o.Transport != nil {
		return &http.Client{Transport: o.Transport}, nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 30 * time.Second
	if o.Guard != nil {
		t.DialContext = o.Guard.DialContext
		t.Proxy = nil // a proxy would connect for us, unchecked
	}
	if len(o.CAData) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(o.CAData) {
			return nil, &Error{Message: "the repository's ca.crt holds no PEM certificate"}
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("more than 5 redirects")
		}
		// Credentials stay with the host they were given for.
		if req.URL.Host != via[0].URL.Host {
			req.Header.Del("Authorization")
		}
		return nil
	}}, nil
}

// get reads u, at most limit bytes, as what (for messages).
func get(ctx context.Context, u *url.URL, opts Options, limit int64, what string) ([]byte, error) {
	c, err := opts.httpClient()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &Error{URL: redact(u), Message: fmt.Sprintf("the URL %s is invalid: %v", redact(u), err), Err: err}
	}
	if opts.Username != "" || opts.Password != "" {
		req.SetBasicAuth(opts.Username, opts.Password)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, unreachable(ctx, redact(u), err, opts.timeout())
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg := fmt.Sprintf("GET %s answered %s", redact(u), resp.Status)
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			msg += " (check the repository's credentials)"
		case http.StatusNotFound:
			msg += fmt.Sprintf(" (no %s there)", what)
		}
		return nil, &Error{URL: redact(u), Message: msg}
	}
	if resp.ContentLength > limit {
		return nil, &Error{URL: redact(u), Err: ErrTooLarge, Message: fmt.Sprintf("the %s at %s is %d bytes, more than the limit of %d", what, redact(u), resp.ContentLength, limit)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, unreachable(ctx, redact(u), err, opts.timeout())
	}
	if int64(len(data)) > limit {
		return nil, &Error{URL: redact(u), Err: ErrTooLarge, Message: fmt.Sprintf("the %s at %s is more than the limit of %d bytes", what, redact(u), limit)}
	}
	return data, nil
}

// unreachable words a transport error.
func unreachable(ctx context.Context, u string, err error, timeout time.Duration) error {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	msg := fmt.Sprintf("the repository at %s could not be read: %v", u, err)
	switch ae := netguard.AsAddressError(err); {
	case ae != nil:
		msg = fmt.Sprintf("the repository at %s may not be reached: %s", u, ae.Error())
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		msg = fmt.Sprintf("the repository at %s did not answer within %s", u, timeout)
	case errors.As(err, &dnsErr):
		msg = fmt.Sprintf("the repository's host %q is unknown (DNS: %s)", dnsErr.Name, dnsErr.Err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		msg = fmt.Sprintf("the repository at %s does not answer: %v", u, opErr.Err)
	}
	return &Error{URL: u, Message: msg, Err: err}
}

// fromMetadata fills a ChartVersion's metadata fields.
func fromMetadata(md *helmchart.Metadata) ChartVersion {
	cv := ChartVersion{
		Name: md.Name, Version: md.Version, AppVersion: md.AppVersion, Description: md.Description,
		Icon: md.Icon, Home: md.Home, Keywords: md.Keywords, Sources: md.Sources,
		Annotations: md.Annotations, Deprecated: md.Deprecated,
	}
	for _, m := range md.Maintainers {
		if m != nil {
			cv.Maintainers = append(cv.Maintainers, Maintainer{Name: m.Name, Email: m.Email, URL: m.URL})
		}
	}
	return cv
}

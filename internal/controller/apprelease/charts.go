package apprelease

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

	"helm.sh/helm/v4/pkg/registry"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

// ChartFetcher returns the chart archive of a version.
type ChartFetcher interface {
	Fetch(ctx context.Context, v *appv2.ApplicationVersion) ([]byte, error)
}

// Charts fetches a version's chart from where its source says: the
// ConfigMap of an uploaded chart (in the system namespace), or the URL of
// a repository's chart (HTTP(S) or OCI) with the repository's credentials;
// at most MaxChartBytes, and the archive's sha256 must match the recorded
// digest when there is one.
type Charts struct {
	// Reader reads ConfigMaps, Secrets and Repositories (uncached).
	Reader          client.Reader
	SystemNamespace string
	// Timeout bounds a download (default 1m).
	Timeout time.Duration
}

// Fetch implements ChartFetcher.
func (c *Charts) Fetch(ctx context.Context, v *appv2.ApplicationVersion) ([]byte, error) {
	src := v.Spec.Source
	var data []byte
	var err error
	switch {
	case src.ConfigMap != "":
		data, err = c.fromConfigMap(ctx, src.ConfigMap)
	case src.URL != "":
		data, err = c.fromURL(ctx, src)
	default:
		return nil, fmt.Errorf("version %s has no chart source (neither configMap nor url)", v.Name)
	}
	if err != nil {
		return nil, err
	}
	if len(data) > appv2.MaxChartBytes {
		return nil, fmt.Errorf("the chart archive of version %s is larger than %d bytes", v.Name, appv2.MaxChartBytes)
	}
	if d := strings.TrimPrefix(src.Digest, "sha256:"); d != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, d) {
			return nil, fmt.Errorf("the chart archive of version %s has sha256 %s, not the recorded digest %s", v.Name, got, d)
		}
	}
	return data, nil
}

func (c *Charts) fromConfigMap(ctx context.Context, name string) ([]byte, error) {
	cm := &corev1.ConfigMap{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Namespace: c.SystemNamespace, Name: name}, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("the chart ConfigMap %s/%s does not exist", c.SystemNamespace, name)
		}
		return nil, err
	}
	data, ok := cm.BinaryData[appv2.ChartKey]
	if !ok {
		return nil, fmt.Errorf("the chart ConfigMap %s/%s has no %s", c.SystemNamespace, name, appv2.ChartKey)
	}
	return data, nil
}

// credentials of a repository: username, password and CA bundle.
type credentials struct {
	username, password string
	ca                 []byte
}

func (c *Charts) credentials(ctx context.Context, repo string) (*credentials, error) {
	if repo == "" {
		return &credentials{}, nil
	}
	r := &appv2.Repository{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Name: repo}, r); err != nil {
		if apierrors.IsNotFound(err) {
			return &credentials{}, nil
		}
		return nil, err
	}
	if r.Spec.CredentialsSecret == "" {
		return &credentials{}, nil
	}
	s := &corev1.Secret{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Namespace: c.SystemNamespace, Name: r.Spec.CredentialsSecret}, s); err != nil {
		return nil, fmt.Errorf("reading the credentials of repository %s: %w", repo, err)
	}
	// Only a Secret labelled for this repository counts (as admission requires).
	if s.Labels[appv2.RepositoryLabel] != repo {
		return nil, fmt.Errorf("the credentials Secret %s is not labelled %s=%s", s.Name, appv2.RepositoryLabel, repo)
	}
	return &credentials{username: string(s.Data["username"]), password: string(s.Data["password"]), ca: s.Data["ca.crt"]}, nil
}

func (c *Charts) httpClient(cr *credentials) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if len(cr.ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cr.ca) {
			return nil, errors.New("the repository's ca.crt holds no PEM certificate")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = time.Minute
	}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

func (c *Charts) fromURL(ctx context.Context, src appv2.ChartSource) ([]byte, error) {
	u, err := url.Parse(src.URL)
	if err != nil {
		return nil, fmt.Errorf("the chart URL %q does not parse: %w", src.URL, err)
	}
	cr, err := c.credentials(ctx, src.Repository)
	if err != nil {
		return nil, err
	}
	hc, err := c.httpClient(cr)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
		if err != nil {
			return nil, err
		}
		if cr.username != "" || cr.password != "" {
			req.SetBasicAuth(cr.username, cr.password)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("downloading the chart: %w", err)
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("downloading the chart %s: the server answered %s", src.URL, resp.Status)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, appv2.MaxChartBytes+1))
		if err != nil {
			return nil, fmt.Errorf("downloading the chart %s: %w", src.URL, err)
		}
		return data, nil
	case "oci":
		opts := []registry.ClientOption{registry.ClientOptHTTPClient(hc), registry.ClientOptWriter(io.Discard)}
		if cr.username != "" || cr.password != "" {
			opts = append(opts, registry.ClientOptBasicAuth(cr.username, cr.password))
		}
		if loopback(u.Hostname()) {
			opts = append(opts, registry.ClientOptPlainHTTP())
		}
		rc, err := registry.NewClient(opts...)
		if err != nil {
			return nil, err
		}
		res, err := rc.Pull(strings.TrimPrefix(src.URL, "oci://"), registry.PullOptWithChart(true))
		if err != nil {
			return nil, fmt.Errorf("pulling the chart %s: %w", src.URL, err)
		}
		if res.Chart == nil {
			return nil, fmt.Errorf("pulling the chart %s: no chart layer", src.URL)
		}
		return res.Chart.Data, nil
	default:
		return nil, fmt.Errorf("the chart URL %q is neither http(s) nor oci", src.URL)
	}
}

// loopback says whether host is this machine (a registry served without
// TLS in development and tests).
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

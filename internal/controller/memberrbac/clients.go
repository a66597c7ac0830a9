package memberrbac

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
)

// MemberClients gives a client of a member cluster's kube-apiserver, with
// rights to manage RBAC and namespaces there.
type MemberClients interface {
	For(ctx context.Context, cluster *clusterv1alpha1.Cluster) (client.Client, error)
}

// MemberClientsFunc adapts a function to MemberClients.
type MemberClientsFunc func(ctx context.Context, cluster *clusterv1alpha1.Cluster) (client.Client, error)

// For calls f.
func (f MemberClientsFunc) For(ctx context.Context, cluster *clusterv1alpha1.Cluster) (client.Client, error) {
	return f(ctx, cluster)
}

// ThroughAPIServer reaches members through ke-apiserver's internal path
// /internal/clusters/{cluster}/, which forwards to the member's
// kube-apiserver as the identity of the member's kubeconfig (Direct or
// through the agent's tunnel). It authenticates with the bearer token of
// TokenFile, read again when the file changes. One client is kept per
// cluster.
type ThroughAPIServer struct {
	// URL is ke-apiserver's https URL.
	URL string
	// CAFile verifies its serving certificate (the system's roots when empty).
	CAFile string
	// TokenFile holds the bearer token.
	TokenFile string
	Scheme    *runtime.Scheme
	// Timeout bounds one request (default 30s).
	Timeout time.Duration

	mu      sync.Mutex
	token   []byte
	modTime time.Time
	clients map[string]client.Client
}

// NewThroughAPIServer checks the settings and returns the factory.
func NewThroughAPIServer(apiServerURL, caFile, tokenFile string, scheme *runtime.Scheme) (*ThroughAPIServer, error) {
	u, err := url.Parse(apiServerURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("multicluster.apiServerURL must be an https URL, got %q", apiServerURL)
	}
	if tokenFile == "" {
		return nil, errors.New("multicluster.tokenFile is required with multicluster.apiServerURL")
	}
	if scheme == nil {
		return nil, errors.New("a scheme is required")
	}
	f := &ThroughAPIServer{URL: strings.TrimRight(apiServerURL, "/"), CAFile: caFile, TokenFile: tokenFile, Scheme: scheme}
	if _, err := f.readToken(); err != nil {
		return nil, err
	}
	return f, nil
}

// readToken returns the token, and whether it changed since the last read.
// The caller holds mu.
func (f *ThroughAPIServer) readToken() (bool, error) {
	st, err := os.Stat(f.TokenFile)
	if err != nil {
		return false, fmt.Errorf("multicluster.tokenFile: %w", err)
	}
	if f.token != nil && st.ModTime().Equal(f.modTime) {
		return false, nil
	}
	data, err := os.ReadFile(f.TokenFile)
	if err != nil {
		return false, fmt.Errorf("multicluster.tokenFile: %w", err)
	}
	tok := bytes.TrimSpace(data)
	if len(tok) == 0 {
		return false, fmt.Errorf("multicluster.tokenFile %s is empty", f.TokenFile)
	}
	changed := !bytes.Equal(tok, f.token)
	f.token, f.modTime = tok, st.ModTime()
	return changed, nil
}

// Config is the client configuration of one member.
func (f *ThroughAPIServer) Config(cluster string, token string) *rest.Config {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &rest.Config{
		Host:            f.URL + "/internal/clusters/" + url.PathEscape(cluster),
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAFile: f.CAFile},
		Timeout:         timeout,
		QPS:             50,
		Burst:           100,
		UserAgent:       "ke-controller-manager/member-rbac",
	}
}

// For returns the cluster's client.
func (f *ThroughAPIServer) For(_ context.Context, cluster *clusterv1alpha1.Cluster) (client.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	changed, err := f.readToken()
	if err != nil {
		return nil, err
	}
	if changed || f.clients == nil {
		f.clients = map[string]client.Client{}
	}
	if c, ok := f.clients[cluster.Name]; ok {
		return c, nil
	}
	c, err := client.New(f.Config(cluster.Name, string(f.token)), client.Options{Scheme: f.Scheme})
	if err != nil {
		return nil, fmt.Errorf("a client of cluster %s: %w", cluster.Name, err)
	}
	f.clients[cluster.Name] = c
	return c, nil
}

// Forget drops the client of a cluster that is gone.
func (f *ThroughAPIServer) Forget(cluster string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clients, cluster)
}

// RESTConfig is the configuration of one member for other readers of
// members (the quota counting's caches), which live long: it names the
// token file rather than the token, so that client-go reads the file again
// (once a minute) and a rotated token reaches the caches without a restart.
func (f *ThroughAPIServer) RESTConfig(cluster string) (*rest.Config, error) {
	if _, err := f.Token(); err != nil {
		return nil, err
	}
	rc := f.Config(cluster, "")
	rc.BearerTokenFile = f.TokenFile
	rc.UserAgent = "ke-controller-manager/member-quota"
	return rc, nil
}

// Token is the bearer token of TokenFile, read again when the file changed.
func (f *ThroughAPIServer) Token() (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	changed, err := f.readToken()
	if err != nil {
		return "", err
	}
	if changed {
		f.clients = map[string]client.Client{}
	}
	return string(f.token), nil
}

// Package agent is the member cluster's end of the tunnel: it joins the
// host once with a join token, keeps the agent credential it gets back,
// and holds a WebSocket tunnel open to the host's ke-apiserver, through
// which the host reaches the member's kube-apiserver and nothing else.
package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/gorilla/websocket"
	"github.com/rancher/remotedialer"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
)

// JoinRequest is what an agent sends to join.
type JoinRequest struct {
	// Cluster is the name of the Cluster object the join token was issued for.
	Cluster string `json:"cluster"`
	// Kubeconfig is what the host uses, through the tunnel, to reach the
	// member's kube-apiserver (its identity must be allowed to impersonate).
	Kubeconfig string `json:"kubeconfig"`
}

// JoinResponse is the host's answer to a join: the agent's credential,
// shown once.
type JoinResponse struct {
	Credential string `json:"credential"`
}

// Agent joins a member cluster to the host and keeps its tunnel open.
type Agent struct {
	// HostURL is the host's ke-apiserver, https://...
	HostURL string
	// HostCA verifies the host's serving certificate (PEM); empty: the
	// system's roots.
	HostCA []byte
	// Cluster is the member's name on the host.
	Cluster string
	// JoinToken is used when there is no credential yet.
	JoinToken string
	// Credentials keeps the agent credential between runs; nil keeps it
	// in CredentialFile.
	Credentials CredentialStore
	// CredentialFile keeps the agent credential between runs when
	// Credentials is nil.
	CredentialFile string
	// Kubeconfig is the member's kube-apiserver as the host is to reach it.
	Kubeconfig []byte
	Log        logr.Logger
	// MaxBackoff bounds the wait between reconnections.
	MaxBackoff time.Duration
	// Quota, when set, serves the member's quota webhook (see QuotaWebhook).
	Quota *QuotaWebhook
}

// ErrRefused is a credential or join token the host refused: retrying will
// not help.
var ErrRefused = errors.New("refused by the host")

// Run joins (when there is no credential yet) and then holds the tunnel
// open, reconnecting after any break, until ctx ends or the host refuses.
func (a *Agent) Run(ctx context.Context) error {
	allowed, err := a.allowedAddress()
	if err != nil {
		return err
	}
	tlsConfig, err := a.tlsConfig()
	if err != nil {
		return err
	}
	cred, err := a.credential(ctx, tlsConfig)
	if err != nil {
		return err
	}
	if a.Quota != nil {
		qctx, stopQuota := context.WithCancel(ctx)
		defer stopQuota()
		go func() {
			if err := a.Quota.serve(qctx, a.relayQuota(tlsConfig, cred), func(msg string, kv ...any) { a.Log.Info(msg, kv...) }); err != nil {
				a.Log.Error(err, "The member's quota webhook stopped")
			}
		}()
	}
	backoff := time.Second
	maxBackoff := a.MaxBackoff
	if maxBackoff <= 0 {
		maxBackoff = 10 * time.Second
	}
	for {
		started := time.Now()
		err := a.connect(ctx, tlsConfig, cred, allowed)
		if ctx.Err() != nil {
			return nil // stopped: the broken tunnel is no error
		}
		if errors.Is(err, ErrRefused) {
			// The host no longer knows this agent: nothing will answer the
			// member's quota reviews, so the webhook goes too.
			if a.Quota != nil {
				if derr := a.Quota.unregister(context.WithoutCancel(ctx)); derr != nil {
					a.Log.Error(derr, "Removing the member's quota webhook")
				}
			}
			return err
		}
		if time.Since(started) > time.Minute {
			backoff = time.Second
		}
		a.Log.Info("The tunnel to the host is down; connecting again", "in", backoff.String(), "reason", errString(err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func errString(err error) string {
	if err == nil {
		return "closed"
	}
	return err.Error()
}

// allowedAddress is the member kube-apiserver's host:port, the one address
// the host may dial through the tunnel.
func (a *Agent) allowedAddress() (string, error) {
	rc, err := clientcmd.RESTConfigFromKubeConfig(a.Kubeconfig)
	if err != nil {
		return "", fmt.Errorf("the member's kubeconfig: %w", err)
	}
	u, err := url.Parse(rc.Host)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("the member's kubeconfig names no server URL")
	}
	port := u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}

func (a *Agent) tlsConfig() (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(a.HostCA) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(a.HostCA) {
			return nil, errors.New("the host's CA holds no PEM certificate")
		}
		c.RootCAs = pool
	}
	return c, nil
}

// credential reads the kept credential, or joins to get one.
func (a *Agent) credential(ctx context.Context, tlsConfig *tls.Config) (string, error) {
	store := a.Credentials
	if store == nil {
		store = FileCredentials{Path: a.CredentialFile}
	}
	cred, err := store.Load(ctx)
	if err != nil {
		return "", err
	}
	if cred != "" {
		return cred, nil
	}
	if a.JoinToken == "" {
		return "", fmt.Errorf("no agent credential in %s and no join token to join with", store)
	}
	for backoff := time.Second; ; backoff = min(2*backoff, 10*time.Second) {
		cred, err := a.join(ctx, tlsConfig)
		if err == nil {
			if err := a.save(ctx, store, cred); err != nil {
				return "", err
			}
			a.Log.Info("Joined the host", "cluster", a.Cluster, "credential", store.String())
			return cred, nil
		}
		if errors.Is(err, ErrRefused) {
			return "", err
		}
		a.Log.Info("Joining the host failed; trying again", "in", backoff.String(), "reason", err.Error())
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// save keeps the credential, trying again while it fails: the join token
// is used up, so a credential that is not kept is a cluster that cannot
// come back after a restart.
func (a *Agent) save(ctx context.Context, store CredentialStore, cred string) error {
	for backoff := time.Second; ; backoff = min(2*backoff, 10*time.Second) {
		err := store.Save(ctx, cred)
		if err == nil {
			return nil
		}
		a.Log.Info("Keeping the agent credential failed; trying again", "in", backoff.String(), "reason", err.Error())
		select {
		case <-ctx.Done():
			return fmt.Errorf("keeping the agent credential in %s: %w", store, err)
		case <-time.After(backoff):
		}
	}
}

// join trades the join token for the agent credential.
func (a *Agent) join(ctx context.Context, tlsConfig *tls.Config) (string, error) {
	body, err := json.Marshal(JoinRequest{Cluster: a.Cluster, Kubeconfig: string(a.Kubeconfig)})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(a.HostURL, "/")+tunnel.JoinPath, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.JoinToken)
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: http.ProxyFromEnvironment}}
	resp, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated:
		var out JoinResponse
		if err := json.Unmarshal(data, &out); err != nil || out.Credential == "" {
			return "", errors.New("the host's answer to the join holds no credential")
		}
		return out.Credential, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return "", fmt.Errorf("%w: joining answered %d: %s", ErrRefused, resp.StatusCode, statusMessage(data))
	default:
		return "", fmt.Errorf("joining answered %d: %s", resp.StatusCode, statusMessage(data))
	}
}

// connect opens the tunnel and serves it until it breaks.
func (a *Agent) connect(ctx context.Context, tlsConfig *tls.Config, cred, allowed string) error {
	u, err := url.Parse(strings.TrimSuffix(a.HostURL, "/") + tunnel.ConnectPath)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	case "http":
		u.Scheme = "ws"
	}
	d := &websocket.Dialer{TLSClientConfig: tlsConfig, HandshakeTimeout: 10 * time.Second, Proxy: http.ProxyFromEnvironment}
	h := http.Header{tunnel.ClusterHeader: {a.Cluster}, "Authorization": {"Bearer " + cred}}
	ws, resp, err := d.DialContext(ctx, u.String(), h)
	if err != nil {
		if resp != nil {
			defer resp.Body.Close()
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
				return fmt.Errorf("%w: the tunnel answered %d: %s", ErrRefused, resp.StatusCode, statusMessage(data))
			}
			return fmt.Errorf("the tunnel answered %d: %s", resp.StatusCode, statusMessage(data))
		}
		return err
	}
	defer ws.Close()
	// The session reads until the connection fails: close it when ctx ends.
	stop := context.AfterFunc(ctx, func() { _ = ws.Close() })
	defer stop()
	a.Log.Info("The tunnel to the host is open", "cluster", a.Cluster, "host", a.HostURL)
	// The host may dial the member's kube-apiserver, and nothing else.
	session := remotedialer.NewClientSession(func(proto, address string) bool {
		return proto == "tcp" && address == allowed
	}, ws)
	defer session.Close()
	_, err = session.Serve(ctx)
	return err
}

// statusMessage is the message of a Status body, or the body's start.
func statusMessage(data []byte) string {
	var s struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &s) == nil && s.Message != "" {
		return s.Message
	}
	if len(data) > 200 {
		data = data[:200]
	}
	return strings.TrimSpace(string(data))
}

// Package quotarelay carries a member cluster's quota reviews to the
// host's quota webhook. A member's kube-apiserver asks its agent (ke-agent
// serves the member's quota webhook); the agent posts the AdmissionReview
// here with its agent credential; ke-apiserver sends it on to
// ke-controller-manager's webhook, where the host's ValidatingWebhook
// configuration says, naming the member and proving with the multicluster
// token that it is ke-apiserver that names it. The host's webhook decides
// it against the workspace's quotas over every cluster.
package quotarelay

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
)

// Path is where an agent posts its member's quota reviews.
const Path = "/kapis/" + "cluster.superkube.io" + "/v1alpha1/agent/quota"

// MaxReview bounds a review's body (kube-apiserver's own limit on a request
// is 3 MiB; a review holds the object once).
const MaxReview = 4 << 20

// Credentials checks an agent's credential.
type Credentials interface {
	CheckAgentCredential(ctx context.Context, cluster, cred string) error
}

// Relay is the handler of Path.
type Relay struct {
	Credentials Credentials
	// Reader reads the host's quota webhook configuration.
	Reader client.Reader
	// Token proves to ke-controller-manager that ke-apiserver names the
	// member (the multicluster token); "" refuses every review.
	Token string
	Log   logr.Logger

	mu     sync.Mutex
	ca     []byte
	client *http.Client
}

func (h *Relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusMethodNotAllowed, metav1.StatusReasonMethodNotAllowed, "only POST"))
		return
	}
	cluster := r.Header.Get(tunnel.ClusterHeader)
	if len(validation.IsDNS1123Label(cluster)) > 0 {
		responsewriters.WriteStatus(w, apistatus.BadRequest(tunnel.ClusterHeader, "the header must name a cluster"))
		return
	}
	cred, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || cred == "" || h.Credentials.CheckAgentCredential(r.Context(), cluster, cred) != nil {
		h.Log.Info("A quota review was refused: the agent's credential is not valid", "cluster", cluster, "address", r.RemoteAddr)
		responsewriters.WriteStatus(w, apistatus.Unauthorized("the agent credential is not valid for this cluster"))
		return
	}
	if h.Token == "" {
		h.unavailable(w, errors.New("member clusters' quotas are not enabled: ke-apiserver has no multicluster.controllerTokenFile"))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxReview+1))
	if err != nil {
		h.unavailable(w, err)
		return
	}
	if len(body) > MaxReview {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, "the review is too large"))
		return
	}
	target, hc, err := h.target(r.Context())
	if err != nil {
		h.unavailable(w, err)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		h.unavailable(w, err)
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(quotawebhook.ClusterHeader, cluster)
	req.Header.Set("Authorization", "Bearer "+h.Token)
	res, err := hc.Do(req)
	if err != nil {
		h.unavailable(w, fmt.Errorf("the quota webhook does not answer: %w", err))
		return
	}
	defer func() { _ = res.Body.Close() }()
	out, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		h.unavailable(w, err)
		return
	}
	if res.StatusCode != http.StatusOK {
		h.unavailable(w, fmt.Errorf("the quota webhook answered %s", res.Status))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

func (h *Relay) unavailable(w http.ResponseWriter, err error) {
	responsewriters.WriteStatus(w, apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
		"the host cannot check the workspace quota now: "+err.Error(), apistatus.RetryAfter(1)))
}

// target is the host webhook's URL and a client that trusts its CA, from
// the host's ValidatingWebhookConfiguration.
func (h *Relay) target(ctx context.Context) (string, *http.Client, error) {
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := h.Reader.Get(ctx, client.ObjectKey{Name: quotawebhook.ConfigurationName}, &vwc); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil, errors.New("the host's quota webhook is not registered")
		}
		return "", nil, err
	}
	if len(vwc.Webhooks) == 0 || len(vwc.Webhooks[0].ClientConfig.CABundle) == 0 {
		return "", nil, errors.New("the host's quota webhook has no certificate yet")
	}
	cc := vwc.Webhooks[0].ClientConfig
	var target string
	switch {
	case cc.URL != nil:
		target = *cc.URL
	case cc.Service != nil:
		port := int32(443)
		if cc.Service.Port != nil {
			port = *cc.Service.Port
		}
		path := ""
		if cc.Service.Path != nil {
			path = *cc.Service.Path
		}
		target = (&url.URL{Scheme: "https", Host: cc.Service.Name + "." + cc.Service.Namespace + ".svc:" + strconv.Itoa(int(port)), Path: path}).String()
	default:
		return "", nil, errors.New("the host's quota webhook has no address")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.client == nil || !bytes.Equal(h.ca, cc.CABundle) {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cc.CABundle) {
			return "", nil, errors.New("the host's quota webhook's CA bundle holds no certificate")
		}
		h.ca = bytes.Clone(cc.CABundle)
		h.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute}}
	}
	return target, h.client, nil
}

var _ Credentials = (*agentauth.Store)(nil)

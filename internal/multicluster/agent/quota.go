package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/json"
	"k8s.io/client-go/kubernetes"
	certutil "k8s.io/client-go/util/cert"

	"github.com/superkube/super-kubenetes/internal/multicluster/quotarelay"
	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
)

// QuotaWebhook is the member's side of workspace quotas: the agent serves
// the quota webhook that the member's kube-apiserver calls, and relays each
// review to the host (which decides it against the workspace's quotas over
// every cluster) with its agent credential. It registers the webhook on the
// member under the host's configuration name, with a certificate made when
// the agent starts.
type QuotaWebhook struct {
	// BindAddress is where the webhook serves (host:port).
	BindAddress string
	// ClientConfig is how the member's kube-apiserver reaches it (a URL, or
	// the agent's Service); the CA bundle is filled in.
	ClientConfig admissionregistrationv1.WebhookClientConfig
	// FailurePolicy applies when the host cannot be asked.
	FailurePolicy  admissionregistrationv1.FailurePolicyType
	TimeoutSeconds int32
	// Member writes the webhook's configuration on the member (the
	// agent's own identity there).
	Member kubernetes.Interface
}

// serverNames are the names the certificate must hold for ClientConfig.
func (q *QuotaWebhook) serverNames() (string, []net.IP, []string, error) {
	switch cc := q.ClientConfig; {
	case cc.URL != nil:
		u, err := urlHost(*cc.URL)
		if err != nil {
			return "", nil, nil, err
		}
		if ip := net.ParseIP(u); ip != nil {
			return u, []net.IP{ip}, nil, nil
		}
		return u, nil, []string{u}, nil
	case cc.Service != nil:
		name := cc.Service.Name + "." + cc.Service.Namespace + ".svc"
		return name, nil, []string{cc.Service.Name, cc.Service.Name + "." + cc.Service.Namespace}, nil
	}
	return "", nil, nil, errors.New("the quota webhook needs a URL or a Service")
}

func urlHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" {
		return "", fmt.Errorf("the quota webhook's URL must be https://host[:port], got %q", raw)
	}
	return u.Hostname(), nil
}

// serve makes the certificate, registers the webhook on the member and
// serves it until ctx ends. relay posts a review to the host.
func (q *QuotaWebhook) serve(ctx context.Context, relay func(context.Context, []byte) ([]byte, error), log func(msg string, kv ...any)) error {
	host, ips, names, err := q.serverNames()
	if err != nil {
		return err
	}
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey(host, ips, names)
	if err != nil {
		return fmt.Errorf("the quota webhook's certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", q.BindAddress)
	if err != nil {
		return fmt.Errorf("the quota webhook: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(quotawebhook.Path, q.handler(relay))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	// Registered once it serves, with the CA of this certificate (every
	// start makes a new one).
	for {
		err := q.register(ctx, certPEM)
		if err == nil {
			log("The member's quota webhook is registered", "address", q.BindAddress)
			break
		}
		log("Registering the member's quota webhook failed; trying again", "reason", err.Error())
		select {
		case <-ctx.Done():
			_ = srv.Close()
			return nil
		case <-time.After(2 * time.Second):
		}
	}
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-done:
		return err
	}
}

// register creates or updates the member's webhook configuration.
func (q *QuotaWebhook) register(ctx context.Context, caBundle []byte) error {
	cc := q.ClientConfig
	cc.CABundle = caBundle
	policy := q.FailurePolicy
	if policy == "" {
		policy = admissionregistrationv1.Fail
	}
	timeout := q.TimeoutSeconds
	if timeout == 0 {
		timeout = 10
	}
	want := quotawebhook.Configuration(cc, policy, timeout)
	api := q.Member.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	have, err := api.Get(ctx, want.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = api.Create(ctx, want, metav1.CreateOptions{FieldManager: "ke-agent"})
		return err
	}
	if err != nil {
		return err
	}
	have.Labels, have.Webhooks = want.Labels, want.Webhooks
	_, err = api.Update(ctx, have, metav1.UpdateOptions{FieldManager: "ke-agent"})
	return err
}

// unregister deletes the member's webhook configuration.
func (q *QuotaWebhook) unregister(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := q.Member.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, quotawebhook.ConfigurationName, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// handler relays a review and answers with the host's decision. When the
// host cannot be asked, the failure policy decides here: Fail refuses with
// the reason, Ignore admits with a warning.
func (q *QuotaWebhook) handler(relay func(context.Context, []byte) ([]byte, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, quotarelay.MaxReview+1))
		if err != nil || len(body) > quotarelay.MaxReview {
			http.Error(w, "the review could not be read", http.StatusBadRequest)
			return
		}
		out, err := relay(r.Context(), body)
		if err == nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(out)
			return
		}
		var review admissionv1.AdmissionReview
		if json.Unmarshal(body, &review) != nil || review.Request == nil {
			http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
			return
		}
		resp := &admissionv1.AdmissionResponse{UID: review.Request.UID}
		msg := "the host cannot check the workspace quota: " + err.Error()
		if q.FailurePolicy == admissionregistrationv1.Ignore {
			resp.Allowed, resp.Warnings = true, []string{msg + "; admitted uncounted (failure policy Ignore)"}
		} else {
			resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusServiceUnavailable, Reason: metav1.StatusReasonServiceUnavailable, Message: msg}
		}
		review.Request, review.Response = nil, resp
		data, _ := json.Marshal(&review)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data)
	})
}

// relayQuota posts a review to the host with the agent credential.
func (a *Agent) relayQuota(tlsConfig *tls.Config, cred string) func(context.Context, []byte) ([]byte, error) {
	hc := &http.Client{Timeout: 9 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig, Proxy: http.ProxyFromEnvironment,
		MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute}}
	target := strings.TrimSuffix(a.HostURL, "/") + quotarelay.Path
	return func(ctx context.Context, body []byte) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(tunnel.ClusterHeader, a.Cluster)
		req.Header.Set("Authorization", "Bearer "+cred)
		res, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer func() { _ = res.Body.Close() }()
		data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("the host answered %d: %s", res.StatusCode, statusMessage(data))
		}
		return data, nil
	}
}

package authn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/superkube/super-kubenetes/internal/oauth/token"
)

// TokenReviewPath is where ke-apiserver serves kube-apiserver's token
// webhook (--authentication-token-webhook-config-file).
const TokenReviewPath = "/webhooks/tokenreview" //nolint:gosec // a path, not a credential

// AuthenticateKubernetesToken checks a token that kube-apiserver received:
// a kubeconfig token (audience token.KubernetesAudience) whose record is in
// the token store, of a user who exists, is enabled and has not changed
// the password since. kube-apiserver asks on every request (it caches the
// answer for a few seconds), so a revoked token, a disabled user and a
// changed group stop working on kube-apiserver as they do here.
func (a *TokenAuthenticator) AuthenticateKubernetesToken(ctx context.Context, raw string) (*Result, error) {
	claims, err := a.Verifier.Verify(raw, token.TypeAccess)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	if !claims.Audience.Contains(token.KubernetesAudience) {
		return nil, fmt.Errorf("%w: the token is not for kube-apiserver", ErrUnauthenticated)
	}
	rec, ok, err := a.Store.Get(ctx, claims.ID)
	if err != nil {
		return nil, fmt.Errorf("reading the token store: %w", err)
	}
	if !ok || rec.User != claims.Subject {
		return nil, fmt.Errorf("%w: the token was revoked", ErrUnauthenticated)
	}
	return a.resolve(ctx, claims.Subject, claims)
}

// maxTokenReviewBytes bounds a TokenReview: a token and little else.
const maxTokenReviewBytes = 64 << 10

// TokenReviewHandler answers kube-apiserver's TokenReviews.
type TokenReviewHandler struct {
	Authenticator *TokenAuthenticator
}

// ServeHTTP answers one TokenReview. The user's groups are those it has
// now, without the system: groups that kube-apiserver adds itself.
func (h *TokenReviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a TokenReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxTokenReviewBytes+1))
	review := &authenticationv1.TokenReview{}
	if err != nil || len(body) > maxTokenReviewBytes || json.Unmarshal(body, review) != nil {
		http.Error(w, "the body is not a TokenReview", http.StatusBadRequest)
		return
	}
	status := authenticationv1.TokenReviewStatus{}
	res, err := h.Authenticator.AuthenticateKubernetesToken(r.Context(), review.Spec.Token)
	switch {
	case err == nil:
		var groups []string
		for _, g := range res.User.GetGroups() {
			if !strings.HasPrefix(g, "system:") {
				groups = append(groups, g)
			}
		}
		status = authenticationv1.TokenReviewStatus{Authenticated: true, Audiences: review.Spec.Audiences,
			User: authenticationv1.UserInfo{Username: res.User.GetName(), UID: res.User.GetUID(), Groups: groups}}
	case errors.Is(err, ErrUnauthenticated):
		logr.FromContextOrDiscard(r.Context()).V(4).Info("Refused a kubeconfig token", "reason", err.Error())
		status.Error = "the token is invalid, expired or revoked"
	default:
		logr.FromContextOrDiscard(r.Context()).Error(err, "Checking a kubeconfig token failed")
		status.Error = "ke-apiserver could not check the token"
	}
	out := authenticationv1.TokenReview{Status: status}
	out.APIVersion, out.Kind = authenticationv1.SchemeGroupVersion.String(), "TokenReview"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// WebhookKubeconfig is a file with which kube-apiserver calls one of
// ke-apiserver's webhooks (--authentication-token-webhook-config-file,
// --audit-webhook-config-file): the URL, the CA of its serving certificate
// and, when not empty, the bearer token it presents.
func WebhookKubeconfig(url string, caPEM []byte, bearerToken string) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["ke-apiserver"] = &clientcmdapi.Cluster{Server: url, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["kube-apiserver"] = &clientcmdapi.AuthInfo{Token: bearerToken}
	cfg.Contexts["webhook"] = &clientcmdapi.Context{Cluster: "ke-apiserver", AuthInfo: "kube-apiserver"}
	cfg.CurrentContext = "webhook"
	return clientcmd.Write(*cfg)
}

// TokenWebhookArgs are kube-apiserver's flags for the token webhook, given
// the kubeconfig file: it asks ke-apiserver about bearer tokens it does not
// know itself and keeps each answer for cacheTTL, the longest a revoked
// kubeconfig token (or a disabled user's) still works there.
func TokenWebhookArgs(kubeconfigFile string) map[string]string {
	return map[string]string{
		"authentication-token-webhook-config-file": kubeconfigFile,
		"authentication-token-webhook-version":     "v1",
		"authentication-token-webhook-cache-ttl":   TokenWebhookCacheTTL.String(),
	}
}

// TokenWebhookCacheTTL is how long kube-apiserver keeps ke-apiserver's
// answer about a token.
const TokenWebhookCacheTTL = 10 * time.Second

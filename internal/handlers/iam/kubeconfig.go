package iam

import (
	"context"
	"net/http"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// KubeconfigIssuer issues the token of a kubeconfig.
type KubeconfigIssuer interface {
	KubeconfigToken(ctx context.Context, u *iamv1beta1.User) (string, error)
}

// KubernetesEndpoint is the kube-apiserver a kubeconfig points at.
type KubernetesEndpoint struct {
	Server string
	// CAData is the PEM of the CA that signed kube-apiserver's certificate.
	CAData      []byte
	ClusterName string
}

// kubeconfig serves GET users/{user}/kubeconfig: a kubeconfig whose token
// kube-apiserver accepts directly, with exactly the user's permissions.
func (h *Handlers) kubeconfig(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("user")
	if h.Kubernetes.Server == "" || h.Kubeconfig == nil {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotImplemented, "NotConfigured",
			"ke-apiserver is not configured with kube-apiserver's external address (kubernetes.externalURL)"))
		return
	}
	u := &iamv1beta1.User{}
	if err := h.Users.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
		responsewriters.WriteStatus(w, notFoundUser(err, name))
		return
	}
	tok, err := h.Kubeconfig.KubeconfigToken(ctx, u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	cluster := h.Kubernetes.ClusterName
	if cluster == "" {
		cluster = "superkube"
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[cluster] = &clientcmdapi.Cluster{Server: h.Kubernetes.Server, CertificateAuthorityData: h.Kubernetes.CAData}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: tok}
	ctxName := name + "@" + cluster
	cfg.Contexts[ctxName] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: name}
	cfg.CurrentContext = ctxName
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Content-Disposition", `attachment; filename="kubeconfig"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

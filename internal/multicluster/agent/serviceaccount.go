package agent

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// InClusterServer is the member's kube-apiserver as a pod reaches it: the
// Service every cluster has, whose certificate names it.
const InClusterServer = "https://kubernetes.default.svc:443"

// ServiceAccountKubeconfig is the kubeconfig the host uses through the
// tunnel when the agent runs in a pod of the member: the token of a
// ServiceAccount token Secret (type kubernetes.io/service-account-token)
// and the cluster CA that Kubernetes writes into it, with server.
//
// Such a token does not expire, unlike the token mounted into the pod
// (about an hour), which the host, holding the kubeconfig for as long as
// the cluster is joined, could not refresh. The token lives as long as the
// Secret and its ServiceAccount.
//
// Kubernetes fills the Secret in shortly after it is made: until token and
// ca.crt are there, the Secret is read again every interval (1s when zero).
func ServiceAccountKubeconfig(ctx context.Context, secrets corev1client.SecretsGetter, namespace, name, server string, interval time.Duration, log logr.Logger) ([]byte, error) {
	if interval <= 0 {
		interval = time.Second
	}
	waiting := false
	for {
		token, ca, err := serviceAccountToken(ctx, secrets, namespace, name)
		if err == nil {
			return buildKubeconfig(server, token, ca)
		}
		if !errors.Is(err, errNotFilledIn) {
			return nil, err
		}
		if !waiting {
			log.Info("Waiting for Kubernetes to fill in the ServiceAccount token Secret", "secret", namespace+"/"+name, "reason", err.Error())
			waiting = true
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the ServiceAccount token Secret %s/%s: %w (%w)", namespace, name, ctx.Err(), err)
		case <-time.After(interval):
		}
	}
}

var errNotFilledIn = errors.New("not filled in yet")

func serviceAccountToken(ctx context.Context, secrets corev1client.SecretsGetter, namespace, name string) (token, ca []byte, err error) {
	s, err := secrets.Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil, fmt.Errorf("the Secret does not exist: %w", errNotFilledIn)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading the ServiceAccount token Secret %s/%s: %w", namespace, name, err)
	}
	if s.Type != corev1.SecretTypeServiceAccountToken {
		return nil, nil, fmt.Errorf("the Secret %s/%s is of type %q, want %q", namespace, name, s.Type, corev1.SecretTypeServiceAccountToken)
	}
	token, ca = s.Data[corev1.ServiceAccountTokenKey], s.Data[corev1.ServiceAccountRootCAKey]
	if len(token) == 0 || len(ca) == 0 {
		return nil, nil, fmt.Errorf("no %s or %s: %w", corev1.ServiceAccountTokenKey, corev1.ServiceAccountRootCAKey, errNotFilledIn)
	}
	return token, ca, nil
}

func buildKubeconfig(server string, token, ca []byte) ([]byte, error) {
	const name = "member"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{Token: string(token)}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name}
	cfg.CurrentContext = name
	return clientcmd.Write(*cfg)
}

// Package memberconfig reads and parses the kubeconfig the host reaches a
// member cluster with, the same way for the join API, the proxy, the
// prober in ke-apiserver and the cluster controller.
package memberconfig

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
)

// ErrNotUsable marks a cluster whose configuration gives no kubeconfig to
// use (no Secret named, the Secret or its key missing, a kubeconfig that
// does not parse): the cluster cannot be reached as configured.
var ErrNotUsable = errors.New("the cluster's kubeconfig is not usable")

// Parse parses a member's kubeconfig. Credential plugins are refused: the
// host does not run commands that a user or a Secret names.
func Parse(data []byte) (*rest.Config, error) {
	rc, err := clientcmd.RESTConfigFromKubeConfig(data)
	if err != nil {
		return nil, errors.New("is not a valid kubeconfig")
	}
	if rc.ExecProvider != nil || rc.AuthProvider != nil {
		return nil, errors.New("uses a credential plugin, which the host does not run; use a token or a client certificate")
	}
	if rc.Host == "" {
		return nil, errors.New("names no server")
	}
	return rc, nil
}

// Read returns the kubeconfig the cluster's Secret in namespace holds.
// Configuration problems wrap ErrNotUsable; other errors are the reader's.
func Read(ctx context.Context, r client.Reader, namespace string, c *clusterv1alpha1.Cluster) ([]byte, error) {
	ref := c.Spec.Connection.KubeconfigSecretRef
	if ref == nil {
		if c.Spec.Connection.Type == clusterv1alpha1.ConnectionAgent {
			return nil, fmt.Errorf("%w: its agent has not joined yet", ErrNotUsable)
		}
		return nil, fmt.Errorf("%w: a Direct connection needs kubeconfigSecretRef", ErrNotUsable)
	}
	s := &corev1.Secret{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: secret %s/%s does not exist", ErrNotUsable, namespace, ref.Name)
		}
		return nil, fmt.Errorf("reading secret %s/%s: %w", namespace, ref.Name, err)
	}
	key := ref.Key
	if key == "" {
		key = clusterv1alpha1.KubeconfigKey
	}
	data, ok := s.Data[key]
	if !ok {
		return nil, fmt.Errorf("%w: secret %s/%s has no key %q", ErrNotUsable, namespace, ref.Name, key)
	}
	return data, nil
}

// RESTConfig reads and parses the cluster's kubeconfig.
func RESTConfig(ctx context.Context, r client.Reader, namespace string, c *clusterv1alpha1.Cluster) (*rest.Config, error) {
	data, err := Read(ctx, r, namespace, c)
	if err != nil {
		return nil, err
	}
	rc, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%w: the kubeconfig in secret %s/%s %w", ErrNotUsable, namespace, c.Spec.Connection.KubeconfigSecretRef.Name, err)
	}
	return rc, nil
}

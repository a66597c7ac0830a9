// Package kubernetes tests the kubernetes executor against a real
// kube-apiserver and etcd. There is no kubelet: the tests play it, setting
// each step pod's status as a kubelet (or KWOK) would: Running, then
// Succeeded or Failed with the container's exit code and termination
// message, or Pending with a container that cannot pull its image.
package kubernetes

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

const project = "proj"

var (
	restCfg *rest.Config
	k8s     client.Client
	kube    clientset.Interface
)

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		return 1, err
	}
	defer env.Stop()
	restCfg = env.Config
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	if kube, err = clientset.NewForConfig(env.Config); err != nil {
		return 1, err
	}
	ctx := context.Background()
	// A project with its default ServiceAccount (made by
	// kube-controller-manager on a cluster) and its credentials.
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: project}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: project}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: project}, Type: devopsv1alpha3.CredentialSecretText,
			Data: map[string][]byte{"secret": []byte(apiToken)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "git", Namespace: project}, Type: devopsv1alpha3.CredentialBasicAuth,
			Data: map[string][]byte{"username": []byte("bot"), "password": []byte(gitPassword)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "registry", Namespace: project}, Type: devopsv1alpha3.CredentialBasicAuth,
			Data: map[string][]byte{"username": []byte("pusher"), "password": []byte(registryPassword)}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return 1, fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	return m.Run(), nil
}

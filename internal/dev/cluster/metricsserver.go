package cluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	"github.com/superkube/super-kubenetes/internal/dev/pki"
	"github.com/superkube/super-kubenetes/internal/dev/process"
)

const (
	// metricsServerUser is metrics-server's user name on kube-apiserver (its
	// client certificate's common name).
	metricsServerUser = "system:metrics-server"
	// metricsServerService is the Service the APIService points at.
	metricsServerService = "metrics-server"
	// MetricsAPIService is the APIService of the resource metrics API.
	MetricsAPIService = "v1beta1.metrics.k8s.io"
	// minMetricResolution is the shortest interval metrics-server accepts.
	minMetricResolution = 10 * time.Second
)

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// metricsServerResolution is how often metrics-server reads the kubelets:
// the scrape interval, but not below what metrics-server accepts.
func (c *Config) metricsServerResolution() time.Duration {
	return max(c.scrapeInterval(), minMetricResolution)
}

// scrapeInterval is how often the nodes' metrics are read (15s unless set).
func (c *Config) scrapeInterval() time.Duration {
	if c.ScrapeInterval > 0 {
		return c.ScrapeInterval
	}
	return DefaultScrapeInterval
}

func (c *Config) metricsServerArgs(kubeconfig string, serving, client pki.Pair, caFile string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.Ports.MetricsServer),
		"--tls-cert-file=" + serving.CertFile,
		"--tls-private-key-file=" + serving.KeyFile,
		"--metric-resolution=" + c.metricsServerResolution().String(),
		// Every simulated node has the address 127.0.0.1 and ke-dev's
		// kubelet port; the node's metrics.k8s.io/resource-metrics-path
		// annotation gives the path under which KWOK serves that node's
		// series (see nodes.go).
		"--kubelet-preferred-address-types=InternalIP",
		"--kubelet-port=" + strconv.Itoa(c.Ports.Kubelet),
		"--kubelet-certificate-authority=" + caFile,
		"--kubelet-client-certificate=" + client.CertFile,
		"--kubelet-client-key=" + client.KeyFile,
		"--kubelet-request-timeout=5s",
		"--profiling=false",
	}
}

// startMetricsServer runs metrics-server, with a client certificate that
// kube-apiserver and the simulated kubelets accept and a serving certificate
// from the cluster's CA, and registers it as the metrics.k8s.io APIService.
func (c *Cluster) startMetricsServer(ctx context.Context) error {
	dir := c.cfg.pkiDir()
	client, err := c.files.ca.Ensure(dir, pki.Leaf{Name: "metrics-server", CommonName: metricsServerUser, Client: true})
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(c.cfg.kubeconfigDir(), "metrics-server.kubeconfig")
	if err := c.cfg.writeKubeconfig(kubeconfig, c.files.ca.CertFile, client, metricsServerUser); err != nil {
		return err
	}
	// kube-apiserver's aggregator checks the serving certificate against the
	// Service's DNS name.
	serving, err := c.files.ca.Ensure(dir, pki.Leaf{Name: "metrics-server-serving", CommonName: metricsServerService,
		Hosts: []string{metricsServerService + "." + metav1.NamespaceSystem + ".svc", "localhost", "127.0.0.1"}})
	if err != nil {
		return err
	}
	if err := c.ensureMetricsServerRBAC(ctx); err != nil {
		return err
	}
	ca, err := os.ReadFile(c.files.ca.CertFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	livez := fmt.Sprintf("https://127.0.0.1:%d/livez", c.cfg.Ports.MetricsServer)
	path := filepath.Join(c.cfg.MetricsServerDir, "metrics-server")
	if err := c.Launch(ctx, "metrics-server", path, c.cfg.metricsServerArgs(kubeconfig, serving, client, c.files.ca.CertFile), func(ctx context.Context) error {
		return process.HTTPOK(ctx, livez, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}); err != nil {
		return err
	}
	return c.registerMetricsAPI(ctx, ca)
}

// registerMetricsAPI points the metrics.k8s.io APIService at metrics-server.
// The aggregator reaches an ExternalName Service at its external name, so
// "localhost" and the port lead to metrics-server on this machine without
// endpoints (which may not hold a loopback address).
func (c *Cluster) registerMetricsAPI(ctx context.Context, ca []byte) error {
	port := int32(c.cfg.Ports.MetricsServer) //nolint:gosec // a validated port number
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: metricsServerService, Namespace: metav1.NamespaceSystem},
		Spec: corev1.ServiceSpec{
			Type:         corev1.ServiceTypeExternalName,
			ExternalName: "localhost",
			Ports:        []corev1.ServicePort{{Name: "https", Port: port, TargetPort: intstr.FromInt32(port)}},
		},
	}
	services := c.Client.CoreV1().Services(metav1.NamespaceSystem)
	if old, err := services.Get(ctx, svc.Name, metav1.GetOptions{}); err == nil {
		svc.ResourceVersion = old.ResourceVersion
		if _, err := services.Update(ctx, svc, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating service %s/%s: %w", svc.Namespace, svc.Name, err)
		}
	} else if _, err := services.Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating service %s/%s: %w", svc.Namespace, svc.Name, err)
	}

	dyn, err := dynamic.NewForConfig(c.RESTConfig)
	if err != nil {
		return err
	}
	apiService := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiregistration.k8s.io/v1",
		"kind":       "APIService",
		"metadata":   map[string]any{"name": MetricsAPIService},
		"spec": map[string]any{
			"group":                "metrics.k8s.io",
			"version":              "v1beta1",
			"groupPriorityMinimum": int64(100),
			"versionPriority":      int64(100),
			"caBundle":             base64.StdEncoding.EncodeToString(ca),
			"service": map[string]any{
				"namespace": metav1.NamespaceSystem,
				"name":      metricsServerService,
				"port":      int64(port),
			},
		},
	}}
	apiServices := dyn.Resource(apiServiceGVR)
	if _, err := apiServices.Get(ctx, MetricsAPIService, metav1.GetOptions{}); err == nil {
		// kube-apiserver writes the APIService's status as it checks the
		// old endpoint: read it again on a conflict.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			old, err := apiServices.Get(ctx, MetricsAPIService, metav1.GetOptions{})
			if err != nil {
				return err
			}
			apiService.SetResourceVersion(old.GetResourceVersion())
			_, err = apiServices.Update(ctx, apiService, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return fmt.Errorf("updating APIService %s: %w", MetricsAPIService, err)
		}
		return nil
	}
	if _, err := apiServices.Create(ctx, apiService, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating APIService %s: %w", MetricsAPIService, err)
	}
	return nil
}

// ensureMetricsServerRBAC lets metrics-server read nodes, pods and the
// kubelets' metrics, and check the callers that kube-apiserver passes on.
func (c *Cluster) ensureMetricsServerRBAC(ctx context.Context) error {
	subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: metricsServerUser}}
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: metricsServerUser},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes/metrics"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"pods", "nodes"}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	rbac := c.Client.RbacV1()
	if err := apply(ctx, role, rbac.ClusterRoles().Get, rbac.ClusterRoles().Create, rbac.ClusterRoles().Update); err != nil {
		return err
	}
	for name, roleName := range map[string]string{metricsServerUser: metricsServerUser, metricsServerUser + ":auth-delegator": "system:auth-delegator"} {
		b := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: roleName},
			Subjects:   subject,
		}
		if err := apply(ctx, b, rbac.ClusterRoleBindings().Get, rbac.ClusterRoleBindings().Create, rbac.ClusterRoleBindings().Update); err != nil {
			return err
		}
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: metricsServerUser + ":auth-reader", Namespace: metav1.NamespaceSystem},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "extension-apiserver-authentication-reader"},
		Subjects:   subject,
	}
	rbs := rbac.RoleBindings(metav1.NamespaceSystem)
	return apply(ctx, rb, rbs.Get, rbs.Create, rbs.Update)
}

// apply creates obj, or updates it when it exists.
func apply[T interface {
	metav1.Object
	comparable
}](ctx context.Context, obj T,
	get func(context.Context, string, metav1.GetOptions) (T, error),
	create func(context.Context, T, metav1.CreateOptions) (T, error),
	update func(context.Context, T, metav1.UpdateOptions) (T, error),
) error {
	old, err := get(ctx, obj.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = create(ctx, obj, metav1.CreateOptions{})
	case err == nil:
		obj.SetResourceVersion(old.GetResourceVersion())
		_, err = update(ctx, obj, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("applying %T %s: %w", obj, obj.GetName(), err)
	}
	return nil
}

// GrantClusterRole lets user do what rules allow, cluster-wide: a
// ClusterRole and a ClusterRoleBinding named after the user.
func (c *Cluster) GrantClusterRole(ctx context.Context, user string, rules []rbacv1.PolicyRule) error {
	rbac := c.Client.RbacV1()
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: user}, Rules: rules}
	if err := apply(ctx, role, rbac.ClusterRoles().Get, rbac.ClusterRoles().Create, rbac.ClusterRoles().Update); err != nil {
		return err
	}
	b := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
	return apply(ctx, b, rbac.ClusterRoleBindings().Get, rbac.ClusterRoleBindings().Create, rbac.ClusterRoleBindings().Update)
}

package member

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// binDirs returns the folders of the kube binaries and KWOK that `make
// print-env` exports, and skips the test without them.
func binDirs(t *testing.T) (bin, kwok string) {
	t.Helper()
	bin, kwok = os.Getenv("K8S_BIN_DIR"), os.Getenv("KWOK_BIN_DIR")
	if bin == "" || kwok == "" {
		t.Skip("K8S_BIN_DIR or KWOK_BIN_DIR is not set: run with `eval $(make -s print-env)`")
	}
	files := []string{filepath.Join(kwok, "kwok"), filepath.Join(kwok, "stages")}
	for _, b := range []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"} {
		files = append(files, filepath.Join(bin, b))
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s is missing (make tools)", f)
		}
	}
	return bin, kwok
}

// A member is a cluster of its own: its nodes are Ready under its own
// names, and the host's kubeconfig is a cluster-admin that impersonates
// the platform's users. Joining it writes the kubeconfig Secret and the
// Direct Cluster, again and again.
func TestAMemberRunsAndTheHostImpersonatesOnIt(t *testing.T) {
	bin, kwok := binDirs(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	var out syncBuffer
	dir := filepath.Join(t.TempDir(), "members", "member-1")
	opts := Options{Name: "member-1", DataDir: dir, BinDir: bin, KwokDir: kwok, Nodes: 2, Out: &out}
	m, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Cleanup(func() { m.Stop() })

	nodes, err := m.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				names = append(names, n.Name)
			}
		}
	}
	slices.Sort(names)
	if want := []string{"member-1-node-0", "member-1-node-1"}; !slices.Equal(names, want) {
		t.Fatalf("Ready nodes %v, want %v", names, want)
	}
	if !strings.Contains(out.String(), "member-1: ") {
		t.Errorf("the member's messages do not name it:\n%s", out.String())
	}

	kubeconfig, err := os.ReadFile(filepath.Join(dir, HostKubeconfigFile))
	if err != nil {
		t.Fatal(err)
	}
	hostCfg, err := clientcmd.RESTConfigFromKubeConfig(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if hostCfg.Host != m.APIServerURL() {
		t.Errorf("the host's kubeconfig points at %s, want %s", hostCfg.Host, m.APIServerURL())
	}
	if got := whoAmI(ctx, t, hostCfg); got.Username != HostUser {
		t.Errorf("the host's kubeconfig authenticates as %q, want %q", got.Username, HostUser)
	}
	impersonating := rest.CopyConfig(hostCfg)
	impersonating.Impersonate = rest.ImpersonationConfig{UserName: "alice", Groups: []string{"developers"}}
	if got := whoAmI(ctx, t, impersonating); got.Username != "alice" || !slices.Contains(got.Groups, "developers") {
		t.Errorf("impersonating alice of developers, the member sees %q of %v", got.Username, got.Groups)
	}
	// The impersonated user has her own rights, not the host's.
	cs, err := kubernetes.NewForConfig(impersonating)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets("kube-system").List(ctx, metav1.ListOptions{}); err == nil {
		t.Error("alice, impersonated, listed the secrets of kube-system")
	}

	t.Run("joining directly writes the Secret and the Cluster, idempotently", func(t *testing.T) {
		// The member plays the host: it gets the platform's CRDs.
		host := installClusterCRD(ctx, t, m.RESTConfig)
		if err := host.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SystemNamespace}}); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := JoinDirect(ctx, host, "member-1", kubeconfig); err != nil {
				t.Fatal(err)
			}
		}
		s := &corev1.Secret{}
		if err := host.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: "cluster-member-1-kubeconfig"}, s); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.Data["kubeconfig"], kubeconfig) {
			t.Error("the Secret does not hold the host's kubeconfig")
		}
		if s.Labels[agentauth.ClusterLabel] != "member-1" {
			t.Errorf("the Secret's labels %v do not name its cluster (the cluster controller removes it by them)", s.Labels)
		}
		c := &clusterv1alpha1.Cluster{}
		if err := host.Get(ctx, client.ObjectKey{Name: "member-1"}, c); err != nil {
			t.Fatal(err)
		}
		ref := c.Spec.Connection.KubeconfigSecretRef
		if c.Spec.Connection.Type != clusterv1alpha1.ConnectionDirect || ref == nil || ref.Name != s.Name ||
			c.Spec.Provider != "local" || !c.Spec.Enable || c.Labels[LocalMemberLabel] != "true" {
			t.Errorf("cluster member-1 is %+v, labels %v", c.Spec, c.Labels)
		}
		// A later run updates what an earlier one wrote.
		c.Spec.Provider = "elsewhere"
		if err := host.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := JoinDirect(ctx, host, "member-1", []byte("new")); err != nil {
			t.Fatal(err)
		}
		if err := host.Get(ctx, client.ObjectKey{Name: "member-1"}, c); err != nil {
			t.Fatal(err)
		}
		if c.Spec.Provider != "local" {
			t.Errorf("after a second join, cluster member-1 is %+v (want provider local)", c.Spec)
		}
		if err := host.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: s.Name}, s); err != nil || string(s.Data["kubeconfig"]) != "new" {
			t.Errorf("the Secret was not updated: %v", err)
		}
	})

	t.Run("a restart keeps the member's address and the host's kubeconfig", func(t *testing.T) {
		url := m.APIServerURL()
		m.Stop()
		if m, err = Start(ctx, opts); err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		if m.APIServerURL() != url {
			t.Errorf("kube-apiserver moved from %s to %s", url, m.APIServerURL())
		}
		if got := whoAmI(ctx, t, hostCfg); got.Username != HostUser {
			t.Errorf("after a restart, the host's kubeconfig authenticates as %q", got.Username)
		}
	})
}

// whoAmI asks kube-apiserver who cfg is.
func whoAmI(ctx context.Context, t *testing.T, cfg *rest.Config) authenticationv1.UserInfo {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Status.UserInfo
}

// installClusterCRD installs the platform's Cluster CRD and returns a
// client with the platform's scheme once it is served.
func installClusterCRD(ctx context.Context, t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	objs, err := platform.ReadManifests(filepath.Join("..", "..", "..", "config", "crd", "bases", "cluster.superkube.io_clusters.yaml"))
	if err != nil || len(objs) != 1 {
		t.Fatalf("reading the Cluster CRD: %v (%d objects)", err, len(objs))
	}
	cl, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	if err := platform.Apply(ctx, cl, objs); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := cl.Get(ctx, client.ObjectKey{Name: objs[0].GetName()}, crd); err != nil {
			return false, nil //nolint:nilerr // retried until the timeout
		}
		for _, c := range crd.Status.Conditions {
			if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("the Cluster CRD is not established: %v", err)
	}
	// A new client, whose REST mapping knows the new kind.
	if cl, err = client.New(cfg, client.Options{Scheme: scheme.New()}); err != nil {
		t.Fatal(err)
	}
	return cl
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package proxy

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// tunnels stands in for the tunnel server: a connected cluster's dials go
// straight to the address asked for, and are counted.
type tunnels struct {
	connected map[string]bool
	dials     atomic.Int32
}

func (t *tunnels) Connected(cluster string) bool { return t.connected[cluster] }

func (t *tunnels) DialContext(string) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		t.dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, address)
	}
}

func memberKubeconfig(t *testing.T, up *httptest.Server) []byte {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["m"] = &clientcmdapi.Cluster{Server: up.URL,
		CertificateAuthorityData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw})}
	cfg.AuthInfos["m"] = &clientcmdapi.AuthInfo{Token: "member-token"}
	cfg.Contexts["m"] = &clientcmdapi.Context{Cluster: "m", AuthInfo: "m"}
	cfg.CurrentContext = "m"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestMemberClusters(t *testing.T) {
	up, got, _ := upstreamServer(t)
	kc := memberKubeconfig(t, up)
	secret := func(name string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "superkube-system", Name: name}, Data: map[string][]byte{"kubeconfig": kc}}
	}
	ref := func(name string) *clusterv1alpha1.SecretRef {
		return &clusterv1alpha1.SecretRef{Name: name, Key: "kubeconfig"}
	}
	notReady := []metav1.Condition{{Type: clusterv1alpha1.ReadyCondition, Status: metav1.ConditionFalse, Reason: clusterv1alpha1.ReasonUnreachable,
		Message: "kube-apiserver did not answer", LastTransitionTime: metav1.Now()}}
	clusters := []*clusterv1alpha1.Cluster{
		{ObjectMeta: metav1.ObjectMeta{Name: "direct"}, Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect, KubeconfigSecretRef: ref("direct")}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "down"}, Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect, KubeconfigSecretRef: ref("direct")}},
			Status: clusterv1alpha1.ClusterStatus{Conditions: notReady}},
		{ObjectMeta: metav1.ObjectMeta{Name: "edge"}, Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent, KubeconfigSecretRef: ref("edge")}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "gone"}, Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent, KubeconfigSecretRef: ref("edge")}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "waiting"}, Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent}}},
	}
	b := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(secret("direct"), secret("edge"))
	for _, c := range clusters {
		b = b.WithObjects(c)
	}
	tun := &tunnels{connected: map[string]bool{"edge": true, "waiting": true}}
	p, err := New(&rest.Config{Host: up.URL}, Options{Clusters: b.Build(), SystemNamespace: "superkube-system", Log: logr.Discard(), Tunnels: tun})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Install(mux)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r.WithContext(request.WithUser(r.Context(), caller)))
	}))
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		cluster string
		code    int
		says    string
	}{
		{"direct", http.StatusOK, ""},
		{"edge", http.StatusOK, ""},
		{"down", http.StatusServiceUnavailable, "is not Ready since"},
		{"gone", http.StatusServiceUnavailable, "its agent has no tunnel open"},
		{"waiting", http.StatusServiceUnavailable, "its agent has not joined yet"},
	} {
		t.Run(tt.cluster, func(t *testing.T) {
			before := tun.dials.Load()
			resp, err := srv.Client().Get(srv.URL + "/clusters/" + tt.cluster + "/api/v1/pods")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("want %d, got %d: %s", tt.code, resp.StatusCode, body)
			}
			if tt.code != http.StatusOK {
				var st metav1.Status
				if err := json.Unmarshal(body, &st); err != nil || st.Reason != metav1.StatusReasonServiceUnavailable ||
					!strings.Contains(st.Message, tt.says) || !strings.Contains(st.Message, tt.cluster) {
					t.Fatalf("want a 503 Status naming the cluster and saying %q, got %s", tt.says, body)
				}
				return
			}
			s := <-got
			if s.path != "/api/v1/pods?" || s.header.Get("Impersonate-User") != caller.Name || s.header.Get("Authorization") != "Bearer member-token" {
				t.Fatalf("the member got %s as %q with %q", s.path, s.header.Get("Impersonate-User"), s.header.Get("Authorization"))
			}
			if tunnelled := tun.dials.Load() > before; tunnelled != (tt.cluster == "edge") {
				t.Fatalf("through the tunnel: %v, for a %s cluster", tunnelled, tt.cluster)
			}
		})
	}
}

func TestControllersPath(t *testing.T) {
	up, got, _ := upstreamServer(t)
	kc := memberKubeconfig(t, up)
	ref := &clusterv1alpha1.SecretRef{Name: "edge", Key: "kubeconfig"}
	notReady := []metav1.Condition{{Type: clusterv1alpha1.ReadyCondition, Status: metav1.ConditionFalse, Reason: clusterv1alpha1.ReasonUnreachable,
		Message: "kube-apiserver did not answer", LastTransitionTime: metav1.Now()}}
	host := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: clusterv1alpha1.HostClusterName},
		Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionHost}}}
	edge := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "edge"},
		Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent, KubeconfigSecretRef: ref}}}
	down := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "down"},
		Spec:   clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent, KubeconfigSecretRef: ref}},
		Status: clusterv1alpha1.ClusterStatus{Conditions: notReady}}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "superkube-system", Name: "edge"}, Data: map[string][]byte{"kubeconfig": kc}}
	reader := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(host, edge, down, secret).Build()
	tun := &tunnels{connected: map[string]bool{"edge": true, "down": true}}
	p, err := New(&rest.Config{Host: up.URL}, Options{Clusters: reader, SystemNamespace: "superkube-system", Log: logr.Discard(), Tunnels: tun})
	if err != nil {
		t.Fatal(err)
	}
	// No user in the context: the path is served outside user authentication.
	srv := httptest.NewTLSServer(p.Controllers([]byte("controller-secret")))
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		name, path, token string
		upgrade           bool
		code              int
	}{
		{"the token reaches the member as the kubeconfig's identity", "/internal/clusters/edge/api/v1/namespaces", "controller-secret", false, http.StatusOK},
		{"no token", "/internal/clusters/edge/api/v1/namespaces", "", false, http.StatusUnauthorized},
		{"a wrong token", "/internal/clusters/edge/api/v1/namespaces", "controller-secreT", false, http.StatusUnauthorized},
		{"the host is not served", "/internal/clusters/host/api/v1/namespaces", "controller-secret", false, http.StatusNotFound},
		{"an unknown cluster", "/internal/clusters/nowhere/api/v1/namespaces", "controller-secret", false, http.StatusNotFound},
		{"a path outside the Kubernetes API", "/internal/clusters/edge/kapis/x", "controller-secret", false, http.StatusNotFound},
		{"a member that is not Ready", "/internal/clusters/down/api/v1/namespaces", "controller-secret", false, http.StatusServiceUnavailable},
		{"an upgrade", "/internal/clusters/edge/api/v1/namespaces/a/pods/b/exec", "controller-secret", true, http.StatusBadRequest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			// A controller cannot ask the member to impersonate someone else.
			req.Header.Set("Impersonate-User", "someone")
			if tt.upgrade {
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "websocket")
			}
			before := tun.dials.Load()
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Fatalf("want %d, got %d: %s", tt.code, resp.StatusCode, body)
			}
			if tt.code != http.StatusOK {
				if strings.Contains(string(body), "controller-secret") {
					t.Fatalf("the answer repeats the token: %s", body)
				}
				return
			}
			s := <-got
			if s.path != "/api/v1/namespaces?" || s.header.Get("Authorization") != "Bearer member-token" || len(s.header.Values("Impersonate-User")) != 0 {
				t.Fatalf("the member got %s with %q, impersonating %q", s.path, s.header.Get("Authorization"), s.header.Values("Impersonate-User"))
			}
			if tun.dials.Load() == before {
				t.Fatal("an Agent cluster was reached without its tunnel")
			}
		})
	}
}

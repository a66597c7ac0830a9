package agent

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/superkube/super-kubenetes/internal/multicluster/memberconfig"
	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
)

const ns = "superkube-system"

func TestFileCredentialsKeepTheCredentialPrivately(t *testing.T) {
	f := FileCredentials{Path: filepath.Join(t.TempDir(), "sub", "credential")}
	ctx := context.Background()
	if got, err := f.Load(ctx); err != nil || got != "" {
		t.Fatalf("no file: %q, %v", got, err)
	}
	if err := f.Save(ctx, "cred-1"); err != nil {
		t.Fatal(err)
	}
	if got, err := f.Load(ctx); err != nil || got != "cred-1" {
		t.Fatalf("after save: %q, %v", got, err)
	}
}

func TestSecretCredentialsMakeOrUpdateTheSecret(t *testing.T) {
	ctx := context.Background()
	cs := fake.NewClientset()
	s := SecretCredentials{Secrets: cs.CoreV1(), Namespace: ns, Name: "agent-credential"}
	if got, err := s.Load(ctx); err != nil || got != "" {
		t.Fatalf("no Secret: %q, %v", got, err)
	}
	if err := s.Save(ctx, "cred-1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx); err != nil || got != "cred-1" {
		t.Fatalf("after save: %q, %v", got, err)
	}

	// A Secret made beforehand (empty, with labels of its own) is updated
	// and keeps what it had.
	cs = fake.NewClientset(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "agent-credential", Labels: map[string]string{"team": "edge"}},
		Data: map[string][]byte{"other": []byte("x")}})
	s.Secrets = cs.CoreV1()
	if got, err := s.Load(ctx); err != nil || got != "" {
		t.Fatalf("an empty Secret: %q, %v", got, err)
	}
	if err := s.Save(ctx, "cred-2"); err != nil {
		t.Fatal(err)
	}
	sec, err := cs.CoreV1().Secrets(ns).Get(ctx, "agent-credential", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(sec.Data[CredentialKey]) != "cred-2" || string(sec.Data["other"]) != "x" || sec.Labels["team"] != "edge" {
		t.Fatalf("the updated Secret: %+v", sec)
	}
}

func TestSecretCredentialsErrorsNameTheSecretNotTheCredential(t *testing.T) {
	cs := fake.NewClientset()
	cs.PrependReactor("create", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("secrets"), "agent-credential", errors.New("RBAC"))
	})
	s := SecretCredentials{Secrets: cs.CoreV1(), Namespace: ns, Name: "agent-credential"}
	err := s.Save(context.Background(), "very-secret-credential")
	if err == nil || !strings.Contains(err.Error(), "superkube-system/agent-credential") || strings.Contains(err.Error(), "very-secret-credential") {
		t.Fatalf("error %v", err)
	}
}

func tokenSecret(typ corev1.SecretType, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "agent-token"}, Type: typ, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

func TestServiceAccountKubeconfigWaitsForTheTokenAndNamesTheServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The Secret exists but Kubernetes has not filled it in yet.
	cs := fake.NewClientset(tokenSecret(corev1.SecretTypeServiceAccountToken, nil))
	var gets atomic.Int32
	cs.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		if gets.Add(1) == 3 {
			filled := tokenSecret(corev1.SecretTypeServiceAccountToken, map[string]string{"token": "sa-token", "ca.crt": "CA PEM"})
			if _, err := cs.Tracker().Get(corev1.SchemeGroupVersion.WithResource("secrets"), ns, "agent-token"); err == nil {
				_ = cs.Tracker().Update(corev1.SchemeGroupVersion.WithResource("secrets"), filled, ns)
			}
		}
		return false, nil, nil
	})
	kc, err := ServiceAccountKubeconfig(ctx, cs.CoreV1(), ns, "agent-token", InClusterServer, 10*time.Millisecond, testr.New(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(kc)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Host != InClusterServer || cfg.BearerToken != "sa-token" || string(cfg.CAData) != "CA PEM" {
		t.Fatalf("kubeconfig: host %q token %q CA %q", cfg.Host, cfg.BearerToken, cfg.CAData)
	}
	// The host accepts it as a member's kubeconfig.
	if _, err := memberconfig.Parse(kc); err != nil {
		t.Fatalf("the host refuses the kubeconfig: %v", err)
	}
	// The agent lets the host dial exactly that server.
	a := &Agent{Kubeconfig: kc}
	if addr, err := a.allowedAddress(); err != nil || addr != "kubernetes.default.svc:443" {
		t.Fatalf("allowed address %q, %v", addr, err)
	}
}

func TestServiceAccountKubeconfigRefusesOtherSecretsAndStopsWithItsContext(t *testing.T) {
	cs := fake.NewClientset(tokenSecret(corev1.SecretTypeOpaque, map[string]string{"token": "t", "ca.crt": "c"}))
	_, err := ServiceAccountKubeconfig(context.Background(), cs.CoreV1(), ns, "agent-token", InClusterServer, time.Millisecond, testr.New(t))
	if err == nil || !strings.Contains(err.Error(), "kubernetes.io/service-account-token") {
		t.Fatalf("an Opaque Secret: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = ServiceAccountKubeconfig(ctx, fake.NewClientset().CoreV1(), ns, "agent-token", InClusterServer, 10*time.Millisecond, testr.New(t))
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("no Secret until the context ends: %v", err)
	}
}

// A host that answers joins once per token and refuses the tunnel, which
// ends Run after the credential step.
func fakeHost(t *testing.T, token, credential string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var joins atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case tunnel.JoinPath:
			if r.Header.Get("Authorization") != "Bearer "+token || joins.Add(1) > 1 {
				http.Error(w, `{"kind":"Status","message":"bad token"}`, http.StatusUnauthorized)
				return
			}
			var req JoinRequest
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Kubeconfig == "" {
				http.Error(w, "bad join", http.StatusBadRequest)
				return
			}
			_ = json.NewEncoder(w).Encode(JoinResponse{Credential: credential})
		case tunnel.ConnectPath:
			if r.Header.Get("Authorization") == "Bearer "+credential {
				http.Error(w, `{"kind":"Status","message":"removed"}`, http.StatusForbidden)
				return
			}
			http.Error(w, `{"kind":"Status","message":"unknown"}`, http.StatusUnauthorized)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &joins
}

func TestAnAgentKeepsItsCredentialInASecretAcrossRestarts(t *testing.T) {
	host, joins := fakeHost(t, "join-token", "agent-cred")
	cs := fake.NewClientset(tokenSecret(corev1.SecretTypeServiceAccountToken, map[string]string{"token": "sa-token", "ca.crt": "CA PEM"}))
	kc, err := ServiceAccountKubeconfig(context.Background(), cs.CoreV1(), ns, "agent-token", InClusterServer, 0, testr.New(t))
	if err != nil {
		t.Fatal(err)
	}
	store := SecretCredentials{Secrets: cs.CoreV1(), Namespace: ns, Name: "agent-credential"}
	newAgent := func(joinToken string) *Agent {
		return &Agent{HostURL: host.URL, HostCA: pemOf(t, host), Cluster: "edge", JoinToken: joinToken,
			Credentials: store, Kubeconfig: kc, Log: testr.New(t)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The first run joins, keeps the credential, and connects with it (the
	// fake host refuses the tunnel, which ends the run).
	if err := newAgent("join-token").Run(ctx); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "403") {
		t.Fatalf("first run: %v", err)
	}
	if got, _ := store.Load(ctx); got != "agent-cred" {
		t.Fatalf("the kept credential is %q", got)
	}
	// A restarted pod: the used join token is still mounted, but the kept
	// credential is used and nobody joins again.
	if err := newAgent("join-token").Run(ctx); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "403") {
		t.Fatalf("second run: %v", err)
	}
	if joins.Load() != 1 {
		t.Fatalf("%d joins, want 1", joins.Load())
	}
	// Without credential or join token the agent says where it looked.
	store.Name = "other"
	err = (&Agent{HostURL: host.URL, Cluster: "edge", Credentials: store, Kubeconfig: kc, Log: testr.New(t)}).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "Secret superkube-system/other") {
		t.Fatalf("no credential, no token: %v", err)
	}
}

func pemOf(t *testing.T, srv *httptest.Server) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}

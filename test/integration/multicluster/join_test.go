package multicluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const prefix = "/kapis/cluster.superkube.io/v1alpha1"

type joined struct {
	Cluster   clusterv1alpha1.Cluster `json:"cluster"`
	JoinToken *struct {
		Token     string      `json:"token"`
		ExpiresAt metav1.Time `json:"expiresAt"`
	} `json:"joinToken"`
}

func decode[T any](t *testing.T, r *platform.Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	return v
}

// expect fails unless the answer has the code.
func expect(t *testing.T, r *platform.Response, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("answered %d, want %d: %s", r.Code, code, r.Body)
	}
}

// status reads a Status body's reason and the fields its causes name.
func status(t *testing.T, r *platform.Response) (string, string, []string) {
	t.Helper()
	s := decode[metav1.Status](t, r)
	var fields []string
	if s.Details != nil {
		for _, c := range s.Details.Causes {
			fields = append(fields, c.Field)
		}
	}
	return string(s.Reason), s.Message, fields
}

// ready waits for the cluster's Ready condition to be want and returns it.
func ready(t *testing.T, name string, want metav1.ConditionStatus, timeout time.Duration) *metav1.Condition {
	t.Helper()
	var cond *metav1.Condition
	platform.Eventually(t, fmt.Sprintf("cluster %s Ready=%s", name, want), timeout, func() error {
		c := &clusterv1alpha1.Cluster{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, c); err != nil {
			return err
		}
		cond = meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ReadyCondition)
		if cond == nil || cond.Status != want {
			return fmt.Errorf("Ready is %+v", cond)
		}
		return nil
	})
	return cond
}

// running is an agent running in the test.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

// startAgent runs an agent until it ends or is stopped.
func startAgent(t *testing.T, a *agent.Agent) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	t.Cleanup(cancel)
	return r
}

func (r *running) stop() error {
	r.cancel()
	return <-r.done
}

func TestAgentJoinTunnelAndRemoval(t *testing.T) {
	admin := api.Admin(t)

	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "edge", "connection": "Agent", "provider": "local"})
	expect(t, r, http.StatusCreated)
	j := decode[joined](t, r)
	if j.JoinToken == nil || j.JoinToken.Token == "" || !j.JoinToken.ExpiresAt.After(time.Now()) {
		t.Fatalf("the join answered no usable join token: %s", r.Body)
	}
	// The token is stored only as a digest.
	join := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: platform.SystemNamespace, Name: agentauth.JoinSecretName("edge")}, join); err != nil {
		t.Fatal(err)
	}
	for k, v := range join.Data {
		if strings.Contains(string(v), j.JoinToken.Token) {
			t.Fatalf("the join Secret's %s holds the token itself", k)
		}
	}

	// The same name again is a conflict; nothing changes.
	r = api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "edge", "connection": "Agent"})
	platform.ExpectStatus(t, r, http.StatusConflict)

	// Before the agent joins, the cluster is not Ready and says why; a
	// request to it is a 503 with the reason.
	cond := ready(t, "edge", metav1.ConditionFalse, 30*time.Second)
	if cond.Reason != clusterv1alpha1.ReasonAgentNotConnected {
		t.Fatalf("a cluster waiting for its agent: %+v", cond)
	}
	r = api.Do(t, http.MethodGet, "/clusters/edge/api", admin, nil)
	platform.ExpectStatus(t, r, http.StatusServiceUnavailable)

	dir := t.TempDir()
	a := &agent.Agent{HostURL: hostURL, HostCA: hostCA, Cluster: "edge", JoinToken: j.JoinToken.Token,
		CredentialFile: filepath.Join(dir, "credential"), Kubeconfig: memberKubeconfig, Log: testr.New(t), MaxBackoff: time.Second}
	ag := startAgent(t, a)
	ready(t, "edge", metav1.ConditionTrue, 30*time.Second)
	c := &clusterv1alpha1.Cluster{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: "edge"}, c); err != nil {
		t.Fatal(err)
	}
	if c.Status.KubernetesVersion == "" || c.Status.Agent == nil || !c.Status.Agent.Connected || c.Status.Agent.Joined == nil || c.Status.LastReachedTime == nil {
		t.Fatalf("the status of a joined Agent cluster: %+v", c.Status)
	}
	t.Logf("Joined through the agent: version %s, %d nodes, agent %+v", c.Status.KubernetesVersion, c.Status.NodeCount, *c.Status.Agent)

	// Requests reach the member through the tunnel, as the caller.
	r = api.Do(t, http.MethodGet, "/clusters/edge/api", admin, nil)
	expect(t, r, http.StatusOK)
	r = api.DoJSON(t, http.MethodPost, "/clusters/edge/apis/authentication.k8s.io/v1/selfsubjectreviews", admin,
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
	expect(t, r, http.StatusCreated)
	if ssr := decode[authenticationv1.SelfSubjectReview](t, r); ssr.Status.UserInfo.Username != "admin" {
		t.Fatalf("the member saw %q, not the caller", ssr.Status.UserInfo.Username)
	}

	// The join token was used up: a second agent with it is refused.
	again := &agent.Agent{HostURL: hostURL, HostCA: hostCA, Cluster: "edge", JoinToken: j.JoinToken.Token,
		CredentialFile: filepath.Join(dir, "other"), Kubeconfig: memberKubeconfig, Log: testr.New(t)}
	if err := again.Run(context.Background()); !errors.Is(err, agent.ErrRefused) {
		t.Fatalf("joining again with a used token: %v", err)
	}

	// The agent goes away: Ready=False within 30 s, and requests get a 503
	// that says why.
	if err := ag.stop(); err != nil {
		t.Fatal(err)
	}
	gone := time.Now()
	cond = ready(t, "edge", metav1.ConditionFalse, 30*time.Second)
	t.Logf("Ready=False %.1fs after the agent stopped: %s: %s", time.Since(gone).Seconds(), cond.Reason, cond.Message)
	platform.Eventually(t, "a 503 from the member without its agent", 10*time.Second, func() error {
		r = api.Do(t, http.MethodGet, "/clusters/edge/api", admin, nil)
		if r.Code != http.StatusServiceUnavailable {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	if _, msg, _ := status(t, r); !strings.Contains(msg, "edge") || !strings.Contains(msg, "agent") {
		t.Fatalf("the 503 does not say why: %s", msg)
	}

	// The agent comes back with its kept credential (no join token).
	a.JoinToken = ""
	ag = startAgent(t, a)
	ready(t, "edge", metav1.ConditionTrue, 30*time.Second)
	platform.Eventually(t, "the member answers again", 10*time.Second, func() error {
		if r = api.Do(t, http.MethodGet, "/clusters/edge/api", admin, nil); r.Code != http.StatusOK {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		return nil
	})

	// A workspace placed on the cluster; removing the cluster unbinds it
	// and leaves no Secret and no finalizer behind.
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "spans"},
		Spec: tenantv1beta1.WorkspaceSpec{Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}, {Name: "edge"}}}}
	if err := k8s.Create(context.Background(), ws); err != nil {
		t.Fatal(err)
	}
	r = api.Do(t, http.MethodDelete, prefix+"/clusters/edge", admin, nil)
	expect(t, r, http.StatusOK)
	platform.Eventually(t, "cluster edge gone", 30*time.Second, func() error {
		err := k8s.Get(context.Background(), client.ObjectKey{Name: "edge"}, &clusterv1alpha1.Cluster{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
	secrets := &corev1.SecretList{}
	if err := k8s.List(context.Background(), secrets, client.InNamespace(platform.SystemNamespace), client.MatchingLabels{agentauth.ClusterLabel: "edge"}); err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items) > 0 {
		t.Fatalf("cluster edge left %d secrets", len(secrets.Items))
	}
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(ws), ws); err != nil {
		t.Fatal(err)
	}
	if len(ws.Spec.Clusters) != 1 || ws.Spec.Clusters[0].Name != "host" {
		t.Fatalf("the workspace still names the removed cluster: %+v", ws.Spec.Clusters)
	}
	// The host closes the removed cluster's tunnel, and the agent's
	// credential no longer opens one: the agent ends, refused.
	select {
	case err := <-ag.done:
		if !errors.Is(err, agent.ErrRefused) {
			t.Fatalf("the agent of a removed cluster ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the agent of a removed cluster still runs after 30s")
	}
}

func TestDirectJoinChecksTheKubeconfig(t *testing.T) {
	admin := api.Admin(t)
	hostKubeconfig, err := host.AdminKubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, kubeconfig, why string
	}{
		{"garbage", "not: [a kubeconfig", "is not a valid kubeconfig"},
		{"itself", string(hostKubeconfig), "reaches the host cluster itself"},
		{"unreachable", unreachable(t), "could not be reached"},
		{"missing", "", "needs the kubeconfig"},
	} {
		r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "d-" + tc.name, "connection": "Direct", "kubeconfig": tc.kubeconfig})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if _, msg, fields := status(t, r); len(fields) == 0 || fields[0] != "kubeconfig" || !strings.Contains(msg, tc.why) {
			t.Errorf("%s kubeconfig: %s (fields %v)", tc.name, msg, fields)
		}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: "d-" + tc.name}, &clusterv1alpha1.Cluster{}); !apierrors.IsNotFound(err) {
			t.Errorf("a refused join left cluster d-%s (%v)", tc.name, err)
		}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: platform.SystemNamespace, Name: agentauth.KubeconfigSecretName("d-" + tc.name)}, &corev1.Secret{}); !apierrors.IsNotFound(err) {
			t.Errorf("a refused join left a kubeconfig secret for d-%s (%v)", tc.name, err)
		}
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "Bad_Name", "connection": "Agent"}, "name"},
		{map[string]any{"name": "x", "connection": "Carrier pigeon"}, "connection"},
		{map[string]any{"name": "x", "connection": "Agent", "joinTokenTTL": "10y"}, "joinTokenTTL"},
	} {
		r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, tc.body)
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		if _, msg, fields := status(t, r); len(fields) == 0 || fields[0] != tc.field {
			t.Errorf("%v: %s (fields %v), want the field %s", tc.body, msg, fields, tc.field)
		}
	}
	// The host cannot be removed.
	r := api.Do(t, http.MethodDelete, prefix+"/clusters/host", admin, nil)
	platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)

	r = api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "direct", "connection": "Direct", "kubeconfig": string(memberKubeconfig)})
	expect(t, r, http.StatusCreated)
	if strings.Contains(string(r.Body), "BEGIN") || strings.Contains(string(r.Body), "client-key") {
		t.Fatalf("the join's answer repeats the kubeconfig: %s", r.Body)
	}
	ready(t, "direct", metav1.ConditionTrue, 30*time.Second)
	r = api.Do(t, http.MethodGet, "/clusters/direct/api", admin, nil)
	expect(t, r, http.StatusOK)
	// A Direct cluster has no join token.
	r = api.Do(t, http.MethodPost, prefix+"/clusters/direct/jointoken", admin, nil)
	platform.ExpectStatus(t, r, http.StatusConflict)
	r = api.Do(t, http.MethodDelete, prefix+"/clusters/direct", admin, nil)
	expect(t, r, http.StatusOK)
	platform.Eventually(t, "cluster direct gone", 30*time.Second, func() error {
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: "direct"}, &clusterv1alpha1.Cluster{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%v)", err)
		}
		return nil
	})
}

// unreachable is the member's kubeconfig with a server nobody listens at.
func unreachable(t *testing.T) string {
	t.Helper()
	cfg, err := clientcmd.Load(memberKubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Clusters {
		c.Server = "https://127.0.0.1:1"
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// An expired join token is refused like a wrong one.
func TestExpiredJoinToken(t *testing.T) {
	now := time.Now()
	store := &agentauth.Store{Client: k8s, Namespace: platform.SystemNamespace, Now: func() time.Time { return now }}
	tok, _, err := store.IssueJoinToken(context.Background(), "late", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if err := store.ConsumeJoinToken(context.Background(), "late", tok); !errors.Is(err, agentauth.ErrInvalid) {
		t.Fatalf("an expired token: %v", err)
	}
	now = now.Add(-2 * time.Minute)
	if err := store.ConsumeJoinToken(context.Background(), "late", "wrong"); !errors.Is(err, agentauth.ErrInvalid) {
		t.Fatalf("a wrong token: %v", err)
	}
	if err := store.ConsumeJoinToken(context.Background(), "late", tok); err != nil {
		t.Fatalf("the right token in time: %v", err)
	}
	if err := store.ConsumeJoinToken(context.Background(), "late", tok); !errors.Is(err, agentauth.ErrInvalid) {
		t.Fatalf("the token a second time: %v", err)
	}
}

// Joining, new join tokens and removal are the platform administrator's:
// an ordinary user is refused each (403) and nothing changes.
func TestOnlyThoseWhoMayManageClustersJoinThem(t *testing.T) {
	admin := api.Admin(t)
	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "guarded", "connection": "Agent"})
	expect(t, r, http.StatusCreated)
	platform.NewUser(t, k8s, "ordinary", password)
	user := api.Token(t, "ordinary")
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, prefix + "/clusters"},
		{http.MethodPost, prefix + "/clusters/guarded/jointoken"},
		{http.MethodDelete, prefix + "/clusters/guarded"},
	} {
		r := api.DoJSON(t, tc.method, tc.path, user, map[string]any{"name": "mine", "connection": "Agent"})
		platform.ExpectStatus(t, r, http.StatusForbidden)
		if !strings.Contains(r.Str("message"), "clusters") {
			t.Fatalf("%s %s: the refusal does not name the clusters resource: %s", tc.method, tc.path, r.Body)
		}
	}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: "mine"}, &clusterv1alpha1.Cluster{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a refused join made cluster mine (%v)", err)
	}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: "guarded"}, &clusterv1alpha1.Cluster{}); err != nil {
		t.Fatalf("a refused removal removed the cluster: %v", err)
	}
	expect(t, api.Do(t, http.MethodDelete, prefix+"/clusters/guarded", admin, nil), http.StatusOK)
}

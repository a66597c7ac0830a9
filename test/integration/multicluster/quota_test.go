package multicluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apiresource "k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	"github.com/superkube/super-kubenetes/internal/multicluster/quotarelay"
	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

func cpuPod(ns, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: apiresource.MustParse("1")}}}}}}
}

// A workspace quota counts and limits the workspace's projects on the host
// and on a member joined through an agent: the member's kube-apiserver asks
// the agent's webhook, which relays to the host through ke-apiserver.
func TestWorkspaceQuotaSpansMembers(t *testing.T) {
	ctx := context.Background()
	admin := api.Admin(t)
	memberClient, err := client.New(member.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	memberSet, err := kubernetes.NewForConfig(member.Config)
	if err != nil {
		t.Fatal(err)
	}

	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "quota-edge", "connection": "Agent", "provider": "local"})
	expect(t, r, http.StatusCreated)
	j := decode[joined](t, r)
	hookAddr, err := loopback.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(hookAddr)
	a := &agent.Agent{HostURL: hostURL, HostCA: hostCA, Cluster: "quota-edge", JoinToken: j.JoinToken.Token,
		CredentialFile: filepath.Join(t.TempDir(), "credential"), Kubeconfig: memberKubeconfig, Log: testr.New(t), MaxBackoff: time.Second,
		Quota: &agent.QuotaWebhook{BindAddress: hookAddr, ClientConfig: quotawebhook.ReferencesURL("https://localhost:" + port),
			FailurePolicy: admissionregistrationv1.Fail, Member: memberSet}}
	ag := startAgent(t, a)
	t.Cleanup(func() {
		// Other tests write in the member's workspace namespaces.
		_ = memberSet.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), quotawebhook.ConfigurationName, metav1.DeleteOptions{})
		api.Do(t, http.MethodDelete, prefix+"/clusters/quota-edge", admin, nil)
	})
	ready(t, "quota-edge", metav1.ConditionTrue, 30*time.Second)
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := memberSet.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, quotawebhook.ConfigurationName, metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		t.Fatal("the agent did not register the member's quota webhook")
	}

	// Workspace wq on the host and the member, a project on each, and a
	// quota of 4 CPUs over both.
	create(t, k8s, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wq"},
		Spec: tenantv1beta1.WorkspaceSpec{Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}, {Name: "quota-edge"}}}})
	create(t, k8s, project("wq-home", "wq"))
	create(t, memberClient, project("wq-far", "wq"))
	create(t, k8s, &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "wq"},
		Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "wq", Hard: corev1.ResourceList{corev1.ResourceRequestsCPU: apiresource.MustParse("4")}}})

	// One CPU on the host, two on the member (straight at its
	// kube-apiserver, as kubectl with a member kubeconfig would).
	create(t, k8s, cpuPod("wq-home", "h1"))
	create(t, memberClient, cpuPod("wq-far", "m1"), cpuPod("wq-far", "m2"))

	// The status counts both clusters, each project with its cluster.
	q := &quotav1alpha2.ResourceQuota{}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := k8s.Get(ctx, client.ObjectKey{Name: "wq"}, q); err != nil {
			return false, err
		}
		used := q.Status.Used[corev1.ResourceRequestsCPU]
		return used.Cmp(apiresource.MustParse("3")) == 0 && len(q.Status.Pending) == 0 && len(q.Status.Namespaces) == 2, nil
	}); err != nil {
		t.Fatalf("the quota's status does not count the member: %+v", q.Status)
	}
	far := q.Status.Namespaces[1]
	if q.Status.Namespaces[0].Cluster != "" || far.Cluster != "quota-edge" || far.Namespace != "wq-far" || far.Used.Name(corev1.ResourceRequestsCPU, apiresource.DecimalSI).Cmp(apiresource.MustParse("2")) != 0 {
		t.Fatalf("usage per project: %+v", q.Status.Namespaces)
	}
	t.Logf("usage per project: %+v", q.Status.Namespaces)

	// One CPU is left across both clusters: of 3 creates on each cluster at
	// once, exactly one is admitted, and the refusals name the quota.
	var mu sync.Mutex
	var admitted int
	var refusals []string
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			c, ns := k8s, "wq-home"
			if i%2 == 1 {
				c, ns = memberClient, "wq-far"
			}
			err := c.Create(ctx, cpuPod(ns, fmt.Sprintf("race-%d", i)))
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				admitted++
			} else {
				refusals = append(refusals, err.Error())
			}
		})
	}
	wg.Wait()
	if admitted != 1 {
		t.Fatalf("%d of 6 creates admitted with one CPU left; refusals: %q", admitted, refusals)
	}
	for _, msg := range refusals {
		// A create being counted may count twice for a moment (never zero
		// times), so the usage said may be above 4.
		if !strings.Contains(msg, `exceeded workspace quota "wq" of workspace wq`) || !strings.Contains(msg, "of 4 (0 left)") {
			t.Fatalf("a refusal does not say why: %s", msg)
		}
	}
	t.Logf("a member's refusal: %s", refusals[0])

	// A pod deleted on the member makes room on the host.
	if err := memberClient.Delete(ctx, cpuPod("wq-far", "m1")); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return k8s.Create(ctx, cpuPod("wq-home", "h2")) == nil, nil
	}); err != nil {
		t.Fatal("the room a member pod freed was not given on the host")
	}

	// Only ke-apiserver, with the multicluster token, may say which member
	// a review is for; only an agent with its credential may relay one.
	r = api.Do(t, http.MethodPost, quotarelay.Path, "", nil)
	platform.ExpectStatus(t, r, http.StatusBadRequest)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, hostURL+quotarelay.Path, strings.NewReader("{}"))
	req.Header.Set(tunnel.ClusterHeader, "quota-edge")
	req.Header.Set("Authorization", "Bearer not-the-credential")
	res, err := api.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a relay with a wrong credential answered %d", res.StatusCode)
	}

	// The agent stops: the member cannot ask the host, and the failure
	// policy Fail refuses creates in the workspace's projects there.
	if err := ag.stop(); err != nil {
		t.Fatal(err)
	}
	err = memberClient.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "wq-far", Name: "while-down"}})
	if err == nil || !strings.Contains(err.Error(), quotawebhook.Name) {
		t.Fatalf("a create on the member while its agent is down: %v", err)
	}
	// Other namespaces never wait for it.
	create(t, memberClient, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "quota-unrelated"}})
}

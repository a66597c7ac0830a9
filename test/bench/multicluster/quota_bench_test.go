//go:build bench

package multicluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	"github.com/superkube/super-kubenetes/internal/oauth"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// BenchmarkMemberQuota is what a workspace quota costs a create on a member
// cluster joined through an agent: the member's kube-apiserver asks the
// agent's webhook, which relays the review through ke-apiserver to the
// host's quota webhook. It times config map creates straight at the
// member's kube-apiserver in a namespace of no workspace (no webhook) and
// in the workspace's project (the relay), and, for comparison, in the
// workspace's project on the host (the host's webhook, called directly).
func BenchmarkMemberQuota(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := b.TempDir()
	host, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer host.Stop()
	member, err := envtest.Start(envtest.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer member.Stop()
	k8s, err := client.New(host.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	apiServer, err := platform.Listen(dir)
	if err != nil {
		b.Fatal(err)
	}
	tokenFile := filepath.Join(dir, "multicluster-token")
	if err := os.WriteFile(tokenFile, []byte("bench-multicluster-token-of-at-least-32-characters"), 0o600); err != nil {
		b.Fatal(err)
	}
	hostHook, err := loopback.FreeAddress()
	if err != nil {
		b.Fatal(err)
	}
	if err := platform.StartControllers(ctx, host.Config, func(c *cmapp.Config) {
		c.Multicluster = cmapp.Multicluster{APIServerURL: apiServer.URL, APIServerCAFile: apiServer.CertFile, TokenFile: tokenFile}
		_, port, _ := net.SplitHostPort(hostHook)
		w := &c.Quota.Webhook
		w.BindAddress, w.URL, w.CertDir = hostHook, "https://localhost:"+port, filepath.Join(dir, "quota-webhook")
	}); err != nil {
		b.Fatal(err)
	}
	cfg := apiServer.Config(host.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: "console", Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Multicluster.ControllerTokenFile = tokenFile
	_, stop, err := apiServer.Start(ctx, cfg, host.Config)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		b.Fatal(err)
	}
	api := &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: "console", Password: password}
	admin := api.Admin(b)

	// The member joins through an agent that serves its quota webhook.
	r := api.DoJSON(b, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "edge", "connection": "Agent"})
	if r.Code != http.StatusCreated {
		b.Fatalf("joining: %d %s", r.Code, r.Body)
	}
	jt, _ := r.JSON["joinToken"].(map[string]any)
	token, _ := jt["token"].(string)
	ca, _ := os.ReadFile(apiServer.CertFile)
	kc, err := member.AdminKubeconfig()
	if err != nil {
		b.Fatal(err)
	}
	memberSet, err := kubernetes.NewForConfig(member.Config)
	if err != nil {
		b.Fatal(err)
	}
	memberHook, err := loopback.FreeAddress()
	if err != nil {
		b.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(memberHook)
	a := &agent.Agent{HostURL: apiServer.URL, HostCA: ca, Cluster: "edge", JoinToken: token,
		CredentialFile: filepath.Join(dir, "credential"), Kubeconfig: kc, Log: logr.Discard(),
		Quota: &agent.QuotaWebhook{BindAddress: memberHook, ClientConfig: quotawebhook.ReferencesURL("https://localhost:" + port),
			FailurePolicy: admissionregistrationv1.Fail, Member: memberSet}}
	go func() { _ = a.Run(ctx) }()
	waitReady(b, k8s, "edge")

	// A workspace on both clusters, a project on each, a quota on config
	// maps with room for every create, and a namespace of no workspace.
	mc, err := client.New(member.Config, client.Options{Scheme: scheme.New()})
	if err != nil {
		b.Fatal(err)
	}
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "bench"}
	for _, step := range []struct {
		c   client.Client
		obj client.Object
	}{
		{k8s, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "bench"},
			Spec: tenantv1beta1.WorkspaceSpec{Clusters: []tenantv1beta1.ClusterRef{{Name: "host"}, {Name: "edge"}}}}},
		{k8s, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench-home", Labels: ws}}},
		{mc, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench-far", Labels: ws}}},
		{mc, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "no-workspace"}}},
		{k8s, &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "bench"},
			Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "bench", Hard: corev1.ResourceList{"count/configmaps": resource.MustParse("100000")}}}},
	} {
		if err := step.c.Create(ctx, step.obj); err != nil {
			b.Fatal(err)
		}
	}
	// Both webhooks registered: the member's by the agent, the host's (with
	// its CA) by ke-controller-manager.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if _, err := memberSet.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, quotawebhook.ConfigurationName, metav1.GetOptions{}); err != nil {
			return false, nil //nolint:nilerr // not yet
		}
		vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: quotawebhook.ConfigurationName}, vwc); err != nil {
			return false, nil //nolint:nilerr // not yet
		}
		return len(vwc.Webhooks) == 1 && len(vwc.Webhooks[0].ClientConfig.CABundle) > 0, nil
	}); err != nil {
		b.Fatal("the quota webhooks were not registered")
	}
	n := 0
	create := func(c client.Client, ns string) time.Duration {
		n++
		start := time.Now()
		if err := c.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cm-" + strconv.Itoa(n)}}); err != nil {
			b.Fatalf("creating a config map in %s: %v", ns, err)
		}
		return time.Since(start)
	}
	// Warm up every path (the first member review starts the host's cache
	// of the member).
	for range 10 {
		create(mc, "no-workspace")
		create(mc, "bench-far")
		create(k8s, "bench-home")
	}
	var none, relayed, onHost []time.Duration
	for range rounds {
		none = append(none, create(mc, "no-workspace"))
		relayed = append(relayed, create(mc, "bench-far"))
		onHost = append(onHost, create(k8s, "bench-home"))
	}
	q := &quotav1alpha2.ResourceQuota{}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := k8s.Get(ctx, client.ObjectKey{Name: "bench"}, q); err != nil {
			return false, err
		}
		used := q.Status.Used["count/configmaps"]
		return len(q.Status.Pending) == 0 && used.Value() >= int64(2*(rounds+10)), nil
	}); err != nil {
		b.Fatalf("the quota did not count both clusters' creates: %+v", q.Status.Used)
	}
	fmt.Fprintf(os.Stdout, "\nConfig map creates, %d rounds of each, alternating (the quota counts %s config maps on both clusters):\n", rounds, q.Status.Used.Name("count/configmaps", resource.DecimalSI))
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{
		{"member, namespace of no workspace (no webhook)", none},
		{"member, the workspace's project (agent -> ke-apiserver -> host webhook)", relayed},
		{"host, the workspace's project (the host's webhook)", onHost},
	} {
		p50, p95 := percentiles(row.d)
		fmt.Fprintf(os.Stdout, "  %-74s p50 %-8s p95 %s\n", row.name, p50.Round(10*time.Microsecond), p95.Round(10*time.Microsecond))
	}
	rp50, _ := percentiles(relayed)
	np50, _ := percentiles(none)
	b.ReportMetric(float64(rp50-np50)/float64(time.Millisecond), "relay-ms-p50")
}

//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"

	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/helmtest"
	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
)

// chartRelease is the release the test installs; its objects are named
// super-kubenetes-<component>.
const (
	chartRelease   = "super-kubenetes"
	chartNamespace = "superkube-system"
)

// TestTheChartRunsThePlatformWithItsOwnIdentities installs the chart on the
// local cluster and runs ke-controller-manager, ke-apiserver and ke-console
// on this machine as the chart's pods would run (hostPod): with their
// ServiceAccounts' tokens, the configuration the chart rendered and the
// chart's arguments. Nothing is bound to them but what the chart binds, so a
// permission the chart forgot is a 403 in the flow or a refusal in a
// component's log, which fails the test. The flow is the API's acceptance
// flow: the first login, a user, a workspace, a project, a member, a
// Deployment of that member and its pod's logs, all through ke-apiserver.
//
// What a host cannot give: ke-dev starts the cluster without the platform
// (an empty --platform-bin-dir) and without its Redis, so the test runs a
// Redis and gives the chart its URL (redis.url, as for an external one); the
// Services' cluster IPs are not routed on this machine, so ke-apiserver's
// admission webhook registration is pointed at ke-apiserver's port on
// localhost (its certificate, which the chart made, names localhost, the
// issuer's host) and the quota webhook, which the controller manager
// registers for its Service, fails open here (failurePolicy Ignore) after
// a short timeout.
func TestTheChartRunsThePlatformWithItsOwnIdentities(t *testing.T) {
	d := newDevCluster(t)
	d.extra = []string{"--platform-bin-dir", t.TempDir(), "--no-logs", "--no-prometheus", "--no-alerting", "--chart-repo-port=0", "--webhook-sink-port=0"}
	d.up()
	t.Cleanup(func() { d.stop() })
	ctx := context.Background()

	kubeconfig := filepath.Join(d.dataDir, "kubeconfig")
	admin, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(admin)
	store := redisserver.StartT(t)
	ports := freePorts(t, 6)
	apiPort, consolePort := ports[0], ports[1]
	issuer := "https://localhost:" + strconv.Itoa(apiPort)

	// helm install, as an administrator would, with the values a cluster
	// whose Redis and addresses are these needs.
	vals := map[string]any{
		"apiserver": map[string]any{
			"replicas": 1, "issuer": issuer, "port": apiPort,
			"kubernetes": map[string]any{"externalURL": admin.Host},
		},
		"controllerManager": map[string]any{
			"replicas": 1, "healthPort": ports[2],
			"metrics":      map[string]any{"port": ports[3]},
			"stateMetrics": map[string]any{"port": ports[4]},
			"quotaWebhook": map[string]any{"port": ports[5], "failurePolicy": "Ignore", "timeoutSeconds": 2},
		},
		"console": map[string]any{
			"replicas": 1, "port": consolePort, "publicURL": "https://localhost:" + strconv.Itoa(consolePort),
			"apiserver": map[string]any{"url": issuer},
		},
		"redis":   map[string]any{"url": store.URL(0)},
		"logging": map[string]any{"deploy": map[string]any{"enabled": false}},
	}
	ns := chartNamespace
	ch, cfg := helmtest.Chart(t), helmtest.Configuration(t, kubeconfig, ns)
	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace = chartRelease, ns
	install.WaitStrategy = kube.HookOnlyStrategy // KWOK's pods run nothing: the test runs the components
	begin := time.Now()
	if _, err := install.Run(ch, vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	t.Logf("FIGURE chart install: %.1f s", time.Since(begin).Seconds())

	// kube-apiserver cannot reach a Service's cluster IP here: ke-apiserver's
	// webhooks are called at its port on localhost instead, with the CA the
	// chart put in the registration.
	vwc, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, chartRelease+"-apiserver", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the chart registers ke-apiserver's webhook: %v", err)
	}
	for i := range vwc.Webhooks {
		cc := &vwc.Webhooks[i].ClientConfig
		if cc.Service == nil || cc.Service.Path == nil || len(cc.CABundle) == 0 {
			t.Fatalf("webhook %s: want a Service with a path and a CA, got %+v", vwc.Webhooks[i].Name, cc)
		}
		u := issuer + *cc.Service.Path
		cc.Service, cc.URL = nil, &u
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, vwc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	binDir := filepath.Join(d.root, "bin")
	var pods []*hostPod
	for _, component := range []string{"controller-manager", "apiserver", "console"} {
		dep, err := cs.AppsV1().Deployments(ns).Get(ctx, chartRelease+"-"+component, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the chart's %s Deployment: %v", component, err)
		}
		begin := time.Now()
		pods = append(pods, startHostPod(t, cs, admin, binDir, ns, dep.Name, dep.Spec.Template.Spec))
		t.Logf("FIGURE %s ready with the chart's identity and configuration: %.1f s", component, time.Since(begin).Seconds())
	}

	a := chartAPI(t, cs, issuer)
	chartAcceptanceFlow(t, cs, a)

	// The chart's own ServiceAccounts were never refused anything.
	for _, p := range pods {
		dep, err := cs.AppsV1().Deployments(ns).Get(ctx, p.name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		sa := "system:serviceaccount:" + ns + ":" + dep.Spec.Template.Spec.ServiceAccountName
		if lines := p.refusals(sa); len(lines) > 0 {
			t.Errorf("kube-apiserver refused %s (a permission the chart does not give):\n%s", sa, strings.Join(lines, "\n"))
		}
	}
	if t.Failed() {
		return
	}

	t.Run("helm uninstall leaves nothing Terminating", func(t *testing.T) {
		uninstallWithTheHook(t, d, cs, admin, cfg, binDir, pods)
	})
}

// uninstallWithTheHook runs helm uninstall while the platform runs, with
// its pre-delete hook run here as a kubelet would run the Job's pod (KWOK
// completes a Job's pods without running anything): the hook's
// ServiceAccount and RBAC are created from the release, its container runs
// with that ServiceAccount's token, and a component whose Deployment the
// hook scales to zero is stopped, as the kubelet would stop its pod. Then
// Helm removes the release (its hooks off: they ran), and the documented
// removal of everything, taken from docs/install.md, runs with kubectl.
func uninstallWithTheHook(t *testing.T, d *devCluster, cs kubernetes.Interface, admin *rest.Config, cfg *action.Configuration, binDir string, pods []*hostPod) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl, err := client.New(admin, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	// The kubelet's part: a Deployment at zero replicas has no process.
	for _, p := range pods {
		go func() {
			for ctx.Err() == nil {
				dep, err := cs.AppsV1().Deployments(chartNamespace).Get(ctx, p.name, metav1.GetOptions{})
				if apierrors.IsNotFound(err) || err == nil && dep.Spec.Replicas != nil && *dep.Spec.Replicas == 0 {
					p.stop()
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}

	// The running controllers put their finalizers on the user and the
	// workspace of the flow: the hook must take them off.
	platformObjects := []client.Object{&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "chart-dev"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "chart-ws"}}}
	for _, o := range platformObjects {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(o.GetFinalizers(), func(f string) bool { return strings.Contains(f, "superkube.io") }) {
			t.Fatalf("%T %s has no finalizer of the platform before the uninstall: %v", o, o.GetName(), o.GetFinalizers())
		}
	}

	r, err := action.NewGet(cfg).Run(chartRelease)
	if err != nil {
		t.Fatal(err)
	}
	rel := r.(*release.Release)
	var job *batchv1.Job
	var hookObjects []*unstructured.Unstructured
	for _, hk := range rel.Hooks {
		if !slices.Contains(hk.Events, release.HookPreDelete) {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(hk.Manifest), &u.Object); err != nil {
			t.Fatal(err)
		}
		hookObjects = append(hookObjects, u)
		if u.GetKind() == "Job" {
			job = &batchv1.Job{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, job); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := cl.Create(ctx, u.DeepCopy()); err != nil {
			t.Fatalf("the hook's %s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
	if job == nil {
		t.Fatal("the release has no pre-delete Job")
	}
	begin := time.Now()
	hook := startHostPodOf(t, cs, admin, filepath.Join(binDir, "ke-controller-manager"), chartNamespace, job.Name, job.Spec.Template.Spec)
	if err := hook.wait(3 * time.Minute); err != nil {
		t.Fatalf("the pre-delete hook failed (%v):\n%s", err, hook.tail(40))
	}
	t.Logf("FIGURE uninstall hook (components stopped, webhooks deregistered, finalizers removed): %.1f s", time.Since(begin).Seconds())
	// The components the hook stops are gone (any end will do).
	stopped := func(when string, pods ...*hostPod) {
		for _, p := range pods {
			if err := p.wait(30 * time.Second); err != nil && strings.Contains(err.Error(), "did not end") {
				t.Errorf("%s still runs %s", p.name, when)
			}
		}
	}
	for _, p := range pods {
		if !strings.HasSuffix(p.name, "-console") {
			stopped("after the hook", p)
		}
	}
	for _, o := range hookObjects {
		if o.GetKind() != "Job" {
			if err := cl.Delete(ctx, o); err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
		}
	}
	u := action.NewUninstall(cfg)
	u.DisableHooks, u.WaitStrategy = true, kube.HookOnlyStrategy
	if _, err := u.Run(chartRelease); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	stopped("after helm uninstall", pods...)

	// The controllers' finalizers are gone from the objects they were on,
	// which stay (they are the users' data).
	for _, o := range platformObjects {
		if err := cl.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
			t.Fatalf("%T %s after the uninstall: %v", o, o.GetName(), err)
		}
		for _, f := range o.GetFinalizers() {
			if strings.Contains(f, "superkube.io") {
				t.Errorf("%T %s keeps the finalizer %s", o, o.GetName(), f)
			}
		}
	}
	// Nothing the release rendered is left, and neither is the quota
	// webhook the controller manager registered: nothing calls a webhook
	// that is gone.
	quota := &unstructured.Unstructured{}
	quota.SetAPIVersion("admissionregistration.k8s.io/v1")
	quota.SetKind("ValidatingWebhookConfiguration")
	quota.SetName("superkube-quota")
	rendered := []*unstructured.Unstructured{quota}
	for doc := range strings.SplitSeq(rel.Manifest, "\n---") {
		o := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &o.Object); err != nil {
			t.Fatal(err)
		}
		if len(o.Object) > 0 {
			rendered = append(rendered, o)
		}
	}
	var left []string
	for _, o := range rendered {
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(o.GroupVersionKind())
		if err := cl.Get(ctx, client.ObjectKey{Namespace: o.GetNamespace(), Name: o.GetName()}, m); !apierrors.IsNotFound(err) {
			left = append(left, fmt.Sprintf("%s %s (%v)", o.GetKind(), o.GetName(), err))
		}
	}
	if len(left) > 0 {
		t.Errorf("left after helm uninstall: %v", left)
	}

	// The documented removal of everything, as docs/install.md gives it.
	doc, err := os.ReadFile(filepath.Join(d.root, "docs", "install.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "### Removing everything")
	script, _, ok2 := strings.Cut(after, "```\n\n")
	_, script, ok3 := strings.Cut(script, "```sh\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal("docs/install.md has no script under \"Removing everything\"")
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(d.dataDir, "kubeconfig"), "PATH="+os.Getenv("K8S_BIN_DIR")+":"+os.Getenv("PATH"))
	begin = time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the documented removal: %v\n%s", err, out)
	}
	var stuck []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		stuck = stuck[:0]
		nsl, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range nsl.Items {
			if n.Status.Phase == corev1.NamespaceTerminating || n.Labels["superkube.io/workspace"] != "" {
				stuck = append(stuck, "namespace "+n.Name+" ("+string(n.Status.Phase)+")")
			}
		}
		var crds apiextensionsv1.CustomResourceDefinitionList
		if err := cl.List(ctx, &crds); err != nil {
			t.Fatal(err)
		}
		for _, c := range crds.Items {
			if strings.HasSuffix(c.Spec.Group, "superkube.io") {
				stuck = append(stuck, "crd "+c.Name)
			}
		}
		if len(stuck) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("2 minutes after the documented removal, still there: %v", stuck)
		}
		time.Sleep(time.Second)
	}
	t.Logf("FIGURE documented removal until no project, no CRD and no namespace in Terminating is left: %.1f s", time.Since(begin).Seconds())
}

// chartAPI is a client of the chart's ke-apiserver, trusting the CA the
// chart made and logging in as ke-console with the client secret the chart
// generated.
func chartAPI(t *testing.T, cs kubernetes.Interface, issuer string) *apiClient {
	t.Helper()
	ctx := context.Background()
	tlsSecret, err := cs.CoreV1().Secrets(chartNamespace).Get(ctx, chartRelease+"-apiserver-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(tlsSecret.Data["ca.crt"]) {
		t.Fatalf("the chart's TLS Secret of ke-apiserver has no ca.crt")
	}
	client, err := cs.CoreV1().Secrets(chartNamespace).Get(ctx, chartRelease+"-console-client", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, url: issuer, secret: string(client.Data["client-secret"]),
		http: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}}
}

// send makes one call with a bearer token and returns the code and body.
func (a *apiClient) send(method, path, tok string, body any) (int, []byte) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, a.url+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// must fails unless the call answers want.
func (a *apiClient) must(want int, method, path, tok string, body any) []byte {
	a.t.Helper()
	code, data := a.send(method, path, tok, body)
	if code != want {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, data)
	}
	return data
}

// chartAcceptanceFlow is the API's acceptance flow, through the chart's
// ke-apiserver.
func chartAcceptanceFlow(t *testing.T, cs kubernetes.Interface, a *apiClient) {
	ctx := context.Background()
	const iam, tenant = "/kapis/iam.superkube.io/v1beta1", "/kapis/tenant.superkube.io/v1beta1"

	// The first login: the controller manager made the administrator and
	// its initial password.
	var initial string
	waitFor(t, "the initial administrator", func() bool {
		s, err := cs.CoreV1().Secrets(chartNamespace).Get(ctx, bootstrap.AdminPasswordSecret, metav1.GetOptions{})
		if err == nil {
			initial = string(s.Data["password"])
		}
		return initial != ""
	})
	var tok string
	waitFor(t, "the administrator logs in", func() bool {
		var code int
		tok, code = a.tryLogin("admin", initial)
		return code == http.StatusOK
	})
	a.must(http.StatusOK, http.MethodPut, iam+"/users/admin/password", tok, map[string]string{"currentPassword": initial, "password": "Chart-Passw0rd-R00t!"})
	tok = a.login("admin", "Chart-Passw0rd-R00t!")

	// A workspace manager and a project member.
	for _, u := range []string{"chart-lead", "chart-dev"} {
		a.must(http.StatusCreated, http.MethodPost, iam+"/users", tok, map[string]any{
			"metadata": map[string]string{"name": u}, "spec": map[string]string{"email": u + "@example.com", "password": "S3cure-Chart-Pass-" + strconv.Itoa(len(u))}})
	}
	a.must(http.StatusCreated, http.MethodPost, tenant+"/workspaces", tok, map[string]any{
		"metadata": map[string]string{"name": "chart-ws"}, "spec": map[string]string{"manager": "chart-lead"}})
	var lead string
	waitFor(t, "the new user logs in", func() bool {
		var code int
		lead, code = a.tryLogin("chart-lead", "S3cure-Chart-Pass-10")
		return code == http.StatusOK
	})
	waitFor(t, "the workspace manager creates a project", func() bool {
		code, _ := a.send(http.MethodPost, tenant+"/workspaces/chart-ws/namespaces", lead, map[string]any{"metadata": map[string]string{"name": "chart-web"}})
		return code == http.StatusCreated || code == http.StatusConflict
	})
	a.must(http.StatusCreated, http.MethodPost, iam+"/namespaces/chart-web/members", lead, map[string]string{"username": "chart-dev", "role": builtin.ProjectOperator})
	dev := a.login("chart-dev", "S3cure-Chart-Pass-9")

	// The member deploys through ke-apiserver's proxy, and reads the logs.
	dep := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
	}
	labels := map[string]string{"app": "web"}
	dep.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels}
	dep.Spec.Template.Labels = labels
	dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "web", Image: "nginx"}}
	waitFor(t, "the project member creates a Deployment", func() bool {
		code, _ := a.send(http.MethodPost, "/apis/apps/v1/namespaces/chart-web/deployments", dev, dep)
		return code == http.StatusCreated || code == http.StatusConflict
	})
	var pod string
	waitFor(t, "the Deployment's pod runs", func() bool {
		var list struct {
			Items []struct {
				Metadata struct{ Name string }
				Status   struct{ Phase string }
			}
		}
		code, data := a.send(http.MethodGet, "/api/v1/namespaces/chart-web/pods?labelSelector="+url.QueryEscape("app=web"), dev, nil)
		if code != http.StatusOK || json.Unmarshal(data, &list) != nil {
			return false
		}
		for _, p := range list.Items {
			if p.Status.Phase == "Running" {
				pod = p.Metadata.Name
			}
		}
		return pod != ""
	})
	waitFor(t, "the member reads the pod's logs", func() bool {
		code, data := a.send(http.MethodGet, "/api/v1/namespaces/chart-web/pods/"+pod+"/log", dev, nil)
		return code == http.StatusOK && strings.Contains(string(data), "simulated by ke-dev")
	})
	// And may not act elsewhere.
	if code, _ := a.send(http.MethodGet, "/api/v1/namespaces/"+chartNamespace+"/secrets", dev, nil); code != http.StatusForbidden {
		t.Errorf("the member lists the platform's Secrets: %d", code)
	}
}

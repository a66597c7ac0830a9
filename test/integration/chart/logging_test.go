package chart

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
)

// apiserverConfig is the configuration the chart gives ke-apiserver, which
// it must accept.
func (h *helm) apiserverConfig() app.Config {
	h.t.Helper()
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("apiserver")}, cm); err != nil {
		h.t.Fatal(err)
	}
	cfg := app.DefaultConfig()
	if err := yaml.UnmarshalStrict([]byte(cm.Data["config.yaml"]), &cfg); err != nil {
		h.t.Fatalf("ke-apiserver's configuration: %v", err)
	}
	if errs := cfg.Validate(); len(errs) > 0 {
		h.t.Errorf("ke-apiserver refuses the configuration: %v", errs)
	}
	return cfg
}

func (h *helm) daemonSet(name string) (*appsv1.DaemonSet, error) {
	d := &appsv1.DaemonSet{}
	err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: name}, d)
	return d, err
}

// may reports whether a ServiceAccount of the release may do verb on
// resource, cluster-wide when namespace is empty.
func (h *helm) may(serviceAccount, verb, resource, namespace string) bool {
	h.t.Helper()
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               "system:serviceaccount:" + h.namespace + ":" + serviceAccount,
		Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:" + h.namespace, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Resource: resource, Namespace: namespace}}}
	if err := env.Client.Create(context.Background(), sar); err != nil {
		h.t.Fatal(err)
	}
	return sar.Status.Allowed
}

// hostPathMount returns the host path behind a container's mount at path,
// and whether the mount is read-only.
func hostPathMount(pod corev1.PodSpec, c corev1.Container, path string) (hostPath string, readOnly bool) {
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.HostPath != nil {
				return v.HostPath.Path, m.ReadOnly
			}
		}
	}
	return "", false
}

func TestTheChartDeploysTheLogStoreAndAnAgentOnEveryNode(t *testing.T) {
	h := newHelm(t, "sk-logging", "skl")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	store := h.name("victoria-logs")
	storeURL := "http://" + store + ".sk-logging.svc:9428"

	// ke-apiserver searches, and ke-controller-manager writes events to,
	// the store the chart deploys.
	if got := h.apiserverConfig().Logging.VictoriaLogsURL; got != storeURL {
		t.Errorf("ke-apiserver searches %q, want the chart's store %s", got, storeURL)
	}
	if got := h.controllerManagerConfig().Events.VictoriaLogsURL; got != storeURL {
		t.Errorf("ke-controller-manager writes events to %q, want the chart's store %s", got, storeURL)
	}
	if r := h.controllerManagerConfig().LogRetention; r.ContainerLogs.Duration != 7*24*time.Hour || r.Events.Duration != 30*24*time.Hour ||
		r.Audit.Duration != 90*24*time.Hour || r.Interval.Duration != time.Hour {
		t.Errorf("ke-controller-manager keeps records for %+v, want a week of logs, 30 days of events, 90 of audit", r)
	}

	// VictoriaLogs: one replica on a claim, the flags the platform needs,
	// restricted like the chart's other pods.
	sts, err := h.statefulSet(store)
	if err != nil {
		t.Fatalf("no VictoriaLogs StatefulSet: %v", err)
	}
	pod := sts.Spec.Template.Spec
	c := pod.Containers[0]
	if *sts.Spec.Replicas != 1 || c.Image != "docker.io/victoriametrics/victoria-logs:v1.52.2" {
		t.Errorf("VictoriaLogs: %d replicas of %s", *sts.Spec.Replicas, c.Image)
	}
	for _, flag := range []string{
		"-storageDataPath=/data",
		"-httpListenAddr=:9428",
		"-retentionPeriod=90d",
		"-delete.enable",
		"-retention.maxDiskSpaceUsageBytes=18GiB",
		// The scope of a search names each namespace of the caller.
		"-search.maxQueryLen=" + strconv.Itoa(logsql.MaxQueryLen),
	} {
		if !slices.Contains(c.Args, flag) {
			t.Errorf("VictoriaLogs runs without %s: %v", flag, c.Args)
		}
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "data" && m.MountPath == "/data" }) {
		t.Errorf("the claim is not mounted at /data: %+v", c.VolumeMounts)
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 || sts.Spec.VolumeClaimTemplates[0].Name != "data" ||
		sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String() != "20Gi" {
		t.Errorf("VictoriaLogs keeps its data on %+v, want a 20Gi claim named data", sts.Spec.VolumeClaimTemplates)
	}
	for name, p := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/health" || p.HTTPGet.Port.String() != "http" {
			t.Errorf("VictoriaLogs' %s probe is %+v, want GET /health", name, p)
		}
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem ||
		c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation ||
		pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("VictoriaLogs does not run as the chart's other containers do (non-root, read-only root filesystem)")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("VictoriaLogs needs no Kubernetes token, but one is mounted")
	}
	svc := &corev1.Service{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: store}, svc); err != nil {
		t.Fatalf("no VictoriaLogs Service: %v", err)
	}
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 9428 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("the VictoriaLogs Service is %s with ports %+v, want ClusterIP on 9428", svc.Spec.Type, svc.Spec.Ports)
	}
	if !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(sts.Spec.Template.Labels)) {
		t.Errorf("the Service selects %v, not the store's pod %v", svc.Spec.Selector, sts.Spec.Template.Labels)
	}

	// vlagent on every node, sending to that store.
	agent := h.name("vlagent")
	ds, err := h.daemonSet(agent)
	if err != nil {
		t.Fatalf("no vlagent DaemonSet: %v", err)
	}
	pod = ds.Spec.Template.Spec
	c = pod.Containers[0]
	if c.Image != "docker.io/victoriametrics/vlagent:v1.52.2" {
		t.Errorf("vlagent's image is %s", c.Image)
	}
	for _, flag := range []string{
		"-kubernetesCollector",
		"-kubernetesCollector.logsPath=/var/log/containers",
		"-remoteWrite.url=" + storeURL + "/insert/native",
		"-tmpDataPath=/var/lib/vlagent",
	} {
		if !slices.Contains(c.Args, flag) {
			t.Errorf("vlagent runs without %s: %v", flag, c.Args)
		}
	}
	for _, path := range []string{"/var/log/pods", "/var/log/containers"} {
		if host, ro := hostPathMount(pod, c, path); host != path || !ro {
			t.Errorf("vlagent mounts %q at %s (read-only %v), want the host's %s read-only", host, path, ro, path)
		}
	}
	if host, ro := hostPathMount(pod, c, "/var/lib/vlagent"); host != "/var/lib/super-kubenetes/vlagent" || ro {
		t.Errorf("vlagent keeps its offsets and buffer in %q (read-only %v), want the host's /var/lib/super-kubenetes/vlagent", host, ro)
	}
	if !slices.ContainsFunc(pod.Tolerations, func(t corev1.Toleration) bool { return t.Operator == corev1.TolerationOpExists && t.Key == "" }) {
		t.Errorf("vlagent does not tolerate every taint, so some nodes' logs are not read: %+v", pod.Tolerations)
	}
	if pod.HostNetwork {
		t.Error("vlagent runs in the host's network: its host name is then the node's, and it cannot find its own pod")
	}
	// Root, to read root's log files, and nothing more.
	sc := c.SecurityContext
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 ||
		(sc.Privileged != nil && *sc.Privileged) {
		t.Errorf("vlagent's container is not restricted: %+v", sc)
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser != 0 {
		t.Errorf("vlagent does not run as root, the owner of the log files: %+v", pod.SecurityContext)
	}
	if pod.ServiceAccountName != agent || pod.AutomountServiceAccountToken == nil || !*pod.AutomountServiceAccountToken {
		t.Errorf("vlagent runs as %q (token %v), want its ServiceAccount with a token", pod.ServiceAccountName, pod.AutomountServiceAccountToken)
	}

	// It reads pods, nodes and namespaces everywhere, and nothing else.
	for _, resource := range []string{"pods", "nodes", "namespaces"} {
		for _, verb := range []string{"get", "list", "watch"} {
			if !h.may(agent, verb, resource, "") {
				t.Errorf("vlagent may not %s %s", verb, resource)
			}
		}
	}
	for _, denied := range []struct{ verb, resource string }{
		{"get", "secrets"}, {"list", "configmaps"}, {"create", "pods"}, {"delete", "pods"}, {"update", "nodes"}, {"patch", "namespaces"},
	} {
		if h.may(agent, denied.verb, denied.resource, "") || h.may(agent, denied.verb, denied.resource, "default") {
			t.Errorf("vlagent may %s %s", denied.verb, denied.resource)
		}
	}

	// Without the agent (the cluster ships its own logs) the store stays
	// and the agent goes with its RBAC.
	if err := h.upgrade(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"},
		"logging": map[string]any{"agent": map[string]any{"enabled": false}}}); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if _, err := h.daemonSet(agent); !apierrors.IsNotFound(err) {
		t.Errorf("logging.agent.enabled=false keeps the DaemonSet (err %v)", err)
	}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Name: agent}, &rbacv1.ClusterRole{}); !apierrors.IsNotFound(err) {
		t.Errorf("logging.agent.enabled=false keeps the ClusterRole (err %v)", err)
	}
	if _, err := h.statefulSet(store); err != nil {
		t.Errorf("logging.agent.enabled=false removed the store: %v", err)
	}
	if got := h.apiserverConfig().Logging.VictoriaLogsURL; got != storeURL {
		t.Errorf("without the agent ke-apiserver searches %q, want the chart's store", got)
	}
}

func TestTheChartUsesAnExternalLogStoreAndDeploysNone(t *testing.T) {
	h := newHelm(t, "sk-logging-external", "skx")
	const external = "http://victoria-logs.logging.svc:9428"
	vals := map[string]any{
		"apiserver":         map[string]any{"issuer": "https://ke.example.com", "logging": map[string]any{"victoriaLogsURL": external}},
		"controllerManager": map[string]any{"events": map[string]any{"victoriaLogsURL": external}},
		"logging": map[string]any{"deploy": map[string]any{"enabled": false},
			"retention": map[string]any{"containerLogs": "48h", "events": "336h", "audit": "0", "interval": "30m"}},
	}
	if err := h.install(vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	deploysNone := func() {
		t.Helper()
		if _, err := h.statefulSet(h.name("victoria-logs")); !apierrors.IsNotFound(err) {
			t.Errorf("logging.deploy.enabled=false deploys a VictoriaLogs StatefulSet (err %v)", err)
		}
		if h.serviceExists(h.name("victoria-logs")) {
			t.Error("logging.deploy.enabled=false deploys a VictoriaLogs Service")
		}
		if _, err := h.daemonSet(h.name("vlagent")); !apierrors.IsNotFound(err) {
			t.Errorf("logging.deploy.enabled=false deploys the vlagent DaemonSet (err %v)", err)
		}
		if err := env.Client.Get(context.Background(), types.NamespacedName{Name: h.name("vlagent")}, &rbacv1.ClusterRole{}); !apierrors.IsNotFound(err) {
			t.Errorf("logging.deploy.enabled=false makes the vlagent ClusterRole (err %v)", err)
		}
	}
	deploysNone()
	if got := h.apiserverConfig().Logging.VictoriaLogsURL; got != external {
		t.Errorf("ke-apiserver searches %q, want the external store", got)
	}
	if got := h.controllerManagerConfig().Events.VictoriaLogsURL; got != external {
		t.Errorf("ke-controller-manager writes events to %q, want the external store", got)
	}
	// Each kind's retention, as logging.retention says.
	if r := h.controllerManagerConfig().LogRetention; r.ContainerLogs.Duration != 48*time.Hour || r.Events.Duration != 336*time.Hour ||
		r.Audit.Duration != 0 || r.Interval.Duration != 30*time.Minute {
		t.Errorf("ke-controller-manager keeps records for %+v, want logging.retention's", r)
	}

	// Neither a store nor a URL: no store, as before the chart deployed one
	// (the logging API answers 503, events are not kept).
	if err := h.upgrade(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"},
		"logging": map[string]any{"deploy": map[string]any{"enabled": false}}}); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	deploysNone()
	if got := h.apiserverConfig().Logging.VictoriaLogsURL; got != "" {
		t.Errorf("without a store ke-apiserver searches %q", got)
	}
	if got := h.controllerManagerConfig().Events.VictoriaLogsURL; got != "" {
		t.Errorf("without a store ke-controller-manager writes events to %q", got)
	}
}

func TestBadLoggingValuesAreRefusedClearly(t *testing.T) {
	h := newHelm(t, "sk-logging-bad", "skbl")
	for _, tc := range []struct {
		logging map[string]any
		want    string
	}{
		{map[string]any{"deploy": map[string]any{"retentionPeriod": "7x"}}, "logging.deploy.retentionPeriod must be a number with h, d, w or y"},
		{map[string]any{"deploy": map[string]any{"retentionPeriod": "12h"}}, "logging.deploy.retentionPeriod must be at least a day"},
		{map[string]any{"deploy": map[string]any{"maxDiskSpaceUsage": "10G"}}, "logging.deploy.maxDiskSpaceUsage must be a number of bytes"},
		{map[string]any{"agent": map[string]any{"maxBufferSize": "a lot"}}, "logging.agent.maxBufferSize must be a number of bytes"},
	} {
		err := h.install(map[string]any{"logging": tc.logging})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("values %v: error %v, want one saying %q", tc.logging, err, tc.want)
		}
	}
}

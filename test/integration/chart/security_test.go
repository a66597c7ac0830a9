package chart

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// workload is one pod template the chart renders, named by its object
// (Kind/name).
type workload struct {
	object string
	pod    corev1.PodTemplateSpec
}

// manifestDocs splits a rendered manifest into its objects, as generic maps.
func manifestDocs(t *testing.T, manifest string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for doc := range strings.SplitSeq(manifest, "\n---") {
		var o map[string]any
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("a rendered object: %v\n%s", err, doc)
		}
		if o["kind"] != nil {
			out = append(out, o)
		}
	}
	return out
}

// dig walks nested maps.
func dig(o map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := o[k].(map[string]any)
		if !ok {
			return nil, false
		}
		o = next
	}
	return o, true
}

// workloads finds every pod template of a manifest, whatever its kind:
// spec.template of a Deployment, StatefulSet, DaemonSet, ReplicaSet or Job,
// spec.jobTemplate.spec.template of a CronJob, a bare Pod's own spec.
func workloads(t *testing.T, manifest string) []workload {
	t.Helper()
	var out []workload
	for _, o := range manifestDocs(t, manifest) {
		meta, _ := o["metadata"].(map[string]any)
		name := o["kind"].(string) + "/" + meta["name"].(string)
		var tmpl map[string]any
		if o["kind"] == "Pod" {
			tmpl = map[string]any{"metadata": o["metadata"], "spec": o["spec"]}
		} else if m, ok := dig(o, "spec", "template"); ok {
			tmpl = m
		} else if m, ok := dig(o, "spec", "jobTemplate", "spec", "template"); ok {
			tmpl = m
		}
		if tmpl == nil {
			continue
		}
		raw, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		var pod corev1.PodTemplateSpec
		if err := json.Unmarshal(raw, &pod); err != nil {
			t.Fatalf("%s: the pod template: %v", name, err)
		}
		out = append(out, workload{object: name, pod: pod})
	}
	return out
}

// everyOptionalComponent turns on every part of the chart that renders a
// pod or changes one: the console, the Redis and the log store the chart
// deploys (Redis without a claim), vlagent, ingresses, ServiceMonitors,
// pprof, an audit file, every mounted secret.
func everyOptionalComponent() map[string]any {
	return map[string]any{
		"apiserver": map[string]any{
			"issuer":  "https://ke.example.com",
			"ingress": map[string]any{"enabled": true, "hosts": []any{"ke.example.com"}},
			"audit":   map[string]any{"path": "/var/log/ke-apiserver/audit.log", "kubeWebhookTokenSecret": "audit-token"},
			"monitoring": map[string]any{"prometheusURL": "http://prometheus.monitoring.svc:9090",
				"auth": map[string]any{"existingSecret": "prometheus-auth", "bearerTokenKey": "token"}},
			"notification": map[string]any{"webhookTokenSecret": "alertmanager-token"},
		},
		"controllerManager": map[string]any{
			"pprof":        map[string]any{"enabled": true},
			"metrics":      map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
			"stateMetrics": map[string]any{"serviceMonitor": map[string]any{"enabled": true}},
		},
		"console":         map[string]any{"ingress": map[string]any{"enabled": true, "hosts": []any{"console.example.com"}}},
		"redis":           map[string]any{"deploy": map[string]any{"persistence": map[string]any{"enabled": false}}},
		"prometheusRules": map[string]any{"prometheusRule": map[string]any{"enabled": true}},
		"logging": map[string]any{
			"deploy": map[string]any{"enabled": true},
			"agent":  map[string]any{"enabled": true, "dataHostPath": ""},
		},
	}
}

// The value sets every pod the chart can render comes from.
func chartVariants() []struct {
	name string
	vals map[string]any
} {
	return []struct {
		name string
		vals map[string]any
	}{
		{"the defaults", map[string]any{}},
		{"every optional component", everyOptionalComponent()},
		{"external stores and no console", map[string]any{
			"console": map[string]any{"enabled": false},
			"redis":   map[string]any{"url": "redis://:secret@redis.example.com:6379/0"},
			"logging": map[string]any{"deploy": map[string]any{"enabled": false}},
		}},
		{"member mode", memberValues()},
	}
}

// Containers that run as root, and why (docs/install.md, "What vlagent
// needs on a node"). They alone may mount host folders.
var runsAsRoot = map[string]string{
	"vlagent": "reads the node's log files, root's with mode 0640; every capability is dropped",
}

// Containers that call kube-apiserver and so get their ServiceAccount's
// token; every other pod sets automountServiceAccountToken: false.
var callsTheAPI = map[string]bool{
	"ke-apiserver":          true,
	"ke-controller-manager": true,
	"ke-agent":              true,
	"vlagent":               true, // discovers the pods of its node
}

// Containers without a health endpoint, and why.
var noHealthEndpoint = map[string]string{
	"ke-agent": "serves nothing but the quota webhook; it dials out to the host",
}

// TestEveryPodTheChartRendersHasTheSecurityDefaults renders the chart in
// each mode with every optional component and checks every pod template
// and every container it finds, whatever its kind, so that a new template
// cannot leave them out.
func TestEveryPodTheChartRendersHasTheSecurityDefaults(t *testing.T) {
	h := newHelm(t, "sk-security", "sksec")
	seen := map[string]bool{}
	for _, variant := range chartVariants() {
		manifest, err := h.render(variant.vals)
		if err != nil {
			t.Fatalf("%s: helm template: %v", variant.name, err)
		}
		ws := workloads(t, manifest)
		if len(ws) == 0 {
			t.Fatalf("%s: no pod template rendered", variant.name)
		}
		for _, w := range ws {
			t.Run(variant.name+"/"+w.object, func(t *testing.T) {
				checkPod(t, w.pod.Spec)
			})
			for _, c := range w.pod.Spec.Containers {
				seen[c.Name] = true
			}
		}
	}
	// The exceptions above name containers that exist.
	for _, m := range []map[string]string{runsAsRoot, noHealthEndpoint} {
		for name := range m {
			if !seen[name] {
				t.Errorf("exception for %q, which the chart no longer renders", name)
			}
		}
	}
	want := []string{"ke-agent", "ke-apiserver", "ke-console", "ke-controller-manager", "redis", "victoria-logs", "vlagent"}
	var got []string
	for name := range seen {
		got = append(got, name)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("containers rendered %v, want %v", got, want)
	}
}

func checkPod(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("shares the node's network, PID or IPC namespace")
	}
	apiCaller, root := false, false
	for _, c := range pod.Containers {
		apiCaller = apiCaller || callsTheAPI[c.Name]
		_, r := runsAsRoot[c.Name]
		root = root || r
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken != apiCaller {
		t.Errorf("automountServiceAccountToken %v, want %v (the pod calls kube-apiserver: %v)", deref(pod.AutomountServiceAccountToken), apiCaller, apiCaller)
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil && !root {
			t.Errorf("volume %s mounts the host's %s", v.Name, v.HostPath.Path)
		}
	}
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for i, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		t.Run(c.Name, func(t *testing.T) {
			checkContainer(t, psc, c, i >= len(pod.InitContainers))
		})
	}
}

func checkContainer(t *testing.T, psc *corev1.PodSecurityContext, c corev1.Container, regular bool) {
	t.Helper()
	sc := c.SecurityContext
	if sc == nil {
		t.Fatal("no securityContext")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		t.Error("privileged")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Error("the root file system is writable")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Error("capabilities are not all dropped")
	} else if len(sc.Capabilities.Add) > 0 {
		t.Errorf("adds capabilities %v", sc.Capabilities.Add)
	}
	seccomp := psc.SeccompProfile
	if sc.SeccompProfile != nil {
		seccomp = sc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("seccomp profile %v, want RuntimeDefault", seccomp)
	}
	nonRoot := psc.RunAsNonRoot
	if sc.RunAsNonRoot != nil {
		nonRoot = sc.RunAsNonRoot
	}
	if why, ok := runsAsRoot[c.Name]; ok {
		t.Logf("runs as root: %s", why)
	} else if nonRoot == nil || !*nonRoot {
		t.Error("runAsNonRoot is not true")
	}

	r := c.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := r.Requests[name]; !ok || q.IsZero() {
			t.Errorf("no %s request", name)
		}
	}
	// Memory is limited; CPU deliberately is not (a limit throttles, a
	// request already shares the CPU fairly): docs/install.md#resources.
	limit, request := r.Limits[corev1.ResourceMemory], r.Requests[corev1.ResourceMemory]
	if limit.IsZero() {
		t.Error("no memory limit")
	} else if limit.Cmp(request) < 0 {
		t.Errorf("memory limit %s below the request %s", limit.String(), request.String())
	}

	if !regular {
		return
	}
	if why, ok := noHealthEndpoint[c.Name]; ok {
		t.Logf("no probes: %s", why)
		return
	}
	if c.LivenessProbe == nil || c.ReadinessProbe == nil {
		t.Fatal("no liveness or readiness probe")
	}
	if c.LivenessProbe.HTTPGet != nil && c.StartupProbe == nil {
		t.Error("a health endpoint but no startup probe: the liveness probe must wait for the start")
	}
	if c.LivenessProbe.InitialDelaySeconds > 0 && c.StartupProbe != nil {
		t.Error("both a startup probe and an initial delay")
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

package chart

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
)

const testCA = "-----BEGIN CERTIFICATE-----\nMIIBhost\n-----END CERTIFICATE-----\n"

func memberValues() map[string]any {
	return map[string]any{"mode": "member", "agent": map[string]any{
		"hostURL": "https://ke.example.com", "clusterName": "edge-1", "joinToken": "join-token-1", "hostCA": testCA}}
}

// render renders the chart without a cluster, as helm template does (the
// CRDs of crds/ are not part of it).
func (h *helm) render(vals map[string]any) (string, error) {
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.release, h.namespace
	i.DryRunStrategy = action.DryRunClient
	rel, err := i.Run(h.chart, vals)
	if err != nil {
		return "", err
	}
	return rel.(*release.Release).Manifest, nil
}

// objects are the kinds and names of a manifest's objects, sorted.
func objects(t *testing.T, manifest string) []string {
	t.Helper()
	var out []string
	for doc := range strings.SplitSeq(manifest, "\n---") {
		var o struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		if o.Kind != "" {
			out = append(out, o.Kind+"/"+o.Metadata.Name)
		}
	}
	slices.Sort(out)
	return out
}

func TestMemberModeInstallsOnlyTheAgent(t *testing.T) {
	h := newHelm(t, "sk-member", "skm")
	ctx := context.Background()
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.release, h.namespace
	i.WaitStrategy = kube.HookOnlyStrategy
	i.SkipCRDs = true // as documented: a member needs none of the platform's CRDs
	rel, err := i.Run(h.chart, memberValues())
	if err != nil {
		t.Fatalf("helm install --set mode=member: %v", err)
	}
	ag := h.name("agent")
	want := []string{"ClusterRoleBinding/" + ag, "ConfigMap/" + ag + "-host-ca", "Deployment/" + ag, "NetworkPolicy/" + ag, "Role/" + ag, "RoleBinding/" + ag,
		"Secret/" + ag + "-join-token", "Secret/" + ag + "-token", "Service/" + ag + "-webhook", "ServiceAccount/" + ag}
	slices.Sort(want)
	if got := objects(t, rel.(*release.Release).Manifest); !slices.Equal(got, want) {
		t.Errorf("member mode installs\n  %v\nwant exactly\n  %v", got, want)
	}

	// The Deployment: one agent, with the chart's security defaults, joining
	// with the token and keeping its credential in a Secret.
	d := h.deployment("agent")
	pod := d.Spec.Template.Spec
	c := pod.Containers[0]
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != "Recreate" || pod.ServiceAccountName != ag {
		t.Errorf("replicas %d, strategy %s, ServiceAccount %s", *d.Spec.Replicas, d.Spec.Strategy.Type, pod.ServiceAccountName)
	}
	if c.Image != "ghcr.io/superkube/ke-agent:v0.1.0-dev" {
		t.Errorf("image %s", c.Image)
	}
	sc := c.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container security context %+v", sc)
	}
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Errorf("pod security context %+v", pod.SecurityContext)
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v", c.Resources)
	}
	for name, want := range map[string]string{
		"host-url":                     "https://ke.example.com",
		"host-ca-file":                 "/etc/ke-agent/host-ca/ca.crt",
		"cluster":                      "edge-1",
		"join-token-file":              "/etc/ke-agent/join-token/token",
		"credential-secret":            h.namespace + "/" + ag + "-credential",
		"service-account-token-secret": h.namespace + "/" + ag + "-token",
		"quota-webhook-bind-address":   ":9443",
		"quota-webhook-service":        h.namespace + "/" + ag + "-webhook",
		"quota-webhook-failure-policy": "Fail",
	} {
		if got, _ := arg(c, name); got != want {
			t.Errorf("ke-agent --%s = %q, want %q", name, got, want)
		}
	}
	if got := mountedSecret(d, "/etc/ke-agent/join-token"); got != ag+"-join-token" {
		t.Errorf("the join token comes from %q", got)
	}
	if got := string(h.secret(ag + "-join-token")["token"]); got != "join-token-1" {
		t.Errorf("the join token Secret holds %q", got)
	}
	cm := &corev1.ConfigMap{}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: h.namespace, Name: ag + "-host-ca"}, cm); err != nil || cm.Data["ca.crt"] != testCA {
		t.Errorf("the host's CA: %q, %v", cm.Data["ca.crt"], err)
	}

	// What the host does through the tunnel, as the agent's ServiceAccount:
	// impersonate users and groups, read namespaces and RBAC, write RBAC.
	for _, ra := range []authorizationv1.ResourceAttributes{
		{Verb: "impersonate", Resource: "users"}, {Verb: "impersonate", Resource: "groups"},
		{Verb: "list", Resource: "namespaces"}, {Verb: "list", Group: "rbac.authorization.k8s.io", Resource: "rolebindings"},
		{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
	} {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: "system:serviceaccount:" + h.namespace + ":" + ag, ResourceAttributes: &ra}}
		if err := env.Client.Create(ctx, sar); err != nil {
			t.Fatal(err)
		}
		if !sar.Status.Allowed {
			t.Errorf("the agent's ServiceAccount may not %s %s", ra.Verb, ra.Resource)
		}
	}

	// Kubernetes' token controller (not run here) fills in the token
	// Secret; do as it does, with a token of the ServiceAccount.
	tr, err := env.Clientset.CoreV1().ServiceAccounts(h.namespace).CreateToken(ctx, ag,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tokenSecret := &corev1.Secret{}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: h.namespace, Name: ag + "-token"}, tokenSecret); err != nil {
		t.Fatal(err)
	}
	if tokenSecret.Type != corev1.SecretTypeServiceAccountToken || tokenSecret.Annotations[corev1.ServiceAccountNameKey] != ag {
		t.Fatalf("the token Secret: type %s, annotations %v", tokenSecret.Type, tokenSecret.Annotations)
	}
	tokenSecret.Data = map[string][]byte{"token": []byte(tr.Status.Token), "ca.crt": env.Config.CAData}
	if err := env.Client.Update(ctx, tokenSecret); err != nil {
		t.Fatal(err)
	}

	// The agent, as its ServiceAccount (the pod's identity), makes the
	// host's kubeconfig from that Secret and keeps its credential.
	asAgent := rest.CopyConfig(env.Config)
	asAgent.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + h.namespace + ":" + ag,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + h.namespace, "system:authenticated"}}
	agentClient := kubernetes.NewForConfigOrDie(asAgent)
	waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	kc, err := agent.ServiceAccountKubeconfig(waitCtx, agentClient.CoreV1(), h.namespace, ag+"-token", env.Config.Host, 0, testr.New(t))
	if err != nil {
		t.Fatal(err)
	}
	hostView, err := clientcmd.RESTConfigFromKubeConfig(kc)
	if err != nil {
		t.Fatal(err)
	}
	ssr, err := kubernetes.NewForConfigOrDie(hostView).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("the host's kubeconfig does not work: %v", err)
	}
	if got := ssr.Status.UserInfo.Username; got != "system:serviceaccount:"+h.namespace+":"+ag {
		t.Errorf("the host reaches the member as %q", got)
	}
	store := agent.SecretCredentials{Secrets: agentClient.CoreV1(), Namespace: h.namespace, Name: ag + "-credential"}
	if err := store.Save(ctx, "agent-credential-1"); err != nil {
		t.Fatalf("the agent may not keep its credential: %v", err)
	}
	if err := store.Save(ctx, "agent-credential-2"); err != nil {
		t.Fatalf("the agent may not update its credential: %v", err)
	}
	if got, err := store.Load(ctx); err != nil || got != "agent-credential-2" {
		t.Fatalf("the kept credential: %q, %v", got, err)
	}

	// An upgrade keeps the credential (the chart does not own its Secret)
	// and the filled-in token.
	vals := memberValues()
	vals["agent"].(map[string]any)["verbosity"] = 2
	if err := h.upgrade(vals); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if got := string(h.secret(ag + "-credential")[agent.CredentialKey]); got != "agent-credential-2" {
		t.Errorf("after the upgrade the credential is %q", got)
	}
	if got := string(h.secret(ag + "-token")["token"]); got != tr.Status.Token {
		t.Error("the upgrade emptied the ServiceAccount token Secret")
	}
	if got, _ := arg(h.deployment("agent").Spec.Template.Spec.Containers[0], "v"); got != "2" {
		t.Errorf("after the upgrade --v=%s", got)
	}
}

func TestHostModeIsTheDefaultAndRendersNoAgent(t *testing.T) {
	h := newHelm(t, "sk-hostmode", "skhm")
	def, err := h.render(nil)
	if err != nil {
		t.Fatal(err)
	}
	host, err := h.render(map[string]any{"mode": "host", "agent": memberValues()["agent"]})
	if err != nil {
		t.Fatal(err)
	}
	got, want := objects(t, host), objects(t, def)
	if !slices.Equal(got, want) {
		t.Errorf("mode=host renders\n  %v\nthe default\n  %v", got, want)
	}
	for _, o := range got {
		if strings.Contains(o, "-agent") {
			t.Errorf("host mode renders %s", o)
		}
	}
	for _, o := range []string{"Deployment/" + h.name("apiserver"), "Deployment/" + h.name("controller-manager"), "Deployment/" + h.name("console")} {
		if !slices.Contains(got, o) {
			t.Errorf("host mode lacks %s", o)
		}
	}
}

func TestMemberModeRefusesMissingValuesClearly(t *testing.T) {
	h := newHelm(t, "sk-member-bad", "skmb")
	for _, tc := range []struct {
		edit func(a map[string]any)
		want string
	}{
		{func(a map[string]any) { delete(a, "hostURL") }, "mode=member needs agent.hostURL"},
		{func(a map[string]any) { a["hostURL"] = "http://ke.example.com" }, "agent.hostURL must be an https URL"},
		{func(a map[string]any) { delete(a, "clusterName") }, "mode=member needs agent.clusterName"},
		{func(a map[string]any) { a["clusterName"] = "Edge_1" }, "agent.clusterName must be a DNS label"},
		{func(a map[string]any) { delete(a, "joinToken") }, "mode=member needs agent.joinToken"},
		{func(a map[string]any) { a["existingJoinTokenSecret"] = "mine" }, "not both"},
		{func(a map[string]any) { a["hostCA"] = "not a certificate" }, "agent.hostCA must be PEM certificates"},
		{func(a map[string]any) { a["quotaWebhook"] = map[string]any{"failurePolicy": "Maybe"} }, `at '/agent/quotaWebhook/failurePolicy': value must be one of 'Fail', 'Ignore'`},
	} {
		vals := memberValues()
		tc.edit(vals["agent"].(map[string]any))
		_, err := h.render(vals)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("agent %v: error %v, want one saying %q", vals["agent"], err, tc.want)
		}
	}
	if _, err := h.render(map[string]any{"mode": "edge"}); err == nil || !strings.Contains(err.Error(), `at '/mode': value must be one of 'host', 'member'`) {
		t.Errorf("mode=edge: %v", err)
	}
	// A join token of the user's own Secret is enough.
	vals := memberValues()
	a := vals["agent"].(map[string]any)
	delete(a, "joinToken")
	a["existingJoinTokenSecret"], a["existingJoinTokenSecretKey"] = "edge-join", "jt"
	manifest, err := h.render(vals)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(objects(t, manifest), "Secret/"+h.name("agent-join-token")) || !strings.Contains(manifest, "secretName: edge-join") || !strings.Contains(manifest, "key: jt") {
		t.Errorf("with existingJoinTokenSecret:\n%s", manifest)
	}
}

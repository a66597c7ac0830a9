package multicluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	"github.com/superkube/super-kubenetes/internal/testutil/helmtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// installMemberChart installs the Helm chart in member mode into the
// member, as docs/multicluster.md says (release ke-agent, --skip-crds).
func installMemberChart(t *testing.T, namespace string, vals map[string]any) {
	t.Helper()
	ch, cfg := helmtest.Chart(t), helmtest.ConfigurationFor(t, memberKubeconfig, namespace)
	if _, err := member.Clientset.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	i := action.NewInstall(cfg)
	i.ReleaseName, i.Namespace = "ke-agent", namespace
	i.WaitStrategy = kube.HookOnlyStrategy // no pods run here
	i.SkipCRDs = true
	if _, err := i.Run(ch, vals); err != nil {
		t.Fatalf("helm install --set mode=member: %v", err)
	}
}

// The agent as the chart runs it in a pod of the member: its credential in
// a Secret, the host's kubeconfig from the long-lived token of the chart's
// ServiceAccount token Secret, with the chart's RBAC. (The pod itself does
// not run: the agent runs here with the identity the pod would have.)
func TestAnAgentInstalledByTheChartJoinsThroughItsServiceAccount(t *testing.T) {
	ctx := context.Background()
	admin := api.Admin(t)
	r := api.DoJSON(t, http.MethodPost, prefix+"/clusters", admin, map[string]any{"name": "edge-pod", "connection": "Agent", "provider": "local"})
	expect(t, r, http.StatusCreated)
	j := decode[joined](t, r)

	const ns = "superkube-system"
	installMemberChart(t, ns, map[string]any{"mode": "member", "agent": map[string]any{
		"hostURL": hostURL, "clusterName": "edge-pod", "joinToken": j.JoinToken.Token, "hostCA": string(hostCA)}})
	const sa = "ke-agent-super-kubenetes-agent"

	// Kubernetes' token controller (not run here) fills the token Secret in;
	// do what it does.
	tr, err := member.Clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tokenSecret, err := member.Clientset.CoreV1().Secrets(ns).Get(ctx, sa+"-token", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tokenSecret.Data = map[string][]byte{"token": []byte(tr.Status.Token), "ca.crt": member.Config.CAData}
	if _, err := member.Clientset.CoreV1().Secrets(ns).Update(ctx, tokenSecret, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	joinSecret, err := member.Clientset.CoreV1().Secrets(ns).Get(ctx, sa+"-join-token", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The pod's identity: the chart's ServiceAccount.
	podCfg := rest.CopyConfig(member.Config)
	podCfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + ns + ":" + sa,
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}}
	pod := kubernetes.NewForConfigOrDie(podCfg)
	// The server is the member's address here; in a pod it is
	// https://kubernetes.default.svc:443.
	kc, err := agent.ServiceAccountKubeconfig(ctx, pod.CoreV1(), ns, sa+"-token", member.Config.Host, 0, testr.New(t))
	if err != nil {
		t.Fatal(err)
	}
	credentials := agent.SecretCredentials{Secrets: pod.CoreV1(), Namespace: ns, Name: sa + "-credential"}
	newAgent := func(joinToken string) *agent.Agent {
		return &agent.Agent{HostURL: hostURL, HostCA: hostCA, Cluster: "edge-pod", JoinToken: joinToken,
			Credentials: credentials, Kubeconfig: kc, Log: testr.New(t), MaxBackoff: time.Second}
	}
	ag := startAgent(t, newAgent(string(joinSecret.Data["token"])))
	ready(t, "edge-pod", metav1.ConditionTrue, 30*time.Second)

	// The host reaches the member through the tunnel with the
	// ServiceAccount's token and impersonates the caller.
	r = api.DoJSON(t, http.MethodPost, "/clusters/edge-pod/apis/authentication.k8s.io/v1/selfsubjectreviews", admin,
		map[string]any{"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
	expect(t, r, http.StatusCreated)
	if ssr := decode[authenticationv1.SelfSubjectReview](t, r); ssr.Status.UserInfo.Username != "admin" {
		t.Fatalf("the member saw %q, not the caller", ssr.Status.UserInfo.Username)
	}
	kept, err := member.Clientset.CoreV1().Secrets(ns).Get(ctx, sa+"-credential", metav1.GetOptions{})
	if err != nil || len(kept.Data[agent.CredentialKey]) == 0 {
		t.Fatalf("the agent kept no credential in its Secret: %v", err)
	}

	// A restarted pod: the join token is used up (and even gone), the kept
	// credential brings the cluster back.
	if err := ag.stop(); err != nil {
		t.Fatal(err)
	}
	ready(t, "edge-pod", metav1.ConditionFalse, 30*time.Second)
	if err := member.Clientset.CoreV1().Secrets(ns).Delete(ctx, sa+"-join-token", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	ag = startAgent(t, newAgent(""))
	ready(t, "edge-pod", metav1.ConditionTrue, 30*time.Second)

	// Removing the cluster ends the agent, refused.
	r = api.Do(t, http.MethodDelete, prefix+"/clusters/edge-pod", admin, nil)
	expect(t, r, http.StatusOK)
	select {
	case err := <-ag.done:
		if !errors.Is(err, agent.ErrRefused) {
			t.Fatalf("the agent of a removed cluster ended with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the agent of a removed cluster still runs after 30s")
	}
	platform.Eventually(t, "cluster edge-pod gone", 30*time.Second, func() error {
		err := k8s.Get(ctx, client.ObjectKey{Name: "edge-pod"}, &clusterv1alpha1.Cluster{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
}

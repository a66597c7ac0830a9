package lifecycle

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/kube"
	release "helm.sh/helm/v4/pkg/release/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/gateway/admissionpolicy"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/uninstall"
)

// controllerData is what only the controllers make: a member cluster and
// an application release with their finalizers, the quota webhook's
// registration and the gateway admission policies with their bindings.
func controllerData(t *testing.T, ns, namespace, fullname string) []client.Object {
	t.Helper()
	ctx := context.Background()
	objs := []client.Object{
		&clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: ns + "-edge", Finalizers: []string{clusterv1alpha1.Finalizer}},
			Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect,
				KubeconfigSecretRef: &clusterv1alpha1.SecretRef{Name: "edge-kubeconfig"}}}},
		&appv2.ApplicationRelease{ObjectMeta: metav1.ObjectMeta{Namespace: ns + "-project", Name: "web", Finalizers: []string{appv2.ReleaseFinalizer}},
			Spec: appv2.ApplicationReleaseSpec{Application: "nginx", Version: "1.0.0"}},
	}
	createAll(t, objs)
	path, port := "/validate", int32(443)
	vwc := quotawebhook.Configuration(admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{
		Namespace: namespace, Name: fullname + "-controller-manager-webhook", Path: &path, Port: &port}}, admissionregistrationv1.Ignore, 5)
	if err := platformClient(t).Create(ctx, vwc); err != nil {
		t.Fatal(err)
	}
	if err := admissionpolicy.EnsureStatic(ctx, platformClient(t)); err != nil {
		t.Fatal(err)
	}
	wgp := &gatewayv1alpha1.WorkspaceGatewayPolicy{ObjectMeta: metav1.ObjectMeta{Name: ns + "-ws"}}
	createAll(t, []client.Object{wgp})
	if err := admissionpolicy.EnsureBinding(ctx, platformClient(t), admissionpolicy.WorkspaceBindingObject(wgp)); err != nil {
		t.Fatal(err)
	}
	return append(objs, wgp)
}

// hookIdentity writes a kubeconfig with a token of the hook's
// ServiceAccount, the identity its pod would have.
func hookIdentity(t *testing.T, namespace, sa string) string {
	t.Helper()
	tr, err := env.Clientset.CoreV1().ServiceAccounts(namespace).CreateToken(context.Background(), sa,
		&authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("a token for the hook's ServiceAccount: %v", err)
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	kc.AuthInfos["hook"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
	kc.Contexts["hook"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "hook"}
	kc.CurrentContext = "hook"
	path := filepath.Join(t.TempDir(), "hook-kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// platformCRDs are the installed CRDs of superkube.io.
func platformCRDs(t *testing.T) []apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	list := &apiextensionsv1.CustomResourceDefinitionList{}
	if err := env.Client.List(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(list.Items, func(c apiextensionsv1.CustomResourceDefinition) bool {
		return !strings.HasSuffix(c.Spec.Group, "."+uninstall.Domain)
	})
}

func storedGVK(crd apiextensionsv1.CustomResourceDefinition) schema.GroupVersionKind {
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			return schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
		}
	}
	return schema.GroupVersionKind{}
}

func TestAnUninstallLeavesNothingTerminatingAndTheDocumentedRemovalLeavesNothing(t *testing.T) {
	ctx := context.Background()
	h := newRelease(t, "sk-uninstall", "skun")
	rel := h.install(loadChart(t, ""), map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"}})

	data := platformData("skun")
	createAll(t, data)
	data = append(data, controllerData(t, "skun", h.namespace, h.fullname())...)
	// A user deleted a workspace while ke-controller-manager was down: it
	// waits for the controller's finalizer.
	terminating := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "skun-old", Finalizers: []string{tenantv1beta1.WorkspaceFinalizer}}}
	createAll(t, []client.Object{terminating})
	if err := platformClient(t).Delete(ctx, terminating); err != nil {
		t.Fatal(err)
	}

	// The pre-delete hook, as Helm would run it: its ServiceAccount and
	// RBAC are created, then its Job's container runs with the
	// ServiceAccount's token (no kubelet runs the Job here, so the test
	// runs the same command with the same arguments).
	var job *batchv1.Job
	var hookObjects []*unstructured.Unstructured
	for _, hk := range rel.Hooks {
		if !slices.Contains(hk.Events, release.HookPreDelete) {
			continue
		}
		for _, u := range manifestObjects(t, hk.Manifest) {
			hookObjects = append(hookObjects, u)
			if u.GetKind() == "Job" {
				job = &batchv1.Job{}
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, job); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := env.Client.Create(ctx, u.DeepCopy()); err != nil {
				t.Fatalf("creating the hook's %s %s: %v", u.GetKind(), u.GetName(), err)
			}
		}
	}
	if job == nil {
		t.Fatal("the chart has no pre-delete Job")
	}
	if got := job.Annotations["helm.sh/hook-delete-policy"]; got != "before-hook-creation,hook-succeeded" {
		t.Errorf("the hook's delete policy is %q", got)
	}
	pod := job.Spec.Template.Spec
	kubeconfig := hookIdentity(t, h.namespace, pod.ServiceAccountName)
	args := append(slices.Clone(pod.Containers[0].Args), "--kubeconfig="+kubeconfig)
	if args[0] != "uninstall" || !strings.HasSuffix(pod.Containers[0].Image, "/ke-controller-manager:"+rel.Chart.Metadata.AppVersion) {
		t.Fatalf("the hook runs %s %v", pod.Containers[0].Image, args)
	}
	// Twice: a hook that is retried must do no harm.
	for range 2 {
		cmd := app.NewCommand(ctx)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("ke-controller-manager %v as the hook's ServiceAccount: %v", args, err)
		}
	}

	// Nothing was deleted, but no object holds a finalizer of the platform;
	// the workspace that waited is gone.
	for _, o := range data {
		got := o.DeepCopyObject().(client.Object)
		if err := platformClient(t).Get(ctx, client.ObjectKeyFromObject(o), got); err != nil {
			t.Errorf("the hook deleted %T %s: %v", o, o.GetName(), err)
			continue
		}
		if slices.ContainsFunc(got.GetFinalizers(), uninstall.IsPlatformFinalizer) {
			t.Errorf("%T %s keeps the finalizers %v", o, o.GetName(), got.GetFinalizers())
		}
	}
	if err := platformClient(t).Get(ctx, client.ObjectKeyFromObject(terminating), terminating); !apierrors.IsNotFound(err) {
		t.Errorf("the workspace that was being deleted is still there (%v): %v", err, terminating.DeletionTimestamp)
	}
	for _, component := range []string{"controller-manager", "apiserver"} {
		d := &appsv1.Deployment{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: h.namespace, Name: h.fullname() + "-" + component}, d); err != nil {
			t.Fatal(err)
		}
		if *d.Spec.Replicas != 0 {
			t.Errorf("the hook left ke-%s at %d replicas", component, *d.Spec.Replicas)
		}
	}
	assertNoAdmission(t, h.fullname())
	// The hook's RBAC covers every CRD of the chart, not only those that
	// had objects here.
	for _, crd := range platformCRDs(t) {
		for _, verb := range []string{"list", "patch"} {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               "system:serviceaccount:" + h.namespace + ":" + pod.ServiceAccountName,
				ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: crd.Spec.Group, Resource: crd.Spec.Names.Plural}}}
			if err := env.Client.Create(ctx, sar); err != nil {
				t.Fatal(err)
			}
			if !sar.Status.Allowed {
				t.Errorf("the hook may not %s %s", verb, crd.Name)
			}
		}
	}

	// helm uninstall; its hooks are off, as they ran above (Helm would
	// delete the hook's objects after it succeeded: so does the test).
	u := action.NewUninstall(h.cfg)
	u.DisableHooks, u.WaitStrategy = true, kube.HookOnlyStrategy
	if _, err := u.Run(h.name); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	for _, o := range hookObjects {
		if err := env.Client.Delete(ctx, o); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}

	// Kept on purpose: the CRDs and the platform's data.
	if n := len(platformCRDs(t)); n == 0 {
		t.Fatal("helm uninstall removed the CRDs")
	}
	for _, o := range data {
		if err := platformClient(t).Get(ctx, client.ObjectKeyFromObject(o), o.DeepCopyObject().(client.Object)); err != nil {
			t.Errorf("after helm uninstall %T %s: %v", o, o.GetName(), err)
		}
	}

	// The documented removal of the rest: the platform's objects, the
	// projects and the release namespace, then the CRDs.
	for _, crd := range platformCRDs(t) {
		list := &unstructured.UnstructuredList{}
		gvk := storedGVK(crd)
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := env.Client.List(ctx, list); err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			if err := env.Client.Delete(ctx, &list.Items[i]); err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
		}
	}
	projects := &corev1.NamespaceList{}
	if err := env.Client.List(ctx, projects, client.HasLabels{tenantv1beta1.WorkspaceLabel}); err != nil {
		t.Fatal(err)
	}
	for _, ns := range append(projects.Items, corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: h.namespace}}) {
		if err := env.Client.Delete(ctx, &ns); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	for _, crd := range platformCRDs(t) {
		if err := env.Client.Delete(ctx, &crd); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}

	// Within a minute nothing is left: no CRD, no namespace (none
	// Terminating), no object the chart made.
	kinds := map[schema.GroupVersionKind]bool{}
	for _, o := range append(manifestObjects(t, rel.Manifest), hookObjects...) {
		kinds[o.GroupVersionKind()] = true
	}
	var left []string
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		left = nil
		for _, crd := range platformCRDs(t) {
			left = append(left, "CRD "+crd.Name)
		}
		namespaces := &corev1.NamespaceList{}
		if err := env.Client.List(ctx, namespaces); err != nil {
			return false, err
		}
		for _, ns := range namespaces.Items {
			if ns.Status.Phase == corev1.NamespaceTerminating || ns.Name == h.namespace || ns.Labels[tenantv1beta1.WorkspaceLabel] != "" {
				left = append(left, fmt.Sprintf("namespace %s (%s, finalizers %v %v)", ns.Name, ns.Status.Phase, ns.Finalizers, ns.Spec.Finalizers))
			}
		}
		for gvk := range kinds {
			list := &metav1.PartialObjectMetadataList{}
			list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
			if err := env.Client.List(ctx, list, client.MatchingLabels{"app.kubernetes.io/instance": h.name}); err != nil {
				if meta.IsNoMatchError(err) {
					continue
				}
				return false, err
			}
			for _, o := range list.Items {
				left = append(left, gvk.Kind+" "+o.Namespace+"/"+o.Name)
			}
		}
		return len(left) == 0, nil
	})
	if err != nil {
		t.Fatalf("a minute after the removal these are left: %v", left)
	}
	assertNoAdmission(t, h.fullname())
}

// assertNoAdmission checks that no webhook or admission policy of the
// platform is registered any more.
func assertNoAdmission(t *testing.T, fullname string) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{quotawebhook.ConfigurationName, fullname + "-apiserver"} {
		err := env.Client.Get(ctx, client.ObjectKey{Name: name}, &admissionregistrationv1.ValidatingWebhookConfiguration{})
		if !apierrors.IsNotFound(err) {
			t.Errorf("the ValidatingWebhookConfiguration %s is still registered (%v)", name, err)
		}
	}
	for _, p := range admissionpolicy.Policies() {
		if err := env.Client.Get(ctx, client.ObjectKey{Name: p.Name}, &admissionregistrationv1.ValidatingAdmissionPolicy{}); !apierrors.IsNotFound(err) {
			t.Errorf("the ValidatingAdmissionPolicy %s is still there (%v)", p.Name, err)
		}
	}
	bindings := &admissionregistrationv1.ValidatingAdmissionPolicyBindingList{}
	if err := env.Client.List(ctx, bindings, client.MatchingLabels{admissionpolicy.ManagedByLabel: admissionpolicy.ManagedBy}); err != nil {
		t.Fatal(err)
	}
	for _, b := range bindings.Items {
		t.Errorf("the ValidatingAdmissionPolicyBinding %s is still there", b.Name)
	}
}

// On a member cluster the hook stops ke-agent, which registers the quota
// webhook there, and deregisters that webhook only.
func TestTheMemberChartsHookStopsTheAgent(t *testing.T) {
	h := newRelease(t, "sk-member-hook", "skm")
	i := action.NewInstall(h.cfg)
	i.ReleaseName, i.Namespace = h.name, h.namespace
	i.DryRunStrategy = action.DryRunClient
	r, err := i.Run(loadChart(t, ""), map[string]any{"mode": "member", "agent": map[string]any{
		"hostURL": "https://ke.example.com", "clusterName": "edge-1", "joinToken": "join-token-1"}})
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, hk := range r.(*release.Release).Hooks {
		if hk.Kind == "Job" && slices.Contains(hk.Events, release.HookPreDelete) {
			job := &batchv1.Job{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(manifestObjects(t, hk.Manifest)[0].Object, job); err != nil {
				t.Fatal(err)
			}
			args = job.Spec.Template.Spec.Containers[0].Args
		}
	}
	want := []string{"uninstall", "--namespace=sk-member-hook", "--stop-deployment=skm-super-kubenetes-agent",
		"--webhook-configuration=superkube-quota", "--stop-timeout=120s"}
	if !slices.Equal(args, want) {
		t.Errorf("the member's hook runs %q, want %q", args, want)
	}
}

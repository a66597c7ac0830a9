package lifecycle

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/user"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// platformData is what a platform holds after some use: users with
// passwords, a workspace with a project, global and workspace roles and
// their bindings, with the finalizers the controllers put.
func platformData(ns string) []client.Object {
	rules := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}
	return []client.Object{
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: ns + "-alice", Finalizers: []string{user.Finalizer}},
			Spec: iamv1beta1.UserSpec{Email: "alice@example.com", Password: "P4ssword-of-alice"}},
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: ns + "-bob", Finalizers: []string{user.Finalizer}},
			Spec: iamv1beta1.UserSpec{Email: "bob@example.com", Password: "P4ssword-of-bob"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ns + "-ws", Finalizers: []string{tenantv1beta1.WorkspaceFinalizer}},
			Spec: tenantv1beta1.WorkspaceSpec{Manager: ns + "-alice"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns + "-project", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ns + "-ws"}}},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: ns + "-auditor"}, Rules: rules},
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ns + "-bob-auditor"},
			Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: iamv1beta1.GroupVersion.Group, Name: ns + "-bob"}},
			RoleRef:  iamv1beta1.RoleRef{Kind: "GlobalRole", Name: ns + "-auditor"}},
		&iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: ns + "-ws-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ns + "-ws"}}, Rules: rules},
		&iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ns + "-bob-ws-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ns + "-ws"}},
			Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: iamv1beta1.GroupVersion.Group, Name: ns + "-bob"}},
			RoleRef:  iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: ns + "-ws-viewer"}},
	}
}

func createAll(t *testing.T, objs []client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := platformClient(t).Create(context.Background(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

// snapshot reads the objects back as they are stored.
func snapshot(t *testing.T, objs []client.Object) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, o := range objs {
		got := o.DeepCopyObject().(client.Object)
		if err := platformClient(t).Get(context.Background(), client.ObjectKeyFromObject(o), got); err != nil {
			t.Fatalf("%T %s: %v", o, o.GetName(), err)
		}
		u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(got)
		if err != nil {
			t.Fatal(err)
		}
		out[got.GetObjectKind().GroupVersionKind().Kind+"/"+got.GetName()] = u
	}
	return out
}

// The quota CRD's status.namespaces[].cluster, which the fixture's CRD has
// too: the CRDs have not changed since 8923a32, so the test takes the
// field out of the installed CRD, as a chart before it had it, to prove
// that the documented step brings a CRD's new fields.
var newCRDField = []string{"status", "namespaces", "cluster"}

func quotaCRDHasField(t *testing.T) bool {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Name: "resourcequotas.quota.superkube.io"}, crd); err != nil {
		t.Fatal(err)
	}
	for _, v := range crd.Spec.Versions {
		if !v.Storage {
			continue
		}
		status := v.Schema.OpenAPIV3Schema.Properties[newCRDField[0]]
		ns := status.Properties[newCRDField[1]]
		_, ok := ns.Items.Schema.Properties[newCRDField[2]]
		return ok
	}
	return false
}

func dropQuotaCRDField(t *testing.T) {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Name: "resourcequotas.quota.superkube.io"}, crd); err != nil {
		t.Fatal(err)
	}
	for i, v := range crd.Spec.Versions {
		if v.Storage {
			status := v.Schema.OpenAPIV3Schema.Properties[newCRDField[0]]
			ns := status.Properties[newCRDField[1]]
			delete(ns.Items.Schema.Properties, newCRDField[2])
			status.Properties[newCRDField[1]] = ns
			crd.Spec.Versions[i].Schema.OpenAPIV3Schema.Properties[newCRDField[0]] = status
		}
	}
	if err := env.Client.Update(context.Background(), crd); err != nil {
		t.Fatal(err)
	}
}

// applyCRDs does what docs/install.md says before an upgrade:
// kubectl apply --server-side --force-conflicts -f charts/super-kubenetes/crds/
func applyCRDs(t *testing.T) {
	t.Helper()
	root, err := envtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "charts", "super-kubenetes", "crds", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs in crds/ (%v)", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(data, &u.Object); err != nil {
			t.Fatal(err)
		}
		if err := env.Client.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(u),
			client.FieldOwner("kubectl"), client.ForceOwnership); err != nil {
			t.Fatalf("applying %s: %v", filepath.Base(f), err)
		}
	}
}

func TestAnUpgradeFromThePreviousChartKeepsTheKeysAndThePlatformsData(t *testing.T) {
	ctx := context.Background()
	h := newRelease(t, "sk-upgrade", "sku")
	old, current := loadChart(t, "super-kubenetes-0.1.0.tgz"), loadChart(t, "")
	if old.Metadata.Version != "0.1.0" || current.Metadata.Version == old.Metadata.Version {
		t.Fatalf("the fixture is %s and the chart %s", old.Metadata.Version, current.Metadata.Version)
	}
	// The values a user installed with, given again to the upgrade (helm
	// upgrade -f values-prod.yaml).
	vals := func() map[string]any {
		return map[string]any{
			"apiserver": map[string]any{"issuer": "https://ke.example.com"},
			"console":   map[string]any{"publicURL": "https://console.example.com/", "title": "Acme"},
		}
	}
	h.install(old, vals())
	data := platformData("sku")
	createAll(t, data)
	before := snapshot(t, data)
	secret := func(name string) map[string][]byte {
		t.Helper()
		s := &corev1.Secret{}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: h.namespace, Name: name}, s); err != nil {
			t.Fatalf("secret %s: %v", name, err)
		}
		return s.Data
	}
	signingKey := secret(h.fullname() + "-apiserver-signing-key")
	clientSecret := secret(h.fullname() + "-console-client")

	// The CRDs first, as documented: Helm never upgrades crds/.
	dropQuotaCRDField(t)
	if quotaCRDHasField(t) {
		t.Fatal("the quota CRD still has the field the test took out")
	}
	applyCRDs(t)
	if !quotaCRDHasField(t) {
		t.Error("after kubectl apply --server-side of crds/ the quota CRD lacks status.namespaces[].cluster")
	}
	rel := h.upgrade(current, vals())

	if got := secret(h.fullname() + "-apiserver-signing-key"); !cmp.Equal(got, signingKey) {
		t.Error("the upgrade changed the token signing key: every issued token is invalid")
	}
	if got := secret(h.fullname() + "-console-client"); !cmp.Equal(got, clientSecret) {
		t.Error("the upgrade changed the console's client secret")
	}
	if diff := cmp.Diff(before, snapshot(t, data)); diff != "" {
		t.Errorf("the upgrade changed the platform's data (-before +after):\n%s", diff)
	}

	// The Deployments are those the new chart renders.
	want := map[string]*appsv1.Deployment{}
	for _, u := range manifestObjects(t, rel.Manifest) {
		if u.GetKind() != "Deployment" {
			continue
		}
		d := &appsv1.Deployment{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, d); err != nil {
			t.Fatal(err)
		}
		want[d.Name] = d
	}
	if len(want) < 3 {
		t.Fatalf("the new chart renders %d Deployments", len(want))
	}
	for name, w := range want {
		got := &appsv1.Deployment{}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: h.namespace, Name: name}, got); err != nil {
			t.Fatal(err)
		}
		if got.Labels["helm.sh/chart"] != "super-kubenetes-"+current.Metadata.Version {
			t.Errorf("%s is labelled helm.sh/chart=%s after the upgrade", name, got.Labels["helm.sh/chart"])
		}
		type container struct {
			Name, Image string
			Args        []string
		}
		of := func(d *appsv1.Deployment) (out []container) {
			for _, c := range d.Spec.Template.Spec.Containers {
				out = append(out, container{c.Name, c.Image, c.Args})
			}
			return out
		}
		if diff := cmp.Diff(of(w), of(got)); diff != "" {
			t.Errorf("%s does not run what the new chart says (-want +got):\n%s", name, diff)
		}
	}
}

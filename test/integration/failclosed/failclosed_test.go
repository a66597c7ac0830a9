// Package failclosed tests that ke-controller-manager's reconcilers fail
// closed: a reconcile that fails leaves its object Ready=False with a reason
// and a message without secrets, and keeps status.observedGeneration at the
// last generation brought in line. Each test runs one reconciler, built as
// ke-controller-manager builds it, with the identity of a controller that
// lacks one permission, against a real kube-apiserver; the object was ready
// at generation 1 and its spec then changed (generation 2).
package failclosed

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/globalrolebinding"
	"github.com/superkube/super-kubenetes/internal/controller/group"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/controller/platformrole"
	"github.com/superkube/super-kubenetes/internal/controller/user"
	"github.com/superkube/super-kubenetes/internal/controller/workspace"
	"github.com/superkube/super-kubenetes/internal/controller/workspacerolebinding"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

var (
	env *envtest.Environment
	k8s client.Client // the administrator's client
)

func TestMain(m *testing.M) {
	envtest.Run(m, &env, envtest.Options{})
}

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func admin(t *testing.T) client.Client {
	t.Helper()
	if k8s == nil {
		c, err := client.New(env.Config, client.Options{Scheme: scheme.New()})
		if err != nil {
			t.Fatal(err)
		}
		k8s = c
	}
	return k8s
}

// rule builds a policy rule of the iam group unless group says otherwise.
func rule(group string, resources []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
}

// controllerClient returns a client of a controller identity that may do
// exactly what rules allow; cached, its reads come from an informer cache
// with the controller manager's indexes, as in ke-controller-manager.
func controllerClient(t *testing.T, name string, cached bool, rules ...rbacv1.PolicyRule) client.Client {
	t.Helper()
	c := ctx(t)
	identity := "controller-" + name
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: identity}, Rules: rules}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: identity},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: identity},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: identity}}}
	for _, o := range []client.Object{role, binding} {
		if err := admin(t).Create(c, o); err != nil {
			t.Fatalf("creating %s: %v", o.GetName(), err)
		}
	}
	// RBAC reaches the authorizer through its informers: wait until the
	// first rule holds.
	first := rules[0]
	if err := wait.PollUntilContextTimeout(c, 50*time.Millisecond, 30*time.Second, true, func(c context.Context) (bool, error) {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: identity,
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: first.Verbs[0], Group: first.APIGroups[0], Resource: first.Resources[0]}}}
		if err := admin(t).Create(c, sar); err != nil {
			return false, err
		}
		return sar.Status.Allowed, nil
	}); err != nil {
		t.Fatalf("the rules of %s do not hold: %v", identity, err)
	}

	cfg, err := env.AddUser(identity)
	if err != nil {
		t.Fatal(err)
	}
	sch := scheme.New()
	if !cached {
		cl, err := client.New(cfg, client.Options{Scheme: sch})
		if err != nil {
			t.Fatal(err)
		}
		return cl
	}
	informers, err := cache.New(cfg, cache.Options{Scheme: sch})
	if err != nil {
		t.Fatal(err)
	}
	cacheCtx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	if err := index.Register(cacheCtx, informers); err != nil {
		t.Fatal(err)
	}
	go func() { _ = informers.Start(cacheCtx) }()
	if !informers.WaitForCacheSync(c) {
		t.Fatal("the cache did not sync")
	}
	cl, err := client.New(cfg, client.Options{Scheme: sch, Cache: &client.CacheOptions{Reader: informers}})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// wasReady records a successful reconcile of the object at its current
// generation, as the controller would have written it.
func wasReady(t *testing.T, o client.Object, status func(client.Object) (*[]metav1.Condition, *int64)) {
	t.Helper()
	conds, observed := status(o)
	conditions.SetReady(conds, o.GetGeneration(), true, "Reconciled", "")
	*observed = o.GetGeneration()
	if err := admin(t).Status().Update(ctx(t), o); err != nil {
		t.Fatalf("status of %s: %v", o.GetName(), err)
	}
}

// changeSpec updates the object with change applied and checks that its
// generation moved to 2.
func changeSpec(t *testing.T, o client.Object, change func()) {
	t.Helper()
	if err := admin(t).Get(ctx(t), client.ObjectKeyFromObject(o), o); err != nil {
		t.Fatal(err)
	}
	change()
	if err := admin(t).Update(ctx(t), o); err != nil {
		t.Fatalf("updating %s: %v", o.GetName(), err)
	}
	if o.GetGeneration() != 2 {
		t.Fatalf("generation %d, want 2", o.GetGeneration())
	}
}

// reconcileFails runs one reconcile, which must fail, and checks that the
// object is then Ready=False with the reason, a message that says what
// failed and has none of the secrets, and observedGeneration 1.
func reconcileFails(t *testing.T, r reconcile.Reconciler, o client.Object, status func(client.Object) (*[]metav1.Condition, *int64),
	reason, says string, secrets ...string) {
	t.Helper()
	if _, err := r.Reconcile(ctx(t), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(o)}); err == nil {
		t.Fatal("the reconcile did not fail")
	}
	if err := admin(t).Get(ctx(t), client.ObjectKeyFromObject(o), o); err != nil {
		t.Fatal(err)
	}
	conds, observed := status(o)
	c := meta.FindStatusCondition(*conds, conditions.Ready)
	if c == nil {
		t.Fatal("no Ready condition")
	}
	if c.Status != metav1.ConditionFalse || c.Reason != reason || !strings.Contains(c.Message, says) {
		t.Errorf("Ready=%s %s: %s; want Ready=False %s saying %q", c.Status, c.Reason, c.Message, reason, says)
	}
	if c.ObservedGeneration != 2 {
		t.Errorf("the condition is of generation %d, want 2", c.ObservedGeneration)
	}
	if *observed != 1 {
		t.Errorf("observedGeneration %d, want the last one brought in line, 1", *observed)
	}
	for _, s := range secrets {
		if strings.Contains(c.Message, s) {
			t.Errorf("the message shows a secret: %s", c.Message)
		}
	}
}

func recorder() events.EventRecorder { return &events.FakeRecorder{} }

func TestAWorkspaceWhoseManagerCannotBeBoundIsNotReady(t *testing.T) {
	c := ctx(t)
	if err := admin(t).Create(c, &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "fc-manager"}, Spec: iamv1beta1.UserSpec{Email: "fc-manager@example.com"}}); err != nil {
		t.Fatal(err)
	}
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "fc-ws", Finalizers: []string{tenantv1beta1.WorkspaceFinalizer}}}
	if err := admin(t).Create(c, ws); err != nil {
		t.Fatal(err)
	}
	status := func(o client.Object) (*[]metav1.Condition, *int64) {
		w := o.(*tenantv1beta1.Workspace)
		return &w.Status.Conditions, &w.Status.ObservedGeneration
	}
	wasReady(t, ws, status)
	changeSpec(t, ws, func() { ws.Spec.Manager = "fc-manager" })

	// The controller may write the workspace's roles but not bindings.
	cl := controllerClient(t, "workspace", false,
		rule(tenantv1beta1.GroupName, []string{"workspaces"}, "get", "list", "watch", "update", "patch"),
		rule(tenantv1beta1.GroupName, []string{"workspaces/status", "workspaces/finalizers"}, "get", "update", "patch"),
		rule(iamv1beta1.GroupName, []string{"workspaceroles"}, "get", "create", "update", "patch"),
		rule(iamv1beta1.GroupName, []string{"users", "roletemplates"}, "get"),
	)
	r := &workspace.Reconciler{Client: cl, Recorder: recorder()}
	reconcileFails(t, r, ws, status, tenantv1beta1.ReasonReconcileFailed, `binding the manager fc-manager as admin: `)
}

func TestAUserWhosePasswordHashCannotBeStoredIsNotReady(t *testing.T) {
	const password = "Plain-Passw0rd-for-the-test"
	c := ctx(t)
	u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "fc-user", Finalizers: []string{user.Finalizer}}, Spec: iamv1beta1.UserSpec{Email: "fc-user@example.com"}}
	if err := admin(t).Create(c, u); err != nil {
		t.Fatal(err)
	}
	status := func(o client.Object) (*[]metav1.Condition, *int64) {
		x := o.(*iamv1beta1.User)
		return &x.Status.Conditions, &x.Status.ObservedGeneration
	}
	wasReady(t, u, status)
	changeSpec(t, u, func() { u.Spec.Password = password })

	// The controller may write the user's status and read the password
	// Secrets, but not write them.
	cl := controllerClient(t, "user", false,
		rule(iamv1beta1.GroupName, []string{"users"}, "get", "list", "watch", "update", "patch"),
		rule(iamv1beta1.GroupName, []string{"users/status"}, "get", "update", "patch"),
		rule("", []string{"secrets"}, "get", "list", "watch"),
	)
	r := &user.Reconciler{Client: cl, Recorder: recorder(), Clock: clock.RealClock{}, BcryptCost: 4,
		Lockout:   user.Lockout{MaxFailures: 3, Window: time.Minute},
		Passwords: &passwordsecret.Store{Namespace: "superkube-system", Reader: cl, Writer: cl}}
	reconcileFails(t, r, u, status, iamv1beta1.ReasonReconcileFailed, "storing the password of user fc-user: ", password, "$2")
}

func TestAGlobalRoleBindingWhoseRoleCannotBeReadIsNotReady(t *testing.T) {
	c := ctx(t)
	b := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "fc-grb"},
		RoleRef: iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "fc-role"}}
	for _, o := range []client.Object{&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "fc-role"}}, b} {
		if err := admin(t).Create(c, o); err != nil {
			t.Fatal(err)
		}
	}
	status := func(o client.Object) (*[]metav1.Condition, *int64) {
		x := o.(*iamv1beta1.GlobalRoleBinding)
		return &x.Status.Conditions, &x.Status.ObservedGeneration
	}
	wasReady(t, b, status)
	changeSpec(t, b, func() {
		b.Subjects = []iamv1beta1.Subject{{Kind: "Group", APIGroup: rbacv1.GroupName, Name: "fc-group"}}
	})

	// The controller may not read GlobalRoles.
	cl := controllerClient(t, "globalrolebinding", false,
		rule(iamv1beta1.GroupName, []string{"globalrolebindings", "users"}, "get", "list", "watch"),
		rule(iamv1beta1.GroupName, []string{"globalrolebindings/status"}, "get", "update", "patch"),
		rule(rbacv1.GroupName, []string{"clusterrolebindings"}, "get", "create", "update", "patch", "delete"),
	)
	r := &globalrolebinding.Reconciler{Client: cl, Recorder: recorder()}
	reconcileFails(t, r, b, status, iamv1beta1.ReasonReconcileFailed, "reading GlobalRole fc-role: ")
}

func TestAWorkspaceRoleBindingWhoseWorkspaceCannotBeReadIsNotReady(t *testing.T) {
	c := ctx(t)
	b := &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "fc-wrb", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "fc-wrb-ws"}},
		RoleRef: iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: "fc-wrb-ws-viewer"}}
	for _, o := range []client.Object{&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "fc-wrb-ws"}}, b} {
		if err := admin(t).Create(c, o); err != nil {
			t.Fatal(err)
		}
	}
	status := func(o client.Object) (*[]metav1.Condition, *int64) {
		x := o.(*iamv1beta1.WorkspaceRoleBinding)
		return &x.Status.Conditions, &x.Status.ObservedGeneration
	}
	wasReady(t, b, status)
	changeSpec(t, b, func() {
		b.Subjects = []iamv1beta1.Subject{{Kind: "Group", APIGroup: rbacv1.GroupName, Name: "fc-group"}}
	})

	// The controller may not read workspaces.
	cl := controllerClient(t, "workspacerolebinding", false,
		rule(iamv1beta1.GroupName, []string{"workspacerolebindings", "workspaceroles", "users"}, "get", "list", "watch"),
		rule(iamv1beta1.GroupName, []string{"workspacerolebindings/status"}, "get", "update", "patch"),
	)
	r := &workspacerolebinding.Reconciler{Client: cl, Reader: cl, Recorder: recorder()}
	reconcileFails(t, r, b, status, iamv1beta1.ReasonReconcileFailed, "reading workspace fc-wrb-ws: ")
}

func TestAGlobalRoleWhoseRulesCannotBeWrittenIsNotReady(t *testing.T) {
	c := ctx(t)
	tpl := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: "fc-view-pods"},
		Spec: iamv1beta1.RoleTemplateSpec{Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}}
	role := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "fc-globalrole"}}
	for _, o := range []client.Object{tpl, role} {
		if err := admin(t).Create(c, o); err != nil {
			t.Fatal(err)
		}
	}
	status := func(o client.Object) (*[]metav1.Condition, *int64) {
		x := o.(*iamv1beta1.GlobalRole)
		return &x.Status.Conditions, &x.Status.ObservedGeneration
	}
	wasReady(t, role, status)
	changeSpec(t, role, func() {
		role.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{"fc-view-pods"}}
	})

	// The controller may write the role's status and mirror, but not the role.
	cl := controllerClient(t, "globalrole", false,
		rule(iamv1beta1.GroupName, []string{"globalroles", "roletemplates"}, "get", "list", "watch"),
		rule(iamv1beta1.GroupName, []string{"globalroles/status"}, "get", "update", "patch"),
		rule(rbacv1.GroupName, []string{"clusterroles"}, "get", "create", "update", "patch"),
	)
	r := &platformrole.Reconciler[*iamv1beta1.GlobalRole]{Client: cl, Reader: cl, Recorder: recorder(), Kind: platformrole.GlobalRoles}
	reconcileFails(t, r, role, status, iamv1beta1.ReasonReconcileFailed, "updating the rules of GlobalRole fc-globalrole: ")
}

func TestAGroupWhoseBindingsCannotBeUpdatedIsNotReady(t *testing.T) {
	c := ctx(t)
	g := &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: "fc-group"}}
	gb := &iamv1beta1.GroupBinding{ObjectMeta: metav1.ObjectMeta{Name: "fc-group-members"},
		GroupRef: iamv1beta1.GroupRef{APIGroup: iamv1beta1.GroupName, Kind: "Group", Name: "fc-group"}, Users: []string{"fc-nobody"}}
	for _, o := range []client.Object{g, gb} {
		if err := admin(t).Create(c, o); err != nil {
			t.Fatal(err)
		}
	}
	status := func(o client.Object) (*[]metav1.Condition, *int64) {
		x := o.(*iamv1beta1.Group)
		return &x.Status.Conditions, &x.Status.ObservedGeneration
	}
	wasReady(t, g, status)
	changeSpec(t, g, func() { g.Spec.Description = "changed" })

	// The controller reads everything and writes groups' status, but not
	// the status of their bindings.
	cl := controllerClient(t, "group", true,
		rule("*", []string{"*"}, "get", "list", "watch"),
		rule(iamv1beta1.GroupName, []string{"groups/status"}, "get", "update", "patch"),
	)
	r := &group.Reconciler{Client: cl, Recorder: recorder()}
	reconcileFails(t, r, g, status, iamv1beta1.ReasonReconcileFailed, fmt.Sprintf("group binding %s: ", gb.Name))
}

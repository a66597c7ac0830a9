// Package servicetest runs the tests of ke-apiserver's services
// (internal/services/...) against a real control plane from package
// envtest, read as ke-apiserver reads it: through an informer cache, with
// the platform's authorizer over the same cache. No controller runs: the
// tests make the objects the controllers would, with the builders here.
package servicetest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/services/cachewait"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// SystemNamespace is the platform's system namespace in the tests.
const SystemNamespace = "superkube-system"

// Root is the platform administrator of every test.
const Root = "root"

// Env is a control plane with the platform's CRDs, read through a cache.
type Env struct {
	// Client reads from kube-apiserver and writes.
	Client client.Client
	// Cache is what the services read, as in ke-apiserver.
	Cache ctrlcache.Cache
	// Authorizer is the platform's four-level authorizer over Cache.
	Authorizer *authz.Authorizer
}

// Run is meant for TestMain: it starts a control plane and a cache (setup
// may register field indexes on it before it starts), makes Root a platform
// administrator, runs the tests and stops everything. It exits the process
// with the tests' code.
func Run(m *testing.M, out **Env, setup func(context.Context, ctrlcache.Cache) error) {
	te, err := envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e, err := start(ctx, te, setup)
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, "servicetest:", err)
	} else {
		*out = e
		code = m.Run()
	}
	cancel()
	if err := te.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "envtest: stopping:", err)
	}
	os.Exit(code)
}

func start(ctx context.Context, te *envtest.Environment, setup func(context.Context, ctrlcache.Cache) error) (*Env, error) {
	sch := scheme.New()
	c, err := client.New(te.Config, client.Options{Scheme: sch})
	if err != nil {
		return nil, err
	}
	cache, err := ctrlcache.New(te.Config, ctrlcache.Options{Scheme: sch})
	if err != nil {
		return nil, err
	}
	stores, err := authz.InformerStores(ctx, cache)
	if err != nil {
		return nil, err
	}
	if setup != nil {
		if err := setup(ctx, cache); err != nil {
			return nil, err
		}
	}
	go func() { _ = cache.Start(ctx) }()
	if !cache.WaitForCacheSync(ctx) {
		return nil, errors.New("the cache did not sync")
	}
	e := &Env{Client: c, Cache: cache, Authorizer: authz.New(stores)}
	boot := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: SystemNamespace}},
		&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: builtin.PlatformAdmin, Labels: builtinLabels(iamv1beta1.LevelGlobal)},
			Rules: builtinRole(builtin.GlobalRoles(), builtin.PlatformAdmin).EffectiveRules()},
		GlobalMember(Root, builtin.PlatformAdmin),
		&iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: Root}, Spec: iamv1beta1.UserSpec{Email: Root + "@example.com"}},
	}
	for _, o := range boot {
		if err := e.create(ctx, o); err != nil {
			return nil, err
		}
	}
	// Kubernetes' own cluster-admin, labelled as ke-controller-manager labels it.
	admin := &rbacv1.ClusterRole{}
	if err := c.Get(ctx, client.ObjectKey{Name: builtin.ClusterAdmin}, admin); err != nil {
		return nil, err
	}
	before := admin.DeepCopy()
	admin.Labels = map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster), iamv1beta1.BuiltinLabel: "true"}
	if err := c.Patch(ctx, admin, client.MergeFrom(before)); err != nil {
		return nil, err
	}
	return e, e.create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: builtin.ClusterViewer, Labels: builtinLabels(iamv1beta1.LevelCluster)},
		Rules: builtin.Role{Templates: builtin.ClusterViewerTemplates()}.EffectiveRules()})
}

// Create creates the objects and waits until the cache holds them.
func (e *Env) Create(t testing.TB, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := e.create(context.Background(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

func (e *Env) create(ctx context.Context, o client.Object) error {
	if err := e.Client.Create(ctx, o); err != nil {
		return err
	}
	return e.cached(ctx, o)
}

// Cached waits until the cache holds obj at its resource version or a later one.
func (e *Env) Cached(t testing.TB, obj client.Object) {
	t.Helper()
	if err := e.cached(context.Background(), obj); err != nil {
		t.Fatalf("%T %s never reached the cache: %v", obj, obj.GetName(), err)
	}
}

func (e *Env) cached(ctx context.Context, obj client.Object) error {
	if !cachewait.Until(ctx, e.Cache, obj, 10*time.Second) {
		return errors.New("the cache does not show it")
	}
	return nil
}

// Caller is an authenticated user, as the authentication filter makes it.
func Caller(name string, groups ...string) user.Info {
	return &user.DefaultInfo{Name: name, Groups: append(groups, user.AllAuthenticated)}
}

// Expect fails the test unless err is what a case wants: no error for code
// 0, else as ExpectStatus. It reports whether the call succeeded, for the
// case's further checks.
func Expect(t testing.TB, err error, code int32, field string) bool {
	t.Helper()
	if code == 0 {
		if err != nil {
			t.Fatal(err)
		}
		return true
	}
	ExpectStatus(t, err, code, field)
	return false
}

// ExpectStatus fails the test unless err is an API status of the code that
// names the field among its causes (when field is not empty).
func ExpectStatus(t testing.TB, err error, code int32, field string) {
	t.Helper()
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		t.Fatalf("got %v, want a status %d", err, code)
	}
	if got := st.Status().Code; got != code {
		t.Fatalf("got status %d (%v), want %d", got, err, code)
	}
	if field == "" {
		return
	}
	if d := st.Status().Details; d == nil || !slices.ContainsFunc(d.Causes, func(c metav1.StatusCause) bool { return c.Field == field }) {
		t.Fatalf("the status %v names no field %s", err, field)
	}
}

// Builders of what ke-controller-manager and the platform's users would
// have made.

func builtinLabels(lv iamv1beta1.Level) map[string]string {
	return map[string]string{iamv1beta1.ScopeLabel: string(lv), iamv1beta1.BuiltinLabel: "true"}
}

func builtinRole(roles []builtin.Role, name string) builtin.Role {
	i := slices.IndexFunc(roles, func(r builtin.Role) bool { return r.Name == name })
	return roles[i]
}

// User is a user with an e-mail address.
func User(name string) *iamv1beta1.User {
	return &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: iamv1beta1.UserSpec{Email: name + "@example.com"}}
}

// Workspace is a workspace and its built-in roles, with their rules as the
// controller would aggregate them.
func Workspace(name, manager string) []client.Object {
	out := []client.Object{&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: tenantv1beta1.WorkspaceSpec{Manager: manager}}}
	for _, r := range builtin.WorkspaceRoles() {
		labels := builtinLabels(iamv1beta1.LevelWorkspace)
		labels[tenantv1beta1.WorkspaceLabel] = name
		out = append(out, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: builtin.WorkspaceRoleName(name, r.Name), Labels: labels},
			Rules: r.EffectiveRules()})
	}
	return out
}

// Project is a namespace of a workspace with its creator, and its built-in roles.
func Project(ws, name, creator string) []client.Object {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}}
	if creator != "" {
		ns.Annotations = map[string]string{tenantv1beta1.CreatorAnnotation: creator}
	}
	out := []client.Object{ns}
	for _, r := range builtin.ProjectRoles() {
		out = append(out, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: r.Name, Labels: builtinLabels(iamv1beta1.LevelNamespace)},
			Rules: r.EffectiveRules()})
	}
	return out
}

// WorkspaceRole is a custom role of a workspace with its own rules.
func WorkspaceRole(ws, name string, rules ...rbacv1.PolicyRule) *iamv1beta1.WorkspaceRole {
	return &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.ScopeLabel: string(iamv1beta1.LevelWorkspace)}}, Rules: rules}
}

// GlobalRole is a custom platform role with its own rules.
func GlobalRole(name string, rules ...rbacv1.PolicyRule) *iamv1beta1.GlobalRole {
	return &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
		iamv1beta1.ScopeLabel: string(iamv1beta1.LevelGlobal)}}, Rules: rules}
}

// GlobalMember binds a user to a platform role.
func GlobalMember(username, role string) *iamv1beta1.GlobalRoleBinding {
	return &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: username + "-" + role},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: role},
		Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}}}
}

// WorkspaceMember binds a user to a role of a workspace.
func WorkspaceMember(ws, username, role string) *iamv1beta1.WorkspaceRoleBinding {
	return &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: username + "-" + role,
		Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.UserRefLabel: username}},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: role},
		Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}}}
}

// ProjectMember binds a user to a role of a project.
func ProjectMember(ns, username, role string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: username + "-" + role,
		Labels: map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace), iamv1beta1.UserRefLabel: username}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}}}
}

// Rule allows verbs on resources of an API group.
func Rule(group string, resources []string, verbs ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: []string{group}, Resources: resources, Verbs: verbs}
}

package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
)

var (
	everything  = rbacv1.PolicyRule{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}
	manageUsers = rbacv1.PolicyRule{APIGroups: []string{"iam.superkube.io"}, Resources: []string{"users", "groups", "groupbindings"}, Verbs: []string{"get", "list", "update", "create", "delete"}}
	manageNS    = rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"namespaces", "pods"}, Verbs: []string{"get", "list", "create", "update", "patch"}}
)

// roles is Objects over a map of role rules; users have no groups.
type roles map[string][]rbacv1.PolicyRule

func (r roles) UserGroups(context.Context, string) ([]string, bool, error) { return nil, true, nil }
func (r roles) RoleRules(_ context.Context, ref RoleRef) ([]rbacv1.PolicyRule, bool, error) {
	rules, ok := r[ref.Kind+"/"+ref.Name]
	return rules, ok, nil
}
func (r roles) TemplateRules(_ context.Context, names []string) ([]rbacv1.PolicyRule, error) {
	var out []rbacv1.PolicyRule
	for _, n := range names {
		out = append(out, r["RoleTemplate/"+n]...)
	}
	return out, nil
}

// webhook is a platform with an administrator (root), a user manager
// (um), and the admin of workspace acme (wsadmin), whose project is acme-web.
func webhook(t *testing.T) *Webhook {
	ix := authz.Indexers()
	mk := func(name string) toolscache.Indexer {
		return toolscache.NewIndexer(toolscache.MetaNamespaceKeyFunc, ix[name])
	}
	s := authz.Stores{GlobalRoleBindings: mk("GlobalRoleBindings"), GlobalRoles: mk("GlobalRoles"),
		WorkspaceRoleBindings: mk("WorkspaceRoleBindings"), WorkspaceRoles: mk("WorkspaceRoles"),
		RoleBindings: mk("RoleBindings"), Roles: mk("Roles"), ClusterRoleBindings: mk("ClusterRoleBindings"),
		ClusterRoles: mk("ClusterRoles"), Namespaces: mk("Namespaces")}
	add := func(idx toolscache.Indexer, o any) {
		if err := idx.Add(o); err != nil {
			t.Fatal(err)
		}
	}
	global := func(user, role string, rules ...rbacv1.PolicyRule) {
		add(s.GlobalRoles, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: role}, Rules: rules})
		add(s.GlobalRoleBindings, &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: user + "-" + role},
			RoleRef: iamv1beta1.RoleRef{Name: role}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: user}}})
	}
	global("root", "platform-admin", everything, rbacv1.PolicyRule{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}})
	global("um", "user-manager", manageUsers)
	add(s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "acme-admin", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		Rules: []rbacv1.PolicyRule{manageNS}})
	add(s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wsadmin", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		RoleRef: iamv1beta1.RoleRef{Name: "acme-admin"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "wsadmin"}}})
	add(s.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme-web", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}}})
	return &Webhook{Authorizer: authz.New(s), Exempt: Exemptions{Users: []string{"ke-controller-manager"}},
		Objects: roles{"GlobalRole/platform-admin": {everything}, "GlobalRole/user-manager": {manageUsers}, "ClusterRole/cluster-admin": {everything},
			"RoleTemplate/everything": {everything}}}
}

func raw(t *testing.T, o runtime.Object) runtime.RawExtension {
	if o == nil {
		return runtime.RawExtension{}
	}
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return runtime.RawExtension{Raw: data}
}

func ask(t *testing.T, h *Webhook, user string, op admissionv1.Operation, group, resource string, obj, old runtime.Object) *admissionv1.AdmissionResponse {
	t.Helper()
	req := &admissionv1.AdmissionRequest{UID: "1", Operation: op, UserInfo: authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}},
		Resource: metav1.GroupVersionResource{Group: group, Resource: resource}, Object: raw(t, obj), OldObject: raw(t, old)}
	if m, ok := obj.(metav1.Object); ok {
		req.Name, req.Namespace = m.GetName(), m.GetNamespace()
	} else if m, ok := old.(metav1.Object); ok {
		req.Name, req.Namespace = m.GetName(), m.GetNamespace()
	}
	body, _ := json.Marshal(admissionv1.AdmissionReview{TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"}, Request: req})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("answer %d %s", rec.Code, rec.Body)
	}
	out := &admissionv1.AdmissionReview{}
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil || out.Response == nil || out.Response.UID != "1" {
		t.Fatalf("not an AdmissionReview for the request: %v %s", err, rec.Body)
	}
	return out.Response
}

func ns(name string, labels, annotations map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations}}
}

func TestTheWebhookDecides(t *testing.T) {
	h := webhook(t)
	admin := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "root"}}
	disabled := admin.DeepCopy()
	disabled.Spec.Disabled = true
	bob := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "bob"}}
	bob2 := bob.DeepCopy()
	bob2.Spec.Description = "changed"
	rootBinding := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "x"}, RoleRef: iamv1beta1.RoleRef{Name: "platform-admin"},
		Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "um"}}}
	web := ns("acme-web", map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}, nil)
	moved := ns("acme-web", map[string]string{tenantv1beta1.WorkspaceLabel: "other"}, nil)
	named := ns("acme-web", map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}, map[string]string{tenantv1beta1.DisplayNameAnnotation: "Web"})
	const iam, rbac = "iam.superkube.io", "rbac.authorization.k8s.io"
	for _, tt := range []struct {
		name     string
		user     string
		op       admissionv1.Operation
		group    string
		resource string
		obj, old runtime.Object
		allowed  bool
		reason   string
	}{
		{"a user manager may not disable an administrator", "um", admissionv1.Update, iam, "users", disabled, admin, false, "may not change or delete user root"},
		{"a user manager may not delete an administrator", "um", admissionv1.Delete, iam, "users", nil, admin, false, "may not change or delete user root"},
		{"a user manager changes an ordinary user", "um", admissionv1.Update, iam, "users", bob2, bob, true, ""},
		{"the administrator disables itself if it wants", "root", admissionv1.Update, iam, "users", disabled, admin, true, ""},
		{"a platform component is not checked", "ke-controller-manager", admissionv1.Update, iam, "users", disabled, admin, true, ""},
		{"a user manager may not bind platform-admin", "um", admissionv1.Create, iam, "globalrolebindings", rootBinding, nil, false, `may not grant GlobalRole "platform-admin"`},
		{"nobody but an administrator binds a role that does not exist", "um", admissionv1.Create, iam, "globalrolebindings",
			&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "y"}, RoleRef: iamv1beta1.RoleRef{Name: "later"}}, nil, false, "does not exist"},
		{"a user manager may not widen a role template", "um", admissionv1.Update, iam, "roletemplates",
			&iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t"}, Spec: iamv1beta1.RoleTemplateSpec{Rules: []rbacv1.PolicyRule{everything}}},
			&iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: "t"}}, false, "may not make or change RoleTemplate"},
		{"a role of templates is checked by its templates' rules", "um", admissionv1.Create, iam, "globalroles",
			&iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "r"}, AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{"everything"}}}, nil, false, "which allows * */*"},
		{"a workspace admin may not bind cluster-admin in its project", "wsadmin", admissionv1.Create, rbac, "rolebindings",
			&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "b"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"}}, nil, false, `may not grant ClusterRole "cluster-admin"`},
		{"a workspace admin makes a role of what it holds", "wsadmin", admissionv1.Create, rbac, "roles",
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "r"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}, nil, true, ""},
		{"a role with escalate is beyond a workspace admin", "wsadmin", admissionv1.Create, rbac, "roles",
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "r"}, Rules: []rbacv1.PolicyRule{{APIGroups: []string{"rbac.authorization.k8s.io"}, Resources: []string{"roles"}, Verbs: []string{"escalate"}}}}, nil, false, "escalate"},
		{"only an administrator makes an aggregated ClusterRole", "wsadmin", admissionv1.Create, rbac, "clusterroles",
			&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "agg"}, AggregationRule: &rbacv1.AggregationRule{}}, nil, false, "aggregate"},
		{"a tenant may not mark a role as built in", "wsadmin", admissionv1.Update, rbac, "roles",
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "r", Labels: map[string]string{iamv1beta1.BuiltinLabel: "true"}}},
			&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "r"}}, false, "label iam.superkube.io/builtin"},
		{"a workspace admin may not move a project", "wsadmin", admissionv1.Update, "", "namespaces", moved, web, false, "label superkube.io/workspace"},
		{"a workspace admin names its project", "wsadmin", admissionv1.Update, "", "namespaces", named, web, true, ""},
		{"an administrator moves a project", "root", admissionv1.Update, "", "namespaces", moved, web, true, ""},
		{"a workspace admin creates a project in its workspace", "wsadmin", admissionv1.Create, "", "namespaces",
			ns("acme-new", map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}, map[string]string{tenantv1beta1.CreatorAnnotation: "wsadmin"}), nil, true, ""},
		{"nobody names another as creator", "wsadmin", admissionv1.Create, "", "namespaces",
			ns("acme-new", map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}, map[string]string{tenantv1beta1.CreatorAnnotation: "root"}), nil, false, "must name its creator"},
		{"nobody creates a project in a workspace it may not", "um", admissionv1.Create, "", "namespaces",
			ns("acme-new", map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}, nil), nil, false, "may not create projects in workspace acme"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := ask(t, h, tt.user, tt.op, tt.group, tt.resource, tt.obj, tt.old)
			if resp.Allowed != tt.allowed {
				t.Fatalf("allowed=%v (%v), want %v", resp.Allowed, resp.Result, tt.allowed)
			}
			if !tt.allowed && (resp.Result == nil || resp.Result.Code != http.StatusForbidden || !strings.Contains(resp.Result.Message, tt.reason)) {
				t.Fatalf("refusal %+v, want 403 saying %q", resp.Result, tt.reason)
			}
		})
	}
}

func TestTheWebhookRefusesWhatIsNotAReviewAndWaitsForItsCaches(t *testing.T) {
	h := webhook(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, strings.NewReader("{")))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("a broken body: %d", rec.Code)
	}
	h.Ready = func() error { return context.DeadlineExceeded }
	resp := ask(t, h, "um", admissionv1.Update, "iam.superkube.io", "users", &iamv1beta1.User{}, &iamv1beta1.User{})
	if resp.Allowed || resp.Result.Code != http.StatusServiceUnavailable {
		t.Fatalf("before the caches sync: %+v", resp.Result)
	}
}

func TestTheMatchConditionLeavesOutTheExempt(t *testing.T) {
	e := Exemptions{Users: []string{"ke-apiserver"}}
	cel := e.celNotExempt()
	for _, want := range []string{`"system:masters" in request.userInfo.groups`, `"ke-apiserver"`, `"system:kube-controller-manager"`, `startsWith("system:serviceaccount:kube-system:")`} {
		if !strings.Contains(cel, want) {
			t.Errorf("the match condition %s lacks %s", cel, want)
		}
	}
	for _, tt := range []struct {
		u    authenticationv1.UserInfo
		want bool
	}{
		{authenticationv1.UserInfo{Username: "alice", Groups: []string{"system:masters"}}, true},
		{authenticationv1.UserInfo{Username: "ke-apiserver"}, true},
		{authenticationv1.UserInfo{Username: "system:serviceaccount:kube-system:namespace-controller"}, true},
		{authenticationv1.UserInfo{Username: "system:serviceaccount:team:builder"}, false},
		{authenticationv1.UserInfo{Username: "alice", Groups: []string{"system:authenticated"}}, false},
	} {
		if got := e.Exempt(tt.u); got != tt.want {
			t.Errorf("%s exempt=%v, want %v", tt.u.Username, got, tt.want)
		}
	}
}

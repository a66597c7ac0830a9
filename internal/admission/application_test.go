package admission

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// appObjects is roles with the app store's objects.
type appObjects struct {
	roles
	secrets  map[string]map[string]string
	ns       map[string]string
	versions map[string]*applicationv2.ApplicationVersion
}

func (a appObjects) SecretLabels(_ context.Context, namespace, name string) (map[string]string, bool, error) {
	l, ok := a.secrets[namespace+"/"+name]
	return l, ok, nil
}

func (a appObjects) NamespaceWorkspace(_ context.Context, name string) (string, bool, error) {
	ws, ok := a.ns[name]
	return ws, ok, nil
}

func (a appObjects) ApplicationVersion(_ context.Context, name string) (*applicationv2.ApplicationVersion, bool, error) {
	v, ok := a.versions[name]
	return v, ok, nil
}

var now = time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)

// appWebhook: root (platform administrator), dev (developer of workspace
// acme: update applications there), rev (app reviewer: review and update
// applicationversions), mgr (updates every version, reviews none), and
// nobody.
func appWebhook(t *testing.T) *Webhook {
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
	app := applicationv2.GroupName
	global("root", "platform-admin", everything, rbacv1.PolicyRule{NonResourceURLs: []string{"*"}, Verbs: []string{"*"}})
	global("rev", "reviewer", rbacv1.PolicyRule{APIGroups: []string{app}, Resources: []string{"applicationversions"}, Verbs: []string{"get", "list", "update", "review"}})
	global("mgr", "manager", rbacv1.PolicyRule{APIGroups: []string{app}, Resources: []string{"applicationversions", "repositories"}, Verbs: []string{"get", "list", "update", "create"}})
	add(s.WorkspaceRoles, &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: "acme-dev", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{app}, Resources: []string{"applications", "applicationversions"}, Verbs: []string{"get", "list", "create", "update"}}}})
	add(s.WorkspaceRoleBindings, &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "dev", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}},
		RoleRef: iamv1beta1.RoleRef{Name: "acme-dev"}, Subjects: []iamv1beta1.Subject{{Kind: "User", Name: "dev"}}})
	add(s.Namespaces, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "acme-web", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "acme"}}})
	active := appVersion("store-web-1.0.0", "", applicationv2.StateActive)
	draft := appVersion("acme-web-1.0.0", "acme", applicationv2.StateDraft)
	other := appVersion("other-web-1.0.0", "other", applicationv2.StateDraft)
	return &Webhook{Authorizer: authz.New(s), Exempt: Exemptions{Users: []string{"ke-controller-manager"}}, Clock: func() time.Time { return now },
		Objects: appObjects{roles: roles{"GlobalRole/platform-admin": {everything}},
			secrets:  map[string]map[string]string{"superkube-system/good": {applicationv2.RepositoryLabel: "charts"}, "superkube-system/alien": {}},
			ns:       map[string]string{"acme-web": "acme"},
			versions: map[string]*applicationv2.ApplicationVersion{active.Name: active, draft.Name: draft, other.Name: other}}}
}

func appVersion(name, ws string, state applicationv2.ReviewState) *applicationv2.ApplicationVersion {
	v := &applicationv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{}},
		Spec: applicationv2.ApplicationVersionSpec{Application: strings.TrimSuffix(name, "-1.0.0"), Version: "1.0.0", State: state,
			Source: applicationv2.ChartSource{ConfigMap: "appver-" + name}}}
	if ws != "" {
		v.Labels[applicationv2.WorkspaceLabel] = ws
	}
	return v
}

// moved is v after a transition to state by user.
func moved(v *applicationv2.ApplicationVersion, to applicationv2.ReviewState, user, msg string) *applicationv2.ApplicationVersion {
	out := v.DeepCopy()
	out.Spec.State = to
	out.Spec.Reviews = append(out.Spec.Reviews, applicationv2.ReviewEvent{From: v.Spec.State, To: to, User: user, Time: metav1.NewTime(now.Add(-time.Minute)), Message: msg})
	return out
}

func TestTheWebhookEnforcesTheReviewWorkflow(t *testing.T) {
	h := appWebhook(t)
	draft := appVersion("acme-web-1.0.0", "acme", applicationv2.StateDraft)
	submitted := moved(draft, applicationv2.StateSubmitted, "dev", "")
	passed := moved(submitted, applicationv2.StatePassed, "rev", "")
	platformDraft := appVersion("store-web-1.0.0", "", applicationv2.StateSubmitted)
	forged := moved(draft, applicationv2.StateSubmitted, "someone-else", "")
	stale := draft.DeepCopy()
	stale.Spec.State = applicationv2.StateSubmitted
	stale.Spec.Reviews = []applicationv2.ReviewEvent{{From: applicationv2.StateDraft, To: applicationv2.StateSubmitted, User: "dev", Time: metav1.NewTime(now.Add(-time.Hour))}}
	rewritten := passed.DeepCopy()
	rewritten.Spec.Reviews[0].User = "rev"
	rejectedSilently := moved(submitted, applicationv2.StateRejected, "rev", "")
	skipped := moved(draft, applicationv2.StateActive, "root", "")
	sourceChanged := submitted.DeepCopy()
	sourceChanged.Spec.Source.ConfigMap = "appver-evil"
	createdActive := appVersion("x-1.0.0", "acme", applicationv2.StateActive)
	for _, tt := range []struct {
		name     string
		user     string
		op       admissionv1.Operation
		obj, old runtime.Object
		says     string // "" allowed
	}{
		{"a developer submits", "dev", admissionv1.Update, submitted, draft, ""},
		{"a reviewer may not submit a workspace's draft", "rev", admissionv1.Update, moved(draft, applicationv2.StateSubmitted, "rev", ""), draft, "only a developer of workspace acme"},
		{"a reviewer passes", "rev", admissionv1.Update, passed, submitted, ""},
		{"a developer may not pass", "dev", admissionv1.Update, moved(submitted, applicationv2.StatePassed, "dev", ""), submitted, "only an app reviewer"},
		{"nor someone who may update every version", "mgr", admissionv1.Update, moved(platformDraft, applicationv2.StatePassed, "mgr", ""), platformDraft, "only an app reviewer"},
		{"a platform administrator passes", "root", admissionv1.Update, moved(submitted, applicationv2.StatePassed, "root", ""), submitted, ""},
		{"the event names the writer", "dev", admissionv1.Update, forged, draft, "must be dev"},
		{"the event is recent", "dev", admissionv1.Update, stale, draft, "within 5m0s"},
		{"reviews are append-only", "rev", admissionv1.Update, moved(rewritten, applicationv2.StateActive, "rev", ""), passed, "append-only"},
		{"a rejection says why", "rev", admissionv1.Update, rejectedSilently, submitted, "needs a message"},
		{"a rejection with a reason", "rev", admissionv1.Update, moved(submitted, applicationv2.StateRejected, "rev", "no probes"), submitted, ""},
		{"no skipping", "root", admissionv1.Update, skipped, draft, "cannot go from draft to active"},
		{"the developer releases a passed version", "dev", admissionv1.Update, moved(passed, applicationv2.StateActive, "dev", ""), passed, ""},
		{"a reviewer may not change the chart", "rev", admissionv1.Update, sourceChanged, submitted, "may not change the chart"},
		{"the developer may", "dev", admissionv1.Update, sourceChanged, submitted, ""},
		{"an outsider may not submit", "nobody", admissionv1.Update, moved(draft, applicationv2.StateSubmitted, "nobody", ""), draft, "may not submit"},
		{"a version is created a draft", "dev", admissionv1.Create, draft, nil, ""},
		{"not active", "dev", admissionv1.Create, createdActive, nil, "created as a draft"},
		{"but by the platform's administrator", "root", admissionv1.Create, createdActive, nil, ""},
		{"or by ke-controller-manager for a trusted repository", "ke-controller-manager", admissionv1.Create, createdActive, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, ask(t, h, tt.user, tt.op, applicationv2.GroupName, "applicationversions", tt.obj, tt.old), tt.says)
		})
	}
}

func expect(t *testing.T, resp *admissionv1.AdmissionResponse, says string) {
	t.Helper()
	if resp.Allowed != (says == "") {
		t.Fatalf("allowed=%v (%+v)", resp.Allowed, resp.Result)
	}
	if says != "" && (resp.Result.Code != http.StatusForbidden || !strings.Contains(resp.Result.Message, says)) {
		t.Fatalf("refusal %d %q, want 403 saying %q", resp.Result.Code, resp.Result.Message, says)
	}
}

func TestTheWebhookChecksRepositoriesAndReleases(t *testing.T) {
	h := appWebhook(t)
	repo := func(trusted bool, secret string) *applicationv2.Repository {
		return &applicationv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "charts"},
			Spec: applicationv2.RepositorySpec{URL: "https://charts.example.com", Trusted: trusted, CredentialsSecret: secret}}
	}
	release := func(version, operator string) *applicationv2.ApplicationRelease {
		app := strings.TrimSuffix(version, "-1.0.0")
		return &applicationv2.ApplicationRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-web", Name: "web",
			Annotations: map[string]string{applicationv2.OperatorAnnotation: operator}},
			Spec: applicationv2.ApplicationReleaseSpec{Application: app, Version: version}}
	}
	relabelled := release("store-web-1.0.0", "dev")
	relabelled.Labels = map[string]string{"x": "y"}
	for _, tt := range []struct {
		name, user, resource string
		op                   admissionv1.Operation
		obj, old             runtime.Object
		says                 string
	}{
		{"a manager adds an untrusted repository", "mgr", "repositories", admissionv1.Create, repo(false, ""), nil, ""},
		{"but not a trusted one", "mgr", "repositories", admissionv1.Create, repo(true, ""), nil, "only a platform administrator"},
		{"nor trusts it later", "mgr", "repositories", admissionv1.Update, repo(true, ""), repo(false, ""), "only a platform administrator"},
		{"the administrator does", "root", "repositories", admissionv1.Update, repo(true, ""), repo(false, ""), ""},
		{"credentials labelled for the repository", "mgr", "repositories", admissionv1.Create, repo(false, "good"), nil, ""},
		{"not someone else's secret", "mgr", "repositories", admissionv1.Create, repo(false, "alien"), nil, "labelled application.superkube.io/repository=charts"},
		{"not even the administrator's", "root", "repositories", admissionv1.Update, repo(false, "missing"), repo(false, ""), "must name a Secret"},
		{"a release by its operator", "dev", "applicationreleases", admissionv1.Create, release("store-web-1.0.0", "dev"), nil, ""},
		{"a release naming someone else", "dev", "applicationreleases", admissionv1.Create, release("store-web-1.0.0", "root"), nil, "must name dev"},
		{"an upgrade by another user names them", "root", "applicationreleases", admissionv1.Update, release("acme-web-1.0.0", "dev"), release("store-web-1.0.0", "dev"), "must name root"},
		{"a label change keeps the operator", "root", "applicationreleases", admissionv1.Update, relabelled, release("store-web-1.0.0", "dev"), ""},
		{"the operator deletes the release", "dev", "applicationreleases", admissionv1.Delete, nil, release("store-web-1.0.0", "dev"), ""},
		{"someone else names themselves first", "root", "applicationreleases", admissionv1.Delete, nil, release("store-web-1.0.0", "dev"),
			"name yourself first (kubectl annotate applicationrelease web application.superkube.io/operator=root --overwrite)"},
		{"naming oneself is a change of the annotation", "root", "applicationreleases", admissionv1.Update, release("store-web-1.0.0", "root"), release("store-web-1.0.0", "dev"), ""},
		{"a workspace's own template", "dev", "applicationreleases", admissionv1.Create, release("acme-web-1.0.0", "dev"), nil, ""},
		{"not another workspace's draft", "dev", "applicationreleases", admissionv1.Create, release("other-web-1.0.0", "dev"), nil, "not in the app store"},
		{"not a version that does not exist", "dev", "applicationreleases", admissionv1.Create, release("none-1.0.0", "dev"), nil, "no app version"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, ask(t, h, tt.user, tt.op, applicationv2.GroupName, tt.resource, tt.obj, tt.old), tt.says)
		})
	}
}

package appstoreapi

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	releasecommon "helm.sh/helm/v4/pkg/release/common"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage"
	"helm.sh/helm/v4/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	usersOnce sync.Once
	tokens    map[string]string
)

// users creates the users once and waits until their roles reach
// ke-apiserver's authorizer.
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		all := []string{developer, reviewer, manager, operator, viewer, outsider}
		for _, u := range all {
			platform.NewUser(t, k8s, u, password)
		}
		tokens = map[string]string{"admin": api.Admin(t)}
		for _, u := range all {
			tokens[u] = api.Token(t, u)
		}
		for u, path := range map[string]string{developer: "/workspaces/acme/apps", reviewer: "/reviews", manager: "/repos",
			operator: "/namespaces/acme-dev/releases", viewer: "/namespaces/acme-dev/releases"} {
			platform.Eventually(t, u+" may read "+path, time.Minute, func() error {
				if r := api.Do(t, http.MethodGet, prefix+path, tokens[u], nil); r.Code != http.StatusOK {
					return fmt.Errorf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		}
	})
	if tokens == nil {
		t.Fatal("no users")
	}
	return tokens
}

// as is a client of kube-apiserver acting as a user (kubectl, the proxy).
func as(t *testing.T, user string) client.Client {
	t.Helper()
	rc := rest.CopyConfig(restCfg)
	rc.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:authenticated"}}
	c, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// archive packs files (path → content) as a .tgz.
func archive(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, ModTime: time.Unix(1700000000, 0)}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chart is a small chart with a values schema: replicaCount an integer
// from 1 to 10.
func chart(t *testing.T, name, version string) []byte {
	return archive(t, map[string]string{
		name + "/Chart.yaml":         "apiVersion: v2\nname: " + name + "\nversion: " + version + "\nappVersion: \"1.0\"\ndescription: A web app for tests\nkeywords: [web, demo]\n",
		name + "/values.yaml":        "replicaCount: 1\nmessage: hello\n",
		name + "/values.schema.json": `{"type":"object","properties":{"replicaCount":{"type":"integer","minimum":1,"maximum":10},"message":{"type":"string"}},"required":["replicaCount"]}`,
		name + "/README.md":          "# " + name + "\nA web app.\n",
		name + "/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n  message: {{ .Values.message | quote }}\n" +
			"  replicas: {{ .Values.replicaCount | quote }}\n",
		name + "/templates/NOTES.txt": "Installed {{ .Release.Name }}.\n",
	})
}

func upload(t *testing.T, token, ws string, data []byte) *platform.Response {
	t.Helper()
	return api.Do(t, http.MethodPost, prefix+"/workspaces/"+ws+"/apps", token, bytes.NewReader(data), "Content-Type", "application/gzip")
}

func act(t *testing.T, token, app, version, action, message string) *platform.Response {
	t.Helper()
	return api.DoJSON(t, http.MethodPost, prefix+"/apps/"+app+"/versions/"+version+"/action", token, map[string]string{"action": action, "message": message})
}

func decode[T any](t *testing.T, r *platform.Response, code int) T {
	t.Helper()
	expectCode(t, r, code)
	var out T
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	return out
}

// expectCode checks an answer's code (errors are checked as Status).
func expectCode(t *testing.T, r *platform.Response, code int) {
	t.Helper()
	if code >= 300 {
		platform.ExpectStatus(t, r, code)
		return
	}
	if r.Code != code {
		t.Fatalf("want %d, got %d: %s", code, r.Code, r.Body)
	}
}

func expectStatus(t *testing.T, r *platform.Response, code int, says string) {
	t.Helper()
	platform.ExpectStatus(t, r, code)
	if r.Str("kind") != "Status" || !strings.Contains(r.Str("message"), says) {
		t.Errorf("the %d answer %s does not say %q", code, r.Body, says)
	}
}

// Bad archives get a Status naming what is wrong; nothing is created.
func TestUploadRefusesBadArchives(t *testing.T) {
	tok := users(t)
	big := make([]byte, applicationv2.MaxChartBytes+10)
	for _, tt := range []struct {
		name string
		data []byte
		code int
		says string
	}{
		{"not gzip", []byte("just some text, not a chart"), http.StatusBadRequest, "not gzip-compressed"},
		{"too large", big, http.StatusRequestEntityTooLarge, "1 MiB"},
		{"a path escaping its folder", archive(t, map[string]string{"evil/Chart.yaml": "apiVersion: v2\nname: evil\nversion: 1.0.0\n", "evil/../../etc/passwd": "x"}),
			http.StatusBadRequest, "escaping its folder"},
		{"no Chart.yaml", archive(t, map[string]string{"nochart/values.yaml": "a: 1\n"}), http.StatusBadRequest, "Chart.yaml"},
		{"a bad version", archive(t, map[string]string{"bad/Chart.yaml": "apiVersion: v2\nname: bad\nversion: one\n"}), http.StatusBadRequest, "version"},
		{"two top folders", archive(t, map[string]string{"a/Chart.yaml": "apiVersion: v2\nname: a\nversion: 1.0.0\n", "b/x": "y"}), http.StatusBadRequest, "two top folders"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expectStatus(t, upload(t, tok[developer], "acme", tt.data), tt.code, tt.says)
		})
	}
	expectStatus(t, upload(t, tok[outsider], "acme", chart(t, "nope", "1.0.0")), http.StatusForbidden, "may not upload")
	expectStatus(t, upload(t, tok[developer], "other", chart(t, "nope", "1.0.0")), http.StatusForbidden, "may not upload")
	l := decode[struct{ TotalItems int }](t, api.Do(t, http.MethodGet, prefix+"/workspaces/acme/apps?name=evil", tok[developer], nil), http.StatusOK)
	if l.TotalItems != 0 {
		t.Errorf("a refused upload left %d apps", l.TotalItems)
	}
}

// uploadVersion uploads a chart as the developer and returns the app's and
// version's names.
func uploadVersion(t *testing.T, name, version string) (app, ver string) {
	tok := users(t)
	v := decode[applicationv2.ApplicationVersion](t, upload(t, tok[developer], "acme", chart(t, name, version)), http.StatusCreated)
	if v.Spec.State != applicationv2.StateDraft || v.Spec.Source.ConfigMap == "" || !v.Spec.HasSchema {
		t.Fatalf("uploaded version %+v", v.Spec)
	}
	return v.Spec.Application, v.Name
}

// The console uploads with a form (multipart/form-data, field chart); a
// second upload of the same version is a conflict; a newer version is
// another version of the same app.
func TestUploadAsAForm(t *testing.T) {
	tok := users(t)
	form := func(data []byte) *platform.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, err := mw.CreateFormFile("chart", "formapp.tgz")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(data)
		_ = mw.Close()
		return api.Do(t, http.MethodPost, prefix+"/workspaces/acme/apps", tok[developer], &body, "Content-Type", mw.FormDataContentType())
	}
	v := decode[applicationv2.ApplicationVersion](t, form(chart(t, "formapp", "1.0.0")), http.StatusCreated)
	if v.Name != "acme-formapp-1.0.0" || v.Spec.Application != "acme-formapp" {
		t.Errorf("version %s of %s", v.Name, v.Spec.Application)
	}
	platform.ExpectStatus(t, form(chart(t, "formapp", "1.0.0")), http.StatusConflict)
	decode[applicationv2.ApplicationVersion](t, form(chart(t, "formapp", "1.1.0+build.1")), http.StatusCreated)
	platform.Eventually(t, "both versions are listed, newest first", 10*time.Second, func() error {
		l := decode[struct {
			Items []applicationv2.ApplicationVersion
		}](t, api.Do(t, http.MethodGet, prefix+"/apps/acme-formapp/versions", tok[developer], nil), http.StatusOK)
		if len(l.Items) != 2 || l.Items[0].Spec.Version != "1.1.0+build.1" {
			return fmt.Errorf("%d versions", len(l.Items))
		}
		return nil
	})
	expectCode(t, api.Do(t, http.MethodGet, prefix+"/apps/acme-formapp/versions/1.1.0+build.1", tok[developer], nil), http.StatusOK)
	expectStatus(t, api.Do(t, http.MethodPost, prefix+"/workspaces/acme/apps", tok[developer], strings.NewReader("{}"), "Content-Type", "application/json"),
		http.StatusUnsupportedMediaType, "chart archive")
	expectCode(t, api.Do(t, http.MethodDelete, prefix+"/apps/acme-formapp", tok[developer], nil), http.StatusOK)
}

// The whole workflow through the API, each step tried first by a role
// that may not make it.
func TestTheReviewWorkflowThroughTheAPI(t *testing.T) {
	tok := users(t)
	app, ver := uploadVersion(t, "flow", "1.0.0")
	files := decode[struct {
		Readme string
		Values string
		Schema map[string]any
		Chart  struct{ Name, Version string }
	}](t, api.Do(t, http.MethodGet, prefix+"/apps/"+app+"/versions/"+ver+"/files", tok[developer], nil), http.StatusOK)
	if !strings.Contains(files.Readme, "A web app") || !strings.Contains(files.Values, "replicaCount") || files.Schema == nil || files.Chart.Name != "flow" {
		t.Errorf("files %+v", files)
	}
	// Someone who cannot see the workspace's templates does not find the draft.
	platform.ExpectStatus(t, act(t, tok[outsider], app, ver, "submit", ""), http.StatusNotFound)
	expectStatus(t, act(t, tok[reviewer], app, ver, "submit", ""), http.StatusForbidden, "only a developer of workspace acme")
	decode[applicationv2.ApplicationVersion](t, act(t, tok[developer], app, ver, "submit", ""), http.StatusOK)
	expectStatus(t, act(t, tok[developer], app, ver, "pass", ""), http.StatusForbidden, "app reviewer")
	expectStatus(t, act(t, tok[manager], app, ver, "pass", ""), http.StatusForbidden, "app reviewer")
	platform.ExpectStatus(t, act(t, tok[reviewer], app, ver, "reject", ""), http.StatusUnprocessableEntity)
	platform.Eventually(t, "the submitted version is in the reviewer's queue", 10*time.Second, func() error {
		q := decode[struct {
			Items []applicationv2.ApplicationVersion
		}](t, api.Do(t, http.MethodGet, prefix+"/reviews?limit=500", tok[reviewer], nil), http.StatusOK)
		for _, v := range q.Items {
			if v.Name == ver {
				return nil
			}
		}
		return fmt.Errorf("%d versions in the queue, not %s", len(q.Items), ver)
	})
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/reviews", tok[developer], nil), http.StatusForbidden)
	decode[applicationv2.ApplicationVersion](t, act(t, tok[reviewer], app, ver, "reject", "add resource limits"), http.StatusOK)
	expectStatus(t, act(t, tok[developer], app, ver, "submit", ""), http.StatusConflict, "rejected")
	decode[applicationv2.ApplicationVersion](t, act(t, tok[developer], app, ver, "draft", ""), http.StatusOK)
	decode[applicationv2.ApplicationVersion](t, act(t, tok[developer], app, ver, "submit", "limits added"), http.StatusOK)
	decode[applicationv2.ApplicationVersion](t, act(t, tok[reviewer], app, ver, "pass", ""), http.StatusOK)
	v := decode[applicationv2.ApplicationVersion](t, act(t, tok[developer], app, ver, "release", ""), http.StatusOK)
	if v.Spec.State != applicationv2.StateActive {
		t.Fatalf("state %s", v.Spec.State)
	}
	expectStatus(t, act(t, tok[developer], app, ver, "suspend", ""), http.StatusForbidden, "app reviewer")
	decode[applicationv2.ApplicationVersion](t, act(t, tok[reviewer], app, ver, "suspend", "CVE"), http.StatusOK)
	expectStatus(t, act(t, tok[developer], app, ver, "recover", ""), http.StatusForbidden, "app reviewer")
	v = decode[applicationv2.ApplicationVersion](t, act(t, tok["admin"], app, ver, "recover", "fixed"), http.StatusOK)
	var who []string
	for _, e := range v.Spec.Reviews {
		who = append(who, fmt.Sprintf("%s:%s→%s", e.User, e.From, e.To))
		if time.Since(e.Time.Time) > time.Minute {
			t.Errorf("event %+v is old", e)
		}
	}
	want := "dev:draft→submitted rev:submitted→rejected dev:rejected→draft dev:draft→submitted rev:submitted→passed dev:passed→active rev:active→suspended admin:suspended→active"
	if strings.Join(who, " ") != want {
		t.Errorf("reviews %s, want %s", strings.Join(who, " "), want)
	}
	if v.Spec.Reviews[1].Message != "add resource limits" {
		t.Errorf("the rejection's message: %q", v.Spec.Reviews[1].Message)
	}
}

// waitActive waits until ke-controller-manager's app controller (started
// with the others) sums the released version up as the app's state.
func waitActive(t *testing.T, app string) {
	t.Helper()
	platform.Eventually(t, app+" is active", time.Minute, func() error {
		a := &applicationv2.Application{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Name: app}, a); err != nil {
			return err
		}
		if a.Status.State != applicationv2.StateActive {
			return fmt.Errorf("state %q", a.Status.State)
		}
		return nil
	})
}

// activeVersion uploads a chart and takes it through the workflow.
func activeVersion(t *testing.T, name string) (app, ver string) {
	tok := users(t)
	app, ver = uploadVersion(t, name, "1.0.0")
	for _, s := range []struct{ user, action string }{{developer, "submit"}, {reviewer, "pass"}, {developer, "release"}} {
		expectCode(t, act(t, tok[s.user], app, ver, s.action, ""), http.StatusOK)
	}
	waitActive(t, app)
	return app, ver
}

// The store shows active apps to everyone; a workspace's templates only
// to its members.
func TestTheStoreAndTheWorkspaceTemplates(t *testing.T) {
	tok := users(t)
	app, _ := activeVersion(t, "storeapp")
	draftApp, _ := uploadVersion(t, "drafty", "0.1.0")
	platform.Eventually(t, "the store lists the active app", 30*time.Second, func() error {
		l := decode[struct {
			Items      []applicationv2.Application
			TotalItems int
		}](t, api.Do(t, http.MethodGet, prefix+"/apps?name=STOREAPP", tok[outsider], nil), http.StatusOK)
		if l.TotalItems != 1 || l.Items[0].Name != app {
			return fmt.Errorf("%d apps", l.TotalItems)
		}
		return nil
	})
	l := decode[struct{ TotalItems int }](t, api.Do(t, http.MethodGet, prefix+"/apps?name=drafty", tok[outsider], nil), http.StatusOK)
	if l.TotalItems != 0 {
		t.Errorf("an outsider sees the draft in the store")
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/apps/"+draftApp, tok[outsider], nil), http.StatusNotFound)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/workspaces/acme/apps", tok[outsider], nil), http.StatusForbidden)
	w := decode[struct{ TotalItems int }](t, api.Do(t, http.MethodGet, prefix+"/apps?workspace=acme&name=drafty", tok[developer], nil), http.StatusOK)
	if w.TotalItems != 1 {
		t.Errorf("the developer sees %d drafts named drafty", w.TotalItems)
	}
	expectCode(t, api.Do(t, http.MethodGet, prefix+"/categories", tok[outsider], nil), http.StatusOK)
	// A chart's categories (annotation superkube.io/categories) and only
	// web links of its metadata reach the app.
	cat := archive(t, map[string]string{"catapp/Chart.yaml": "apiVersion: v2\nname: catapp\nversion: 1.0.0\nhome: javascript:alert(1)\n" +
		"icon: https://example.com/icon.png\nannotations:\n  superkube.io/categories: \"web, Not A Label ,db\"\n"})
	v := decode[applicationv2.ApplicationVersion](t, upload(t, tok[developer], "acme", cat), http.StatusCreated)
	a := decode[applicationv2.Application](t, api.Do(t, http.MethodGet, prefix+"/apps/"+v.Spec.Application, tok[developer], nil), http.StatusOK)
	if strings.Join(a.Spec.Categories, ",") != "web,db" || a.Spec.Home != "" || a.Spec.Icon != "https://example.com/icon.png" ||
		a.Labels[applicationv2.CategoryLabelPrefix+"web"] != "true" {
		t.Errorf("app %+v labels %v", a.Spec, a.Labels)
	}
	platform.Eventually(t, "the app is in category db", 10*time.Second, func() error {
		c := decode[struct{ TotalItems int }](t, api.Do(t, http.MethodGet, prefix+"/apps?workspace=acme&category=db", tok[developer], nil), http.StatusOK)
		if c.TotalItems != 1 {
			return fmt.Errorf("%d apps in category db", c.TotalItems)
		}
		return nil
	})
}

// Straight at kube-apiserver (kubectl, or the /apis proxy), the admission
// webhook enforces the same workflow.
func TestTheReviewWorkflowStraightAtKubeAPIServer(t *testing.T) {
	tok := users(t)
	app, ver := uploadVersion(t, "native", "1.0.0")
	expectCode(t, act(t, tok[developer], app, ver, "submit", ""), http.StatusOK)
	ctx := context.Background()
	transition := func(user, writer string, to applicationv2.ReviewState) error {
		c := as(t, user)
		v := &applicationv2.ApplicationVersion{}
		if err := c.Get(ctx, client.ObjectKey{Name: ver}, v); err != nil {
			return err
		}
		v.Spec.Reviews = append(v.Spec.Reviews, applicationv2.ReviewEvent{From: v.Spec.State, To: to, User: writer, Time: metav1.Now()})
		v.Spec.State = to
		return c.Update(ctx, v)
	}
	// The developer's workspace role reaches no cluster-scoped object natively.
	if err := transition(developer, developer, applicationv2.StatePassed); !apierrors.IsForbidden(err) {
		t.Errorf("the developer's own pass: %v, want forbidden", err)
	}
	platform.Eventually(t, "the manager may update versions natively", 30*time.Second, func() error {
		err := transition(manager, manager, applicationv2.StatePassed)
		if err == nil {
			return fmt.Errorf("the manager passed a version")
		}
		if apierrors.IsForbidden(err) && strings.Contains(err.Error(), "app reviewer") {
			return nil
		}
		return err
	})
	platform.Eventually(t, "the reviewer's role reaches kube-apiserver", 30*time.Second, func() error {
		err := transition(reviewer, developer, applicationv2.StatePassed)
		if apierrors.IsForbidden(err) && strings.Contains(err.Error(), "must be rev") {
			return nil
		}
		return fmt.Errorf("a forged event: %v", err)
	})
	if err := transition(reviewer, reviewer, applicationv2.StatePassed); err != nil {
		t.Fatalf("the reviewer's pass: %v", err)
	}
	// A version is created a draft, even by someone who may create them.
	v := &applicationv2.ApplicationVersion{ObjectMeta: metav1.ObjectMeta{Name: "native-forged"},
		Spec: applicationv2.ApplicationVersionSpec{Application: app, Version: "9.9.9", State: applicationv2.StateActive}}
	if err := as(t, manager).Create(ctx, v); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "draft") {
		t.Errorf("an active version created by the manager: %v", err)
	}
}

// Repositories: only a platform administrator trusts one, on every path;
// credentials are stored in a Secret labelled for the repository and never
// read back.
func TestRepositories(t *testing.T) {
	tok := users(t)
	body := map[string]any{"metadata": map[string]any{"name": "private"}, "spec": map[string]any{"url": "https://charts.example.com/private"},
		"credentials": map[string]string{"username": "robot", "password": "s3cret-Passw0rd"}}
	r := api.DoJSON(t, http.MethodPost, prefix+"/repos", tok[manager], body)
	expectCode(t, r, http.StatusCreated)
	if strings.Contains(string(r.Body), "s3cret") {
		t.Errorf("the answer carries the password: %s", r.Body)
	}
	got := api.Do(t, http.MethodGet, prefix+"/repos/private", tok[manager], nil)
	expectCode(t, got, http.StatusOK)
	if strings.Contains(string(got.Body), "s3cret") || !strings.Contains(string(got.Body), "apprepo-private") {
		t.Errorf("the repository %s", got.Body)
	}
	sec := &corev1.Secret{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "superkube-system", Name: "apprepo-private"}, sec); err != nil ||
		sec.Labels[applicationv2.RepositoryLabel] != "private" || string(sec.Data["password"]) != "s3cret-Passw0rd" {
		t.Errorf("the credentials Secret: %v %v", err, sec.Labels)
	}
	trusted := map[string]any{"metadata": map[string]any{"name": "trusted"}, "spec": map[string]any{"url": "https://charts.example.com", "trusted": true}}
	expectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/repos", tok[manager], trusted), http.StatusForbidden, "platform administrator")
	expectCode(t, api.DoJSON(t, http.MethodPost, prefix+"/repos", tok["admin"], trusted), http.StatusCreated)
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/repos", tok[developer], body), http.StatusForbidden)
	// A workspace repository named as the platform's does not touch its credentials.
	taken := map[string]any{"metadata": map[string]any{"name": "private"}, "spec": map[string]any{"url": "https://evil.example.com"},
		"credentials": map[string]string{"username": "me", "password": "mine"}}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/workspaces/acme/repos", tok[developer], taken), http.StatusConflict)
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "superkube-system", Name: "apprepo-private"}, sec); err != nil || string(sec.Data["password"]) != "s3cret-Passw0rd" {
		t.Errorf("the platform repository's credentials changed: %v", err)
	}
	ws := map[string]any{"metadata": map[string]any{"name": "acme-charts"}, "spec": map[string]any{"url": "https://charts.example.com/acme"}}
	expectCode(t, api.DoJSON(t, http.MethodPost, prefix+"/workspaces/acme/repos", tok[developer], ws), http.StatusCreated)
	// A credentials Secret that is not labelled for the repository.
	alien := map[string]any{"metadata": map[string]any{"name": "alien"}, "spec": map[string]any{"url": "https://evil.example.com", "credentialsSecret": "apprepo-private"}}
	expectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/repos", tok[manager], alien), http.StatusUnprocessableEntity, "labelled")

	ctx := context.Background()
	repo := &applicationv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "native"}, Spec: applicationv2.RepositorySpec{URL: "https://charts.example.com", Trusted: true}}
	platform.Eventually(t, "kube-apiserver refuses the manager's trusted repository", 30*time.Second, func() error {
		err := as(t, manager).Create(ctx, repo.DeepCopy())
		if apierrors.IsForbidden(err) && strings.Contains(err.Error(), "platform administrator") {
			return nil
		}
		return fmt.Errorf("%v", err)
	})
	stolen := &applicationv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "stolen"}, Spec: applicationv2.RepositorySpec{URL: "https://evil.example.com", CredentialsSecret: "apprepo-private"}}
	if err := as(t, manager).Create(ctx, stolen); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "labelled") {
		t.Errorf("a repository using another's credentials: %v", err)
	}
}

// Releases: a project operator creates one (as itself, the operator
// annotation naming it); a viewer may not; values failing the chart's
// schema are a 422 naming the value; the dry run renders the chart.
func TestReleases(t *testing.T) {
	tok := users(t)
	app, ver := activeVersion(t, "relapp")
	rel := func(name, values string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"application": app, "version": ver, "values": values}}
	}
	created := decode[applicationv2.ApplicationRelease](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases", tok[operator], rel("web", "replicaCount: 2\n")), http.StatusCreated)
	if created.Annotations[applicationv2.OperatorAnnotation] != operator {
		t.Errorf("operator annotation %q", created.Annotations[applicationv2.OperatorAnnotation])
	}
	expectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases", tok[viewer], rel("viewers", "")), http.StatusForbidden, "")
	bad := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases", tok[operator], rel("bad", "replicaCount: 50\n"))
	expectStatus(t, bad, http.StatusUnprocessableEntity, "spec.values.replicaCount")
	wrongType := api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases/dryrun", tok[operator],
		map[string]string{"application": app, "version": ver, "values": "replicaCount: many\n"})
	expectStatus(t, wrongType, http.StatusUnprocessableEntity, "values.replicaCount")
	dry := decode[struct{ Manifest, Current, Notes string }](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases/dryrun", tok[operator],
		map[string]string{"application": app, "version": ver, "values": "replicaCount: 3\nmessage: bonjour\n", "name": "web"}), http.StatusOK)
	if !strings.Contains(dry.Manifest, "name: web-web") || !strings.Contains(dry.Manifest, `"bonjour"`) || !strings.Contains(dry.Notes, "Installed web") || dry.Current != "" {
		t.Errorf("dry run %+v", dry)
	}
	// With a deployed revision (written here as Helm stores it), the dry run
	// answers its manifest, read as the operator, for the diff.
	cs, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	deployed := &releasev1.Release{Name: "web2", Namespace: "acme-dev", Version: 1, Manifest: "---\n# deployed before\nkind: ConfigMap\n",
		Info: &releasev1.Info{Status: releasecommon.StatusDeployed}}
	if err := storage.Init(driver.NewSecrets(cs.CoreV1().Secrets("acme-dev"))).Create(deployed); err != nil {
		t.Fatal(err)
	}
	diff := decode[struct{ Manifest, Current string }](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases/dryrun", tok[operator],
		map[string]string{"application": app, "version": ver, "name": "web2"}), http.StatusOK)
	if !strings.Contains(diff.Current, "deployed before") || !strings.Contains(diff.Manifest, "web2-web") {
		t.Errorf("dry run of an upgrade: %+v", diff)
	}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/acme-dev/releases/dryrun", tok[viewer],
		map[string]string{"application": app, "version": ver}), http.StatusForbidden)
	// Trimmed lists.
	for u, want := range map[string]int{operator: 1, viewer: 1, outsider: 0, "admin": 1} {
		l := decode[struct{ TotalItems int }](t, api.Do(t, http.MethodGet, prefix+"/releases?application="+app, tok[u], nil), http.StatusOK)
		if l.TotalItems != want {
			t.Errorf("%s sees %d releases, want %d", u, l.TotalItems, want)
		}
	}
	// Straight at kube-apiserver, the operator annotation must name the writer.
	forged := &applicationv2.ApplicationRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-dev", Name: "forged",
		Annotations: map[string]string{applicationv2.OperatorAnnotation: "admin"}},
		Spec: applicationv2.ApplicationReleaseSpec{Application: app, Version: ver}}
	if err := as(t, operator).Create(context.Background(), forged); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "must name op") {
		t.Errorf("a release naming another operator: %v", err)
	}
	// Another workspace's project may not install this workspace's draft.
	draftApp, draftVer := uploadVersion(t, "notyet", "1.0.0")
	other := map[string]any{"metadata": map[string]any{"name": "x"}, "spec": map[string]any{"application": draftApp, "version": draftVer}}
	expectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/other-app/releases", tok["admin"], other), http.StatusUnprocessableEntity, "not in the app store")
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, prefix+"/namespaces/acme-dev/releases/web", tok[viewer], nil), http.StatusForbidden)
	// A rollback through the API makes the spec the revision's: its version
	// and its values, read as the caller from Helm's storage.
	path := prefix + "/namespaces/acme-dev/releases/web"
	deployedAt := func(revision int) *applicationv2.ApplicationRelease {
		var got *applicationv2.ApplicationRelease
		platform.Eventually(t, fmt.Sprintf("web is deployed at revision %d", revision), 2*time.Minute, func() error {
			r := decode[applicationv2.ApplicationRelease](t, api.Do(t, http.MethodGet, path, tok[operator], nil), http.StatusOK)
			got = &r
			if got.Status.Phase != applicationv2.PhaseDeployed || got.Status.Revision != revision || got.Status.ObservedGeneration != got.Generation {
				return fmt.Errorf("phase %s revision %d message %q", got.Status.Phase, got.Status.Revision, got.Status.Message)
			}
			return nil
		})
		return got
	}
	cur := deployedAt(1)
	cur.Spec.Values = "replicaCount: 3\n"
	expectCode(t, api.DoJSON(t, http.MethodPut, path, tok[operator], cur), http.StatusOK)
	deployedAt(2)
	expectStatus(t, api.DoJSON(t, http.MethodPost, path+"/rollback", tok[operator], map[string]int{"revision": 9}), http.StatusUnprocessableEntity, "revision")
	back := decode[applicationv2.ApplicationRelease](t, api.DoJSON(t, http.MethodPost, path+"/rollback", tok[operator], map[string]int{"revision": 1}), http.StatusOK)
	if back.Spec.RollbackTo == nil || *back.Spec.RollbackTo != 1 || strings.TrimSpace(back.Spec.Values) != "replicaCount: 2" || back.Spec.Version != ver {
		t.Errorf("the spec after the rollback: %+v", back.Spec)
	}
	if got := deployedAt(3); got.Status.History[0].Description == "" || got.Status.Operation == nil || got.Status.Operation.Type != "rollback" {
		t.Errorf("after the rollback: operation %+v history %+v", got.Status.Operation, got.Status.History)
	}
	// An app (or a version) that a release installs is not deleted.
	expectStatus(t, api.Do(t, http.MethodDelete, prefix+"/apps/"+app, tok["admin"], nil), http.StatusConflict, "acme-dev/web")
	expectStatus(t, api.Do(t, http.MethodDelete, prefix+"/apps/"+app+"/versions/"+ver, tok["admin"], nil), http.StatusConflict, "uninstall them first")
	// Straight at kube-apiserver, a delete by someone else than the operator
	// is refused until they name themselves: the uninstall runs as the
	// operator and must do only what the deleter may.
	web := &applicationv2.ApplicationRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "acme-dev", Name: "web"}}
	if err := as(t, "admin").Delete(context.Background(), web); !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "name yourself first") {
		t.Errorf("a delete by someone else than the operator, straight at kube-apiserver: %v", err)
	}
	// The administrator's delete makes the administrator the operator of the uninstall.
	expectCode(t, api.Do(t, http.MethodDelete, prefix+"/namespaces/acme-dev/releases/web", tok["admin"], nil), http.StatusOK)
	// ke-controller-manager's release controller uninstalls it, then lets the object go.
	platform.Eventually(t, "the release is uninstalled and gone", time.Minute, func() error {
		gone := &applicationv2.ApplicationRelease{}
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: "acme-dev", Name: "web"}, gone); !apierrors.IsNotFound(err) {
			return fmt.Errorf("the release after its deletion: %v (phase %s)", err, gone.Status.Phase)
		}
		return nil
	})
}

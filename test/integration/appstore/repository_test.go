// Package appstore tests the app store against a real kube-apiserver.
//
// repository_test.go: ke-controller-manager syncs Repositories, an HTTP
// repository (served in-process from testdata/charts, with basic auth)
// and an OCI registry (go-containerregistry's registry, in-process, charts
// pushed by Helm's registry client), into Applications and
// ApplicationVersions; unreachable and garbage repositories show a clear
// error in their status.
package appstore

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/names"
	"github.com/superkube/super-kubenetes/internal/application/repo"
	"github.com/superkube/super-kubenetes/internal/application/repo/repotest"
	"github.com/superkube/super-kubenetes/internal/controller/apprepository"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// The control plane and ke-controller-manager of this file's tests,
// started once and stopped by TestMain.
var (
	repoEnvOnce sync.Once
	repoEnv     *envtest.Environment
	repoEnvK8s  client.Client
	repoEnvErr  error
)

func repoCluster(t *testing.T) client.Client {
	t.Helper()
	repoEnvOnce.Do(func() {
		ctrl.SetLogger(logr.Discard())
		env, err := envtest.Start(envtest.Options{ControllerManager: true})
		if err != nil {
			repoEnvErr = err
			return
		}
		repoEnv = env
		if repoEnvK8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
			repoEnvErr = err
			return
		}
		// The tests' repositories are on loopback: workspaces' may reach it
		// here (TestAWorkspaceRepositoryReachesPublicAddressesOnly checks
		// the guard with an address outside it).
		repoEnvErr = platform.StartControllers(context.Background(), env.Config, func(c *cmapp.Config) {
			c.AppStore.WorkspaceRepositoryAllowedCIDRs = []string{"127.0.0.0/8"}
		})
	})
	if repoEnvErr != nil {
		t.Fatal(repoEnvErr)
	}
	return repoEnvK8s
}

// waitRepo waits until the repository's Ready condition is status for its
// current generation and returns it.
func waitRepo(t *testing.T, k8s client.Client, name string, status metav1.ConditionStatus) *appv2.Repository {
	t.Helper()
	rp := &appv2.Repository{}
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, rp); err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(rp.Status.Conditions, appv2.ReadyCondition)
		if c == nil {
			last = "no Ready condition"
			return false, nil
		}
		last = fmt.Sprintf("Ready=%s (gen %d of %d) %s: %s", c.Status, c.ObservedGeneration, rp.Generation, c.Reason, c.Message)
		return c.Status == status && c.ObservedGeneration == rp.Generation, nil
	})
	if err != nil {
		t.Fatalf("repository %s: %v; last: %s", name, err, last)
	}
	return rp
}

func versionsOf(t *testing.T, k8s client.Client, repository string) map[string]appv2.ApplicationVersion {
	t.Helper()
	var list appv2.ApplicationVersionList
	if err := k8s.List(context.Background(), &list, client.MatchingLabels{appv2.RepositoryLabel: repository}); err != nil {
		t.Fatal(err)
	}
	out := map[string]appv2.ApplicationVersion{}
	for _, v := range list.Items {
		out[v.Name] = v
	}
	return out
}

// requestSync writes spec.syncRequestedAt, as the console's button does.
func requestSync(t *testing.T, k8s client.Client, name string) {
	t.Helper()
	rp := &appv2.Repository{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, rp); err != nil {
		t.Fatal(err)
	}
	// metav1.Time has whole seconds: a request in the same second as the
	// last one must still change the spec.
	now := metav1.NewTime(time.Now().Truncate(time.Second))
	if last := rp.Spec.SyncRequestedAt; last != nil && !now.After(last.Time) {
		now = metav1.NewTime(last.Add(time.Second))
	}
	rp.Spec.SyncRequestedAt = &now
	if err := k8s.Update(context.Background(), rp); err != nil {
		t.Fatal(err)
	}
}

// switchable serves whatever handler it holds now.
type switchable struct{ h atomic.Value }

func (s *switchable) set(h http.Handler) { s.h.Store(&h) }
func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load().(*http.Handler)).ServeHTTP(w, r)
}

func TestHTTPRepositorySync(t *testing.T) {
	k8s := repoCluster(t)
	ctx := context.Background()
	archives := repotest.Package(t, repotest.DemoDirs...)
	full, err := repo.NewStatic(archives...)
	if err != nil {
		t.Fatal(err)
	}
	full.Username, full.Password = "reader", "s3cret"
	sw := &switchable{}
	sw.set(full)
	srv := httptest.NewServer(sw)
	defer srv.Close()

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: appv2.SecretNamespace, Name: "repo-demo-http",
		Labels: map[string]string{appv2.RepositoryLabel: "demo-http"}},
		Data: map[string][]byte{"username": []byte("reader"), "password": []byte("s3cret")}}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: appv2.SecretNamespace}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &appv2.Category{ObjectMeta: metav1.ObjectMeta{Name: "web"}}); err != nil {
		t.Fatal(err)
	}
	rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "demo-http"},
		Spec: appv2.RepositorySpec{URL: srv.URL, CredentialsSecret: secret.Name, Trusted: true}}
	start := time.Now()
	if err := k8s.Create(ctx, rp); err != nil {
		t.Fatal(err)
	}
	rp = waitRepo(t, k8s, "demo-http", metav1.ConditionTrue)
	t.Logf("FIGURE first sync of 4 apps, 5 versions: %s", time.Since(start).Round(time.Millisecond))
	if rp.Status.Applications != 4 || rp.Status.Versions != 5 || rp.Status.SyncError != "" || rp.Status.LastSuccessfulSyncTime == nil || len(rp.Status.IndexDigest) != 64 {
		t.Fatalf("status %+v", rp.Status)
	}
	vs := versionsOf(t, k8s, "demo-http")
	webApp := names.Application("demo-http", "demo-web")
	v110 := vs[names.Version(webApp, "1.1.0")]
	if v110.Spec.State != appv2.StateActive || v110.Spec.Application != webApp || v110.Spec.AppVersion != "1.28" ||
		v110.Spec.Source.URL != srv.URL+"/demo-web-1.1.0.tgz" || len(v110.Spec.Source.Digest) != 64 || v110.Spec.Source.Repository != "demo-http" ||
		v110.Labels[appv2.ApplicationLabel] != webApp || len(v110.Spec.Reviews) != 1 || v110.Spec.Reviews[0].User != apprepository.Reviewer {
		t.Errorf("version 1.1.0: %+v %+v", v110.Labels, v110.Spec)
	}
	// The synced digest is the archive's: a fetch with it works.
	if _, err := repo.Fetch(ctx, srv.URL, v110.Spec.Source.URL, v110.Spec.Source.Digest, repo.Options{Credentials: repo.Credentials{Username: "reader", Password: "s3cret"}}); err != nil {
		t.Errorf("fetching with the synced digest: %v", err)
	}
	// Application status and category count (the application controller).
	app := &appv2.Application{}
	eventuallyRepo(t, "demo-web's status", func() error {
		if err := k8s.Get(ctx, client.ObjectKey{Name: webApp}, app); err != nil {
			return err
		}
		if st := app.Status; st.State != appv2.StateActive || st.LatestVersion != "1.1.0" || st.LatestActiveVersion != "1.1.0" || st.Versions != 2 || st.UpdateTime == nil {
			return fmt.Errorf("status %+v", st)
		}
		return nil
	})
	if app.Spec.ChartName != "demo-web" || !strings.HasPrefix(app.Spec.Icon, "data:image/svg+xml") || app.Labels[appv2.RepositoryLabel] != "demo-http" ||
		app.Labels[appv2.CategoryLabelPrefix+"web"] != "true" || len(app.OwnerReferences) != 1 || app.OwnerReferences[0].Name != "demo-http" {
		t.Errorf("application %+v %+v", app.ObjectMeta, app.Spec)
	}
	eventuallyRepo(t, "category web counts demo-web", func() error {
		cat := &appv2.Category{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: "web"}, cat); err != nil {
			return err
		}
		if cat.Status.Applications != 1 {
			return fmt.Errorf("status %+v", cat.Status)
		}
		return nil
	})

	// A release uses demo-web 1.0.0; the repository drops it and hooks-app:
	// 1.0.0 stays (annotated), hooks-app goes.
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "sync-release"}}); err != nil {
		t.Fatal(err)
	}
	v100 := names.Version(webApp, "1.0.0")
	rel := &appv2.ApplicationRelease{ObjectMeta: metav1.ObjectMeta{Namespace: "sync-release", Name: "web"},
		Spec: appv2.ApplicationReleaseSpec{Application: webApp, Version: v100}}
	if err := k8s.Create(ctx, rel); err != nil {
		t.Fatal(err)
	}
	smaller, err := repo.NewStatic(archives[1], archives[2], archives[3])
	if err != nil {
		t.Fatal(err)
	}
	sw.set(smaller)
	// The controller reads releases from its cache: give it a moment.
	time.Sleep(time.Second)
	requestSync(t, k8s, "demo-http")
	rp = waitRepo(t, k8s, "demo-http", metav1.ConditionTrue)
	if rp.Status.Applications != 3 || rp.Status.Versions != 3 {
		t.Errorf("after the change: %+v", rp.Status)
	}
	vs = versionsOf(t, k8s, "demo-http")
	if kept, ok := vs[v100]; !ok || kept.Annotations[apprepository.RemovedAnnotation] == "" {
		t.Errorf("demo-web 1.0.0, used by a release, not kept and annotated: %+v", kept.ObjectMeta)
	}
	if _, ok := vs[names.Version(names.Application("demo-http", "hooks-app"), "0.1.0")]; ok {
		t.Error("hooks-app 0.1.0, gone from the repository and unused, still there")
	}
	eventuallyRepo(t, "hooks-app's application deleted", func() error {
		err := k8s.Get(ctx, client.ObjectKey{Name: names.Application("demo-http", "hooks-app")}, &appv2.Application{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})

	// Wrong credentials: the status says so.
	sw.set(full)
	secret.Data["password"] = []byte("wrong")
	if err := k8s.Update(ctx, secret); err != nil {
		t.Fatal(err)
	}
	requestSync(t, k8s, "demo-http")
	rp = waitRepo(t, k8s, "demo-http", metav1.ConditionFalse)
	if c := meta.FindStatusCondition(rp.Status.Conditions, appv2.ReadyCondition); c.Reason != appv2.ReasonSyncFailed ||
		!strings.Contains(rp.Status.SyncError, "401 Unauthorized") || !strings.Contains(rp.Status.SyncError, "credentials") || strings.Contains(rp.Status.SyncError, "wrong") {
		t.Errorf("status %+v", rp.Status)
	}
	// What was synced stays.
	if rp.Status.Applications != 3 || len(versionsOf(t, k8s, "demo-http")) != 4 {
		t.Errorf("a failed sync changed what was synced: %+v", rp.Status)
	}
}

func TestReviewStateOfSyncedVersions(t *testing.T) {
	k8s := repoCluster(t)
	ctx := context.Background()
	srv, _ := repotest.HTTPRepo(t, repotest.Package(t, "schema-app")...)
	for _, tc := range []struct {
		name, workspace string
		want            appv2.ReviewState
	}{
		{"untrusted-platform", "", appv2.StateSubmitted},
		{"untrusted-workspace", "ws-sync", appv2.StateDraft},
	} {
		rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: tc.name}, Spec: appv2.RepositorySpec{URL: srv.URL}}
		if tc.workspace != "" {
			rp.Labels = map[string]string{appv2.WorkspaceLabel: tc.workspace}
		}
		if err := k8s.Create(ctx, rp); err != nil {
			t.Fatal(err)
		}
		waitRepo(t, k8s, tc.name, metav1.ConditionTrue)
		vs := versionsOf(t, k8s, tc.name)
		v := vs[names.Version(names.Application(tc.name, "schema-app"), "0.1.0")]
		if v.Spec.State != tc.want || v.Labels[appv2.WorkspaceLabel] != tc.workspace {
			t.Errorf("%s: state %q labels %v, want %q", tc.name, v.Spec.State, v.Labels, tc.want)
		}
		app := &appv2.Application{}
		eventuallyRepo(t, tc.name+" app status", func() error {
			if err := k8s.Get(ctx, client.ObjectKey{Name: v.Spec.Application}, app); err != nil {
				return err
			}
			if app.Status.State != appv2.StateDraft || app.Status.LatestVersion != "0.1.0" || app.Status.LatestActiveVersion != "" {
				return fmt.Errorf("%+v", app.Status)
			}
			return nil
		})
	}
	// Trusting the platform repository makes its versions active.
	rp := &appv2.Repository{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "untrusted-platform"}, rp); err != nil {
		t.Fatal(err)
	}
	rp.Spec.Trusted = true
	if err := k8s.Update(ctx, rp); err != nil {
		t.Fatal(err)
	}
	waitRepo(t, k8s, "untrusted-platform", metav1.ConditionTrue)
	v := versionsOf(t, k8s, "untrusted-platform")[names.Version(names.Application("untrusted-platform", "schema-app"), "0.1.0")]
	if n := len(v.Spec.Reviews); v.Spec.State != appv2.StateActive || n != 2 || v.Spec.Reviews[1].From != appv2.StateSubmitted || !strings.Contains(v.Spec.Reviews[1].Message, "trusted") {
		t.Errorf("after trusting: %+v", v.Spec)
	}
}

func TestOCIRepositorySync(t *testing.T) {
	k8s := repoCluster(t)
	ctx := context.Background()
	reg := repotest.NewRegistry(t)
	for _, a := range repotest.Package(t, repotest.DemoDirs...) {
		reg.Push(t, "charts", a)
	}
	for name, url := range map[string]string{"oci-ns": "oci://" + reg.Host + "/charts", "oci-one": "oci://" + reg.Host + "/charts/demo-web"} {
		start := time.Now()
		if err := k8s.Create(ctx, &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: appv2.RepositorySpec{URL: url, Trusted: true}}); err != nil {
			t.Fatal(err)
		}
		rp := waitRepo(t, k8s, name, metav1.ConditionTrue)
		t.Logf("FIGURE OCI sync of %s: %d apps, %d versions in %s", url, rp.Status.Applications, rp.Status.Versions, time.Since(start).Round(time.Millisecond))
		wantApps, wantVers := 4, 5
		if name == "oci-one" {
			wantApps, wantVers = 1, 2
		}
		if rp.Status.Applications != wantApps || rp.Status.Versions != wantVers {
			t.Errorf("%s: %+v", name, rp.Status)
		}
		v := versionsOf(t, k8s, name)[names.Version(names.Application(name, "demo-web"), "1.1.0")]
		if v.Spec.Source.URL != "oci://"+reg.Host+"/charts/demo-web:1.1.0" || len(v.Spec.Source.Digest) != 64 || v.Spec.State != appv2.StateActive {
			t.Errorf("%s: %+v", name, v.Spec)
		}
		if _, err := repo.Fetch(ctx, url, v.Spec.Source.URL, v.Spec.Source.Digest, repo.Options{}); err != nil {
			t.Errorf("fetching with the synced digest: %v", err)
		}
	}
	// Deleting a repository deletes what it synced (owner references,
	// kube-controller-manager's garbage collector).
	if err := k8s.Delete(ctx, &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "oci-one"}}); err != nil {
		t.Fatal(err)
	}
	eventuallyRepo(t, "oci-one's applications and versions deleted", func() error {
		var apps appv2.ApplicationList
		var vers appv2.ApplicationVersionList
		sel := client.MatchingLabels{appv2.RepositoryLabel: "oci-one"}
		if err := k8s.List(ctx, &apps, sel); err != nil {
			return err
		}
		if err := k8s.List(ctx, &vers, sel); err != nil {
			return err
		}
		if len(apps.Items)+len(vers.Items) > 0 {
			return fmt.Errorf("%d applications, %d versions left", len(apps.Items), len(vers.Items))
		}
		return nil
	})
}

func TestBadRepositoriesShowAClearError(t *testing.T) {
	k8s := repoCluster(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><html><body>It works!</body></html>"))
	}))
	defer html.Close()
	yamlGarbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("just: some\nyaml: [1, 2\n"))
	}))
	defer yamlGarbage.Close()
	for _, tc := range []struct {
		name, url string
		want      []string
	}{
		{"unreachable-http", "http://" + closed + "/charts", []string{"does not answer", "connection refused"}},
		{"unreachable-oci", "oci://" + closed + "/charts", []string{"does not answer", "connection refused"}},
		{"unknown-host", "https://charts.no-such-host.invalid", []string{"charts.no-such-host.invalid", "unknown"}},
		{"garbage-html", html.URL, []string{"is not a Helm repository index", "HTML"}},
		{"garbage-yaml", yamlGarbage.URL, []string{"is not a Helm repository index"}},
		{"garbage-oci", "oci://" + strings.TrimPrefix(html.URL, "http://") + "/charts", []string{"does not answer as an OCI registry"}},
		{"no-such-secret", html.URL, []string{"credentials Secret superkube-system/missing does not exist"}},
	} {
		rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: tc.name}, Spec: appv2.RepositorySpec{URL: tc.url}}
		if tc.name == "no-such-secret" {
			rp.Spec.CredentialsSecret = "missing"
		}
		if err := k8s.Create(ctx, rp); err != nil {
			t.Fatal(err)
		}
		rp = waitRepo(t, k8s, tc.name, metav1.ConditionFalse)
		c := meta.FindStatusCondition(rp.Status.Conditions, appv2.ReadyCondition)
		for _, w := range tc.want {
			if !strings.Contains(rp.Status.SyncError, w) || !strings.Contains(c.Message, w) {
				t.Errorf("%s: error %q does not say %q", tc.name, rp.Status.SyncError, w)
			}
		}
		if c.Reason != appv2.ReasonSyncFailed || rp.Status.LastSyncTime == nil || rp.Status.LastSuccessfulSyncTime != nil {
			t.Errorf("%s: %+v", tc.name, rp.Status)
		}
		t.Logf("%s: %s", tc.name, rp.Status.SyncError)
	}
}

func eventuallyRepo(t *testing.T, what string, check func() error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		last = check()
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: %v", what, last)
	}
}

// A workspace's repository may make ke-controller-manager connect to public
// addresses (and the allowed networks) only: one at the cloud metadata
// address is refused before any connection, and the status says why.
func TestAWorkspaceRepositoryReachesPublicAddressesOnly(t *testing.T) {
	k8s := repoCluster(t)
	rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "ws-metadata", Labels: map[string]string{appv2.WorkspaceLabel: "ws-sync"}},
		Spec: appv2.RepositorySpec{URL: "http://169.254.169.254/charts"}}
	if err := k8s.Create(context.Background(), rp); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), rp) })
	rp = waitRepo(t, k8s, rp.Name, metav1.ConditionFalse)
	if !strings.Contains(rp.Status.SyncError, "the address 169.254.169.254 is not allowed for a workspace's chart repository (link-local)") {
		t.Errorf("sync error %q", rp.Status.SyncError)
	}
}

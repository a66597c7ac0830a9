package apprepository

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/names"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// served is an index.yaml that a test changes.
type served struct{ index string }

func (s *served) handler() *httptest.Server {
	return httptest.NewServer(httpHandler(func() string { return s.index }))
}

func index(entries ...string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nentries:\n")
	for _, e := range entries {
		name, rest, _ := strings.Cut(e, " ")
		version, digest, _ := strings.Cut(rest, " ")
		b.WriteString("  " + name + ":\n  - apiVersion: v2\n    name: " + name + "\n    version: " + version + "\n    digest: " + digest + "\n    urls: [" + name + "-" + version + ".tgz]\n")
	}
	return b.String()
}

func TestSyncReviewsChangedArchivesAndSkipsUnchangedIndexes(t *testing.T) {
	ctx := context.Background()
	s := &served{index: index("web 1.0.0 aaaa", "db 2.0.0 bbbb")}
	srv := s.handler()
	defer srv.Close()
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	rp := &appv2.Repository{ObjectMeta: metav1.ObjectMeta{Name: "r", Generation: 1},
		Spec: appv2.RepositorySpec{URL: srv.URL, SyncInterval: metav1.Duration{Duration: time.Hour}}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(rp).WithStatusSubresource(rp, &appv2.Application{}).Build()
	r := &Reconciler{Client: c, Reader: c, SecretNamespace: appv2.SecretNamespace, Clock: clk}
	reconcile := func() ctrl.Result {
		t.Helper()
		res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKey{Name: "r"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Get(ctx, client.ObjectKey{Name: "r"}, rp); err != nil {
			t.Fatal(err)
		}
		return res
	}
	version := func(chart, v string) *appv2.ApplicationVersion {
		t.Helper()
		out := &appv2.ApplicationVersion{}
		if err := c.Get(ctx, client.ObjectKey{Name: names.Version(names.Application("r", chart), v)}, out); err != nil {
			t.Fatal(err)
		}
		return out
	}

	if res := reconcile(); res.RequeueAfter != time.Hour || rp.Status.Applications != 2 || rp.Status.Versions != 2 || !meta.IsStatusConditionTrue(rp.Status.Conditions, appv2.ReadyCondition) {
		t.Fatalf("first sync: %+v %+v", res, rp.Status)
	}
	if v := version("web", "1.0.0"); v.Spec.State != appv2.StateSubmitted || v.Spec.Source.Digest != "aaaa" || v.Spec.Source.URL != srv.URL+"/web-1.0.0.tgz" {
		t.Fatalf("%+v", v.Spec)
	}
	// A reviewer passes and releases it (the API's writes).
	v := version("web", "1.0.0")
	v.Spec.State = appv2.StateActive
	if err := c.Update(ctx, v); err != nil {
		t.Fatal(err)
	}
	// Not due yet: nothing happens.
	if res := reconcile(); res.RequeueAfter != time.Hour {
		t.Errorf("not due: %+v", res)
	}
	// The interval passes; the index changed under it: web's archive is
	// another one, db is gone.
	s.index = index("web 1.0.0 cccc")
	clk.Step(time.Hour)
	reconcile()
	v = version("web", "1.0.0")
	if n := len(v.Spec.Reviews); v.Spec.State != appv2.StateSubmitted || n != 2 || v.Spec.Reviews[1].From != appv2.StateActive ||
		!strings.Contains(v.Spec.Reviews[1].Message, "changed") || v.Spec.Source.Digest != "cccc" {
		t.Errorf("changed archive: %+v", v.Spec)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: names.Application("r", "db")}, &appv2.Application{}); err == nil {
		t.Error("db's application is still there")
	}
	if rp.Status.Applications != 1 || rp.Status.Versions != 1 {
		t.Errorf("%+v", rp.Status)
	}
	// Unchanged index an interval later: nothing written but the time.
	rv := version("web", "1.0.0").ResourceVersion
	clk.Step(time.Hour)
	reconcile()
	if got := version("web", "1.0.0").ResourceVersion; got != rv {
		t.Error("an unchanged index was applied again")
	}
	if d := rp.Status.LastSyncTime.Sub(clk.Now()).Abs(); d > time.Second {
		t.Errorf("last sync %s, now %s", rp.Status.LastSyncTime, clk.Now())
	}
	// The repository answers garbage: the error shows, the versions stay.
	s.index = "<html></html>"
	clk.Step(time.Hour)
	if res := reconcile(); res.RequeueAfter != DefaultRetryDelay || !strings.Contains(rp.Status.SyncError, "not a Helm repository index") ||
		meta.IsStatusConditionTrue(rp.Status.Conditions, appv2.ReadyCondition) {
		t.Errorf("garbage: %+v %+v", res, rp.Status)
	}
	if v := version("web", "1.0.0"); v.Spec.Source.Digest != "cccc" {
		t.Errorf("after a failed sync: %+v", v.Spec)
	}
}

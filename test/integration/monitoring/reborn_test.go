package monitoring

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

// A namespace's series are read from its creation on: those of an older
// namespace of the same name (deleted, or never ours) are not shown.
func TestANamespaceIsReadFromItsCreationOn(t *testing.T) {
	users(t)
	ctx := context.Background()
	old := prometheus.Series{Name: "container_memory_working_set_bytes", Labels: map[string]string{"namespace": "reborn", "pod": "old-0", "container": "app", "node": "n1"}, Value: 777}
	exp.Add("/cadvisor", old)
	defer func() {
		exp.Set("/cadvisor", synthetic.CAdvisor())
		// The series goes stale at the next scrape.
		platform.Eventually(t, "the series of reborn are gone", 30*time.Second, func() error {
			if n := len(decode(t, get(t, admin, "/query", url.Values{"query": {`container_memory_working_set_bytes{namespace="reborn"}`}})).Results[0].Series); n > 0 {
				return errorf("%d series", n)
			}
			return nil
		})
	}()
	if err := prom.WaitFor(ctx, `container_memory_working_set_bytes{namespace="reborn"}`, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // samples from before the namespace
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "reborn"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	created := ns.CreationTimestamp.Time
	q := url.Values{"metrics_filter": {"pod_memory_usage_wo_cache"}, "start": {strconv.FormatInt(created.Add(-20*time.Second).Unix(), 10)}, "step": {"1s"}}
	var a *answer
	platform.Eventually(t, "reborn's series since its creation", 30*time.Second, func() error {
		q.Set("end", strconv.FormatInt(time.Now().Unix(), 10))
		a = decode(t, get(t, admin, "/namespaces/reborn/pods", q))
		if len(a.Results[0].Series) == 0 || len(a.Results[0].Series[0].Values) < 2 {
			return errorf("%+v", a.Results)
		}
		return nil
	})
	for _, path := range []string{"/namespaces/reborn/pods", "/nodes/n1/pods", "/namespaces"} {
		if path == "/namespaces" {
			q.Set("metrics_filter", "namespace_memory_usage_wo_cache")
		}
		a = decode(t, get(t, admin, path, q))
		for _, s := range a.Results[0].Series {
			if s.Labels["namespace"] != "reborn" {
				continue
			}
			if first := s.Values[0][0].(float64); first < float64(created.Unix()) {
				t.Errorf("%s shows reborn at %v, before its creation at %d", path, first, created.Unix())
			}
		}
	}
	r := get(t, admin, "/namespaces/reborn/pods", url.Values{"time": {strconv.FormatInt(created.Add(-2*time.Second).Unix(), 10)}})
	platform.ExpectStatus(t, r, http.StatusBadRequest)
}

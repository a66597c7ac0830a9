package controllers

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
)

// scrapeStateMetrics reads the object-state metrics at addr.
func scrapeStateMetrics(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the state metrics answered %d: %s", resp.StatusCode, body)
	}
	return string(body)
}

func TestTheLeaderExportsTheObjectStateMetrics(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "state-metrics", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "ws-metrics"}}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the namespace's series", func() error {
		body := scrapeStateMetrics(t, cfg.StateMetricsBindAddress)
		for line := range strings.Lines(body) {
			if strings.HasPrefix(line, "kube_namespace_labels{") && strings.Contains(line, `namespace="state-metrics"`) &&
				strings.Contains(line, `label_superkube_io_workspace="ws-metrics"`) && strings.HasSuffix(line, "} 1\n") {
				return nil
			}
		}
		return errString("no kube_namespace_labels of the namespace and its workspace in\n" + body[:min(len(body), 2000)])
	})
}

func TestAReplicaThatStandsByServesNoObjectStateSeries(t *testing.T) {
	// Another replica holds the lease for the next hour.
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: cfg.SystemNamespace, Name: "state-metrics-standby"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("the-leader"), LeaseDurationSeconds: ptr.To[int32](3600),
			AcquireTime: &metav1.MicroTime{Time: time.Now()}, RenewTime: &metav1.MicroTime{Time: time.Now()}}}
	if err := k8s.Create(context.Background(), lease); err != nil {
		t.Fatal(err)
	}
	standby := cfg
	standby.LeaderElection = app.LeaderElection{Enabled: true, ID: lease.Name}
	addr, err := loopback.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	standby.StateMetricsBindAddress = addr
	completed, err := standby.Complete(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	mgr, _, err := app.NewManager(completed, app.ManagerOptions{Clock: clock, SkipNameValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(ctrl.LoggerInto(context.Background(), ctrl.Log))
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	eventually(t, "the standby's state metrics answer", func() error {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	})
	// An exporter fills its cache within a second here: the page stays
	// empty for longer while the replica stands by.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if body := scrapeStateMetrics(t, addr); strings.TrimSpace(body) != "" {
			t.Fatalf("a replica that stands by served series:\n%.1000s", body)
		}
	}
	select {
	case <-mgr.Elected():
		t.Fatal("the standby replica was elected: the test proves nothing")
	default:
	}
	// The leader serves the same namespaces meanwhile.
	if body := scrapeStateMetrics(t, cfg.StateMetricsBindAddress); !strings.Contains(body, "kube_namespace_created{") {
		t.Errorf("the leader serves no namespaces:\n%.1000s", body)
	}
}

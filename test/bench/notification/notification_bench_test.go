//go:build bench

// Package notification benchmarks the notification sender: 10,000 alerts
// of 200 projects in 10 workspaces, posted as Alertmanager posts them
// (groups of 10 alerts by alertname and namespace, 16 at a time) to the
// sender's webhook endpoint over HTTP, routed to a platform receiver
// (every alert) and to the project members' own receivers (the alerts of
// their namespaces, decided by the platform's authorizer on a real
// kube-apiserver), rendered and delivered by SMTP to a real Mailpit. It
// prints the throughput and the latency from the webhook's receipt to the
// SMTP server's acceptance. Run with `make bench`.
package notification

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	notificationhandlers "github.com/superkube/super-kubenetes/internal/handlers/notification"
	"github.com/superkube/super-kubenetes/internal/notification/alert"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
	"github.com/superkube/super-kubenetes/internal/testutil/bench"
	"github.com/superkube/super-kubenetes/internal/testutil/mailpit"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

const (
	workspaces     = 10
	namespaces     = 200
	users          = 20 // each a viewer of 10 namespaces
	alertsTotal    = 10000
	alertsPerGroup = 10
	concurrency    = 16
	token          = "bench-token-0123456789abcdef0123456789"
)

var env *servicetest.Env

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	servicetest.Run(m, &env, nil)
}

func BenchmarkSender(b *testing.B) {
	ctx := context.Background()
	mp, err := mailpit.Start()
	if err != nil {
		b.Fatal(err)
	}
	defer mp.Stop()
	var objs []client.Object
	for w := range workspaces {
		objs = append(objs, servicetest.Workspace(fmt.Sprintf("ws-%d", w), "")...)
	}
	for n := range namespaces {
		objs = append(objs, servicetest.Project(fmt.Sprintf("ws-%d", n%workspaces), fmt.Sprintf("ns-%03d", n), "")...)
	}
	objs = append(objs, &nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: "mailpit"}, Spec: nv1.ConfigSpec{Type: nv1.ChannelEmail,
		Email: &nv1.EmailConfig{Host: mp.SMTPHost, Port: int32(mp.SMTPPort), From: "alerts@example.com", TLS: nv1.TLSNone}}},
		&nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: "oncall"}, Spec: nv1.ReceiverSpec{Type: nv1.ChannelEmail, Config: "mailpit", Emails: []string{"oncall@example.com"}}})
	for u := range users {
		name := fmt.Sprintf("user-%02d", u)
		objs = append(objs, servicetest.User(name), &nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: name + "-mail", Labels: map[string]string{nv1.UserLabel: name}},
			Spec: nv1.ReceiverSpec{Type: nv1.ChannelEmail, Config: "mailpit", Users: []string{name}}})
		for k := range namespaces / users {
			objs = append(objs, servicetest.ProjectMember(fmt.Sprintf("ns-%03d", u*(namespaces/users)+k), name, "viewer"))
		}
	}
	if err := bench.Parallel(8, len(objs), func(i int) error { return env.Client.Create(ctx, objs[i]) }); err != nil {
		b.Fatal(err)
	}
	env.Cached(b, objs[len(objs)-1])
	var recv nv1.ReceiverList
	if err := env.Cache.List(ctx, &recv); err != nil || len(recv.Items) < users+1 {
		b.Fatalf("%d receivers cached: %v", len(recv.Items), err)
	}
	var nsl corev1.NamespaceList
	_ = env.Cache.List(ctx, &nsl)

	ring := records.NewRing(100000)
	snd := &sender.Sender{Reader: env.Cache, Secrets: env.Client, SecretNamespace: servicetest.SystemNamespace, Authorizer: env.Authorizer,
		Records: ring, Log: logr.Discard(), QueueSize: 10000, Workers: 4}
	defer snd.Stop()
	srv := httptest.NewServer(&notificationhandlers.Webhook{Token: token, Sender: snd, Log: logr.Discard()})
	defer srv.Close()

	// The notifications, as Alertmanager groups them.
	groups := alertsTotal / alertsPerGroup
	bodies := make([][]byte, groups)
	for g := range groups {
		ns := fmt.Sprintf("ns-%03d", g%namespaces)
		name := fmt.Sprintf("BenchAlert%d", g/namespaces)
		p := alert.Payload{Version: "4", Status: alert.Firing, Receiver: "platform", GroupKey: name + ns}
		for i := range alertsPerGroup {
			p.Alerts = append(p.Alerts, alert.Alert{Status: alert.Firing, StartsAt: time.Now(), Fingerprint: fmt.Sprintf("%d-%d", g, i),
				Labels:      map[string]string{"alertname": name, "namespace": ns, "pod": fmt.Sprintf("pod-%d", i), "severity": "warning", "rule_group": "bench"},
				Annotations: map[string]string{"summary": "Pod " + ns + "/pod is crash looping", "description": "restarted 5 times in 10 minutes"}})
		}
		bodies[g], _ = json.Marshal(p)
	}
	// Every group reaches the platform receiver and the one member of its
	// namespace.
	wantMessages := 2 * groups

	b.ResetTimer()
	start := time.Now()
	if err := bench.Parallel(concurrency, groups, func(g int) error {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(bodies[g]))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("webhook answered %s", resp.Status)
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	posted := time.Since(start)
	var recs []records.Delivery
	deadline := time.Now().Add(5 * time.Minute)
	for {
		recs, _ = ring.List(ctx, records.Filter{Limit: 100000})
		if len(recs) >= wantMessages || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	if len(recs) != wantMessages {
		b.Fatalf("%d deliveries, want %d", len(recs), wantMessages)
	}
	var lat []int64
	failed, alerts := 0, 0
	for _, d := range recs {
		if d.Result != records.Sent {
			failed++
			continue
		}
		// Each alert of a message waited as long as its message.
		for range d.Alerts {
			lat = append(lat, d.LatencyMillis)
		}
		alerts += len(d.Alerts)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) int64 { return lat[int(float64(len(lat)-1)*p)] }
	// Mailpit keeps the last 500 messages; its counter says how many it accepted.
	accepted, err := smtpAccepted(mp.URL)
	if err != nil || accepted != wantMessages-failed {
		b.Fatalf("mailpit accepted %d messages (%v), want %d", accepted, err, wantMessages-failed)
	}
	b.ReportMetric(float64(alertsTotal)/elapsed.Seconds(), "alerts/s")
	b.ReportMetric(float64(pct(0.95)), "p95-ms")
	fmt.Printf("notification sender: %d alerts in %d webhook posts (%d at a time) → %d e-mails in Mailpit (%d failed) in %s (posting took %s)\n",
		alertsTotal, groups, concurrency, accepted, failed, elapsed.Round(time.Millisecond), posted.Round(time.Millisecond))
	fmt.Printf("  throughput: %.0f alerts/s routed, %.0f e-mails/s accepted by SMTP\n", float64(alertsTotal)/elapsed.Seconds(), float64(len(recs))/elapsed.Seconds())
	fmt.Printf("  latency webhook receipt → SMTP accept, per alert delivered (%d): p50 %dms, p95 %dms, p99 %dms, max %dms\n",
		alerts, pct(0.5), pct(0.95), pct(0.99), lat[len(lat)-1])
}

// smtpAccepted is how many messages Mailpit's SMTP server accepted.
func smtpAccepted(base string) (int, error) {
	resp, err := http.Get(base + "/api/v1/info")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var info struct {
		RuntimeStats struct {
			SMTPAccepted int `json:"SMTPAccepted"`
		} `json:"RuntimeStats"`
	}
	err = json.NewDecoder(resp.Body).Decode(&info)
	return info.RuntimeStats.SMTPAccepted, err
}

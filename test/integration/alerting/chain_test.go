// Package alerting tests the chain that the platform's alerting builds on,
// with the real programs: a Prometheus rule fires, Prometheus sends the
// alert to Alertmanager, Alertmanager notifies a webhook.
package alerting

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
	"github.com/superkube/super-kubenetes/internal/testutil/alertmanager"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

// rules has an alert that fires at its first evaluation, and one that fires
// 10s later, when Prometheus has long taken in its Alertmanagers; both are
// evaluated every second.
const rules = `groups:
  - name: always
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: warning
          namespace: demo
        annotations:
          summary: 항상 발생하는 경보
      - alert: FiringAfterTenSeconds
        expr: vector(1)
        for: 10s
        labels:
          namespace: later
`

// An alert of a Prometheus rule reaches the webhook receiver of the
// Alertmanager that Prometheus sends to, with its labels and annotations;
// the delay from the alert's start to the webhook is printed as a FIGURE.
func TestAnAlertOfAPrometheusRuleReachesAWebhookThroughAlertmanager(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	hook := alertmanager.NewWebhook(t)
	second := model.Duration(time.Second)
	am := alertmanager.StartT(t, &amconfig.Config{
		Route: amconfig.Route{Receiver: "hook", GroupBy: []string{"alertname", "namespace"},
			GroupWait: second, GroupInterval: second, RepeatInterval: model.Duration(time.Hour)},
		Receivers: []amconfig.Receiver{{Name: "hook", WebhookConfigs: []amconfig.WebhookConfig{{URL: hook.URL, SendResolved: true}}}},
	})
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	// The rule fires at Prometheus's first evaluation, before its notifier
	// has taken in the Alertmanagers of its configuration; that send goes
	// nowhere, and the next waits for the resend delay (a minute unless
	// set).
	prom := prometheus.StartT(t, prometheus.Options{RuleFiles: []string{file}, Alertmanagers: []string{am.Addr()},
		Args: []string{"--rules.alert.resend-delay=1s"}})
	ready := time.Now()

	n, err := hook.Next(ctx)
	if err != nil {
		t.Fatalf("no notification: %v", err)
	}
	later, err := hook.Next(ctx)
	if err != nil {
		t.Fatalf("no second notification: %v", err)
	}
	if n.GroupLabels["alertname"] != "AlwaysFiring" {
		n, later = later, n
	}
	if n.Version != "4" || n.Receiver != "hook" || n.Status != "firing" {
		t.Errorf("notification version %q receiver %q status %q, want 4, hook, firing", n.Version, n.Receiver, n.Status)
	}
	if n.GroupLabels["alertname"] != "AlwaysFiring" || n.GroupLabels["namespace"] != "demo" {
		t.Errorf("group labels %v", n.GroupLabels)
	}
	if len(n.Alerts) != 1 {
		t.Fatalf("%d alerts, want 1: %+v", len(n.Alerts), n.Alerts)
	}
	a := n.Alerts[0]
	for k, v := range map[string]string{"alertname": "AlwaysFiring", "severity": "warning", "namespace": "demo"} {
		if a.Labels[k] != v {
			t.Errorf("label %s=%q, want %q (labels %v)", k, a.Labels[k], v, a.Labels)
		}
	}
	if a.Annotations["summary"] != "항상 발생하는 경보" {
		t.Errorf("annotations %v", a.Annotations)
	}
	if a.Status != "firing" || a.StartsAt.IsZero() {
		t.Errorf("alert status %q startsAt %s", a.Status, a.StartsAt)
	}

	// Prometheus and Alertmanager both hold it, through their own clients.
	pc, err := api.NewClient(api.Config{Address: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	firing, err := promv1.NewAPI(pc).Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(firing.Alerts) != 2 || firing.Alerts[0].State != promv1.AlertStateFiring || firing.Alerts[1].State != promv1.AlertStateFiring {
		t.Errorf("Prometheus's alerts: %+v", firing.Alerts)
	}
	if len(later.Alerts) != 1 || later.Alerts[0].Labels["alertname"] != "FiringAfterTenSeconds" || later.Alerts[0].Labels["namespace"] != "later" {
		t.Fatalf("second notification: %+v", later.Alerts)
	}
	held, err := am.Alerts(ctx, `alertname="AlwaysFiring"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || len(held[0].Receivers) != 1 || *held[0].Receivers[0].Name != "hook" {
		t.Errorf("Alertmanager's alerts: %+v", held)
	}

	// The first includes the notifier's first update of its Alertmanagers
	// (Prometheus throttles it to every 5s); the second is the steady state.
	t.Logf("FIGURE alert firing at Prometheus's start → webhook: %s; Prometheus ready → webhook: %s",
		n.Received.Sub(a.StartsAt).Round(time.Millisecond), n.Received.Sub(ready).Round(time.Millisecond))
	t.Logf("FIGURE alert firing later → webhook: %s (group_wait 1s, rules evaluated and alerts resent every 1s)",
		later.Received.Sub(later.Alerts[0].StartsAt).Round(time.Millisecond))
}

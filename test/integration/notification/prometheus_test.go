package notification

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/prometheus"
)

// A Prometheus rule's condition becomes true at a known instant; the
// e-mail arrives through Alertmanager, ke-apiserver's sender and Mailpit.
// The delay from the condition to the e-mail is logged (the rule's `for`
// and Alertmanager's group wait are part of it).
func TestConditionToEmail(t *testing.T) {
	admin := api.Admin(t)
	if r := api.DoJSON(t, http.MethodPost, prefix+"/configs", admin, emailConfig("prom-mail", mail.SMTPHost, mail.SMTPPort)); r.Code != http.StatusCreated {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	if r := api.DoJSON(t, http.MethodPost, prefix+"/receivers", admin, map[string]any{"metadata": map[string]any{"name": "prom-ops"},
		"spec": map[string]any{"type": "email", "config": "prom-mail", "emails": []string{"prom@example.com"},
			"alertSelector": map[string]any{"matchLabels": map[string]string{"alertname": "ConditionTrue"}}}}); r.Code != http.StatusCreated {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	// The condition turns true 15 s from now, once Prometheus's notifier
	// knows Alertmanager; the rule waits 5 s (for) before it fires.
	at := time.Now().Add(15 * time.Second).Truncate(time.Second)
	rules := fmt.Sprintf(`groups:
  - name: condition
    interval: 1s
    rules:
      - alert: ConditionTrue
        expr: vector(time()) > %d
        for: 5s
        labels:
          severity: warning
          namespace: e2e-prom
          rule_group: condition
        annotations:
          summary: the condition is true
`, at.Unix())
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	prometheus.StartT(t, prometheus.Options{RuleFiles: []string{file}, Alertmanagers: []string{am.Addr()}, Args: []string{"--rules.alert.resend-delay=1s"}})
	var got time.Time
	platform.Eventually(t, "the e-mail of the condition", time.Minute, func() error {
		msgs, err := mail.Messages(context.Background())
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if strings.Contains(m.Subject, "ConditionTrue") && m.To[0].Address == "prom@example.com" {
				got = time.Now()
				return nil
			}
		}
		return fmt.Errorf("%d messages, none about ConditionTrue", len(msgs))
	})
	if got.IsZero() {
		return
	}
	d := got.Sub(at)
	t.Logf("FIGURE condition true → e-mail: %s (rule for 5s, evaluated every 1s; Alertmanager group_wait 1s)", d.Round(time.Millisecond))
	if d > 2*time.Minute {
		t.Errorf("the e-mail came %s after the condition, more than 2 minutes", d)
	}
}

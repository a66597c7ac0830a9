package alert

import (
	"strings"
	"testing"
)

func TestDecodeReadsVersion4AndRefusesTheRest(t *testing.T) {
	p, err := Decode(strings.NewReader(`{"version":"4","status":"firing","receiver":"platform","groupLabels":{"alertname":"X"},
		"alerts":[{"status":"firing","labels":{"alertname":"X","namespace":"shop"},"annotations":{"summary":"s"},"startsAt":"2026-01-02T03:04:05Z","fingerprint":"abc"},
		{"status":"resolved","labels":{"alertname":"Y","rule_level":"cluster"},"startsAt":"2026-01-02T03:04:05Z","endsAt":"2026-01-02T04:04:05Z"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Alerts) != 2 || p.Alerts[0].Fingerprint != "abc" || p.Alerts[0].Level() != "namespace" || p.Alerts[1].Level() != "cluster" || p.Alerts[1].EndsAt.IsZero() {
		t.Errorf("%+v", p)
	}
	// Without Alertmanager's fingerprint, one from the labels, stable.
	if f := p.Alerts[1].Fingerprint; f == "" || f != Fingerprint(map[string]string{"rule_level": "cluster", "alertname": "Y"}) {
		t.Errorf("fingerprint %q", f)
	}
	for body, want := range map[string]string{
		`{"version":"3","alerts":[]}`:                                      "version",
		`{"version":"4","alerts":[{"status":"maybe","labels":{"a":"b"}}]}`: "alerts[0].status",
		`{"version":"4","alerts":[{"status":"firing"}]}`:                   "alerts[0].labels",
		`not json`: "not Alertmanager's webhook payload",
	} {
		if _, err := Decode(strings.NewReader(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

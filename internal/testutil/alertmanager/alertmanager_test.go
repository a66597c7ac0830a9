package alertmanager

import (
	"context"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
)

// An alert posted through the API v2 client is listed with its labels and
// annotations, and a filter finds it by a label.
func TestAPostedAlertIsListed(t *testing.T) {
	s := StartT(t, &amconfig.Config{Route: amconfig.Route{Receiver: "null"}, Receivers: []amconfig.Receiver{{Name: "null"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	started := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	err := s.PostAlerts(ctx,
		Alert{Labels: map[string]string{"alertname": "PodMemoryHigh", "namespace": "demo", "pod": "web-1"},
			Annotations: map[string]string{"summary": "메모리 사용량 90% 초과"}, StartsAt: started},
		Alert{Labels: map[string]string{"alertname": "NodeDown", "node": "n1"}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("%d alerts, want 2", len(all))
	}
	got, err := s.Alerts(ctx, `namespace="demo"`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("%d alerts of namespace demo, want 1", len(got))
	}
	a := got[0]
	if a.Labels["alertname"] != "PodMemoryHigh" || a.Labels["pod"] != "web-1" || a.Annotations["summary"] != "메모리 사용량 90% 초과" {
		t.Errorf("alert %+v", a)
	}
	if a.StartsAt == nil || !time.Time(*a.StartsAt).Equal(started) {
		t.Errorf("startsAt %v, want %v", a.StartsAt, started)
	}
	if a.Status == nil || a.Status.State == nil || *a.Status.State != "active" {
		t.Errorf("status %+v, want active", a.Status)
	}
	if len(a.Receivers) != 1 || a.Receivers[0].Name == nil || *a.Receivers[0].Name != "null" {
		t.Errorf("receivers %+v, want null", a.Receivers)
	}
}

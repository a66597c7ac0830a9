package logging

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// A line names its pod's workload when the pod's labels tell it, and says
// nothing of one when they do not.
func TestALineNamesItsPodsWorkload(t *testing.T) {
	r := RecordFrom(victorialogs.Record{"_time": "2026-12-04T10:00:00Z", "_msg": "hi", "kubernetes.pod_namespace": "shop",
		"kubernetes.pod_name": "web-7d9f8-abcde", "kubernetes.container_name": "main", "kubernetes.pod_labels.pod-template-hash": "7d9f8"})
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"owner":{"kind":"Deployment","name":"web"}`) {
		t.Errorf("record %s", b)
	}
	r = RecordFrom(victorialogs.Record{"_time": "2026-12-04T10:00:00Z", "_msg": "hi", "kubernetes.pod_name": "standalone"})
	if b, _ := json.Marshal(r); strings.Contains(string(b), "owner") {
		t.Errorf("a pod without an owner's labels: %s", b)
	}
}

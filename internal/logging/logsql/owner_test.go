package logsql_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	logclient "github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	testvl "github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

// pods are those of several workloads whose names begin alike, with the
// labels their controllers give them, and the owner each one has.
var pods = []struct {
	name   string
	labels map[string]string
	kind   string
	owner  string
}{
	{"web-7d9f8-abcde", map[string]string{"app": "web", "pod-template-hash": "7d9f8"}, "Deployment", "web"},
	{"web-api-6c9b7-fghij", map[string]string{"app": "web-api", "pod-template-hash": "6c9b7"}, "Deployment", "web-api"},
	{"web-0", map[string]string{"controller-revision-hash": "web-5f6", "statefulset.kubernetes.io/pod-name": "web-0"}, "StatefulSet", "web"},
	{"web-db-1", map[string]string{"controller-revision-hash": "web-db-77", "statefulset.kubernetes.io/pod-name": "web-db-1"}, "StatefulSet", "web-db"},
	{"web-x2k9p", map[string]string{"controller-revision-hash": "7b9", "pod-template-generation": "1"}, "DaemonSet", "web"},
	{"web-agent-q8w7e", map[string]string{"controller-revision-hash": "8c1", "pod-template-generation": "2"}, "DaemonSet", "web-agent"},
	{"web-29001200-k2m4n", map[string]string{"job-name": "web-29001200", "batch.kubernetes.io/job-name": "web-29001200"}, "Job", "web-29001200"},
	{"web-migrate-p9z8x", map[string]string{"job-name": "web-migrate"}, "Job", "web-migrate"},
	{"web-standalone", nil, "", ""},
}

func TestTheOwnerOfAPodIsToldByItsLabels(t *testing.T) {
	for _, p := range pods {
		r := map[string]string{logsql.FieldPod: p.name}
		for k, v := range p.labels {
			r["kubernetes.pod_labels."+k] = v
		}
		if kind, name := logsql.Owner(r); kind != p.kind || name != p.owner {
			t.Errorf("%s: owner %s %q, want %s %q", p.name, kind, name, p.kind, p.owner)
		}
	}
}

// A workload finds its own pods and not those of a workload whose name
// begins with its own, in a real VictoriaLogs (which also checks that the
// filter is valid LogsQL).
func TestAWorkloadFindsItsPodsAndNotThoseOfALongerName(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := testvl.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Stop)
	now := time.Now()
	var lines []testvl.Line
	for _, p := range pods {
		lines = append(lines, testvl.Line{Time: now, Namespace: "shop", Pod: p.name, Container: "main", Message: "hello", Labels: p.labels})
	}
	if err := store.Write(ctx, lines); err != nil {
		t.Fatal(err)
	}
	if err := store.WaitCount(ctx, "*", len(lines)); err != nil {
		t.Fatal(err)
	}
	for workload, want := range map[string][]string{
		// (web-standalone has no owner's labels: the prefix alone.)
		"web":            {"web-0", "web-29001200-k2m4n", "web-7d9f8-abcde", "web-standalone", "web-x2k9p"},
		"web-api":        {"web-api-6c9b7-fghij"},
		"web-db":         {"web-db-1"},
		"web-migrate":    {"web-migrate-p9z8x"},
		"web-29001200":   {"web-29001200-k2m4n"},
		"web-standalone": nil,
		"web-stand":      nil,
	} {
		filter, _ := logsql.Filter(logsql.Search{Workloads: []string{workload}}, logsql.Scope{All: true})
		// The store may answer a search from parts that do not hold every
		// record the count saw yet: ask again for a while.
		var got []string
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			got = nil
			err := store.Client(logclient.ContainerLogs).Records(ctx, filter, logclient.Range{Start: now.Add(-time.Hour), End: now.Add(time.Hour)}, func(r logclient.Record) error {
				got = append(got, r[logsql.FieldPod])
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v (filter %s)", workload, err, filter)
			}
			slices.Sort(got)
			if slices.Equal(got, want) || time.Now().After(deadline) {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("workload %s finds %v, want %v", workload, got, want)
		}
	}
	// A scope from a time on names its namespaces together (in(...)): the
	// store takes the filter and finds the namespace's lines.
	filter, _ := logsql.Filter(logsql.Search{}, logsql.Scope{Namespaces: map[string]time.Time{"shop": now.Add(-time.Hour), "other": {}}}.From(now.Add(-time.Minute)))
	n := 0
	var err2 error
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		n = 0
		err2 = store.Client(logclient.ContainerLogs).Records(ctx, filter, logclient.Range{Start: now.Add(-time.Minute), End: now.Add(time.Hour)},
			func(logclient.Record) error { n++; return nil })
		if (err2 == nil && n == len(pods)) || time.Now().After(deadline) {
			break
		}
	}
	if err2 != nil || n != len(pods) {
		t.Errorf("the scope %s found %d lines (%v), want %d", filter, n, err2, len(pods))
	}
}

package logging

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/eventexport"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	vl "github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

type eventRecord struct {
	Time           time.Time `json:"time"`
	Namespace      string    `json:"namespace"`
	Workspace      string    `json:"workspace"`
	InvolvedObject struct {
		Kind, Namespace, Name, UID string
	} `json:"involvedObject"`
	Reason  string `json:"reason"`
	Type    string `json:"type"`
	Message string `json:"message"`
	Count   int    `json:"count"`
	UID     string `json:"uid"`
}

type eventPage struct {
	Total   int           `json:"total"`
	Records []eventRecord `json:"records"`
}

func searchEvents(t *testing.T, tok, path string, q url.Values) eventPage {
	t.Helper()
	if path == "" {
		path = "/events"
	}
	r := get(t, tok, path, q)
	if r.Code != http.StatusOK {
		t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), r.Code, r.Body)
	}
	var body struct {
		Query eventPage `json:"query"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("GET %s: %v: %s", path, err, r.Body)
	}
	return body.Query
}

// The world's events: one per namespace about its first pod, and in
// wsa-dev a Warning that happens three times (one event object whose count
// grows: three records). Before them, the store holds events of the
// deleted namespace that was called reborn, which nobody may find.
// worldReasons are the reasons of the world's events (the platform's
// controllers make events of their own, of other reasons).
const worldReasons = "Scheduled,BackOff"

const (
	backOffTimes = 3
	// oldEvents are the deleted reborn's events in the store.
	oldEvents = 2
)

var (
	eventsOnce sync.Once
	eventsErr  error
)

// worldEvents creates the events once and waits until the platform
// administrator finds them all.
func worldEvents(t *testing.T, admin string) {
	t.Helper()
	eventsOnce.Do(func() { eventsErr = createEvents(t, admin) })
	if eventsErr != nil {
		t.Fatal(eventsErr)
	}
}

func eventsIn(nss ...string) int {
	n := len(nss)
	if slices.Contains(nss, "wsa-dev") {
		n += backOffTimes
	}
	return n
}

func createEvents(t *testing.T, admin string) error {
	ctx := context.Background()
	for i := range oldEvents {
		old := vl.Record{logsql.FieldTime: created.Add(-time.Hour + time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano),
			logsql.FieldMessage: "event of the deleted namespace reborn", logsql.EventNamespace: "reborn", logsql.EventObjectKind: "Pod",
			logsql.EventObjectName: "old-0", logsql.EventReason: "Scheduled", logsql.EventType: "Normal", logsql.EventCount: "1",
			logsql.EventUID: fmt.Sprintf("old-event-%d", i)}
		c, err := vl.New(store.URL(), 10*time.Second)
		if err != nil {
			return err
		}
		if err := c.In(vl.Events).Insert(ctx, []vl.Record{old}, logsql.EventStream); err != nil {
			return err
		}
	}
	now := metav1.Now()
	for _, ns := range all {
		pod := pods[ns][0]
		ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: pod + ".scheduled"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: ns, Name: pod, UID: types.UID("uid-" + ns + "-" + pod)},
			Reason:         "Scheduled", Type: corev1.EventTypeNormal, Message: "Successfully assigned " + ns + "/" + pod + " (event of namespace " + ns + ")",
			Source: corev1.EventSource{Component: "default-scheduler"}, FirstTimestamp: now, LastTimestamp: now, Count: 1}
		if err := k8s.Create(ctx, ev); err != nil {
			return err
		}
	}
	backOff := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "wsa-dev", Name: "worker-0.backoff"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "wsa-dev", Name: "worker-0", UID: "uid-wsa-dev-worker-0"},
		Reason:         "BackOff", Type: corev1.EventTypeWarning, Message: "Back-off restarting failed container main (event of namespace wsa-dev)",
		Source: corev1.EventSource{Component: "kubelet"}, FirstTimestamp: now, LastTimestamp: now, Count: 1}
	if err := k8s.Create(ctx, backOff); err != nil {
		return err
	}
	for i := 2; i <= backOffTimes; i++ {
		// Each occurrence is seen by the exporter before the next one.
		if err := waitEvents(t, admin, url.Values{"reason": {"BackOff"}}, i-1); err != nil {
			return err
		}
		backOff.Count = int32(i)
		backOff.LastTimestamp = metav1.NewTime(now.Add(time.Duration(i) * time.Second))
		if err := k8s.Update(ctx, backOff); err != nil {
			return err
		}
	}
	return waitEvents(t, admin, url.Values{"reason": {worldReasons}}, eventsIn(all...))
}

// waitEvents waits until the platform administrator finds want events.
func waitEvents(t *testing.T, tok string, q url.Values, want int) error {
	deadline := time.Now().Add(time.Minute)
	for {
		q.Set("end_time", time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
		r := get(t, tok, "/events", q)
		var body struct {
			Query eventPage `json:"query"`
		}
		_ = json.Unmarshal(r.Body, &body)
		if r.Code == http.StatusOK && body.Query.Total == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("events %v: %d %d, want %d: %.300s", q, r.Code, body.Query.Total, want, r.Body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func eventNamespaces(recs []eventRecord) []string {
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Namespace] = true
	}
	out := []string{}
	for ns := range seen {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

// Kubernetes events reach the store once per occurrence, with their
// workspace, and each kind of user finds those of the namespaces where it
// may list events; the deleted namespace's events stay out of the new one
// of its name.
func TestEventsAsFiveKindsOfUser(t *testing.T) {
	tok := users(t)
	worldEvents(t, tok["admin"])
	later := url.Values{"size": {"1000"}, "reason": {worldReasons}, "end_time": {time.Now().Add(time.Minute).UTC().Format(time.RFC3339)}}
	for _, tt := range []struct {
		user       string
		namespaces []string
		total      int
	}{
		{"admin", all, eventsIn(all...)},
		{clusterViewer, all, eventsIn(all...)},
		{workspaceAdmin, []string{"wsa-dev", "wsa-prod"}, eventsIn("wsa-dev", "wsa-prod")},
		{projectViewer, []string{"reborn", "wsa-dev"}, eventsIn("wsa-dev", "reborn")},
		{nobody, []string{}, 0},
	} {
		t.Run(tt.user, func(t *testing.T) {
			p := searchEvents(t, tok[tt.user], "", later)
			if p.Total != tt.total || len(p.Records) != tt.total {
				t.Errorf("total %d with %d records, want %d", p.Total, len(p.Records), tt.total)
			}
			if got := eventNamespaces(p.Records); !slices.Equal(got, tt.namespaces) {
				t.Errorf("namespaces %v, want %v", got, tt.namespaces)
			}
			// Not even a platform administrator finds the deleted
			// reborn's events under the new reborn.
			for _, r := range p.Records {
				if !strings.Contains(r.Message, "event of namespace "+r.Namespace) {
					t.Fatalf("an event that is not its namespace's: %+v", r)
				}
				if want := namespaces[r.Namespace]; r.Workspace != want {
					t.Errorf("event %s of %s: workspace %q, want %q", r.UID, r.Namespace, r.Workspace, want)
				}
			}
		})
	}
	// The occurrences of one event, newest first, and the filters.
	p := searchEvents(t, tok[workspaceAdmin], "/namespaces/wsa-dev/events", url.Values{"reason": {"BackOff"}, "end_time": later["end_time"]})
	var counts []int
	for _, r := range p.Records {
		counts = append(counts, r.Count)
		if r.Type != "Warning" || r.InvolvedObject.Name != "worker-0" || r.InvolvedObject.Kind != "Pod" {
			t.Errorf("a BackOff record: %+v", r)
		}
	}
	if !slices.Equal(counts, []int{3, 2, 1}) {
		t.Errorf("the BackOff event's occurrences: counts %v, want [3 2 1]", counts)
	}
	for q, want := range map[string]int{
		"type=Warning": backOffTimes, "involved_object_kind=Pod&involved_object_name=web-7d9f-a": 1, "message_query=back-off,CONTAINER": backOffTimes,
		"involved_object_uid=uid-wsa-dev-worker-0": backOffTimes, "reason=Scheduled,BackOff": 1 + backOffTimes, "involved_object_namespace=wsa-prod": 0,
	} {
		v, _ := url.ParseQuery(q)
		v.Set("end_time", later.Get("end_time"))
		if got := searchEvents(t, tok[workspaceAdmin], "/namespaces/wsa-dev/events", v).Total; got != want {
			t.Errorf("wsa-dev's events with %s: %d, want %d", q, got, want)
		}
	}
	r := get(t, tok[workspaceAdmin], "/events", url.Values{"operation": {"histogram"}, "reason": {worldReasons}, "end_time": {later.Get("end_time")}})
	if r.Code != http.StatusOK || !strings.Contains(string(r.Body), `"total":`+itoa(eventsIn("wsa-dev", "wsa-prod"))) {
		t.Errorf("the workspace admin's events histogram: %d %s", r.Code, r.Body)
	}
	for _, c := range []struct {
		user, path string
		q          url.Values
		code       int
		field      string
	}{
		{projectViewer, "/namespaces/wsa-prod/events", nil, http.StatusForbidden, ""},
		{nobody, "/namespaces/wsa-dev/events", nil, http.StatusForbidden, ""},
		{workspaceAdmin, "/events", url.Values{"operation": {"export"}}, http.StatusBadRequest, "operation"},
		{workspaceAdmin, "/events", url.Values{"start_time": {"yesterday"}}, http.StatusBadRequest, "start_time"},
		{workspaceAdmin, "/events", url.Values{"size": {"-1"}}, http.StatusBadRequest, "size"},
	} {
		r := get(t, tok[c.user], c.path, c.q)
		if r.Code != c.code || r.Str("kind") != "Status" || (c.field != "" && !strings.Contains(string(r.Body), c.field)) {
			t.Errorf("%s %s?%s: %d %s, want %d naming %q", c.user, c.path, c.q.Encode(), r.Code, r.Body, c.code, c.field)
		}
	}
}

// A second exporter (a new leader, or ke-controller-manager restarted)
// reads what the store holds and writes none of the events again.
func TestEventExportAfterAFailoverWritesNothingTwice(t *testing.T) {
	tok := users(t)
	worldEvents(t, tok["admin"])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	informers, err := ctrlcache.New(restConfig, ctrlcache.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = informers.Start(ctx) }()
	c, err := vl.New(store.URL(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	reader, err := client.New(restConfig, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	second := &eventexport.Exporter{Informers: informers, Reader: reader, Store: c.In(vl.Events), Log: logr.Discard()}
	go func() { _ = second.Start(ctx) }()
	inf, err := informers.GetInformer(ctx, &corev1.Event{})
	if err != nil {
		t.Fatal(err)
	}
	if !toolscache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		t.Fatal("the second exporter's informer did not sync")
	}
	// Three flush intervals after it saw every event.
	time.Sleep(3 * batch.DefaultFlushInterval)
	// (The second may write events the platform's controllers make
	// meanwhile, as the first does; not the world's again.)
	if err := waitEvents(t, tok["admin"], url.Values{"reason": {worldReasons}}, eventsIn(all...)); err != nil {
		t.Error(err)
	}
}

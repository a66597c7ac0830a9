package eventexport

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/testutil/tcpforward"
	testvl "github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

func TestRecordOfAnEvent(t *testing.T) {
	first := metav1.NewTime(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC))
	last := metav1.NewTime(first.Add(time.Minute))
	ev := &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web.1", UID: "e-1"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-0", UID: "p-1"},
		Reason:         "BackOff", Type: "Warning", Message: "Back-off", Count: 4, FirstTimestamp: first, LastTimestamp: last,
		Source: corev1.EventSource{Component: "kubelet"}}
	r := Record(ev, "retail")
	for k, want := range map[string]string{
		logsql.FieldTime: "2026-12-04T10:01:00Z", logsql.EventFirstTime: "2026-12-04T10:00:00Z", logsql.FieldMessage: "Back-off",
		logsql.EventNamespace: "shop", logsql.EventWorkspace: "retail", logsql.EventObjectKind: "Pod", logsql.EventObjectName: "web-0",
		logsql.EventObjectUID: "p-1", logsql.EventReason: "BackOff", logsql.EventType: "Warning", logsql.EventSource: "kubelet",
		logsql.EventCount: "4", logsql.EventUID: "e-1",
	} {
		if r[k] != want {
			t.Errorf("%s = %q, want %q", k, r[k], want)
		}
	}
	// An events.k8s.io series counts and times by its series.
	ev.Series = &corev1.EventSeries{Count: 9, LastObservedTime: metav1.NewMicroTime(first.Add(time.Hour))}
	if Count(ev) != 9 || !Time(ev).Equal(first.Add(time.Hour)) {
		t.Errorf("series: count %d time %s", Count(ev), Time(ev))
	}
}

// While the store is away, records wait; when it is back each is written
// once; an occurrence seen twice is one record. Against a real
// VictoriaLogs behind a forwarder that takes it away.
func TestRecordsWaitForTheStoreAndAreWrittenOnce(t *testing.T) {
	store, err := testvl.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Stop)
	fwd := tcpforward.StartT(t, store.Addr())
	c, err := victorialogs.New("http://"+fwd.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e := &Exporter{Store: c.In(victorialogs.Events), Log: logr.Discard(), FlushInterval: 50 * time.Millisecond, MaxBuffer: 100, seen: map[types.UID]int32{}}
	fwd.Down()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.writer().Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	for _, ev := range []*corev1.Event{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", UID: "a"}, Message: "m", Count: 1},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", UID: "a"}, Message: "m", Count: 1}, // seen again: no record
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", UID: "b"}, Message: "m", Count: 1},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", UID: "a"}, Message: "m", Count: 2},
	} {
		e.observe(ctx, ev)
	}
	time.Sleep(500 * time.Millisecond)
	if err := fwd.Up(); err != nil {
		t.Fatal(err)
	}
	var got []string
	deadline := time.Now().Add(60 * time.Second)
	for {
		got = nil
		err := store.Client(victorialogs.Events).Records(ctx, "* | sort by ("+logsql.EventUID+", "+logsql.EventCount+")", victorialogs.Range{Start: time.Unix(0, 0)},
			func(r victorialogs.Record) error {
				got = append(got, r[logsql.EventUID]+"/"+r[logsql.EventCount])
				return nil
			})
		if err == nil && len(got) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the store came back: %v %v", got, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if want := []string{"a/1", "a/2", "b/1"}; !slices.Equal(got, want) {
		t.Errorf("written %v, want %v", got, want)
	}
}

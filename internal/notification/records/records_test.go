package records

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/logging/batch"
	vltest "github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

func sample(i int, user, result string, at time.Time) Delivery {
	return Delivery{ID: fmt.Sprintf("id-%d", i), Time: at, Receiver: fmt.Sprintf("r%d", i%2), User: user, Config: "mail", Channel: "email",
		Recipient: "ops@example.com", Language: "ko", AlertStatus: "firing", Alerts: []string{"A/1", "B/2"}, Result: result,
		Reason: "the SMTP server does not answer", Field: "spec.email.host", Attempts: 3, LatencyMillis: 42}
}

func TestTheRingKeepsTheLastRecordsNewestFirst(t *testing.T) {
	r := NewRing(3)
	now := time.Now()
	for i := range 5 {
		r.Add(sample(i, "", Sent, now.Add(time.Duration(i)*time.Second)))
	}
	got, _ := r.List(context.Background(), Filter{})
	if len(got) != 3 || got[0].ID != "id-4" || got[2].ID != "id-2" {
		t.Fatalf("%+v", got)
	}
	got, _ = r.List(context.Background(), Filter{Receiver: "r1"})
	if len(got) != 1 || got[0].ID != "id-3" {
		t.Fatalf("%+v", got)
	}
}

// Records written to a real VictoriaLogs are read back whole, filtered by
// user, platform, receiver and result, the newest first.
func TestTheLogStoreWritesAndReadsRecords(t *testing.T) {
	vl, err := vltest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vl.Stop)
	out := &batch.Writer{Store: vl.Client(Tenant), Stream: Stream, Kind: "notification", Log: logr.Discard()}
	s := &LogStore{Out: out, Reader: vl.Client(Tenant)}
	now := time.Now().Add(-time.Minute)
	s.Add(sample(1, "", Sent, now))
	s.Add(sample(2, "alice", Failed, now.Add(time.Second)))
	s.Add(sample(3, "alice", Sent, now.Add(2*time.Second)))
	ctx := context.Background()
	if err := out.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var all []Delivery
	for range 100 {
		if all, err = s.List(ctx, Filter{}); err == nil && len(all) == 3 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(all) != 3 || all[0].ID != "id-3" || all[2].ID != "id-1" {
		t.Fatalf("%+v %v", all, err)
	}
	want := sample(2, "alice", Failed, all[1].Time)
	if got := all[1]; fmt.Sprint(got) != fmt.Sprint(want) || !got.Time.Equal(now.Add(time.Second)) {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
	for f, ids := range map[*Filter][]string{
		{User: "alice"}: {"id-3", "id-2"}, {Platform: true}: {"id-1"}, {User: "alice", Result: Failed}: {"id-2"}, {Receiver: "r1"}: {"id-3", "id-1"},
	} {
		got, err := s.List(ctx, *f)
		var gotIDs []string
		for _, d := range got {
			gotIDs = append(gotIDs, d.ID)
		}
		if err != nil || fmt.Sprint(gotIDs) != fmt.Sprint(ids) {
			t.Errorf("%+v: %v %v, want %v", *f, gotIDs, err, ids)
		}
	}
}

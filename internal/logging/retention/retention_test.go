package retention

import (
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr"

	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	testvl "github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

// Each kind loses what is older than its own retention, and only that,
// in its own tenant; the others keep theirs. Against a real VictoriaLogs.
func TestEachKindIsKeptForItsOwnRetention(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	store, err := testvl.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Stop)
	now := time.Now().UTC().Truncate(time.Second)
	ages := map[victorialogs.Tenant][]int{ // days
		victorialogs.ContainerLogs: {1, 10, 40},
		victorialogs.Events:        {1, 10, 40},
		victorialogs.Audit:         {1, 10, 40},
	}
	for tenant, days := range ages {
		var recs []victorialogs.Record
		for _, d := range days {
			recs = append(recs, victorialogs.Record{"_time": now.Add(-time.Duration(d) * 24 * time.Hour).Format(time.RFC3339), "_msg": "aged", "age": time.Duration(d * 24 * int(time.Hour)).String()})
		}
		if err := store.Client(tenant).Insert(ctx, recs, []string{"age"}); err != nil {
			t.Fatal(err)
		}
	}
	// Logs a week, events 30 days, audit kept as long as the store keeps it.
	p := &Pruner{Store: store.Client(victorialogs.ContainerLogs), Log: logr.Discard(), Now: func() time.Time { return now },
		Kinds: Kinds(7*24*time.Hour, 30*24*time.Hour, 0)}
	want := map[victorialogs.Tenant]int64{victorialogs.ContainerLogs: 1, victorialogs.Events: 2, victorialogs.Audit: 3}
	all := victorialogs.Range{Start: now.Add(-100 * 24 * time.Hour), End: now.Add(time.Hour)}
	count := func(tenant victorialogs.Tenant) int64 {
		n, err := store.Client(tenant).Stats(ctx, "* | stats count() n", all)
		if err != nil {
			t.Fatal(err)
		}
		return n["n"]
	}
	// The store shows what it took after its in-memory flush.
	for count(victorialogs.Audit) < 3 || count(victorialogs.Events) < 3 || count(victorialogs.ContainerLogs) < 3 {
		if ctx.Err() != nil {
			t.Fatal("the store did not show the records it took")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := p.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	// The store deletes in the background: wait for the counts.
	for {
		got := map[victorialogs.Tenant]int64{}
		done := true
		for tenant, n := range want {
			got[tenant] = count(tenant)
			done = done && got[tenant] == n
		}
		if done {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("records kept per tenant %v, want %v", got, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The store answering 503 (here: stopped) fails the round, so that Start
// logs it and tries at the next.
func TestAStoreThatIsAwayFailsTheRound(t *testing.T) {
	c, err := victorialogs.New("http://127.0.0.1:1", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p := &Pruner{Store: c, Kinds: Kinds(DefaultContainerLogs, DefaultEvents, DefaultAudit), Log: logr.Discard()}
	if err := p.Prune(context.Background()); err == nil {
		t.Fatal("pruning with the store away succeeded")
	}
}

package tracegen_test

import (
	"context"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/jaeger"
	jaegerclient "github.com/superkube/super-kubenetes/internal/tracing/jaeger"
	"github.com/superkube/super-kubenetes/internal/tracing/tracegen"
)

// The demo trace reaches a real Jaeger with its services, nesting, tags
// and event.
func TestTheDemoTraceReachesJaeger(t *testing.T) {
	store, err := jaeger.Start(0)
	if err != nil {
		t.Skip(err)
	}
	defer store.Stop()
	ctx := context.Background()
	s := tracegen.New(store.OTLPHTTP, tracegen.Options{})
	start := time.Now().Truncate(time.Millisecond)
	id, err := s.Send(ctx, tracegen.Demo("hello"), start)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := jaegerclient.New(store.URL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var tr *jaegerclient.Trace
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if tr, err = c.Trace(ctx, id); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	bySvc := map[string]jaegerclient.Span{}
	for _, sp := range tr.Spans {
		p := tr.Processes[sp.ProcessID]
		if ns, _ := jaegerclient.Tag(p.Tags, tracegen.NamespaceKey); ns != "hello" {
			t.Errorf("%s: namespace %q", p.ServiceName, ns)
		}
		bySvc[p.ServiceName] = sp
	}
	front, reviews, ratings := bySvc["frontend.hello"], bySvc["reviews.hello"], bySvc["ratings.hello"]
	if len(tr.Spans) != 3 || reviews.Parent() != front.SpanID || ratings.Parent() != reviews.SpanID {
		t.Fatalf("spans %+v", tr.Spans)
	}
	if reviews.StartTime != start.Add(10*time.Millisecond).UnixMicro() || reviews.Duration != 90000 || len(reviews.Logs) != 1 {
		t.Errorf("reviews: start %d duration %d logs %+v", reviews.StartTime, reviews.Duration, reviews.Logs)
	}
	if v, _ := jaegerclient.Tag(ratings.Tags, "db.system.name"); v != "mongodb" {
		t.Errorf("ratings' tags %+v", ratings.Tags)
	}
}

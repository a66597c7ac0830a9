package logging

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

// The live tail streams the new lines of the caller's namespaces as
// server-sent events, a workload's pods together, and nothing of another
// tenant's.
func TestTailFollowsNewLinesOfTheCallersNamespaces(t *testing.T) {
	tok := users(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, api.URL+prefix+"/logs?operation=tail&since=0s&workloads=tail", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok[projectViewer])
	hc := &http.Client{Transport: api.HTTP.Transport}
	resp, err := hc.Do(req) //nolint:bodyclose // closed below, after the stream is read
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("tail: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	got := make(chan record, 100)
	go func() {
		defer close(got)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var r record
			if json.Unmarshal([]byte(data), &r) == nil {
				got <- r
			}
		}
	}()
	// New lines of two pods of a workload "tail" in wsa-dev (which the
	// project viewer may read) and of one in wsa-prod (which it may not).
	var lines []victorialogs.Line
	now := time.Now()
	for i := range 3 {
		for _, at := range []struct{ ns, pod string }{{"wsa-dev", "tail-5c-a"}, {"wsa-dev", "tail-5c-b"}, {"wsa-prod", "tail-5c-z"}} {
			lines = append(lines, victorialogs.Line{Time: now.Add(time.Duration(i) * time.Millisecond), Namespace: at.ns, Pod: at.pod, Container: "main",
				Node: "n1", Message: fmt.Sprintf("tail line %d of %s (namespace %s)", i, at.pod, at.ns)})
		}
	}
	if err := store.Write(ctx, lines); err != nil {
		t.Fatal(err)
	}
	pods := map[string]int{}
	deadline := time.After(30 * time.Second)
	for pods["tail-5c-a"] < 3 || pods["tail-5c-b"] < 3 {
		select {
		case r, ok := <-got:
			if !ok {
				t.Fatalf("the stream ended; got %v", pods)
			}
			if r.Namespace != "wsa-dev" || !strings.Contains(r.Log, "namespace wsa-dev") {
				t.Fatalf("the tail sent another tenant's line: %+v", r)
			}
			pods[r.Pod]++
		case <-deadline:
			t.Fatalf("after 30 s the tail sent %v", pods)
		}
	}
	if pods["tail-5c-a"] != 3 || pods["tail-5c-b"] != 3 {
		t.Errorf("lines per pod %v, want 3 each", pods)
	}
	// Bad parameters before the stream.
	for _, q := range []string{"since=2h", "since=soon"} {
		if r := get(t, tok[projectViewer], "/logs?operation=tail&"+q, nil); r.Code != http.StatusBadRequest || !strings.Contains(string(r.Body), "since") {
			t.Errorf("tail with %s: %d %s", q, r.Code, r.Body)
		}
	}
}

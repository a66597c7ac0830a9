package audit

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

func TestTheFileSinkWritesOneJSONLinePerEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	s := NewFileSink(path, 1, 1, logr.Discard())
	s.Write(&Event{Type: "request", User: "alice", Verb: "delete", Resource: "pods", Code: 200, Result: "success"})
	s.Write(&Event{Type: "login", User: "system:anonymous", Subject: "bob", Code: 401, Result: "failure"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %d", len(lines))
	}
	var e Event
	if err := json.Unmarshal([]byte(lines[1]), &e); err != nil || e.Subject != "bob" || e.Result != "failure" {
		t.Fatalf("second line %q (%v)", lines[1], err)
	}
}

func TestTheWebhookSinkPostsBatchesAndFlushesOnStop(t *testing.T) {
	var mu sync.Mutex
	var got []Event
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Items []Event `json:"items"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, body.Items...)
		mu.Unlock()
	}))
	defer srv.Close()
	s := NewWebhookSink(srv.URL, srv.Client(), logr.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	for i := range 3 {
		s.Write(&Event{Type: "request", User: "u", Code: 200 + i})
	}
	time.Sleep(1500 * time.Millisecond) // one batch on the ticker
	s.Write(&Event{Type: "logout", User: "u"})
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 || got[3].Type != "logout" {
		t.Fatalf("the webhook received %d events: %+v", len(got), got)
	}
}

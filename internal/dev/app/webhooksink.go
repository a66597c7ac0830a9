package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/superkube/super-kubenetes/internal/notification/channel"
)

// DefaultWebhookSinkPort is the port of ke-dev's webhook sink.
const DefaultWebhookSinkPort = 9097

// webhookSink is a small HTTP endpoint in ke-dev that a webhook Receiver
// of the platform sends to: it appends each JSON body as a line to a file
// and prints one line per notification, so that `make run` shows the
// platform's webhooks arriving.
type webhookSink struct {
	URL, File string
	out       io.Writer
	mu        sync.Mutex
}

// startWebhookSink listens on port until ctx ends.
func startWebhookSink(ctx context.Context, port int, dataDir string, out io.Writer) (*webhookSink, error) {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("port %d for the webhook sink is already in use on 127.0.0.1 (choose another with --webhook-sink-port): %w", port, err)
	}
	dir := filepath.Join(dataDir, "webhook-sink")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	s := &webhookSink{URL: "http://" + l.Addr().String() + "/notifications", File: filepath.Join(dir, "received.jsonl"), out: out}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return s, nil
}

func (s *webhookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST JSON", http.StatusMethodNotAllowed)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	var body channel.WebhookBody
	if err == nil {
		err = json.Unmarshal(data, &body)
	}
	if err != nil {
		http.Error(w, "not JSON", http.StatusBadRequest)
		return
	}
	var line []byte
	line, _ = json.Marshal(json.RawMessage(data))
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.File, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		http.Error(w, "cannot keep it", http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(s.out, "Webhook sink: %s %q (%d alerts) from receiver %s, kept in %s\n", time.Now().Format("15:04:05"), body.Title, len(body.Alerts), body.Receiver, s.File)
	w.WriteHeader(http.StatusNoContent)
}

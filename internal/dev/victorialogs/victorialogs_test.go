package victorialogs

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// launcher starts the program as a child of the test.
type launcher struct{ t *testing.T }

func (l launcher) Launch(ctx context.Context, _, path string, args []string, ready func(context.Context) error) error {
	cmd := exec.CommandContext(ctx, path, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	l.t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := ready(ctx)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// The store ke-dev starts takes a line and finds it again.
func TestTheStoreTakesALineAndFindsIt(t *testing.T) {
	cfg := &Config{Port: testPort(t), DataDir: t.TempDir()}
	if _, err := cfg.LookPath(); err != nil {
		t.Skip(err)
	}
	if err := Start(context.Background(), launcher{t}, cfg); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(cfg.URL()+"/insert/jsonline", "application/stream+json",
		strings.NewReader(`{"_msg":"hello from web-0","_time":"0","kubernetes.pod_name":"web-0"}`+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("insert: %s", resp.Status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.PostForm(cfg.URL()+"/select/logsql/query", url.Values{"query": {"hello"}})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if strings.Contains(string(body), `"kubernetes.pod_name":"web-0"`) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the line was not found: %s %s", resp.Status, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

package jaeger

import (
	"context"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	jaegerclient "github.com/superkube/super-kubenetes/internal/tracing/jaeger"
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

func TestTheConfigurationKeepsJaegerOnLoopback(t *testing.T) {
	c := &Config{Port: 1, GRPCPort: 2, OTLPGRPCPort: 3, OTLPHTTPPort: 4, MaxTraces: 7}
	y := c.ConfigYAML()
	for _, want := range []string{`"127.0.0.1:1"`, `"127.0.0.1:2"`, `"127.0.0.1:3"`, `"127.0.0.1:4"`, "max_traces: 7", "level: none"} {
		if !strings.Contains(y, want) {
			t.Errorf("configuration lacks %s:\n%s", want, y)
		}
	}
	if strings.Contains(y, "0.0.0.0") {
		t.Errorf("configuration listens beyond loopback:\n%s", y)
	}
}

// The Jaeger ke-dev starts answers its query API and knows no service yet.
func TestJaegerStartsAndAnswersItsQueryAPI(t *testing.T) {
	cfg := &Config{Port: testPort(t), GRPCPort: testPort(t), OTLPGRPCPort: testPort(t), OTLPHTTPPort: testPort(t), DataDir: t.TempDir()}
	if _, err := cfg.LookPath(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := Start(ctx, launcher{t}, cfg); err != nil {
		t.Fatal(err)
	}
	c, err := jaegerclient.New(cfg.URL(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	svcs, err := c.Services(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != 0 {
		t.Errorf("services of a new store: %v", svcs)
	}
	if _, err := c.Trace(ctx, "0123456789abcdef0123456789abcdef"); err != jaegerclient.ErrNotFound {
		t.Errorf("unknown trace: %v, want ErrNotFound", err)
	}
}

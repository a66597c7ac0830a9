// Package jaeger runs Jaeger v2 for the local cluster and the tests: an
// OpenTelemetry Collector distribution that receives spans over OTLP (gRPC
// and HTTP), keeps them in memory and serves Jaeger's query API, which
// ke-apiserver's tracing API reads. The binary is built into the tools
// cache (hack/tools.sh jaeger); everything listens on loopback.
package jaeger

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/superkube/super-kubenetes/internal/dev/process"
)

const (
	// DefaultPort is the usual port of Jaeger's query API and UI.
	DefaultPort = 16686
	// DefaultOTLPGRPCPort is OTLP/gRPC's usual port.
	DefaultOTLPGRPCPort = 4317
	// DefaultOTLPHTTPPort is OTLP/HTTP's usual port.
	DefaultOTLPHTTPPort = 4318
	// DefaultMaxTraces bounds the traces the memory store keeps.
	DefaultMaxTraces = 200000
	// Binary is the program in $JAEGER_BIN_DIR.
	Binary = "jaeger"
	// BinDirEnv names the folder hack/tools.sh builds Jaeger into.
	BinDirEnv = "JAEGER_BIN_DIR"
)

// Config says which Jaeger runs, where and how.
type Config struct {
	// Path is the program; empty looks in $JAEGER_BIN_DIR, then in $PATH.
	Path string
	// Port serves the query API (/api/...). GRPCPort serves the query
	// gRPC API, which nothing of ours uses but Jaeger always starts (0: a
	// free port picked by the system).
	Port, GRPCPort int
	// OTLPGRPCPort and OTLPHTTPPort receive spans.
	OTLPGRPCPort, OTLPHTTPPort int
	// MaxTraces bounds the memory store (DefaultMaxTraces when 0); the
	// oldest traces go first.
	MaxTraces int
	// DataDir keeps the configuration file Jaeger reads.
	DataDir string
}

func addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// URL is where the query API answers (without /api).
func (c *Config) URL() string { return "http://" + addr(c.Port) }

// OTLPHTTPEndpoint is the OTLP/HTTP receiver's host:port (spans go to
// /v1/traces there).
func (c *Config) OTLPHTTPEndpoint() string { return addr(c.OTLPHTTPPort) }

// OTLPGRPCEndpoint is the OTLP/gRPC receiver's host:port.
func (c *Config) OTLPGRPCEndpoint() string { return addr(c.OTLPGRPCPort) }

// LookPath returns the program to run.
func (c *Config) LookPath() (string, error) {
	if c.Path != "" {
		return c.Path, nil
	}
	if dir := os.Getenv(BinDirEnv); dir != "" {
		p := filepath.Join(dir, Binary)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath(Binary)
	if err != nil {
		return "", errors.New(Binary + " is not built: run hack/tools.sh jaeger (make tools builds it into the tools cache)")
	}
	return p, nil
}

// ConfigYAML is Jaeger v2's configuration: the collector pipeline OTLP →
// batch → the memory store, and the query extension reading that store.
// Jaeger's own telemetry (a Prometheus endpoint on :8888 by default) is
// off, so that nothing listens beyond loopback and the given ports.
func (c *Config) ConfigYAML() string {
	maxTraces := c.MaxTraces
	if maxTraces <= 0 {
		maxTraces = DefaultMaxTraces
	}
	return fmt.Sprintf(`# Written by ke-dev (internal/dev/jaeger); rewritten at each start.
service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn

extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: %d
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: %q
    grpc:
      endpoint: %q

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %q
      http:
        endpoint: %q

processors:
  batch:

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, maxTraces, addr(c.Port), addr(c.GRPCPort), c.OTLPGRPCEndpoint(), c.OTLPHTTPEndpoint())
}

// ConfigFile is where the configuration is written, in DataDir.
func (c *Config) ConfigFile() string { return filepath.Join(c.DataDir, "config.yaml") }

// Launcher starts a supervised program (cluster.Cluster does).
type Launcher interface {
	Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error
}

// Start writes the configuration and runs Jaeger until ctx ends; it
// returns once the query API answers.
func Start(ctx context.Context, l Launcher, cfg *Config) error {
	path, err := cfg.LookPath()
	if err != nil {
		return err
	}
	args, err := cfg.Write()
	if err != nil {
		return err
	}
	return l.Launch(ctx, "jaeger", path, args, func(ctx context.Context) error {
		return process.HTTPOK(ctx, cfg.ReadyURL(), nil)
	})
}

// Write writes the configuration file in DataDir and returns Jaeger's
// flags that read it.
func (c *Config) Write() ([]string, error) {
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(c.ConfigFile(), []byte(c.ConfigYAML()), 0o600); err != nil {
		return nil, err
	}
	return []string{"--config=" + c.ConfigFile()}, nil
}

// ReadyURL answers 200 once the query API serves (the store is ready by
// then, and the receivers start before the extensions' HTTP servers).
func (c *Config) ReadyURL() string { return c.URL() + "/api/services" }

// URLFile is where ke-dev writes the query API's URL, in the data folder,
// for the platform's configuration and the tests; OTLPFile the OTLP/HTTP
// endpoint beside it.
func URLFile(dataDir string) string { return filepath.Join(dataDir, "url") }

// OTLPFile is where ke-dev writes the OTLP/HTTP receiver's host:port.
func OTLPFile(dataDir string) string { return filepath.Join(dataDir, "otlp-http") }

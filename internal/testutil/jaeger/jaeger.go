// Package jaeger starts a real, throw-away Jaeger v2 (built into
// $JAEGER_BIN_DIR by hack/tools.sh jaeger, as ke-dev runs it) on free
// loopback ports for tests: OTLP receivers and the query API over a
// memory store.
package jaeger

import (
	"fmt"
	"os"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	devjaeger "github.com/superkube/super-kubenetes/internal/dev/jaeger"
	"github.com/superkube/super-kubenetes/internal/testutil/testproc"
)

// Server is a running Jaeger.
type Server struct {
	// URL is the query API's root (without /api).
	URL string
	// OTLPHTTP and OTLPGRPC are the receivers' host:port.
	OTLPHTTP, OTLPGRPC string
	proc               *testproc.Process
}

// Start runs Jaeger until Stop; maxTraces bounds its store (0: the
// default).
func Start(maxTraces int) (*Server, error) {
	cfg := &devjaeger.Config{MaxTraces: maxTraces}
	bin, err := cfg.LookPath()
	if err != nil {
		return nil, fmt.Errorf("%w (or set %s: eval $(make -s print-env))", err, devjaeger.BinDirEnv)
	}
	dir, err := os.MkdirTemp("", "jaeger-test-")
	if err != nil {
		return nil, err
	}
	cfg.DataDir = dir
	proc, err := testproc.Start("jaeger", bin, dir, func() ([]string, func() error, error) {
		for _, p := range []*int{&cfg.Port, &cfg.GRPCPort, &cfg.OTLPGRPCPort, &cfg.OTLPHTTPPort} {
			if *p, err = freeport.Pick(); err != nil {
				return nil, nil, err
			}
		}
		args, err := cfg.Write()
		if err != nil {
			return nil, nil, err
		}
		return args, testproc.HTTPReady(cfg.ReadyURL()), nil
	})
	if err != nil {
		return nil, err
	}
	return &Server{URL: cfg.URL(), OTLPHTTP: cfg.OTLPHTTPEndpoint(), OTLPGRPC: cfg.OTLPGRPCEndpoint(), proc: proc}, nil
}

// PID is the process's id (the benchmarks read its memory).
func (s *Server) PID() int { return s.proc.PID() }

// Stop kills Jaeger and removes its folder; it may be called more than
// once.
func (s *Server) Stop() { s.proc.Stop() }

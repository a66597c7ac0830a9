package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/dev/jaeger"
	"github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/tracing/tracegen"
)

// DemoTraceNamespace is the project ke-dev sends its demo trace for (the
// DevOps demo's project, in workspace demo).
const DemoTraceNamespace = gitea.SampleProject

// jaegerStatus says how Jaeger runs: its query URL and OTLP endpoint, or
// why it does not.
type jaegerStatus struct {
	URL, OTLPHTTP, OTLPGRPC, DataDir, Missing string
	// Demo says what came of the demo trace.
	Demo string
}

// startJaeger runs Jaeger (OTLP in, memory store, query API) and writes
// its query URL and OTLP/HTTP endpoint in its data folder (jaeger.URLFile,
// jaeger.OTLPFile) for `ke-dev traces` and the tests. A binary that is not
// built is reported in the summary, not an error.
func (o *Options) startJaeger(ctx context.Context, c *cluster.Cluster) (*jaegerStatus, error) {
	if o.NoJaeger {
		return &jaegerStatus{Missing: "not started (--no-jaeger)"}, nil
	}
	j := &o.Jaeger
	if _, err := j.LookPath(); err != nil {
		return &jaegerStatus{Missing: err.Error()}, nil //nolint:nilerr // reported in the summary
	}
	for _, p := range []struct {
		port int
		flag string
	}{{j.Port, "--jaeger-port"}, {j.OTLPGRPCPort, "--jaeger-otlp-grpc-port"}, {j.OTLPHTTPPort, "--jaeger-otlp-http-port"}} {
		if cluster.PortFree(p.port) != nil {
			return nil, fmt.Errorf("port %d for jaeger is already in use on 127.0.0.1 (stop what holds it or choose another port with %s)", p.port, p.flag)
		}
	}
	if j.GRPCPort == 0 {
		// Jaeger's query gRPC API, which nothing here uses, on a free port.
		p, err := freeport.Pick()
		if err != nil {
			return nil, err
		}
		j.GRPCPort = p
	}
	if j.DataDir == "" {
		j.DataDir = filepath.Join(o.Cluster.DataDir, "jaeger")
	}
	if err := jaeger.Start(ctx, c, j); err != nil {
		return nil, fmt.Errorf("starting jaeger: %w", err)
	}
	if err := os.WriteFile(jaeger.URLFile(j.DataDir), []byte(j.URL()+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(jaeger.OTLPFile(j.DataDir), []byte(j.OTLPHTTPEndpoint()+"\n"), 0o644); err != nil {
		return nil, err
	}
	return &jaegerStatus{URL: j.URL(), OTLPHTTP: j.OTLPHTTPEndpoint(), OTLPGRPC: j.OTLPGRPCEndpoint(), DataDir: j.DataDir}, nil
}

// SeedTraceDemo makes sure the demo project exists (workspace demo,
// namespace hello, as the DevOps demo makes them) and sends one demo
// trace of its services to Jaeger's OTLP/HTTP endpoint. The project must
// exist first: spans older than their namespace are never shown.
func SeedTraceDemo(ctx context.Context, rc *rest.Config, otlpEndpoint string) (string, error) {
	cl, err := client.New(rc, client.Options{Scheme: scheme.New()})
	if err != nil {
		return "", err
	}
	creator := map[string]string{tenantv1beta1.CreatorAnnotation: demoAdmin}
	for _, o := range []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: DemoWorkspace, Annotations: creator}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: DemoTraceNamespace, Annotations: creator,
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: DemoWorkspace}}},
	} {
		if err := createUnlessExists(ctx, cl, o); err != nil {
			return "", err
		}
	}
	ids, err := SendDemoTraces(ctx, otlpEndpoint, DemoTraceNamespace, 1)
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// SendDemoTraces sends n demo traces (frontend → reviews → ratings) of
// namespace ns and returns their ids.
func SendDemoTraces(ctx context.Context, otlpEndpoint, ns string, n int) ([]string, error) {
	s := tracegen.New(otlpEndpoint, tracegen.Options{})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var ids []string
	for range n {
		id, err := s.Send(ctx, tracegen.Demo(ns), time.Now())
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := s.Close(ctx); err != nil {
		return nil, fmt.Errorf("sending the spans to %s: %w", otlpEndpoint, err)
	}
	return ids, nil
}

// newTracesCommand is `ke-dev traces`: send demo traces over OTLP to the
// local cluster's Jaeger (or any OTLP/HTTP receiver).
func newTracesCommand(o *Options, out io.Writer) *cobra.Command {
	var ns, endpoint string
	var n int
	cmd := &cobra.Command{
		Use:   "traces",
		Short: "Send demo traces (frontend → reviews → ratings of a namespace) over OTLP/HTTP to the local cluster's Jaeger",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || n > 10000 {
				return fmt.Errorf("--count must be between 1 and 10000, got %d", n)
			}
			if endpoint == "" {
				b, err := os.ReadFile(jaeger.OTLPFile(filepath.Join(o.Cluster.DataDir, "jaeger")))
				if err != nil {
					return fmt.Errorf("no --otlp-endpoint and no Jaeger of the local cluster (is `ke-dev up` running?): %w", err)
				}
				endpoint = strings.TrimSpace(string(b))
			}
			ids, err := SendDemoTraces(cmd.Context(), endpoint, ns, n)
			if err != nil {
				return err
			}
			for _, id := range ids {
				fmt.Fprintf(out, "sent trace %s (services frontend.%s, reviews.%s, ratings.%s) to %s\n", id, ns, ns, ns, endpoint)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&ns, "namespace", "n", DemoTraceNamespace, "Namespace of the services (resource attributes service.name=<app>.<namespace>, k8s.namespace.name)")
	cmd.Flags().StringVar(&endpoint, "otlp-endpoint", "", "host:port of an OTLP/HTTP receiver (default: the local cluster's Jaeger, from <data-dir>/jaeger/otlp-http)")
	cmd.Flags().IntVar(&n, "count", 1, "Number of traces")
	return cmd
}

// printTracing says where Jaeger is and what the demo trace is.
func (o *Options) printTracing(st *jaegerStatus, res *platform.Result) {
	out := o.Cluster.Out
	if st.URL == "" {
		fmt.Fprintf(out, "\nTracing: Jaeger %s\n", st.Missing)
		return
	}
	fmt.Fprintf(out, "\nTracing: Jaeger keeps spans sent over OTLP to %s (HTTP) or %s (gRPC); its query API is at %s/api/services\n",
		st.OTLPHTTP, st.OTLPGRPC, st.URL)
	if res.APIServerURL != "" {
		fmt.Fprintf(out, "  demo: %s; %s/kapis/servicemesh.superkube.io/v1alpha2/namespaces/%s/tracing/traces?service=frontend.%s\n",
			st.Demo, res.APIServerURL, DemoTraceNamespace, DemoTraceNamespace)
	}
	fmt.Fprintln(out, "  more demo traces: ke-dev traces [--namespace NS] [--count N]")
}

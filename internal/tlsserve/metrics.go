package tlsserve

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/go-logr/logr"
)

// ServeMetrics serves metrics (a Prometheus handler) at /metrics on addr
// in plain HTTP, without authentication, until ctx ends: for a Prometheus
// on the same host or inside the cluster's network, where the HTTPS port
// would ask it for a user's token. Nothing else is served there.
func ServeMetrics(ctx context.Context, addr string, metrics http.Handler, log logr.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("Serving metrics", "address", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Error(err, "Serving metrics")
		}
	}()
	return nil
}

// Package tlsserve holds what ke-apiserver and ke-console share to serve
// HTTPS: a self-signed certificate for local use, its fingerprint for the
// log, and serving until the context ends with a graceful shutdown.
package tlsserve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	certutil "k8s.io/client-go/util/cert"
)

// SelfSigned writes a self-signed serving certificate for the hosts (names
// and IP addresses) into dir as <name>.crt and <name>.key unless they are
// there, and returns the two files.
func SelfSigned(dir, name string, hosts []string) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if _, err := os.Stat(certFile); err == nil {
		return certFile, keyFile, nil
	}
	var ips []net.IP
	var names []string
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if h != "" {
			names = append(names, h)
		}
	}
	host := "localhost"
	if len(names) > 0 {
		host = names[0]
	}
	cert, key, err := certutil.GenerateSelfSignedCertKey(host, ips, names)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, os.WriteFile(certFile, cert, 0o600)
}

// Fingerprint identifies a certificate file in logs.
func Fingerprint(file string) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// Serve serves TLS on ln until ctx ends, then shuts srv down: requests in
// flight get grace to finish, and connections still open after it (watches,
// event streams) are closed.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, certFile, keyFile string, grace time.Duration, log logr.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, certFile, keyFile) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("Shutting down: finishing the requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Info("Closing the connections still open", "reason", err.Error())
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

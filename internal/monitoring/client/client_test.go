package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/monitoring/client"
)

func TestCredentialsAndErrors(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/json")
		if r.FormValue("query") == "bad(" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"status":"error","errorType":"bad_data","error":"parse error"}`))
			return
		}
		if r.FormValue("query") == "slow" {
			time.Sleep(time.Second)
		}
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	tokenFile, passFile := filepath.Join(dir, "token"), filepath.Join(dir, "pass")
	_ = os.WriteFile(tokenFile, []byte("tok-1\n"), 0o600)
	_ = os.WriteFile(passFile, []byte("s3cret\n"), 0o600)
	ctx := context.Background()

	c, err := client.New(client.Config{URL: srv.URL, BearerTokenFile: tokenFile, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query(ctx, "up", time.Now()); err != nil || got.Get("Authorization") != "Bearer tok-1" {
		t.Errorf("bearer: %v, Authorization %q", err, got.Get("Authorization"))
	}
	// A rotated token is used at once.
	_ = os.WriteFile(tokenFile, []byte("tok-2"), 0o600)
	if _, _ = c.Query(ctx, "up", time.Now()); got.Get("Authorization") != "Bearer tok-2" {
		t.Errorf("rotated: Authorization %q", got.Get("Authorization"))
	}
	var qe *client.QueryError
	if _, err := c.Query(ctx, "bad(", time.Now()); !errors.As(err, &qe) {
		t.Errorf("a refused query: %v, want a QueryError", err)
	}
	start := time.Now()
	if _, err := c.Query(ctx, "slow", time.Now()); !errors.Is(err, client.ErrUnavailable) || time.Since(start) > 900*time.Millisecond {
		t.Errorf("a slow Prometheus: %v after %s, want ErrUnavailable within the timeout", err, time.Since(start))
	}

	b, err := client.New(client.Config{URL: srv.URL, Username: "prom", PasswordFile: passFile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Query(ctx, "up", time.Now()); err != nil {
		t.Fatal(err)
	}
	req := &http.Request{Header: got}
	if u, p, ok := req.BasicAuth(); !ok || u != "prom" || p != "s3cret" {
		t.Errorf("basic auth %q %q %v", u, p, ok)
	}
	if _, err := client.New(client.Config{URL: srv.URL, Username: "prom", BearerTokenFile: tokenFile}); err == nil {
		t.Error("a bearer token and basic auth together were accepted")
	}
}

// Package giteatest starts a real, throw-away Gitea (built by make tools
// into $GITEA_BIN_DIR, as ke-dev runs it) on a free loopback port for
// tests: SQLite and the repositories in a temporary folder, offline, plain
// HTTP, webhooks allowed to any host (a test's httptest server on
// loopback), with an administrator and a token of theirs.
package giteatest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	devgitea "github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/testutil/testproc"
)

// Server is a running Gitea.
type Server struct {
	// URL is where it answers (the API under /api/v1, repositories at
	// URL/<owner>/<repo>.git).
	URL string
	// AdminUser and AdminPassword log in as its administrator; Token is a
	// token of theirs with every scope.
	AdminUser, AdminPassword, Token string
	proc                            *testproc.Process
}

// Start runs Gitea until Stop.
func Start() (*Server, error) {
	bin, err := (&devgitea.Config{}).LookPath()
	if err != nil {
		return nil, fmt.Errorf("%w (or set %s: eval $(make -s print-env))", err, devgitea.BinDirEnv)
	}
	dir, err := os.MkdirTemp("", "gitea-test-")
	if err != nil {
		return nil, err
	}
	cfg := &devgitea.Config{Path: bin, DataDir: dir, Port: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The database and the administrator do not depend on the port, which
	// each attempt picks anew.
	if err := devgitea.WriteConfig(cfg); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	password, err := devgitea.Prepare(ctx, bin, cfg)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	proc, err := testproc.Start("gitea", bin, dir, func() ([]string, func() error, error) {
		p, err := freeport.Pick()
		if err != nil {
			return nil, nil, err
		}
		cfg.Port = p
		if err := devgitea.WriteConfig(cfg); err != nil {
			return nil, nil, err
		}
		return devgitea.Args(dir, "web"), testproc.HTTPReady(cfg.URL() + "/api/v1/version"), nil
	})
	if err != nil {
		return nil, err
	}
	s := &Server{URL: cfg.URL(), AdminUser: devgitea.AdminUser, AdminPassword: password, proc: proc}
	if s.Token, err = s.createToken(ctx, "giteatest"); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// StartT starts a server that the test's cleanup stops. A missing binary
// fails the test, as the other tools' do: make tools builds it.
func StartT(tb testing.TB) *Server {
	tb.Helper()
	s, err := Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Stop)
	return s
}

// Stop kills Gitea and removes its folder; it may be called more than
// once.
func (s *Server) Stop() { s.proc.Stop() }

// Dir is Gitea's folder (app.ini, the database, the repositories and
// gitea.log).
func (s *Server) Dir() string { return s.proc.Dir }

// CloneURL is the repository's URL for git over HTTP.
func (s *Server) CloneURL(owner, repo string) string {
	return s.URL + "/" + owner + "/" + repo + ".git"
}

// createToken makes a token of the administrator with every scope.
func (s *Server) createToken(ctx context.Context, name string) (string, error) {
	body, _ := json.Marshal(map[string]any{"name": name, "scopes": []string{"all"}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/api/v1/users/"+s.AdminUser+"/tokens", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(s.AdminUser, s.AdminPassword)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		SHA1 string `json:"sha1"`
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("creating a token: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", err
	}
	return tok.SHA1, nil
}

package local

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// inWorkspace resolves a path relative to the workspace, refusing one
// that leaves it.
func (s *steps) inWorkspace(rel string) (string, error) {
	if rel == "" {
		rel = "."
	}
	if filepath.IsAbs(rel) {
		return "", fmt.Errorf("path %q must be relative to the workspace", rel)
	}
	p := filepath.Join(s.workspace(), rel)
	if p != s.workspace() && !strings.HasPrefix(p, s.workspace()+string(filepath.Separator)) {
		return "", fmt.Errorf("path %q leaves the workspace", rel)
	}
	return p, nil
}

// gitAuth returns the environment that gives git the source's credential.
func (s *steps) gitAuth(st *runner.Step) ([]string, error) {
	src := st.Run.Source
	env := []string{"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=true"}
	if src.Credential == "" {
		return env, nil
	}
	c, ok := st.Run.Credentials[src.Credential]
	if !ok {
		return nil, fmt.Errorf("credential %q of the source does not exist", src.Credential)
	}
	header := func(user, pass []byte) []string {
		v := "Authorization: Basic " + base64.StdEncoding.EncodeToString(append(append(append([]byte{}, user...), ':'), pass...))
		return append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader", "GIT_CONFIG_VALUE_0="+v)
	}
	switch {
	case c["password"] != nil:
		return header(c["username"], c["password"]), nil
	case c["secret"] != nil:
		return header([]byte("token"), c["secret"]), nil
	case c["ssh-privatekey"] != nil:
		key := filepath.Join(s.dir, "home", ".ssh-key")
		if err := os.WriteFile(key, c["ssh-privatekey"], 0o600); err != nil {
			return nil, err
		}
		return append(env, "GIT_SSH_COMMAND=ssh -i "+key+" -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"), nil
	}
	return nil, fmt.Errorf("credential %q holds no password, token or SSH key", src.Credential)
}

func (s *steps) checkout(ctx context.Context, st *runner.Step) (runner.Result, error) {
	src := st.Run.Source
	if src == nil || src.URL == "" {
		return runner.Result{}, errors.New("the pipeline has no Git source to check out")
	}
	dir, err := s.inWorkspace(st.Spec.Checkout.Dir)
	if err != nil {
		return runner.Result{}, err
	}
	// A retried checkout starts from an empty folder.
	if err := emptyDir(dir); err != nil {
		return runner.Result{}, err
	}
	auth, err := s.gitAuth(st)
	if err != nil {
		return runner.Result{}, err
	}
	branch := st.Run.Revision.Branch
	if branch == "" {
		branch = "main"
	}
	code, err := run(ctx, s.command(ctx, st, dir, auth, "git", "clone", "--no-tags", "--single-branch", "--branch", branch, "--", src.URL, "."))
	if err != nil {
		return runner.Result{ExitCode: code}, fmt.Errorf("git clone of %s (branch %s): %w", src.URL, branch, err)
	}
	if c := st.Run.Revision.Commit; c != "" {
		if code, err := run(ctx, s.command(ctx, st, dir, auth, "git", "-c", "advice.detachedHead=false", "checkout", "--detach", c)); err != nil {
			return runner.Result{ExitCode: code}, fmt.Errorf("git checkout %s: %w", c, err)
		}
	}
	var head bytes.Buffer
	cmd := s.command(ctx, st, dir, auth, "git", "rev-parse", "HEAD")
	cmd.Stdout = &head
	code, err = run(ctx, cmd)
	if err != nil {
		return runner.Result{ExitCode: code}, fmt.Errorf("git rev-parse HEAD: %w", err)
	}
	commit := strings.TrimSpace(head.String())
	_, _ = fmt.Fprintf(st.Log, "checked out %s at %s\n", branch, commit)
	return runner.Result{ExitCode: code, Commit: commit}, nil
}

func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(dir, 0o700)
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

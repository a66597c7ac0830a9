package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/gitea"
	devopsgitea "github.com/superkube/super-kubenetes/internal/devops/gitea"
)

// giteaStatus says how Gitea runs: its URL, the administrator's password
// file and the sample repository, or why it does not run.
type giteaStatus struct {
	URL, DataDir, PasswordFile, Sample, Missing string
}

// startGitea runs Gitea (the Git server of the DevOps module's pipelines)
// with its administrator, seeds the sample repository, and writes Gitea's
// URL in its data folder (gitea.URLFile) for the platform's configuration
// and the tests. The password is only ever written to gitea.PasswordFile.
// A binary that is not built is reported in the summary, not an error.
func (o *Options) startGitea(ctx context.Context, c *cluster.Cluster) (*giteaStatus, error) {
	if o.NoGitea {
		return &giteaStatus{Missing: "not started (--no-gitea)"}, nil
	}
	g := &o.Gitea
	if _, err := g.LookPath(); err != nil {
		return &giteaStatus{Missing: err.Error()}, nil //nolint:nilerr // reported in the summary
	}
	if cluster.PortFree(g.Port) != nil {
		return nil, fmt.Errorf("port %d for gitea is already in use on 127.0.0.1 (stop what holds it or choose another port with --gitea-port)", g.Port)
	}
	if g.DataDir == "" {
		g.DataDir = filepath.Join(o.Cluster.DataDir, "gitea")
	}
	password, err := gitea.Start(ctx, c, g)
	if err != nil {
		return nil, fmt.Errorf("starting gitea: %w", err)
	}
	if err := os.WriteFile(gitea.URLFile(g.DataDir), []byte(g.URL()+"\n"), 0o644); err != nil {
		return nil, err
	}
	client := devopsgitea.New(g.URL(), devopsgitea.Auth{Username: gitea.AdminUser, Password: password}, nil)
	repo, err := gitea.Seed(ctx, client)
	if err != nil {
		return nil, fmt.Errorf("seeding gitea's sample repository: %w", err)
	}
	return &giteaStatus{URL: g.URL(), DataDir: g.DataDir, PasswordFile: gitea.PasswordFile(g.DataDir), Sample: repo.CloneURL}, nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/rest"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/jenkins"
	devopskube "github.com/superkube/super-kubenetes/internal/devops/kubernetes"
	"github.com/superkube/super-kubenetes/internal/devops/local"
	"github.com/superkube/super-kubenetes/internal/devops/sonarqube"
	"github.com/superkube/super-kubenetes/internal/tokenfile"
)

// qualityWait bounds the wait for SonarQube's analysis of a commit.
const qualityWait = 10 * time.Minute

// devopsEngines are the engines the configuration turns on: local when
// devops.workDir is set, jenkins when devops.jenkins is, kubernetes always.
func devopsEngines(cfg Config, rc *rest.Config) (map[string]engine.Engine, error) {
	d := cfg.DevOps
	engines := map[string]engine.Engine{}
	var quality local.QualityFunc
	if q := d.SonarQube; q != nil {
		tok, err := tokenfile.Read(q.TokenFile, "SonarQube")
		if err != nil {
			return nil, fmt.Errorf("devops.sonarQube.tokenFile: %w", err)
		}
		quality = waitForAnalysis(&sonarqube.Client{URL: q.URL, Token: tok})
	}
	if d.WorkDir != "" {
		engines[engine.Local] = &local.Engine{Dir: d.WorkDir, Config: rc, CPUSeconds: d.StepCPUSeconds, OpenFiles: d.StepOpenFiles, Quality: quality}
	}
	if j := d.Jenkins; j != nil {
		tok, err := tokenfile.Read(j.TokenFile, "Jenkins")
		if err != nil {
			return nil, fmt.Errorf("devops.jenkins.tokenFile: %w", err)
		}
		e, err := jenkins.New(jenkins.Config{URL: j.URL, User: j.User, Token: tok})
		if err != nil {
			return nil, fmt.Errorf("devops.jenkins: %w", err)
		}
		engines[engine.Jenkins] = e
	}
	// The kubernetes executor needs only the cluster: always on.
	opts, err := d.Kubernetes.options()
	if err != nil {
		return nil, err
	}
	k, err := devopskube.New(rc, opts)
	if err != nil {
		return nil, fmt.Errorf("devops.kubernetes: %w", err)
	}
	k.Quality = quality
	engines[engine.Kubernetes] = k
	return engines, nil
}

// waitForAnalysis asks SonarQube until the commit's analysis is there.
func waitForAnalysis(c *sonarqube.Client) local.QualityFunc {
	return func(ctx context.Context, key, branch, commit string) (*devopsv1alpha3.CodeQuality, error) {
		ctx, cancel := context.WithTimeout(ctx, qualityWait)
		defer cancel()
		for {
			q, err := c.Quality(ctx, key, branch, commit)
			if !errors.Is(err, sonarqube.ErrNoAnalysis) {
				return q, err
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("no SonarQube analysis of commit %s after %s: %w", commit, qualityWait, err)
			case <-time.After(5 * time.Second):
			}
		}
	}
}

// devopsDefaultEngine runs the pipelines that name no executor.
func devopsDefaultEngine(cfg Config) string {
	if cfg.DevOps.Executor != "" {
		return cfg.DevOps.Executor
	}
	if cfg.DevOps.WorkDir != "" {
		return engine.Local
	}
	return engine.Kubernetes
}

package app

import (
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/devops/engine"
	devopskube "github.com/superkube/super-kubenetes/internal/devops/kubernetes"
	"github.com/superkube/super-kubenetes/internal/devops/local"
)

// devopsEngines are the engines the configuration turns on: local when
// devops.workDir is set, kubernetes always (it needs only the cluster).
func devopsEngines(cfg Config, rc *rest.Config) (map[string]engine.Engine, error) {
	engines := map[string]engine.Engine{}
	d := cfg.DevOps
	if d.WorkDir != "" {
		engines[engine.Local] = &local.Engine{Dir: d.WorkDir, Config: rc, CPUSeconds: d.StepCPUSeconds, OpenFiles: d.StepOpenFiles}
	}
	opts, err := d.Kubernetes.options()
	if err != nil {
		return nil, err
	}
	k, err := devopskube.New(rc, opts)
	if err != nil {
		return nil, err
	}
	engines[engine.Kubernetes] = k
	return engines, nil
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

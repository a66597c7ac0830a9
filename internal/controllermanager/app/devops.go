package app

import (
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/local"
)

// devopsEngines are the engines the configuration turns on.
func devopsEngines(cfg Config, rc *rest.Config) map[string]engine.Engine {
	engines := map[string]engine.Engine{}
	if d := cfg.DevOps; d.WorkDir != "" {
		engines[engine.Local] = &local.Engine{Dir: d.WorkDir, Config: rc, CPUSeconds: d.StepCPUSeconds, OpenFiles: d.StepOpenFiles}
	}
	return engines
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

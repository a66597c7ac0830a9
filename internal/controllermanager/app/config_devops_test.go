package app

import (
	"strings"
	"testing"

	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/devops/engine"
	devopskube "github.com/superkube/super-kubenetes/internal/devops/kubernetes"
)

func TestTheKubernetesExecutorIsConfigured(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DevOps.Executor = "kubernetes"
	cfg.DevOps.Kubernetes = DevOpsKubernetes{Images: DevOpsImages{Shell: "alpine:3.21"}, WorkspaceSize: "5Gi", StorageClassName: "fast"}
	if errs := cfg.DevOps.validate(); len(errs) > 0 {
		t.Fatal(errs)
	}
	engines, err := devopsEngines(cfg, &rest.Config{Host: "https://127.0.0.1:6443"})
	if err != nil {
		t.Fatal(err)
	}
	k, ok := engines[engine.Kubernetes].(*devopskube.Engine)
	if !ok || devopsDefaultEngine(cfg) != engine.Kubernetes {
		t.Fatalf("engines %v, default %s", engines, devopsDefaultEngine(cfg))
	}
	o := k.Options
	if o.ShellImage != "alpine:3.21" || o.GitImage != devopskube.DefaultGitImage || o.BuilderImage != devopskube.DefaultBuilderImage ||
		o.WorkspaceSize.String() != "5Gi" || o.StorageClassName != "fast" || o.RunAsUser != devopskube.DefaultRunAsUser {
		t.Errorf("options %+v", o)
	}
}

func TestTheKubernetesExecutorsConfigurationIsValidated(t *testing.T) {
	for _, c := range []struct {
		k    DevOpsKubernetes
		want string
	}{
		{DevOpsKubernetes{WorkspaceSize: "lots"}, "workspaceSize"},
		{DevOpsKubernetes{WorkspaceSize: "-1Gi"}, "workspaceSize must be positive"},
		{DevOpsKubernetes{AccessMode: "ReadOnlyMany"}, "accessMode"},
		{DevOpsKubernetes{StorageClassName: "Not_A_Name"}, "storageClassName"},
		{DevOpsKubernetes{Images: DevOpsImages{Git: "UPPER CASE:tag"}}, "images.git"},
		{DevOpsKubernetes{RunAsUser: -1}, "runAsUser"},
	} {
		errs := DevOps{Kubernetes: c.k}.validate()
		if len(errs) == 0 || !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%+v: errors %v, want %q", c.k, errs, c.want)
		}
	}
}

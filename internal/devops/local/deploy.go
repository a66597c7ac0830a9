package local

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/superkube/super-kubenetes/internal/devops/deploy"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// FieldManager is the field manager of what deploy steps apply.
const FieldManager = deploy.FieldManager

// deploy applies the manifests to the project with server-side apply, as
// the run's user: kube-apiserver's RBAC and admission decide as for kubectl.
func (s *steps) deploy(ctx context.Context, st *runner.Step) (runner.Result, error) {
	d := st.Spec.Deploy
	files, err := s.manifests(d.Manifests)
	if err != nil {
		return runner.Result{}, err
	}
	objs, err := deploy.Parse(files)
	if err != nil {
		return runner.Result{}, err
	}
	return runner.Result{}, deploy.Apply(ctx, s.e.Config, st.Run.User, d.Project, objs, st.Log)
}

// manifests reads the YAML files (and folders of them) of the workspace.
func (s *steps) manifests(paths []string) ([]deploy.File, error) {
	var files []string
	for _, p := range paths {
		abs, err := s.inWorkspace(p)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", p, err)
		}
		if !fi.IsDir() {
			files = append(files, abs)
			continue
		}
		entries, err := os.ReadDir(abs)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.IsDir() && deploy.IsManifest(e.Name()) {
				files = append(files, filepath.Join(abs, e.Name()))
			}
		}
	}
	sort.Strings(files)
	var out []deploy.File
	var total int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if total += int64(len(b)); total > deploy.MaxManifestBytes {
			return nil, fmt.Errorf("the manifests exceed %d MiB", deploy.MaxManifestBytes>>20)
		}
		rel, _ := filepath.Rel(s.workspace(), f)
		out = append(out, deploy.File{Path: rel, Data: b})
	}
	return out, nil
}

package local

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// maxArtifactBytes bounds what one run keeps.
const maxArtifactBytes = 256 << 20

// artifacts copies the files matching the globs into the run's artifacts.
func (s *steps) artifacts(st *runner.Step) (runner.Result, error) {
	var files []string
	for _, g := range st.Spec.Artifacts.Paths {
		pattern, err := s.inWorkspace(g)
		if err != nil {
			return runner.Result{}, err
		}
		m, err := filepath.Glob(pattern)
		if err != nil {
			return runner.Result{}, fmt.Errorf("pattern %q: %w", g, err)
		}
		if len(m) == 0 {
			return runner.Result{}, fmt.Errorf("no file matches %q", g)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	var res runner.Result
	var total int64
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return res, err
		}
		if !fi.Mode().IsRegular() {
			continue
		}
		if total += fi.Size(); total > maxArtifactBytes {
			return res, fmt.Errorf("the artifacts exceed %d MiB", maxArtifactBytes>>20)
		}
		rel, _ := filepath.Rel(s.workspace(), f)
		sum, err := copyFile(f, filepath.Join(s.dir, "artifacts", rel))
		if err != nil {
			return res, err
		}
		res.Artifacts = append(res.Artifacts, devopsv1alpha3.Artifact{Path: filepath.ToSlash(rel), Size: fi.Size(), SHA256: sum, Step: st.Stage + "/" + st.Name})
		_, _ = fmt.Fprintf(st.Log, "kept %s (%d bytes, sha256 %s)\n", rel, fi.Size(), sum)
	}
	return res, nil
}

func copyFile(from, to string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return "", err
	}
	in, err := os.Open(from)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		_ = out.Close()
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), out.Close()
}

// Artifact opens a file a run kept (rel as in status.artifacts[].path).
func (e *Engine) Artifact(run types.NamespacedName, rel string) (io.ReadCloser, error) {
	dir := filepath.Join(RunDir(e.Dir, run), "artifacts")
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if !strings.HasPrefix(p, dir+string(filepath.Separator)) {
		return nil, fmt.Errorf("artifact %q leaves the run's folder", rel)
	}
	return os.Open(p)
}

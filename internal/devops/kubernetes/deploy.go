package kubernetes

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/superkube/super-kubenetes/internal/devops/deploy"
	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// manifestsScript prints each manifest of the paths given as arguments
// (files, or the *.yaml, *.yml and *.json of folders, sorted) as a header
// line and its base64 lines; an error goes to the termination message.
const manifestsScript = `cd /workspace
fail() { printf '%s' "$1" > /dev/termination-log; echo "$1" >&2; exit 2; }
for p; do
  if [ -d "$p" ]; then
    for f in "$p"/*.yaml "$p"/*.yml "$p"/*.json; do
      [ -f "$f" ] || continue
      echo "@@manifest $f"; base64 < "$f"
    done
  elif [ -f "$p" ]; then
    echo "@@manifest $p"; base64 < "$p"
  else
    fail "manifest $p: no such file or folder"
  fi
done
echo "@@end"
`

// deploy reads the manifests out of the workspace with a pod of the shell
// image, then applies them as the run's user from the controller (package
// deploy): no pod holds a credential to the cluster.
func (s *steps) deploy(ctx context.Context, st *runner.Step) (runner.Result, error) {
	d := st.Spec.Deploy
	if st.Run.User == nil || st.Run.User.GetName() == "" {
		return runner.Result{}, fmt.Errorf("the run has no user to deploy as")
	}
	args := []string{"sh", "-ec", manifestsScript, "manifests"}
	for _, p := range d.Manifests {
		abs, err := inWorkspace(p)
		if err != nil {
			return runner.Result{}, err
		}
		args = append(args, "."+strings.TrimPrefix(abs, Workspace))
	}
	pod := s.pod(ctx, st, podSpec{role: "manifests", image: s.opts.ShellImage, command: args})
	t, err := s.runPod(ctx, pod)
	if err != nil {
		if t != nil && t.Message != "" {
			return runner.Result{}, fmt.Errorf("reading the manifests: %s", t.Message)
		}
		return runner.Result{}, fmt.Errorf("reading the manifests: %w", err)
	}
	limit := int64(deploy.MaxManifestBytes)*4/3 + 1<<20
	read := s.e.PodLog
	if read == nil {
		read = func(ctx context.Context, pod *corev1.Pod, limit int64) (io.ReadCloser, error) {
			return s.Client().CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: Container, LimitBytes: &limit}).Stream(ctx)
		}
	}
	rc, err := read(ctx, pod, limit)
	if err != nil {
		return runner.Result{}, fmt.Errorf("reading the manifests: %w", err)
	}
	files, err := parseBundle(rc)
	_ = rc.Close()
	if err != nil {
		return runner.Result{}, fmt.Errorf("reading the manifests: %w", err)
	}
	objs, err := deploy.Parse(files)
	if err != nil {
		return runner.Result{}, err
	}
	return runner.Result{}, deploy.Apply(ctx, s.e.Config, st.Run.User, d.Project, objs, st.Log)
}

// parseBundle reads what manifestsScript printed.
func parseBundle(r io.Reader) ([]deploy.File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var files []deploy.File
	var cur *strings.Builder
	flush := func() error {
		if cur == nil {
			return nil
		}
		b, err := base64.StdEncoding.DecodeString(cur.String())
		if err != nil {
			return fmt.Errorf("%s: %w", files[len(files)-1].Path, err)
		}
		files[len(files)-1].Data = b
		cur = nil
		return nil
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "@@end":
			return files, flush()
		case strings.HasPrefix(line, "@@manifest "):
			if err := flush(); err != nil {
				return nil, err
			}
			files = append(files, deploy.File{Path: strings.TrimPrefix(strings.TrimPrefix(line, "@@manifest "), "./")})
			cur = &strings.Builder{}
		case cur != nil:
			cur.WriteString(strings.TrimSpace(line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("the manifests were cut short (more than %s?)", strconv.Itoa(deploy.MaxManifestBytes>>20)+" MiB")
}

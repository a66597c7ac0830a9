package kubernetes

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/mask"
)

// Logs reads the step's pods' logs (pods/log), every attempt in order,
// following the last one when follow is set. They are masked with the
// run's credentials when this process runs the run, and else with every
// value of the Secrets the pods take variables from.
func (e *Engine) Logs(ctx context.Context, run types.NamespacedName, stage, step string, follow bool) (io.ReadCloser, error) {
	sel := labels.Set{RunLabel: labelValue(run.Name), StepKeyLabel: stepKey(stage, step), RoleLabel: "step"}.String()
	list, err := e.Client.CoreV1().Pods(run.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	pods := list.Items
	if len(pods) == 0 {
		return nil, engine.ErrNoLog
	}
	attempt := func(p *corev1.Pod) int { n, _ := strconv.Atoi(p.Labels[AttemptLabel]); return n }
	sort.Slice(pods, func(i, j int) bool { return attempt(&pods[i]) < attempt(&pods[j]) })
	m, err := e.masker(ctx, run, pods)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		out := m.Writer(pw)
		var err error
		for i := range pods {
			if len(pods) > 1 {
				_, _ = fmt.Fprintf(out, "--- attempt %d\n", attempt(&pods[i]))
			}
			if err = e.copyLog(ctx, &pods[i], follow && i == len(pods)-1, out); err != nil {
				break
			}
		}
		_ = out.Close()
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// copyLog copies one pod's log; a pod whose container has not started has
// none yet (followed, it is waited for).
func (e *Engine) copyLog(ctx context.Context, pod *corev1.Pod, follow bool, w io.Writer) error {
	for !started(pod) {
		if !follow {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		p, err := e.Client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return nil
		}
		pod = p
	}
	rc, err := e.Client.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: Container, Follow: follow}).Stream(ctx)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func started(pod *corev1.Pod) bool {
	cs := containerStatus(pod)
	return cs != nil && (cs.State.Running != nil || cs.State.Terminated != nil)
}

// masker masks the run's credentials: those of the run when it runs here,
// and the values of the Secrets its pods name.
func (e *Engine) masker(ctx context.Context, run types.NamespacedName, pods []corev1.Pod) (*mask.Masker, error) {
	var secrets [][]byte
	e.mu.Lock()
	m := e.maskers[run]
	e.mu.Unlock()
	if m != nil {
		return m, nil
	}
	seen := map[string]bool{}
	for i := range pods {
		for _, name := range secretNames(&pods[i]) {
			if seen[name] {
				continue
			}
			seen[name] = true
			s, err := e.Client.CoreV1().Secrets(run.Namespace).Get(ctx, name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading the credentials to mask the log: %w", err)
			}
			for _, v := range s.Data {
				secrets = append(secrets, v)
			}
		}
	}
	return mask.New(secrets), nil
}

// secretNames are the Secrets a pod takes variables or files from.
func secretNames(pod *corev1.Pod) []string {
	var out []string
	for _, c := range pod.Spec.Containers {
		for _, v := range c.Env {
			if v.ValueFrom != nil && v.ValueFrom.SecretKeyRef != nil {
				out = append(out, v.ValueFrom.SecretKeyRef.Name)
			}
		}
	}
	for _, v := range pod.Spec.Volumes {
		if v.Secret != nil && !strings.HasSuffix(v.Name, "docker-config") {
			out = append(out, v.Secret.SecretName)
		}
	}
	return out
}

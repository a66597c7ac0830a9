package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// cannotStart are the waiting reasons of a container that will not start
// by itself soon; invalid ones fail at once, the others after PullGrace.
var cannotStart = map[string]bool{
	"ErrImagePull": false, "ImagePullBackOff": false, "CreateContainerConfigError": false,
	"InvalidImageName": true, "ErrImageNeverPull": true, "CreateContainerError": false,
}

func exitCode(t *corev1.ContainerStateTerminated) *int32 {
	if t == nil {
		return nil
	}
	c := t.ExitCode
	return &c
}

// runPod creates the pod and waits until it ends; it returns its step
// container's terminated state. It deletes the pod (grace 0) when ctx ends
// or the pod cannot start.
func (s *steps) runPod(ctx context.Context, pod *corev1.Pod) (*corev1.ContainerStateTerminated, error) {
	pods := s.Client().CoreV1().Pods(pod.Namespace)
	created, err := pods.Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// A leftover of an earlier controller: start again.
		s.deletePod(ctx, pod.Name)
		created, err = pods.Create(ctx, pod, metav1.CreateOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("creating the step's pod: %w", err)
	}
	t, err := s.wait(ctx, created)
	if err != nil && (t == nil || ctx.Err() != nil) {
		s.deletePod(ctx, pod.Name)
	}
	return t, err
}

func (s *steps) deletePod(ctx context.Context, name string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	_ = s.Client().CoreV1().Pods(s.run.Key.Namespace).Delete(dctx, name, metav1.DeleteOptions{GracePeriodSeconds: new(int64)})
}

// wait watches the pod until it ends.
func (s *steps) wait(ctx context.Context, pod *corev1.Pod) (*corev1.ContainerStateTerminated, error) {
	pods := s.Client().CoreV1().Pods(pod.Namespace)
	startBy := time.Now().Add(s.opts.StartTimeout)
	var stuckSince time.Time
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	rv := pod.ResourceVersion
	for {
		w, err := pods.Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", pod.Name).String(), ResourceVersion: rv})
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("watching the step's pod: %w", err)
		}
		for open := true; open; {
			select {
			case <-ctx.Done():
				w.Stop()
				return nil, ctx.Err()
			case ev, ok := <-w.ResultChan():
				if !ok {
					open = false
					break
				}
				switch ev.Type {
				case watch.Deleted:
					w.Stop()
					return nil, errors.New("the step's pod was deleted")
				case watch.Error:
					// Expired: read the pod again below.
					open = false
					continue
				}
				p, isPod := ev.Object.(*corev1.Pod)
				if !isPod {
					continue
				}
				pod = p
			case <-tick.C:
			}
			if t, err, done := s.check(pod, &stuckSince, startBy); done {
				w.Stop()
				return t, err
			}
		}
		w.Stop()
		p, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, errors.New("the step's pod was deleted")
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("reading the step's pod: %w", err)
		}
		pod, rv = p, p.ResourceVersion
	}
}

// check decides whether the pod ended, or cannot start.
func (s *steps) check(pod *corev1.Pod, stuckSince *time.Time, startBy time.Time) (*corev1.ContainerStateTerminated, error, bool) {
	cs := containerStatus(pod)
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed:
		if cs != nil && cs.State.Terminated != nil {
			t := cs.State.Terminated
			if t.ExitCode == 0 && pod.Status.Phase == corev1.PodSucceeded {
				return t, nil, true
			}
			msg := fmt.Sprintf("exit status %d", t.ExitCode)
			if t.Reason != "" && t.Reason != "Error" && t.Reason != "Completed" {
				msg += " (" + t.Reason + ")"
			}
			return t, errors.New(msg), true
		}
		msg := "the step's pod " + string(pod.Status.Phase)
		if pod.Status.Reason != "" {
			msg += ": " + pod.Status.Reason
		}
		if pod.Status.Message != "" {
			msg += ": " + pod.Status.Message
		}
		return nil, errors.New(msg), true
	}
	if cs != nil && cs.State.Waiting != nil {
		if final, ok := cannotStart[cs.State.Waiting.Reason]; ok {
			if stuckSince.IsZero() {
				*stuckSince = time.Now()
			}
			if final || time.Since(*stuckSince) >= s.opts.PullGrace {
				return nil, fmt.Errorf("the step's container cannot start: %s: %s", cs.State.Waiting.Reason, cs.State.Waiting.Message), true
			}
			return nil, nil, false
		}
	}
	*stuckSince = time.Time{}
	started := cs != nil && (cs.State.Running != nil || cs.State.Terminated != nil)
	if !started && time.Now().After(startBy) {
		why := string(pod.Status.Phase)
		for _, c := range pod.Status.Conditions {
			if c.Status != corev1.ConditionTrue && c.Message != "" {
				why += ": " + c.Message
			}
		}
		if cs != nil && cs.State.Waiting != nil {
			why += ": " + cs.State.Waiting.Reason + " " + cs.State.Waiting.Message
		}
		return nil, fmt.Errorf("the step's pod did not start within %s (%s)", s.opts.StartTimeout, why), true
	}
	return nil, nil, false
}

func containerStatus(pod *corev1.Pod) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == Container {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

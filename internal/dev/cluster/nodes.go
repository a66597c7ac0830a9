package cluster

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

const (
	// kwokNodeAnnotation marks the nodes KWOK manages.
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	// devNodeLabel marks the nodes ke-dev created, so it may remove surplus ones.
	devNodeLabel = "superkube.io/dev-node"
	// NodePrefix starts the name of every simulated node.
	NodePrefix = "ke-node-"
	// resourceMetricsPathAnnotation tells metrics-server (v0.8 and later)
	// where a node's kubelet serves its resource metrics. All the simulated
	// nodes share 127.0.0.1 and the kubelet port, so the path is what tells
	// them apart: KWOK serves each node's series under its name.
	resourceMetricsPathAnnotation = "metrics.k8s.io/resource-metrics-path"
)

// NodeName returns the name of the i-th simulated node of a cluster whose
// configuration leaves NodePrefix empty (the host).
func NodeName(i int) string { return NodePrefix + strconv.Itoa(i) }

// NodeName returns the name of the cluster's i-th simulated node.
func (c *Config) NodeName(i int) string {
	if c.NodePrefix == "" {
		return NodeName(i)
	}
	return c.NodePrefix + strconv.Itoa(i)
}

// ensureNodes creates the missing simulated nodes and deletes those beyond
// the configured number.
func (c *Cluster) ensureNodes(ctx context.Context) error {
	nodes := c.Client.CoreV1().Nodes()
	existing, err := nodes.List(ctx, metav1.ListOptions{LabelSelector: devNodeLabel + "=true"})
	if err != nil {
		return fmt.Errorf("listing nodes: %w", err)
	}
	want := map[string]bool{}
	for i := range c.cfg.Nodes {
		want[c.cfg.NodeName(i)] = true
	}
	have := map[string]bool{}
	for _, n := range existing.Items {
		have[n.Name] = true
		if !want[n.Name] {
			if err := nodes.Delete(ctx, n.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("deleting surplus node %s: %w", n.Name, err)
			}
			continue
		}
		// Nodes created by an earlier version of ke-dev lack the annotation.
		if path := ResourceMetricsPath(n.Name); n.Annotations[resourceMetricsPathAnnotation] != path {
			patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, resourceMetricsPathAnnotation, path)
			if _, err := nodes.Patch(ctx, n.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
				return fmt.Errorf("annotating node %s with its metrics path: %w", n.Name, err)
			}
		}
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(c.cfg.NodeCPU),
		corev1.ResourceMemory: resource.MustParse(c.cfg.NodeMemory),
		corev1.ResourcePods:   resource.MustParse(c.cfg.NodePods),
	}
	for i := range c.cfg.Nodes {
		name := c.cfg.NodeName(i)
		if have[name] {
			continue
		}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: name,
				Labels: map[string]string{
					devNodeLabel:                     "true",
					"type":                           "kwok",
					corev1.LabelHostname:             name,
					corev1.LabelOSStable:             "linux",
					corev1.LabelArchStable:           "amd64",
					"node-role.kubernetes.io/worker": "",
				},
				Annotations: map[string]string{
					kwokNodeAnnotation:             "fake",
					"node.alpha.kubernetes.io/ttl": "0",
					resourceMetricsPathAnnotation:  ResourceMetricsPath(name),
				},
			},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity},
		}
		if _, err := nodes.Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating node %s: %w", name, err)
		}
	}
	return nil
}

// waitReady waits until every simulated node is Ready and the controller
// manager has created the default service account.
func (c *Cluster) waitReady(ctx context.Context) error {
	fmt.Fprintf(c.cfg.Out, "Waiting for %d nodes to be Ready ...", c.cfg.Nodes)
	begin := time.Now()
	var notReady []string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := c.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: devNodeLabel + "=true"})
		if err != nil {
			return false, nil //nolint:nilerr // retried until the timeout
		}
		notReady = notReady[:0]
		ready := 0
		for _, n := range list.Items {
			if nodeReady(&n) {
				ready++
			} else {
				notReady = append(notReady, n.Name)
			}
		}
		if ready < c.cfg.Nodes {
			return false, nil
		}
		_, err = c.Client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		fmt.Fprintln(c.cfg.Out)
		return fmt.Errorf("the cluster did not become ready (nodes not Ready: %s; see the logs in %s): %w", strings.Join(notReady, ", "), c.cfg.logDir(), err)
	}
	fmt.Fprintf(c.cfg.Out, " ready in %.1fs\n", time.Since(begin).Seconds())
	return nil
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// maxSimulatedLog bounds the simulated container log.
const maxSimulatedLog = 1 << 20

// writeSimulatedLogs appends a line to the simulated container log every
// few seconds, so that `kubectl logs -f` shows output arriving.
func writeSimulatedLogs(ctx context.Context, file string) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	n := 0
	for {
		if st, err := os.Stat(file); err == nil && st.Size() > maxSimulatedLog {
			_ = os.Truncate(file, 0)
		}
		if f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			n++
			// KWOK serves the file as a CRI log: time, stream, tag (F: full line), text.
			fmt.Fprintf(f, "%s stdout F simulated container output, line %d (KWOK runs no real container)\n", time.Now().UTC().Format(time.RFC3339Nano), n)
			f.Close()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

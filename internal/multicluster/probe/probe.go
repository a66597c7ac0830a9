// Package probe reaches a cluster's kube-apiserver the way the host does
// (directly or through a tunnel) and records what it saw in the Cluster's
// status: the version, the number of nodes, when it was reached, and
// whether it is Ready. Readiness is what the host reached, never what the
// member last wrote.
package probe

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

// The member versions the platform supports: the Kubernetes minor it is
// built with (1.37), three before it and one after.
const (
	MinMinor = 34
	MaxMinor = 38
)

// Timeout bounds one probe.
const Timeout = 5 * time.Second

// Result is what a probe saw.
type Result struct {
	Version string
	Nodes   int32
}

// Probe asks the kube-apiserver of rc for its version and its node count.
func Probe(ctx context.Context, rc *rest.Config) (Result, error) {
	cfg := rest.CopyConfig(rc)
	cfg.Timeout = Timeout
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return Result{}, err
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return Result{}, fmt.Errorf("kube-apiserver did not answer: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Result{}, err
	}
	// Only the count is needed: ask for one item and read the remaining count.
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		return Result{}, fmt.Errorf("listing nodes: %w", err)
	}
	count := int64(len(nodes.Items))
	if nodes.RemainingItemCount != nil {
		count += *nodes.RemainingItemCount
	}
	return Result{Version: v.GitVersion, Nodes: int32(count)}, nil //nolint:gosec // node counts fit
}

// CheckVersion says whether a kube-apiserver version is supported.
func CheckVersion(gitVersion string) error {
	v, err := version.ParseGeneric(gitVersion)
	if err != nil {
		return fmt.Errorf("kube-apiserver reports version %q, which is not a Kubernetes version", gitVersion)
	}
	if v.Major() != 1 || v.Minor() < MinMinor || v.Minor() > MaxMinor {
		return fmt.Errorf("kube-apiserver's version %s is outside the supported range %s", gitVersion, SupportedRange())
	}
	return nil
}

// SupportedRange is the range of supported versions, for messages.
func SupportedRange() string {
	return "v1." + strconv.Itoa(MinMinor) + " to v1." + strconv.Itoa(MaxMinor)
}

// Record writes a probe's outcome into the cluster's status.
func Record(c *clusterv1alpha1.Cluster, now time.Time, r Result, err error) {
	t := metav1.NewTime(now.UTC().Truncate(time.Second))
	c.Status.LastProbeTime = &t
	if err != nil {
		conditions.SetReady(&c.Status.Conditions, c.Generation, false, clusterv1alpha1.ReasonUnreachable, oneLine(err.Error()))
		return
	}
	c.Status.LastReachedTime = &t
	c.Status.KubernetesVersion = r.Version
	c.Status.NodeCount = r.Nodes
	c.Status.ObservedGeneration = c.Generation
	if verr := CheckVersion(r.Version); verr != nil {
		conditions.SetReady(&c.Status.Conditions, c.Generation, false, clusterv1alpha1.ReasonUnsupportedVersion, verr.Error())
		return
	}
	conditions.SetReady(&c.Status.Conditions, c.Generation, true, clusterv1alpha1.ReasonReachable, "")
}

// NotConnected records that an Agent cluster has no tunnel.
func NotConnected(c *clusterv1alpha1.Cluster, message string) {
	conditions.SetReady(&c.Status.Conditions, c.Generation, false, clusterv1alpha1.ReasonAgentNotConnected, message)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}

// ClusterID identifies a cluster: the UID of its kube-system namespace,
// which is made once with the cluster and never changes. Two kubeconfigs
// with the same ID reach the same cluster.
func ClusterID(ctx context.Context, r client.Reader) (string, error) {
	ns := &corev1.Namespace{}
	if err := r.Get(ctx, client.ObjectKey{Name: metav1.NamespaceSystem}, ns); err != nil {
		return "", fmt.Errorf("reading namespace %s: %w", metav1.NamespaceSystem, err)
	}
	return string(ns.UID), nil
}

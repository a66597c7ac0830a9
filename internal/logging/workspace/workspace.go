// Package workspace tells the workspace of a namespace, for the records
// the platform keeps in the log store (events, audit records), which carry
// it so that a workspace's administrators can be shown theirs.
package workspace

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Lookup reads namespaces' workspace labels.
type Lookup struct {
	// Reader reads namespaces (from a cache); nil knows none.
	Reader client.Reader
}

// Of is the workspace of ns, "" when it has none or cannot be read.
func (l Lookup) Of(ctx context.Context, ns string) string {
	if ns == "" || l.Reader == nil {
		return ""
	}
	n := &corev1.Namespace{}
	if err := l.Reader.Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
		return ""
	}
	return n.Labels[tenantv1beta1.WorkspaceLabel]
}

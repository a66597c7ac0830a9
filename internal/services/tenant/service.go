// Package tenant is the business logic of the tenant API: which workspaces,
// projects and clusters a caller may see and use, creating and deleting
// workspaces and projects, and a workspace's overview counts. It reads from
// ke-apiserver's informer cache through the field indexes Setup registers,
// asks the authorizer what the caller may do, and writes with ke-apiserver's
// own identity once the caller was authorized; it answers a write once the
// cache shows it. Its errors are Kubernetes API errors.
package tenant

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// Field indexes the service registers on ke-apiserver's cache. The names
// are the service's own, so that they never clash with another package's.
const (
	// IndexNamespaceWorkspace indexes namespaces by their workspace label.
	IndexNamespaceWorkspace = "tenant.namespaceWorkspace"
	// IndexBindingWorkspace indexes WorkspaceRoleBindings by their workspace label.
	IndexBindingWorkspace = "tenant.bindingWorkspace"
	// IndexBindingSubject indexes WorkspaceRoleBindings by "user:<name>" and
	// "group:<name>" of their subjects, across workspaces.
	IndexBindingSubject = "tenant.bindingSubject"
	// IndexWorkspaceManager indexes workspaces by spec.manager.
	IndexWorkspaceManager = "tenant.workspaceManager"
)

// Authorizer decides what a caller may do.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Service implements the tenant API.
type Service struct {
	// Reader reads from ke-apiserver's cache.
	Reader client.Reader
	// Writer writes with ke-apiserver's identity.
	Writer     client.Client
	Authorizer Authorizer
	// AccessWait bounds how long creating a workspace waits for its
	// creator's admin binding, which the workspace controller makes, to
	// take effect (zero does not wait; see CreateWorkspace).
	AccessWait time.Duration
	// Placement, when set, refuses projects of a workspace on this cluster
	// (a member's service: the workspace must be placed on the member).
	Placement func(ws *tenantv1beta1.Workspace) error
}

// Setup registers the field indexes the service reads by. Call it before
// the cache starts.
func Setup(ctx context.Context, c ctrlcache.Cache) error {
	regs := []struct {
		obj     client.Object
		field   string
		extract client.IndexerFunc
	}{
		{&corev1.Namespace{}, IndexNamespaceWorkspace, byWorkspaceLabel},
		{&iamv1beta1.WorkspaceRoleBinding{}, IndexBindingWorkspace, byWorkspaceLabel},
		{&iamv1beta1.WorkspaceRoleBinding{}, IndexBindingSubject, func(o client.Object) []string {
			b := o.(*iamv1beta1.WorkspaceRoleBinding)
			if b.Labels[tenantv1beta1.WorkspaceLabel] == "" {
				return nil
			}
			out := make([]string, 0, len(b.Subjects))
			for _, s := range b.Subjects {
				out = append(out, subjectKey(s.Kind, s.Name))
			}
			return out
		}},
		{&tenantv1beta1.Workspace{}, IndexWorkspaceManager, func(o client.Object) []string {
			if m := o.(*tenantv1beta1.Workspace).Spec.Manager; m != "" {
				return []string{m}
			}
			return nil
		}},
	}
	for _, r := range regs {
		if err := c.IndexField(ctx, r.obj, r.field, r.extract); err != nil {
			return fmt.Errorf("indexing %T by %s: %w", r.obj, r.field, err)
		}
	}
	// Clusters are read on every clusters list: sync them with the rest.
	if _, err := c.GetInformer(ctx, &clusterv1alpha1.Cluster{}); err != nil {
		return fmt.Errorf("the informer of clusters: %w", err)
	}
	return nil
}

// SetupMember registers, on a member cluster's cache, the field index by
// which the service lists a workspace's projects there. Call it before the
// cache starts.
func SetupMember(ctx context.Context, c ctrlcache.Cache) error {
	if err := c.IndexField(ctx, &corev1.Namespace{}, IndexNamespaceWorkspace, byWorkspaceLabel); err != nil {
		return fmt.Errorf("indexing namespaces by %s: %w", IndexNamespaceWorkspace, err)
	}
	return nil
}

func byWorkspaceLabel(o client.Object) []string {
	if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
		return []string{ws}
	}
	return nil
}

func subjectKey(kind, name string) string {
	if kind == "Group" {
		return "group:" + name
	}
	return "user:" + name
}

// allowed asks the authorizer about one action of the caller.
func (s *Service) allowed(u user.Info, a authz.Attributes) bool {
	a.User, a.Groups, a.ResourceRequest = u.GetName(), u.GetGroups(), true
	return s.Authorizer.Authorize(&a).Allowed
}

// backendError turns an error of a write with ke-apiserver's identity into
// what the caller is told: the API's own answers about the object (exists,
// conflict, invalid, not found) pass; a refusal of ke-apiserver's identity
// is a server fault, logged and not shown.
func backendError(ctx context.Context, err error, what string) error {
	if err == nil {
		return nil
	}
	if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
		logr.FromContextOrDiscard(ctx).Error(err, "Kubernetes refused ke-apiserver's own identity", "action", what)
		return fmt.Errorf("%s: %w", what, errors.New("refused by kube-apiserver"))
	}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		return err
	}
	logr.FromContextOrDiscard(ctx).Error(err, "Request to kube-apiserver failed", "action", what)
	return fmt.Errorf("%s: %w", what, err)
}

// The kinds that 422 answers name.
var (
	workspaceGK = tenantv1beta1.GroupVersion.WithKind("Workspace").GroupKind()
	namespaceGK = schema.GroupKind{Kind: "Namespace"}
)

// badRequest is a 400 naming the query parameter that is wrong.
func badRequest(param, msg string) error {
	err := apierrors.NewBadRequest(param + ": " + msg)
	err.ErrStatus.Details = &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueInvalid, Field: param, Message: msg}}}
	return err
}

func notFound(resource, name string) error {
	return apierrors.NewNotFound(tenantv1beta1.GroupVersion.WithResource(resource).GroupResource(), name)
}

func forbidden(msg string, field string) error {
	return apistatus.New(http.StatusForbidden, metav1.StatusReasonForbidden, msg, apistatus.Cause(metav1.CauseTypeFieldValueNotSupported, field, msg))
}

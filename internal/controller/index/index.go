// Package index registers the cache field indexes that the reconcilers use
// to find related objects without scanning whole collections.
package index

import (
	"context"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// Index names.
const (
	// Workspace indexes objects by their superkube.io/workspace label.
	Workspace = "superkube.workspace"
	// RoleRef indexes bindings by the name of the role they grant.
	RoleRef = "superkube.roleRef"
	// UserSubject indexes bindings by the users they name.
	UserSubject = "superkube.userSubject"
	// Templates indexes platform roles by the role templates they aggregate.
	Templates = "superkube.templates"
	// TemplateSet indexes native roles by their whole aggregation annotation:
	// tens of thousands of project roles share a few template sets, so one
	// index entry per role is much smaller than one per role and template.
	TemplateSet = "superkube.templateSet"
	// OwnerUID indexes objects by the uids of their owners.
	OwnerUID = "superkube.ownerUID"
	// UserRef indexes objects by their iam.superkube.io/user-ref label.
	UserRef = "superkube.userRef"
	// Group indexes group bindings by group.
	Group = "superkube.group"
	// Manager indexes workspaces by their manager.
	Manager = "superkube.manager"
	// Creator indexes namespaces by their superkube.io/creator annotation.
	Creator = "superkube.creator"
)

// Indexer is the part of a manager's field indexer the registration needs.
type Indexer interface {
	IndexField(ctx context.Context, obj client.Object, field string, extract client.IndexerFunc) error
}

// Register adds every index. Call it once, before the manager starts.
func Register(ctx context.Context, idx Indexer) error {
	regs := []struct {
		obj     client.Object
		field   string
		extract client.IndexerFunc
	}{
		{&corev1.Namespace{}, Workspace, byWorkspaceLabel},
		{&iamv1beta1.WorkspaceRole{}, Workspace, byWorkspaceLabel},
		{&iamv1beta1.WorkspaceRoleBinding{}, Workspace, byWorkspaceLabel},
		{&iamv1beta1.WorkspaceRoleBinding{}, RoleRef, func(o client.Object) []string { return []string{o.(*iamv1beta1.WorkspaceRoleBinding).RoleRef.Name} }},
		{&iamv1beta1.GlobalRoleBinding{}, RoleRef, func(o client.Object) []string { return []string{o.(*iamv1beta1.GlobalRoleBinding).RoleRef.Name} }},
		{&iamv1beta1.WorkspaceRoleBinding{}, UserSubject, func(o client.Object) []string { return users(o.(*iamv1beta1.WorkspaceRoleBinding).Subjects) }},
		{&iamv1beta1.GlobalRoleBinding{}, UserSubject, func(o client.Object) []string { return users(o.(*iamv1beta1.GlobalRoleBinding).Subjects) }},
		{&iamv1beta1.GlobalRole{}, Templates, func(o client.Object) []string { return aggregated(o.(*iamv1beta1.GlobalRole).AggregationRoleTemplates) }},
		{&iamv1beta1.WorkspaceRole{}, Templates, func(o client.Object) []string {
			return aggregated(o.(*iamv1beta1.WorkspaceRole).AggregationRoleTemplates)
		}},
		// Native roles are cached as metadata only.
		{Metadata(rbacv1.SchemeGroupVersion.WithKind("ClusterRole")), TemplateSet, byTemplateSet},
		{Metadata(rbacv1.SchemeGroupVersion.WithKind("Role")), TemplateSet, byTemplateSet},
		{&rbacv1.RoleBinding{}, OwnerUID, byOwner},
		{&rbacv1.RoleBinding{}, UserRef, byUserRefLabel},
		{&iamv1beta1.LoginRecord{}, UserRef, byUserRefLabel},
		{&iamv1beta1.GroupBinding{}, UserSubject, func(o client.Object) []string { return o.(*iamv1beta1.GroupBinding).Users }},
		{&tenantv1beta1.Workspace{}, Manager, func(o client.Object) []string { return nonEmpty(o.(*tenantv1beta1.Workspace).Spec.Manager) }},
		{&corev1.Namespace{}, Creator, func(o client.Object) []string { return nonEmpty(o.GetAnnotations()[tenantv1beta1.CreatorAnnotation]) }},
		{&iamv1beta1.GroupBinding{}, Group, func(o client.Object) []string { return []string{o.(*iamv1beta1.GroupBinding).GroupRef.Name} }},
	}
	for _, r := range regs {
		if err := idx.IndexField(ctx, r.obj, r.field, r.extract); err != nil {
			return err
		}
	}
	return nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func byWorkspaceLabel(o client.Object) []string {
	if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
		return []string{ws}
	}
	return nil
}

func byUserRefLabel(o client.Object) []string {
	if u := o.GetLabels()[iamv1beta1.UserRefLabel]; u != "" {
		return []string{u}
	}
	return nil
}

func byOwner(o client.Object) []string {
	var uids []string
	for _, ref := range o.GetOwnerReferences() {
		uids = append(uids, string(ref.UID))
	}
	return uids
}

func byTemplateSet(o client.Object) []string {
	if v, ok := o.GetAnnotations()[iamv1beta1.AggregationAnnotation]; ok {
		return []string{v}
	}
	return nil
}

// indexerOf returns the client-go indexer behind a cache informer.
func indexerOf(inf any) (toolscache.Indexer, bool) {
	i, ok := inf.(interface{ GetIndexer() toolscache.Indexer })
	if !ok {
		return nil, false
	}
	return i.GetIndexer(), true
}

// InformerSource gives the informer of a kind (a controller-runtime cache).
type InformerSource interface {
	GetInformer(ctx context.Context, obj client.Object, opts ...crcache.InformerGetOption) (crcache.Informer, error)
}

// RequestsForTemplate returns a request for every native role of the kind
// whose template set names the template.
func RequestsForTemplate(ctx context.Context, src InformerSource, gvk schema.GroupVersionKind, template string) []reconcile.Request {
	inf, err := src.GetInformer(ctx, Metadata(gvk))
	if err != nil {
		logf.FromContext(ctx).Error(err, "Getting an informer", "kind", gvk.Kind)
		return nil
	}
	idx, ok := indexerOf(inf)
	if !ok {
		return nil
	}
	// controller-runtime names field indexes "field:<name>" and keys each
	// value by namespace, with "__all_namespaces/" covering every namespace.
	const indexName, allNamespaces = "field:" + TemplateSet, "__all_namespaces/"
	var reqs []reconcile.Request
	for _, value := range idx.ListIndexFuncValues(indexName) {
		set, ok := strings.CutPrefix(value, allNamespaces)
		if !ok {
			continue
		}
		names, err := roletemplate.NamesFromAnnotation(map[string]string{iamv1beta1.AggregationAnnotation: set})
		if err != nil || !slices.Contains(names, template) {
			continue
		}
		keys, err := idx.IndexKeys(indexName, value)
		if err != nil {
			continue
		}
		for _, k := range keys {
			ns, name, err := toolscache.SplitMetaNamespaceKey(k)
			if err == nil {
				reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}})
			}
		}
	}
	return reqs
}

func aggregated(a *iamv1beta1.AggregationRoleTemplates) []string {
	if a == nil {
		return nil
	}
	return a.TemplateNames
}

func users(subjects []iamv1beta1.Subject) []string {
	var names []string
	for _, s := range subjects {
		if s.Kind == rbacv1.UserKind {
			names = append(names, s.Name)
		}
	}
	return names
}

// Requests lists the objects that match opts and returns a reconcile request
// for each; errors are logged and give no requests.
func Requests(ctx context.Context, c client.Reader, list client.ObjectList, opts ...client.ListOption) []reconcile.Request {
	if err := c.List(ctx, list, opts...); err != nil {
		logf.FromContext(ctx).Error(err, "Listing related objects")
		return nil
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(items))
	for _, item := range items {
		if o, ok := item.(client.Object); ok {
			reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}})
		}
	}
	return reqs
}

// Metadata returns an empty metadata-only object of a kind, for reads from
// the metadata cache.
func Metadata(gvk schema.GroupVersionKind) *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(gvk)
	return m
}

// MetadataList returns an empty metadata-only list of a kind.
func MetadataList(gvk schema.GroupVersionKind) *metav1.PartialObjectMetadataList {
	l := &metav1.PartialObjectMetadataList{}
	l.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	return l
}

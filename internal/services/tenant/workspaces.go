package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/mergepatch"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
	"github.com/superkube/super-kubenetes/internal/services/cachewait"
)

// MaxWorkspaceNameLength bounds workspace names: their roles are named
// after them ("<ws>-self-provisioner" must stay a valid name).
const MaxWorkspaceNameLength = 40

// Memberships returns the names of the workspaces the caller belongs to:
// those whose WorkspaceRoleBindings name the caller or one of the caller's
// groups, and those the caller manages (the controller binds managers as
// admins; counting them at once spares a new workspace's creator the wait).
func (s *Service) Memberships(ctx context.Context, u user.Info) (map[string]bool, error) {
	out := map[string]bool{}
	keys := []string{subjectKey("User", u.GetName())}
	for _, g := range u.GetGroups() {
		keys = append(keys, subjectKey("Group", g))
	}
	for _, k := range keys {
		bindings := &iamv1beta1.WorkspaceRoleBindingList{}
		if err := s.Reader.List(ctx, bindings, client.MatchingFields{IndexBindingSubject: k}); err != nil {
			return nil, err
		}
		for i := range bindings.Items {
			if ws := bindings.Items[i].Labels[tenantv1beta1.WorkspaceLabel]; ws != "" {
				out[ws] = true
			}
		}
	}
	managed := &tenantv1beta1.WorkspaceList{}
	if err := s.Reader.List(ctx, managed, client.MatchingFields{IndexWorkspaceManager: u.GetName()}); err != nil {
		return nil, err
	}
	for i := range managed.Items {
		out[managed.Items[i].Name] = true
	}
	return out, nil
}

// MaySeeAllWorkspaces reports whether the caller may list workspaces at the
// platform level.
func (s *Service) MaySeeAllWorkspaces(u user.Info) bool {
	return s.allowed(u, authz.Attributes{Verb: "list", APIGroup: tenantv1beta1.GroupName, Resource: "workspaces"})
}

// Workspaces returns the workspaces the caller belongs to, or every
// workspace for those who may list them at the platform level.
func (s *Service) Workspaces(ctx context.Context, u user.Info) ([]*tenantv1beta1.Workspace, error) {
	if s.MaySeeAllWorkspaces(u) {
		list := &tenantv1beta1.WorkspaceList{}
		if err := s.Reader.List(ctx, list); err != nil {
			return nil, err
		}
		out := make([]*tenantv1beta1.Workspace, 0, len(list.Items))
		for i := range list.Items {
			out = append(out, withWorkspaceKind(&list.Items[i]))
		}
		return out, nil
	}
	out, err := s.memberWorkspaces(ctx, u)
	for _, ws := range out {
		withWorkspaceKind(ws)
	}
	return out, err
}

// memberWorkspaces returns the workspaces the caller belongs to (Memberships).
func (s *Service) memberWorkspaces(ctx context.Context, u user.Info) ([]*tenantv1beta1.Workspace, error) {
	names, err := s.Memberships(ctx, u)
	if err != nil {
		return nil, err
	}
	out := make([]*tenantv1beta1.Workspace, 0, len(names))
	for name := range names {
		ws, err := s.getWorkspace(ctx, name)
		if apierrors.IsNotFound(err) {
			continue // a binding outlives its workspace for a moment
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ws)
	}
	return out, nil
}

// Workspace returns one workspace.
func (s *Service) Workspace(ctx context.Context, name string) (*tenantv1beta1.Workspace, error) {
	ws, err := s.getWorkspace(ctx, name)
	if err != nil {
		return nil, err
	}
	return withWorkspaceKind(ws), nil
}

// getWorkspace reads a workspace from the cache, or 404.
func (s *Service) getWorkspace(ctx context.Context, name string) (*tenantv1beta1.Workspace, error) {
	ws := &tenantv1beta1.Workspace{}
	if err := s.Reader.Get(ctx, types.NamespacedName{Name: name}, ws); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, notFound("workspaces", name)
		}
		return nil, err
	}
	return ws, nil
}

// CreateWorkspace creates a workspace. Its manager is the caller unless the
// caller may manage workspaces at the platform level (a platform
// administrator), who may name another; the creator annotation names the caller.
func (s *Service) CreateWorkspace(ctx context.Context, u user.Info, in *tenantv1beta1.Workspace) (*tenantv1beta1.Workspace, error) {
	if in.Spec.Manager == "" {
		in.Spec.Manager = u.GetName()
	}
	if in.Spec.Manager != u.GetName() && !s.allowed(u, authz.Attributes{Verb: "update", APIGroup: tenantv1beta1.GroupName, Resource: "workspaces"}) {
		return nil, forbidden(fmt.Sprintf("user %s may create workspaces only with themselves as manager; spec.manager must be %q or empty",
			u.GetName(), u.GetName()), "spec.manager")
	}
	errs := validateWorkspaceName(in.Name)
	errs = append(errs, s.validateWorkspaceSpec(ctx, &in.Spec, nil)...)
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(workspaceGK, in.Name, errs)
	}
	ws := &tenantv1beta1.Workspace{
		ObjectMeta: metav1.ObjectMeta{
			Name:        in.Name,
			Labels:      userKeys(in.Labels, nil),
			Annotations: userKeys(in.Annotations, nil),
			// The controller applies the namespace policy on deletion only
			// with its finalizer; setting it now closes the gap before the
			// first reconcile.
			Finalizers: []string{tenantv1beta1.WorkspaceFinalizer},
		},
		Spec: in.Spec,
	}
	copyDescriptive(ws, in.Annotations)
	setAnnotation(ws, tenantv1beta1.CreatorAnnotation, u.GetName())
	if err := s.Writer.Create(ctx, ws); err != nil {
		return nil, backendError(ctx, err, "creating workspace "+in.Name)
	}
	cachewait.Until(ctx, s.Reader, ws, 0)
	if ws.Spec.Manager == u.GetName() {
		s.waitForAccess(ctx, u, authz.Attributes{Verb: "get", APIGroup: tenantv1beta1.GroupName, Resource: "workspaces", Name: ws.Name, Workspace: ws.Name})
	}
	return withWorkspaceKind(ws), nil
}

// waitForAccess waits, at most s.AccessWait, until the authorizer lets u
// read what u just created (a workspace u manages, a project): the
// controllers bind the manager or the creator as its admin a moment after
// it is created, and the creator's next request (the console opens what
// was created) would otherwise be refused, and shown as "No access", until
// then. It gives up quietly: the object exists either way.
func (s *Service) waitForAccess(ctx context.Context, u user.Info, read authz.Attributes) {
	if s.AccessWait <= 0 {
		return
	}
	if err := wait.PollUntilContextTimeout(ctx, 25*time.Millisecond, s.AccessWait, true, func(context.Context) (bool, error) {
		return s.allowed(u, read), nil
	}); err != nil {
		logr.FromContextOrDiscard(ctx).Info("the creator may not read what they created yet", "resource", read.Resource, "name", read.Name, "waited", s.AccessWait.String())
	}
}

// UpdateWorkspace replaces what users may change of a workspace: its
// labels and annotations (not the platform's own keys, which are kept) and
// its spec. An empty spec.manager keeps the manager. Setting
// spec.namespacePolicy to Delete needs the right to delete the workspace's
// namespaces, as deleting with namespacePolicy=Delete does. A
// resourceVersion in desired makes the update conditional (409 when it is stale).
func (s *Service) UpdateWorkspace(ctx context.Context, u user.Info, name string, desired *tenantv1beta1.Workspace) (*tenantv1beta1.Workspace, error) {
	if desired.Name != "" && desired.Name != name {
		return nil, apierrors.NewInvalid(workspaceGK, name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "name"), desired.Name, "must be the name in the path; workspaces cannot be renamed")})
	}
	var out *tenantv1beta1.Workspace
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cur, err := s.getWorkspace(ctx, name)
		if err != nil {
			return err
		}
		if !cur.DeletionTimestamp.IsZero() {
			return &noRetry{apierrors.NewConflict(tenantv1beta1.GroupVersion.WithResource("workspaces").GroupResource(), name,
				errors.New("the workspace is being deleted"))}
		}
		spec := desired.Spec
		if spec.Manager == "" {
			spec.Manager = cur.Spec.Manager
		}
		if errs := s.validateWorkspaceSpec(ctx, &spec, &cur.Spec); len(errs) > 0 {
			return apierrors.NewInvalid(workspaceGK, name, errs)
		}
		if spec.NamespacePolicy == tenantv1beta1.NamespacesDelete && cur.Spec.NamespacePolicy != tenantv1beta1.NamespacesDelete &&
			!s.mayDeleteProjects(u, name) {
			return forbidden(fmt.Sprintf("user %s may not delete the namespaces of workspace %s, so may not set spec.namespacePolicy to Delete",
				u.GetName(), name), "spec.namespacePolicy")
		}
		next := cur.DeepCopy()
		next.Labels = userKeys(desired.Labels, cur.Labels)
		next.Annotations = userKeys(desired.Annotations, cur.Annotations)
		copyDescriptive(next, desired.Annotations)
		next.Spec = spec
		if desired.ResourceVersion != "" {
			next.ResourceVersion = desired.ResourceVersion
		}
		if err := s.Writer.Update(ctx, next); err != nil {
			if apierrors.IsConflict(err) && desired.ResourceVersion != "" {
				// The caller's version is stale: theirs to resolve, not ours to retry.
				return &noRetry{err}
			}
			return backendError(ctx, err, "updating workspace "+name)
		}
		out = next
		return nil
	})
	var nr *noRetry
	if errors.As(err, &nr) {
		err = nr.err
	}
	if err != nil {
		return nil, err
	}
	cachewait.Until(ctx, s.Reader, out, 0)
	return withWorkspaceKind(out), nil
}

// PatchWorkspace applies a JSON merge patch (RFC 7386) to the workspace as
// the API shows it, then updates it as UpdateWorkspace does.
func (s *Service) PatchWorkspace(ctx context.Context, u user.Info, name string, patch []byte) (*tenantv1beta1.Workspace, error) {
	cur, err := s.Workspace(ctx, name)
	if err != nil {
		return nil, err
	}
	// Conditional only when the patch names a resourceVersion.
	cur.ResourceVersion = ""
	desired := &tenantv1beta1.Workspace{}
	if _, err := mergepatch.ApplyTo(cur, patch, desired); err != nil {
		return nil, err
	}
	return s.UpdateWorkspace(ctx, u, name, desired)
}

// DeleteWorkspace deletes a workspace. policy, when set, first sets
// spec.namespacePolicy (Release keeps the projects as plain namespaces,
// Delete deletes them); Delete needs the right to delete the workspace's
// namespaces.
func (s *Service) DeleteWorkspace(ctx context.Context, u user.Info, name, policy string) error {
	p := tenantv1beta1.NamespacePolicy(policy)
	switch p {
	case "", tenantv1beta1.NamespacesRelease:
	case tenantv1beta1.NamespacesDelete:
		if !s.mayDeleteProjects(u, name) {
			return forbidden(fmt.Sprintf("user %s may not delete the namespaces of workspace %s, so may not delete it with namespacePolicy=Delete",
				u.GetName(), name), "namespacePolicy")
		}
	default:
		return badRequest("namespacePolicy", "must be Release or Delete")
	}
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cur, err := s.getWorkspace(ctx, name)
		if err != nil {
			return err
		}
		if !cur.DeletionTimestamp.IsZero() {
			return nil // already going; its policy was fixed when it started
		}
		next := cur.DeepCopy()
		if p != "" {
			next.Spec.NamespacePolicy = p
		}
		controllerutil.AddFinalizer(next, tenantv1beta1.WorkspaceFinalizer)
		if next.Spec.NamespacePolicy != cur.Spec.NamespacePolicy || len(next.Finalizers) != len(cur.Finalizers) {
			if err := s.Writer.Update(ctx, next); err != nil {
				return backendError(ctx, err, "updating workspace "+name)
			}
		}
		err = s.Writer.Delete(ctx, next, client.Preconditions{UID: &next.UID})
		return backendError(ctx, client.IgnoreNotFound(err), "deleting workspace "+name)
	})
	return err
}

// Clusters returns the clusters the caller may use: every cluster for those
// who may list clusters at the platform level; otherwise the enabled
// clusters of the workspaces the caller belongs to (a workspace without
// clusters uses the host cluster).
func (s *Service) Clusters(ctx context.Context, u user.Info) ([]*clusterv1alpha1.Cluster, error) {
	all := &clusterv1alpha1.ClusterList{}
	if err := s.Reader.List(ctx, all); err != nil {
		return nil, err
	}
	everything := s.allowed(u, authz.Attributes{Verb: "list", APIGroup: clusterv1alpha1.GroupVersion.Group, Resource: "clusters"})
	wanted := map[string]bool{}
	if !everything {
		mine, err := s.memberWorkspaces(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, ws := range mine {
			for _, c := range placement.Clusters(ws, all.Items) {
				wanted[c] = true
			}
		}
	}
	var out []*clusterv1alpha1.Cluster
	for i := range all.Items {
		c := &all.Items[i]
		if !everything && (!c.Spec.Enable || !wanted[c.Name]) {
			continue
		}
		c.SetGroupVersionKind(clusterv1alpha1.GroupVersion.WithKind("Cluster"))
		out = append(out, c)
	}
	return out, nil
}

// WorkspaceClusters returns the enabled clusters the workspace is placed
// on: those its spec lists, those its selector matches, or the host.
func (s *Service) WorkspaceClusters(ctx context.Context, name string) ([]*clusterv1alpha1.Cluster, error) {
	ws, err := s.Workspace(ctx, name)
	if err != nil {
		return nil, err
	}
	all := &clusterv1alpha1.ClusterList{}
	if err := s.Reader.List(ctx, all); err != nil {
		return nil, err
	}
	var out []*clusterv1alpha1.Cluster
	for i := range all.Items {
		c := &all.Items[i]
		if c.Spec.Enable && placement.Placed(ws, c) {
			c.SetGroupVersionKind(clusterv1alpha1.GroupVersion.WithKind("Cluster"))
			out = append(out, c)
		}
	}
	return out, nil
}

// mayDeleteProjects reports whether the caller may delete the workspace's namespaces.
func (s *Service) mayDeleteProjects(u user.Info, ws string) bool {
	return s.allowed(u, authz.Attributes{Verb: "delete", Resource: "namespaces", Workspace: ws})
}

func validateWorkspaceName(name string) field.ErrorList {
	errs := validateName(name)
	if len(name) > MaxWorkspaceNameLength {
		errs = append(errs, field.TooLong(field.NewPath("metadata", "name"), "", MaxWorkspaceNameLength))
	}
	return errs
}

// validateWorkspaceSpec checks a spec; clusters must exist unless the
// workspace already had them.
func (s *Service) validateWorkspaceSpec(ctx context.Context, spec *tenantv1beta1.WorkspaceSpec, old *tenantv1beta1.WorkspaceSpec) field.ErrorList {
	path := field.NewPath("spec")
	var errs field.ErrorList
	if spec.Manager != "" {
		for _, msg := range validation.IsDNS1123Label(spec.Manager) {
			errs = append(errs, field.Invalid(path.Child("manager"), spec.Manager, msg))
		}
	}
	switch spec.NamespacePolicy {
	case "", tenantv1beta1.NamespacesRelease, tenantv1beta1.NamespacesDelete:
	default:
		errs = append(errs, field.NotSupported(path.Child("namespacePolicy"), spec.NamespacePolicy,
			[]tenantv1beta1.NamespacePolicy{tenantv1beta1.NamespacesRelease, tenantv1beta1.NamespacesDelete}))
	}
	if spec.ClusterSelector != nil {
		if _, err := metav1.LabelSelectorAsSelector(spec.ClusterSelector); err != nil {
			errs = append(errs, field.Invalid(path.Child("clusterSelector"), spec.ClusterSelector, err.Error()))
		}
	}
	seen := map[string]bool{}
	for i, c := range spec.Clusters {
		p := path.Child("clusters").Index(i).Child("name")
		if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
			errs = append(errs, field.Invalid(p, c.Name, strings.Join(msgs, "; ")))
			continue
		}
		if seen[c.Name] {
			errs = append(errs, field.Duplicate(p, c.Name))
			continue
		}
		seen[c.Name] = true
		if old != nil && slices.ContainsFunc(old.Clusters, func(o tenantv1beta1.ClusterRef) bool { return o.Name == c.Name }) {
			continue
		}
		if err := s.Reader.Get(ctx, types.NamespacedName{Name: c.Name}, &clusterv1alpha1.Cluster{}); err != nil {
			if apierrors.IsNotFound(err) {
				errs = append(errs, field.NotFound(p, c.Name))
				continue
			}
			errs = append(errs, field.InternalError(p, fmt.Errorf("the cluster could not be read")))
		}
	}
	return errs
}

// reservedDomains hold the keys the platform and Kubernetes set; users
// neither set nor remove them through the tenant API.
var reservedDomains = []string{"superkube.io", "kubernetes.io", "k8s.io"}

// reserved reports whether a label or annotation key belongs to the
// platform or Kubernetes (its prefix is one of the domains or a subdomain).
func reserved(key string) bool {
	prefix, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	prefix = strings.ToLower(prefix)
	for _, d := range reservedDomains {
		if prefix == d || strings.HasSuffix(prefix, "."+d) {
			return true
		}
	}
	return false
}

// userKeys returns the user's keys of in with the reserved keys of keep.
func userKeys(in, keep map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range keep {
		if reserved(k) {
			out[k] = v
		}
	}
	for k, v := range in {
		if !reserved(k) {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// copyDescriptive takes the display name and description from the user's
// annotations (an absent one is removed).
func copyDescriptive(obj metav1.Object, from map[string]string) {
	for _, k := range []string{tenantv1beta1.DisplayNameAnnotation, tenantv1beta1.DescriptionAnnotation} {
		a := obj.GetAnnotations()
		if v, ok := from[k]; ok && v != "" {
			if a == nil {
				a = map[string]string{}
			}
			a[k] = v
		} else {
			delete(a, k)
		}
		obj.SetAnnotations(a)
	}
}

func setAnnotation(obj metav1.Object, key, value string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	obj.SetAnnotations(a)
}

func withWorkspaceKind(ws *tenantv1beta1.Workspace) *tenantv1beta1.Workspace {
	ws.SetGroupVersionKind(tenantv1beta1.GroupVersion.WithKind("Workspace"))
	return ws
}

// noRetry carries a conflict that retrying cannot resolve (the caller's
// resourceVersion is stale, the workspace is being deleted) out of
// RetryOnConflict. It does not unwrap, so that RetryOnConflict does not see
// a conflict in it.
type noRetry struct{ err error }

func (n *noRetry) Error() string { return n.err.Error() }

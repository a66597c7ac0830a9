// Package memberrbac makes each member cluster's native RBAC match the
// platform: the host's mirrors of GlobalRoles and GlobalRoleBindings, and of
// the WorkspaceRoles and WorkspaceRoleBindings of the workspaces placed on
// the member (package mirror names them), written into the member's
// kube-apiserver so that a request the host forwards as the user is allowed
// there as it is on the host. Project and cluster bindings (and cluster
// roles) are native objects of the member itself and are not copied; the
// built-in project roles are made in the member's projects as on the host.
//
// Every object written carries cluster.superkube.io/mirrored-by=host;
// marked objects that are no longer wanted are pruned, unmarked objects are
// never touched. Member namespaces labelled with a workspace that is not
// placed on the member leave it by the workspace's namespace policy, and the
// member namespaces of placed workspaces get the built-in project roles.
package memberrbac

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	projects "github.com/superkube/super-kubenetes/internal/controller/namespace"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
	"github.com/superkube/super-kubenetes/internal/multicluster/probe"
)

// DefaultResync is how often a Ready member is brought in line when nothing
// on the host changed, to catch changes made on the member (a new
// namespace of a workspace, a mirrored object edited or deleted there).
const DefaultResync = 15 * time.Second

// Reconciler mirrors the platform's RBAC into member clusters, one
// reconcile per member Cluster.
type Reconciler struct {
	// Client reads the host (cached) and writes the Cluster's status.
	Client client.Client
	// Reader reads the Cluster before its status patch.
	Reader  client.Reader
	Members MemberClients
	// Resync is the period of a Ready member's reconcile (DefaultResync when 0).
	Resync time.Duration

	mu sync.Mutex
	// writes counts the writes on members, for tests and logs.
	writes int
}

// Writes returns how many writes the reconciler made on members.
func (r *Reconciler) Writes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.writes
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.Members == nil {
		return errors.New("memberrbac: Client, Reader and Members are required")
	}
	if r.Resync <= 0 {
		r.Resync = DefaultResync
	}
	all := handler.EnqueueRequestsFromMapFunc(r.members)
	spec := builder.WithPredicates(specChanged())
	return ctrl.NewControllerManagedBy(mgr).
		Named("memberrbac").
		For(&clusterv1alpha1.Cluster{}, builder.WithPredicates(clusterChanged{})).
		Watches(&iamv1beta1.GlobalRole{}, all, spec).
		Watches(&iamv1beta1.GlobalRoleBinding{}, all, spec).
		Watches(&iamv1beta1.WorkspaceRole{}, all, spec).
		Watches(&iamv1beta1.WorkspaceRoleBinding{}, all, spec).
		Watches(&tenantv1beta1.Workspace{}, all, spec).
		Watches(&iamv1beta1.User{}, all, builder.WithPredicates(userCreatedOrDeleted())).
		Complete(r)
}

// members maps any change on the host to every member cluster.
func (r *Reconciler) members(ctx context.Context, _ client.Object) []ctrl.Request {
	clusters := &clusterv1alpha1.ClusterList{}
	if err := r.Client.List(ctx, clusters); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing clusters")
		return nil
	}
	var reqs []ctrl.Request
	for i := range clusters.Items {
		if !placement.IsHost(&clusters.Items[i]) {
			reqs = append(reqs, ctrl.Request{NamespacedName: types.NamespacedName{Name: clusters.Items[i].Name}})
		}
	}
	return reqs
}

// clusterChanged lets through a new or deleted cluster and changes of its
// spec, labels (placement by selector) or Ready status, not every probe.
type clusterChanged struct{ predicate.Funcs }

func (clusterChanged) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*clusterv1alpha1.Cluster)
	n, ok2 := e.ObjectNew.(*clusterv1alpha1.Cluster)
	if !ok1 || !ok2 {
		return true
	}
	return o.Generation != n.Generation || !mapsEqual(o.Labels, n.Labels) || isReady(o) != isReady(n) ||
		o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero()
}

// specChanged lets through what changes a mirror: creations, deletions and
// changes of the generation (spec, rules, subjects), the labels (a role's
// workspace) or the deletion timestamp, not the status updates of other
// controllers.
func specChanged() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, n := e.ObjectOld, e.ObjectNew
			return o.GetGeneration() != n.GetGeneration() || !mapsEqual(o.GetLabels(), n.GetLabels()) ||
				o.GetDeletionTimestamp().IsZero() != n.GetDeletionTimestamp().IsZero()
		},
	}
}

// userCreatedOrDeleted: a binding's subject counts only once the user
// exists and stops counting when it is deleted.
func userCreatedOrDeleted() predicate.Funcs {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
		},
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func isReady(c *clusterv1alpha1.Cluster) bool {
	return meta.IsStatusConditionTrue(c.Status.Conditions, clusterv1alpha1.ReadyCondition)
}

// Reconcile brings one member's RBAC in line with the platform.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	c := &clusterv1alpha1.Cluster{}
	if err := r.Client.Get(ctx, req.NamespacedName, c); err != nil {
		if apierrors.IsNotFound(err) {
			if f, ok := r.Members.(interface{ Forget(string) }); ok {
				f.Forget(req.Name)
			}
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// The host's RBAC is the host mirrors' job; a member being removed is
	// left as it is (the host may no longer reach it).
	if placement.IsHost(c) || !c.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	if !isReady(c) {
		// The watch brings it back when it turns Ready; the resync covers a
		// missed event.
		err := r.setCondition(ctx, c, metav1.Condition{Type: clusterv1alpha1.RBACSyncedCondition, Status: metav1.ConditionUnknown,
			Reason: clusterv1alpha1.ReasonRBACClusterNotReady, ObservedGeneration: c.Generation,
			Message: "the cluster is not Ready; its RBAC is brought in line once it is"})
		return ctrl.Result{RequeueAfter: r.Resync}, err
	}
	log := ctrl.LoggerFrom(ctx)
	synced, err := r.sync(ctx, c)
	cond := metav1.Condition{Type: clusterv1alpha1.RBACSyncedCondition, Status: metav1.ConditionTrue,
		Reason: clusterv1alpha1.ReasonRBACSynced, Message: synced.summary(), ObservedGeneration: c.Generation}
	switch {
	case err != nil:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, clusterv1alpha1.ReasonRBACSyncFailed, conditions.Message(err)
	case synced.hostItself:
		cond.Status, cond.Reason = metav1.ConditionFalse, clusterv1alpha1.ReasonRBACHostItself
		cond.Message = "the cluster's kubeconfig reaches the host cluster itself (the same kube-system namespace); nothing is mirrored there"
	case len(synced.taken) > 0:
		cond.Status, cond.Reason = metav1.ConditionFalse, clusterv1alpha1.ReasonRBACNameTaken
		cond.Message = "objects exist on the member without " + clusterv1alpha1.MirroredByLabel + " and are left alone: " + strings.Join(synced.taken, ", ")
	}
	if perr := r.setCondition(ctx, c, cond); perr != nil {
		err = errors.Join(err, perr)
	}
	if err != nil {
		log.Error(err, "Mirroring RBAC into a member", "cluster", c.Name)
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: r.Resync}, nil
}

// synced is what one sync did.
type synced struct {
	clusterRoles, clusterRoleBindings, roleBindings int
	released, deleted                               []string
	writes                                          int
	taken                                           []string
	hostItself                                      bool
}

func (s synced) summary() string {
	msg := fmt.Sprintf("%d cluster roles, %d cluster role bindings and %d role bindings mirrored", s.clusterRoles, s.clusterRoleBindings, s.roleBindings)
	if len(s.released) > 0 {
		msg += "; released namespaces " + strings.Join(s.released, ", ")
	}
	if len(s.deleted) > 0 {
		msg += "; deleted namespaces " + strings.Join(s.deleted, ", ")
	}
	return msg
}

// sync reads the platform and the member and writes the difference.
func (r *Reconciler) sync(ctx context.Context, c *clusterv1alpha1.Cluster) (synced, error) {
	var out synced
	p, err := r.platform(ctx, c)
	if err != nil {
		return out, fmt.Errorf("reading the platform's roles and bindings: %w", err)
	}
	mc, err := r.Members.For(ctx, c)
	if err != nil {
		return out, err
	}
	// A kubeconfig that reaches the host itself: writing "member" mirrors
	// and applying namespace policies there would undo the host's tenancy.
	memberID, err := probe.ClusterID(ctx, mc)
	if err != nil {
		return out, err
	}
	hostID, err := probe.ClusterID(ctx, r.Reader)
	if err != nil {
		return out, err
	}
	if memberID == hostID {
		out.hostItself = true
		return out, nil
	}
	namespaces := &corev1.NamespaceList{}
	if err := mc.List(ctx, namespaces); err != nil {
		return out, fmt.Errorf("listing the member's namespaces: %w", err)
	}
	want := Desired(p, c, namespaces.Items)
	out.clusterRoles, out.clusterRoleBindings, out.roleBindings = len(want.ClusterRoles), len(want.ClusterRoleBindings), len(want.RoleBindings)
	defer func() {
		r.mu.Lock()
		r.writes += out.writes
		r.mu.Unlock()
	}()

	// The namespaces leave their workspace first; the mirrored bindings in
	// them are then pruned below, as want has none there.
	var errs []error
	for _, a := range want.Namespaces {
		if err := r.leave(ctx, mc, a); err != nil {
			errs = append(errs, err)
			continue
		}
		out.writes++
		if a.Policy == tenantv1beta1.NamespacesDelete {
			out.deleted = append(out.deleted, a.Namespace)
		} else {
			out.released = append(out.released, a.Namespace)
		}
	}

	marked, err := r.marked(ctx, mc)
	if err != nil {
		return out, errors.Join(append(errs, err)...)
	}
	for _, ch := range Plan(want, marked) {
		taken, err := apply(ctx, mc, ch)
		if taken {
			out.taken = append(out.taken, describe(ch.Object))
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", ch.Op, describe(ch.Object), err))
			continue
		}
		out.writes++
	}
	// The built-in cluster roles (cluster-admin labelled, cluster-viewer),
	// which the member's cluster members are bound to.
	if err := bootstrap.EnsureClusterRoles(ctx, mc, mc, r.Client); err != nil {
		errs = append(errs, fmt.Errorf("the built-in cluster roles: %w", err))
	}
	created, err := r.projectRoles(ctx, mc, want.Projects)
	out.writes += created
	if err != nil {
		errs = append(errs, err)
	}
	return out, kerrors.NewAggregate(errs)
}

// projectRoles gives the member's projects the built-in project roles
// (admin, operator, viewer) that they lack, aggregated from the host's role
// templates, as the host's project controller does on the host. They are
// the project's own roles, not mirrors: made once, without the marker,
// never changed or pruned (a namespace that leaves its workspace keeps
// them, as on the host). One list of the member's built-in project roles
// finds the projects that lack some.
func (r *Reconciler) projectRoles(ctx context.Context, mc client.Client, names []string) (int, error) {
	if len(names) == 0 {
		return 0, nil
	}
	list := index.MetadataList(rbacv1.SchemeGroupVersion.WithKind("Role"))
	if err := mc.List(ctx, list, client.MatchingLabels{iamv1beta1.BuiltinLabel: "true", iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)}); err != nil {
		return 0, fmt.Errorf("listing the member's project roles: %w", err)
	}
	have := map[types.NamespacedName]bool{}
	for i := range list.Items {
		have[types.NamespacedName{Namespace: list.Items[i].Namespace, Name: list.Items[i].Name}] = true
	}
	created := 0
	var errs []error
	for _, ns := range names {
		missing := 0
		for _, b := range builtin.ProjectRoles() {
			if !have[types.NamespacedName{Namespace: ns, Name: b.Name}] {
				missing++
			}
		}
		if missing == 0 {
			continue
		}
		if err := projects.EnsureRoles(ctx, mc, r.Client, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			errs = append(errs, fmt.Errorf("the project roles of %s: %w", ns, err))
			continue
		}
		created += missing
		// A new project: its creator becomes its admin, as on the host.
		project := &corev1.Namespace{}
		if err := mc.Get(ctx, types.NamespacedName{Name: ns}, project); err != nil {
			errs = append(errs, fmt.Errorf("reading project %s: %w", ns, err))
			continue
		}
		if creator := project.Annotations[tenantv1beta1.CreatorAnnotation]; creator != "" {
			if _, err := projects.EnsureCreator(ctx, mc, r.Client, project, creator); err != nil {
				errs = append(errs, fmt.Errorf("binding the creator of %s: %w", ns, err))
			}
		}
	}
	return created, kerrors.NewAggregate(errs)
}

// platform reads what decides the member's RBAC from the host's cache.
func (r *Reconciler) platform(ctx context.Context, c *clusterv1alpha1.Cluster) (Platform, error) {
	var p Platform
	grs := &iamv1beta1.GlobalRoleList{}
	if err := r.Client.List(ctx, grs); err != nil {
		return p, err
	}
	grbs := &iamv1beta1.GlobalRoleBindingList{}
	if err := r.Client.List(ctx, grbs); err != nil {
		return p, err
	}
	wss := &tenantv1beta1.WorkspaceList{}
	if err := r.Client.List(ctx, wss); err != nil {
		return p, err
	}
	p.GlobalRoles, p.GlobalRoleBindings, p.Workspaces = grs.Items, grbs.Items, wss.Items
	for i := range wss.Items {
		ws := &wss.Items[i]
		if !ws.DeletionTimestamp.IsZero() || !placement.Placed(ws, c) {
			continue
		}
		roles := &iamv1beta1.WorkspaceRoleList{}
		if err := r.Client.List(ctx, roles, client.MatchingFields{index.Workspace: ws.Name}); err != nil {
			return p, err
		}
		bindings := &iamv1beta1.WorkspaceRoleBindingList{}
		if err := r.Client.List(ctx, bindings, client.MatchingFields{index.Workspace: ws.Name}); err != nil {
			return p, err
		}
		p.WorkspaceRoles = append(p.WorkspaceRoles, roles.Items...)
		p.WorkspaceRoleBindings = append(p.WorkspaceRoleBindings, bindings.Items...)
	}
	users := map[string]bool{}
	var userErr error
	p.UserExists = func(name string) bool {
		if known, ok := users[name]; ok {
			return known
		}
		u := &iamv1beta1.User{}
		err := r.Client.Get(ctx, types.NamespacedName{Name: name}, u)
		if err != nil && !apierrors.IsNotFound(err) {
			userErr = err
		}
		users[name] = err == nil && u.DeletionTimestamp.IsZero()
		return users[name]
	}
	// Resolve the users now, so that a failed read is an error rather than a
	// missing user.
	for i := range p.GlobalRoleBindings {
		for _, s := range p.GlobalRoleBindings[i].Subjects {
			if s.Kind == rbacv1.UserKind {
				p.UserExists(s.Name)
			}
		}
	}
	for i := range p.WorkspaceRoleBindings {
		for _, s := range p.WorkspaceRoleBindings[i].Subjects {
			if s.Kind == rbacv1.UserKind {
				p.UserExists(s.Name)
			}
		}
	}
	return p, userErr
}

// marked lists the objects the host wrote on the member before.
func (r *Reconciler) marked(ctx context.Context, mc client.Client) (Marked, error) {
	var m Marked
	sel := client.MatchingLabels{clusterv1alpha1.MirroredByLabel: clusterv1alpha1.MirroredByHost}
	crs := &rbacv1.ClusterRoleList{}
	if err := mc.List(ctx, crs, sel); err != nil {
		return m, fmt.Errorf("listing the member's mirrored cluster roles: %w", err)
	}
	crbs := &rbacv1.ClusterRoleBindingList{}
	if err := mc.List(ctx, crbs, sel); err != nil {
		return m, fmt.Errorf("listing the member's mirrored cluster role bindings: %w", err)
	}
	rbs := &rbacv1.RoleBindingList{}
	if err := mc.List(ctx, rbs, sel); err != nil {
		return m, fmt.Errorf("listing the member's mirrored role bindings: %w", err)
	}
	m.ClusterRoles, m.ClusterRoleBindings, m.RoleBindings = crs.Items, crbs.Items, rbs.Items
	return m, nil
}

// leave applies the namespace policy to one member namespace. The label is
// removed only while it still names the workspace (a JSON patch test), so a
// namespace relabelled meanwhile is not released by mistake.
func (r *Reconciler) leave(ctx context.Context, mc client.Client, a NamespaceAction) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: a.Namespace}}
	if a.Policy == tenantv1beta1.NamespacesDelete {
		if err := mc.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting namespace %s (workspace %s, policy Delete): %w", a.Namespace, a.Workspace, err)
		}
		return nil
	}
	path := "/metadata/labels/" + strings.ReplaceAll(strings.ReplaceAll(tenantv1beta1.WorkspaceLabel, "~", "~0"), "/", "~1")
	patch := fmt.Sprintf(`[{"op":"test","path":%q,"value":%q},{"op":"remove","path":%q}]`, path, a.Workspace, path)
	if err := mc.Patch(ctx, ns, client.RawPatch(types.JSONPatchType, []byte(patch))); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("releasing namespace %s from workspace %s: %w", a.Namespace, a.Workspace, err)
	}
	return nil
}

// apply makes one write; taken reports a create refused because an
// unmarked object holds the name.
func apply(ctx context.Context, mc client.Client, ch Change) (taken bool, err error) {
	switch ch.Op {
	case Create:
		err := mc.Create(ctx, ch.Object)
		if apierrors.IsAlreadyExists(err) {
			return true, nil
		}
		return false, err
	case Update:
		return false, mc.Patch(ctx, ch.Object, client.MergeFromWithOptions(ch.Base, client.MergeFromWithOptimisticLock{}))
	case Delete:
		return false, client.IgnoreNotFound(mc.Delete(ctx, ch.Object, client.Preconditions{UID: uidOf(ch.Object)}))
	}
	return false, fmt.Errorf("unknown write %q", ch.Op)
}

func uidOf(o client.Object) *types.UID {
	if o.GetUID() == "" {
		return nil
	}
	uid := o.GetUID()
	return &uid
}

func describe(o client.Object) string {
	kind := fmt.Sprintf("%T", o)
	kind = kind[strings.LastIndex(kind, ".")+1:]
	if o.GetNamespace() != "" {
		return kind + " " + o.GetNamespace() + "/" + o.GetName()
	}
	return kind + " " + o.GetName()
}

// setCondition records the outcome as the RBACSynced condition only: the
// patch carries the whole conditions list (a merge patch replaces lists),
// so it is made against a fresh read with an optimistic lock, and never
// drops a Ready condition written meanwhile.
func (r *Reconciler) setCondition(ctx context.Context, c *clusterv1alpha1.Cluster, cond metav1.Condition) error {
	if old := meta.FindStatusCondition(c.Status.Conditions, cond.Type); old != nil &&
		old.Status == cond.Status && old.Reason == cond.Reason && old.Message == cond.Message && old.ObservedGeneration == cond.ObservedGeneration {
		return nil
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		fresh := &clusterv1alpha1.Cluster{}
		if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(c), fresh); err != nil {
			return client.IgnoreNotFound(err)
		}
		before := fresh.DeepCopy()
		if !meta.SetStatusCondition(&fresh.Status.Conditions, cond) {
			return nil
		}
		return client.IgnoreNotFound(r.Client.Status().Patch(ctx, fresh, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
	})
}

// Package workspace reconciles Workspaces: it creates each workspace's
// built-in roles from role templates, binds the manager as admin, counts the
// projects, and on deletion deletes or releases the workspace's namespaces as
// its policy says.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// Reconciler reconciles workspaces.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Recorder == nil {
		return errors.New("workspace: Client and Recorder are required")
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&tenantv1beta1.Workspace{}).
		Owns(&iamv1beta1.WorkspaceRole{}).
		Owns(&iamv1beta1.WorkspaceRoleBinding{}).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			if ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
				return []ctrl.Request{{NamespacedName: types.NamespacedName{Name: ws}}}
			}
			return nil
		})).
		Watches(&iamv1beta1.User{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &tenantv1beta1.WorkspaceList{}, client.MatchingFields{index.Manager: o.GetName()})
		})).
		Complete(r)
}

// ManagerBindingName is the name of the binding that makes the manager admin.
func ManagerBindingName(workspace, manager string) string {
	return manager + "-" + builtin.WorkspaceRoleName(workspace, builtin.WorkspaceAdmin)
}

// Reconcile brings one workspace in line.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	ws := &tenantv1beta1.Workspace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ws); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ws.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.delete(ctx, ws)
	}
	if controllerutil.AddFinalizer(ws, tenantv1beta1.WorkspaceFinalizer) {
		if err := r.Client.Update(ctx, ws); err != nil {
			return ctrl.Result{}, err
		}
	}
	before := ws.DeepCopy()
	ready, reason, message := true, tenantv1beta1.ReasonReconciled, ""
	defer func() {
		conditions.Finish(&ws.Status.Conditions, &ws.Status.ObservedGeneration, ws.Generation, ready, reason, message, retErr)
		if equality.Semantic.DeepEqual(before.Status, ws.Status) {
			return
		}
		if err := r.Client.Status().Patch(ctx, ws, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, err)
		}
	}()

	if err := r.ensureRoles(ctx, ws); err != nil {
		ready, reason, message = false, tenantv1beta1.ReasonRolesFailed, conditions.Message(err)
		r.Recorder.Eventf(ws, nil, "Warning", reason, "EnsureRoles", message)
		return ctrl.Result{}, err
	}
	if ws.Spec.Manager != "" {
		found, err := r.ensureManager(ctx, ws)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("binding the manager %s as admin: %w", ws.Spec.Manager, err)
		}
		if !found {
			ready, reason = false, tenantv1beta1.ReasonManagerNotFound
			message = fmt.Sprintf("the manager %q is not a user; the watch on users binds them when they exist", ws.Spec.Manager)
			r.Recorder.Eventf(ws, nil, "Warning", reason, "BindManager", message)
		}
	}
	namespaces := &corev1.NamespaceList{}
	if err := r.Client.List(ctx, namespaces, client.MatchingFields{index.Workspace: ws.Name}); err != nil {
		return ctrl.Result{}, fmt.Errorf("counting the projects: %w", err)
	}
	ws.Status.Namespaces = int32(len(namespaces.Items)) //nolint:gosec // a workspace has far fewer than 2^31 namespaces
	return ctrl.Result{}, nil
}

func (r *Reconciler) ensureRoles(ctx context.Context, ws *tenantv1beta1.Workspace) error {
	roles := builtin.WorkspaceRoles()
	errs := make([]error, len(roles))
	var wg sync.WaitGroup
	// The roles are independent: write them at once to shorten the time until
	// a new workspace is usable.
	for i, b := range roles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.ensureRole(ctx, ws, b)
		}()
	}
	wg.Wait()
	return kerrors.NewAggregate(errs)
}

func (r *Reconciler) ensureRole(ctx context.Context, ws *tenantv1beta1.Workspace, b builtin.Role) error {
	role := &iamv1beta1.WorkspaceRole{ObjectMeta: metav1.ObjectMeta{Name: builtin.WorkspaceRoleName(ws.Name, b.Name)}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, role, func() error {
		if role.Labels == nil {
			role.Labels = map[string]string{}
		}
		role.Labels[tenantv1beta1.WorkspaceLabel] = ws.Name
		role.Labels[iamv1beta1.BuiltinLabel] = "true"
		role.Labels[iamv1beta1.ScopeLabel] = string(iamv1beta1.LevelWorkspace)
		if role.Annotations == nil {
			role.Annotations = map[string]string{}
		}
		role.Annotations[tenantv1beta1.DisplayNameAnnotation] = b.DisplayName["en"]
		role.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: b.Templates}
		if role.Rules == nil {
			// Fill the rules now to spare the role controller a write;
			// it keeps them in step afterwards.
			role.Rules, _ = roletemplate.Aggregate(b.Templates, r.lookupTemplate(ctx))
		}
		return controllerutil.SetControllerReference(ws, role, r.Client.Scheme())
	})
	if err != nil {
		return fmt.Errorf("role %s: %w", role.Name, err)
	}
	return nil
}

func (r *Reconciler) lookupTemplate(ctx context.Context) roletemplate.Lookup {
	return func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t := &iamv1beta1.RoleTemplate{}
		if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, t); err != nil {
			return nil, false
		}
		return t, true
	}
}

// ensureManager binds the manager to the admin role; it reports false when
// the manager is not a user.
func (r *Reconciler) ensureManager(ctx context.Context, ws *tenantv1beta1.Workspace) (bool, error) {
	u := &iamv1beta1.User{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: ws.Spec.Manager}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	admin := builtin.WorkspaceRoleName(ws.Name, builtin.WorkspaceAdmin)
	b := &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: ManagerBindingName(ws.Name, ws.Spec.Manager)}}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, b, func() error {
		if b.Labels == nil {
			b.Labels = map[string]string{}
		}
		b.Labels[tenantv1beta1.WorkspaceLabel] = ws.Name
		b.Labels[iamv1beta1.UserRefLabel] = ws.Spec.Manager
		b.Labels[iamv1beta1.RoleRefLabel] = admin
		b.RoleRef = iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: admin}
		b.Subjects = []iamv1beta1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: ws.Spec.Manager}}
		return controllerutil.SetControllerReference(ws, b, r.Client.Scheme())
	})
	return true, err
}

// delete applies the namespace policy and removes the finalizer; the
// workspace's roles and bindings go with it through their owner references.
func (r *Reconciler) delete(ctx context.Context, ws *tenantv1beta1.Workspace) error {
	if !controllerutil.ContainsFinalizer(ws, tenantv1beta1.WorkspaceFinalizer) {
		return nil
	}
	namespaces := &corev1.NamespaceList{}
	if err := r.Client.List(ctx, namespaces, client.MatchingFields{index.Workspace: ws.Name}); err != nil {
		return err
	}
	var errs []error
	for i := range namespaces.Items {
		ns := &namespaces.Items[i]
		if ws.Spec.NamespacePolicy == tenantv1beta1.NamespacesDelete {
			if err := r.Client.Delete(ctx, ns); client.IgnoreNotFound(err) != nil {
				errs = append(errs, fmt.Errorf("deleting namespace %s: %w", ns.Name, err))
			}
			continue
		}
		before := ns.DeepCopy()
		delete(ns.Labels, tenantv1beta1.WorkspaceLabel)
		if err := r.Client.Patch(ctx, ns, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("releasing namespace %s: %w", ns.Name, err))
		}
	}
	if err := kerrors.NewAggregate(errs); err != nil {
		r.Recorder.Eventf(ws, nil, "Warning", "NamespaceCleanupFailed", "Delete", err.Error())
		return err
	}
	r.Recorder.Eventf(ws, nil, "Normal", "NamespacesHandled", "Delete", "%d namespaces handled by policy %s", len(namespaces.Items), policy(ws))
	controllerutil.RemoveFinalizer(ws, tenantv1beta1.WorkspaceFinalizer)
	return client.IgnoreNotFound(r.Client.Update(ctx, ws))
}

func policy(ws *tenantv1beta1.Workspace) tenantv1beta1.NamespacePolicy {
	if ws.Spec.NamespacePolicy == "" {
		return tenantv1beta1.NamespacesRelease
	}
	return ws.Spec.NamespacePolicy
}

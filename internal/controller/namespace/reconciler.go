// Package namespace turns namespaces labelled superkube.io/workspace into
// projects: it gives each the project roles (admin, operator, viewer, native
// Roles aggregated from role templates) and binds its creator as admin.
package namespace

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
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
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/controller/nativerole"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

// ProjectCondition is the namespace condition type that says whether the
// namespace is a working project of its workspace.
const ProjectCondition corev1.NamespaceConditionType = "superkube.io/ProjectReady"

// Reasons of the project condition.
const (
	ReasonReconciled        = "Reconciled"
	ReasonWorkspaceNotFound = "WorkspaceNotFound"
	ReasonCreatorNotFound   = "CreatorNotFound"
)

// CreatorBindingName is the name of the RoleBinding that binds the creator
// to role (admin in a project, owner in a DevOps project).
func CreatorBindingName(creator, role string) string { return creator + "-" + role }

// Reconciler reconciles namespaces that belong to workspaces.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Recorder == nil {
		return errors.New("namespace: Client and Recorder are required")
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("project").
		For(&corev1.Namespace{}).
		Watches(&tenantv1beta1.Workspace{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &corev1.NamespaceList{}, client.MatchingFields{index.Workspace: o.GetName()})
		})).
		Watches(&iamv1beta1.User{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &corev1.NamespaceList{}, client.MatchingFields{index.Creator: o.GetName()})
		})).
		Complete(r)
}

// Reconcile brings one project in line.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	wsName := ns.Labels[tenantv1beta1.WorkspaceLabel]
	if !ns.DeletionTimestamp.IsZero() || ns.Status.Phase == corev1.NamespaceTerminating {
		return ctrl.Result{}, nil
	}
	if wsName == "" {
		// Not (or no longer) a project: drop the condition, keep the roles.
		return ctrl.Result{}, r.setCondition(ctx, ns, nil)
	}
	ws := &tenantv1beta1.Workspace{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: wsName}, ws); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		msg := fmt.Sprintf("workspace %q does not exist; the namespace becomes a project when it does", wsName)
		r.Recorder.Eventf(ns, nil, "Warning", ReasonWorkspaceNotFound, "LinkWorkspace", msg)
		return ctrl.Result{}, r.setCondition(ctx, ns, &corev1.NamespaceCondition{Status: corev1.ConditionFalse, Reason: ReasonWorkspaceNotFound, Message: msg})
	}
	if err := r.ensureRoles(ctx, ns); err != nil {
		return ctrl.Result{}, err
	}
	cond := &corev1.NamespaceCondition{Status: corev1.ConditionTrue, Reason: ReasonReconciled}
	if creator := ns.Annotations[tenantv1beta1.CreatorAnnotation]; creator != "" {
		found, err := r.ensureCreator(ctx, ns, creator)
		if err != nil {
			return ctrl.Result{}, err
		}
		if !found {
			msg := fmt.Sprintf("the creator %q is not a user; they are bound as admin when they exist", creator)
			r.Recorder.Eventf(ns, nil, "Warning", ReasonCreatorNotFound, "BindCreator", msg)
			cond = &corev1.NamespaceCondition{Status: corev1.ConditionFalse, Reason: ReasonCreatorNotFound, Message: msg}
		}
	}
	return ctrl.Result{}, r.setCondition(ctx, ns, cond)
}

func (r *Reconciler) ensureRoles(ctx context.Context, ns *corev1.Namespace) error {
	return EnsureRoles(ctx, r.Client, r.Client, ns)
}

// EnsureRoles gives a project its built-in roles (admin, operator, viewer),
// aggregated from the role templates that templates reads (the host's),
// written with w (the host's or a member cluster's client).
func EnsureRoles(ctx context.Context, w client.Client, templates client.Reader, ns *corev1.Namespace) error {
	var errs []error
	lookup := func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t := &iamv1beta1.RoleTemplate{}
		return t, templates.Get(ctx, types.NamespacedName{Name: name}, t) == nil
	}
	roles, _ := builtin.NamespaceRoles(ns.Labels)
	for _, b := range roles {
		labels := map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace), iamv1beta1.BuiltinLabel: "true"}
		annotations := map[string]string{tenantv1beta1.DisplayNameAnnotation: b.DisplayName["en"]}
		key := types.NamespacedName{Namespace: ns.Name, Name: b.Name}
		if err := nativerole.Ensure(ctx, w, nativerole.Roles, key, b.Templates, labels, annotations, lookup); err != nil {
			errs = append(errs, fmt.Errorf("role %s/%s: %w", ns.Name, b.Name, err))
		}
	}
	return kerrors.NewAggregate(errs)
}

// ensureCreator binds the creator as project admin; it reports false when
// the creator is not a user.
func (r *Reconciler) ensureCreator(ctx context.Context, ns *corev1.Namespace, creator string) (bool, error) {
	return EnsureCreator(ctx, r.Client, r.Client, ns, creator)
}

// EnsureCreator binds the creator as project admin (DevOps project owner), with w (the host's or
// a member cluster's client), when users (the host's) has the user; it
// reports false when the creator is not a user.
func EnsureCreator(ctx context.Context, w client.Client, users client.Reader, ns *corev1.Namespace, creator string) (bool, error) {
	u := &iamv1beta1.User{}
	if err := users.Get(ctx, types.NamespacedName{Name: creator}, u); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	_, role := builtin.NamespaceRoles(ns.Labels)
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: CreatorBindingName(creator, role)}}
	_, err := controllerutil.CreateOrPatch(ctx, w, rb, func() error {
		if rb.Labels == nil {
			rb.Labels = map[string]string{}
		}
		rb.Labels[iamv1beta1.UserRefLabel] = creator
		rb.Labels[iamv1beta1.RoleRefLabel] = role
		rb.Labels[iamv1beta1.ScopeLabel] = string(iamv1beta1.LevelNamespace)
		rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role}
		rb.Subjects = []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: creator}}
		return nil
	})
	return true, err
}

// setCondition writes the project condition into the namespace status; nil removes it.
func (r *Reconciler) setCondition(ctx context.Context, ns *corev1.Namespace, cond *corev1.NamespaceCondition) error {
	before := ns.DeepCopy()
	var conds []corev1.NamespaceCondition
	var old *corev1.NamespaceCondition
	for i := range ns.Status.Conditions {
		if ns.Status.Conditions[i].Type == ProjectCondition {
			old = &ns.Status.Conditions[i]
			continue
		}
		conds = append(conds, ns.Status.Conditions[i])
	}
	if cond != nil {
		cond.Type = ProjectCondition
		cond.LastTransitionTime = metav1.Now()
		if old != nil && old.Status == cond.Status {
			cond.LastTransitionTime = old.LastTransitionTime
		}
		conds = append(conds, *cond)
	}
	ns.Status.Conditions = conds
	if equality.Semantic.DeepEqual(before.Status, ns.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, ns, client.MergeFrom(before)))
}

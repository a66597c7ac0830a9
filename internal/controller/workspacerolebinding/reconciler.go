// Package workspacerolebinding mirrors each WorkspaceRoleBinding into a
// native RoleBinding in every namespace of its workspace, kept in step as
// namespaces join or leave the workspace and as subjects change.
package workspacerolebinding

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/controller/subjects"
)

// Reconciler mirrors WorkspaceRoleBindings.
type Reconciler struct {
	Client client.Client
	// Reader confirms a miss in the cache with kube-apiserver: a binding is
	// often created right after its role, before the cache has the role.
	Reader   client.Reader
	Recorder events.EventRecorder
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.Recorder == nil {
		return errors.New("workspacerolebinding: Client, Reader and Recorder are required")
	}
	byWorkspace := func(ctx context.Context, o client.Object) []ctrl.Request {
		ws := o.GetLabels()[tenantv1beta1.WorkspaceLabel]
		if ws == "" {
			return nil
		}
		return index.Requests(ctx, r.Client, &iamv1beta1.WorkspaceRoleBindingList{}, client.MatchingFields{index.Workspace: ws})
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&iamv1beta1.WorkspaceRoleBinding{}).
		Owns(&rbacv1.RoleBinding{}).
		// Both the old and the new labels of a namespace are mapped, so a
		// namespace that leaves a workspace loses that workspace's bindings.
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(byWorkspace)).
		Watches(&tenantv1beta1.Workspace{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &iamv1beta1.WorkspaceRoleBindingList{}, client.MatchingFields{index.Workspace: o.GetName()})
		})).
		Watches(&iamv1beta1.WorkspaceRole{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &iamv1beta1.WorkspaceRoleBindingList{}, client.MatchingFields{index.RoleRef: o.GetName()})
		})).
		Watches(&iamv1beta1.User{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &iamv1beta1.WorkspaceRoleBindingList{}, client.MatchingFields{index.UserSubject: o.GetName()})
		})).
		Complete(r)
}

// Reconcile mirrors one binding into its workspace's namespaces.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	b := &iamv1beta1.WorkspaceRoleBinding{}
	if err := r.Client.Get(ctx, req.NamespacedName, b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !b.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	before := b.DeepCopy()
	ready, reason, message := true, iamv1beta1.ReasonReconciled, ""
	fail := func(why, msg string) {
		ready, reason, message = false, why, msg
		r.Recorder.Eventf(b, nil, "Warning", why, "Mirror", msg)
	}
	defer func() {
		conditions.Finish(&b.Status.Conditions, &b.Status.ObservedGeneration, b.Generation, ready, reason, message, retErr)
		if equality.Semantic.DeepEqual(before.Status, b.Status) {
			return
		}
		if err := r.Client.Status().Patch(ctx, b, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, err)
		}
	}()

	ws := b.Labels[tenantv1beta1.WorkspaceLabel]
	want := map[string]bool{} // namespaces that should hold the mirror
	if ws == "" {
		fail(iamv1beta1.ReasonWorkspaceNotFound, "the binding has no "+tenantv1beta1.WorkspaceLabel+" label")
		return ctrl.Result{}, r.prune(ctx, b, want)
	}
	workspace := &tenantv1beta1.Workspace{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: ws}, workspace); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("reading workspace %s: %w", ws, err)
		}
		fail(iamv1beta1.ReasonWorkspaceNotFound, fmt.Sprintf("workspace %q does not exist", ws))
		return ctrl.Result{}, r.prune(ctx, b, want)
	}
	role := &iamv1beta1.WorkspaceRole{}
	err := r.Client.Get(ctx, types.NamespacedName{Name: b.RoleRef.Name}, role)
	if apierrors.IsNotFound(err) {
		err = r.Reader.Get(ctx, types.NamespacedName{Name: b.RoleRef.Name}, role)
	}
	if err != nil || role.Labels[tenantv1beta1.WorkspaceLabel] != ws {
		if err != nil && !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("reading WorkspaceRole %s: %w", b.RoleRef.Name, err)
		}
		fail(iamv1beta1.ReasonRoleNotFound, fmt.Sprintf("WorkspaceRole %q does not exist in workspace %q", b.RoleRef.Name, ws))
		return ctrl.Result{}, r.prune(ctx, b, want)
	}
	kept, missing, err := subjects.Existing(ctx, r.Client, b.Subjects)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("reading the subjects: %w", err)
	}
	if len(missing) > 0 {
		fail(iamv1beta1.ReasonUserNotFound, "users not found: "+strings.Join(missing, ", "))
	}

	namespaces := &corev1.NamespaceList{}
	if err := r.Client.List(ctx, namespaces, client.MatchingFields{index.Workspace: ws}); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing the workspace's namespaces: %w", err)
	}
	var errs []error
	for i := range namespaces.Items {
		ns := &namespaces.Items[i]
		if ns.Status.Phase == corev1.NamespaceTerminating || !ns.DeletionTimestamp.IsZero() {
			continue
		}
		want[ns.Name] = true
		if len(kept) == 0 {
			continue
		}
		if err := r.ensure(ctx, b, ns.Name, kept); err != nil {
			errs = append(errs, fmt.Errorf("namespace %s: %w", ns.Name, err))
		}
	}
	if len(kept) == 0 {
		want = map[string]bool{}
	}
	if err := r.prune(ctx, b, want); err != nil {
		errs = append(errs, err)
	}
	if err := kerrors.NewAggregate(errs); err != nil {
		fail(iamv1beta1.ReasonMirrorFailed, conditions.Message(err))
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler) ensure(ctx context.Context, b *iamv1beta1.WorkspaceRoleBinding, ns string, kept []iamv1beta1.Subject) error {
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: mirror.WorkspaceRoleBindingName(b.Name)}}
	roleRef := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: mirror.WorkspaceRoleClusterRole(b.RoleRef.Name)}
	_, err := controllerutil.CreateOrPatch(ctx, r.Client, rb, func() error {
		extra := map[string]string{tenantv1beta1.WorkspaceLabel: b.Labels[tenantv1beta1.WorkspaceLabel]}
		if u := b.Labels[iamv1beta1.UserRefLabel]; u != "" {
			extra[iamv1beta1.UserRefLabel] = u
		}
		rb.Labels = mirror.Labels(mirror.OfWorkspaceRoleBinding, iamv1beta1.LevelWorkspace, extra)
		rb.OwnerReferences = []metav1.OwnerReference{mirror.OwnerRef(mirror.OfWorkspaceRoleBinding, b)}
		if rb.RoleRef.Name != "" && rb.RoleRef != roleRef {
			return errors.New("the mirror grants another role")
		}
		rb.RoleRef = roleRef
		rb.Subjects = mirror.Subjects(kept)
		return nil
	})
	return err
}

// prune deletes the mirrors of b in namespaces that are not in want.
func (r *Reconciler) prune(ctx context.Context, b *iamv1beta1.WorkspaceRoleBinding, want map[string]bool) error {
	list := &rbacv1.RoleBindingList{}
	if err := r.Client.List(ctx, list, client.MatchingFields{index.OwnerUID: string(b.UID)}); err != nil {
		return err
	}
	var errs []error
	for i := range list.Items {
		rb := &list.Items[i]
		if want[rb.Namespace] {
			continue
		}
		if err := r.Client.Delete(ctx, rb); client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	return kerrors.NewAggregate(errs)
}

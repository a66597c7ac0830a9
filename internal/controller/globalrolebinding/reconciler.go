// Package globalrolebinding mirrors each GlobalRoleBinding into a native
// ClusterRoleBinding to the ClusterRole that mirrors its GlobalRole.
package globalrolebinding

import (
	"context"
	"errors"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/controller/subjects"
)

// Reconciler mirrors GlobalRoleBindings.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Recorder == nil {
		return errors.New("globalrolebinding: Client and Recorder are required")
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&iamv1beta1.GlobalRoleBinding{}).
		Owns(&rbacv1.ClusterRoleBinding{}).
		Watches(&iamv1beta1.GlobalRole{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &iamv1beta1.GlobalRoleBindingList{}, client.MatchingFields{index.RoleRef: o.GetName()})
		})).
		Watches(&iamv1beta1.User{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, &iamv1beta1.GlobalRoleBindingList{}, client.MatchingFields{index.UserSubject: o.GetName()})
		})).
		Complete(r)
}

// Reconcile mirrors one binding.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	b := &iamv1beta1.GlobalRoleBinding{}
	if err := r.Client.Get(ctx, req.NamespacedName, b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !b.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	before := b.DeepCopy()
	ready, reason, message := true, iamv1beta1.ReasonReconciled, ""
	defer func() {
		conditions.Finish(&b.Status.Conditions, &b.Status.ObservedGeneration, b.Generation, ready, reason, message, retErr)
		if equality.Semantic.DeepEqual(before.Status, b.Status) {
			return
		}
		if err := r.Client.Status().Patch(ctx, b, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, err)
		}
	}()

	role := &iamv1beta1.GlobalRole{}
	if err := r.Client.Get(ctx, types.NamespacedName{Name: b.RoleRef.Name}, role); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("reading GlobalRole %s: %w", b.RoleRef.Name, err)
		}
		ready, reason, message = false, iamv1beta1.ReasonRoleNotFound, fmt.Sprintf("GlobalRole %q does not exist", b.RoleRef.Name)
		r.Recorder.Eventf(b, nil, "Warning", reason, "Mirror", message)
		// The watch on GlobalRoles brings the binding back when the role appears.
		return ctrl.Result{}, r.deleteMirror(ctx, b)
	}
	existing, missing, err := subjects.Existing(ctx, r.Client, b.Subjects)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("reading the subjects: %w", err)
	}
	if len(missing) > 0 {
		ready, reason, message = false, iamv1beta1.ReasonUserNotFound, "users not found: "+strings.Join(missing, ", ")
		r.Recorder.Eventf(b, nil, "Warning", reason, "Mirror", message)
	}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: mirror.GlobalRoleBindingName(b.Name)}}
	if _, err := controllerutil.CreateOrPatch(ctx, r.Client, crb, func() error {
		crb.Labels = mirror.Labels(mirror.OfGlobalRoleBinding, iamv1beta1.LevelGlobal, userRef(b.Labels))
		crb.OwnerReferences = []metav1.OwnerReference{mirror.OwnerRef(mirror.OfGlobalRoleBinding, b)}
		crb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: mirror.GlobalRoleClusterRole(b.RoleRef.Name)}
		crb.Subjects = mirror.Subjects(existing)
		return nil
	}); err != nil {
		ready, reason, message = false, iamv1beta1.ReasonMirrorFailed, conditions.Message(err)
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler) deleteMirror(ctx context.Context, b *iamv1beta1.GlobalRoleBinding) error {
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: mirror.GlobalRoleBindingName(b.Name)}}
	return client.IgnoreNotFound(r.Client.Delete(ctx, crb))
}

func userRef(labels map[string]string) map[string]string {
	if u := labels[iamv1beta1.UserRefLabel]; u != "" {
		return map[string]string{iamv1beta1.UserRefLabel: u}
	}
	return nil
}

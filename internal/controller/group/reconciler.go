// Package group reconciles Groups and GroupBindings: it reports whether a
// binding's group and users exist and counts each group's members. The
// users' group lists themselves are kept by the user controller.
package group

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
)

// Reconciler reconciles groups; requests name a Group.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Recorder == nil {
		return errors.New("group: Client and Recorder are required")
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&iamv1beta1.Group{}).
		Watches(&iamv1beta1.GroupBinding{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			return []ctrl.Request{{NamespacedName: types.NamespacedName{Name: o.(*iamv1beta1.GroupBinding).GroupRef.Name}}}
		})).
		// A user that appears or goes changes the state of the bindings naming it.
		Watches(&iamv1beta1.User{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			list := &iamv1beta1.GroupBindingList{}
			if err := r.Client.List(ctx, list, client.MatchingFields{index.UserSubject: o.GetName()}); err != nil {
				return nil
			}
			reqs := make([]ctrl.Request, 0, len(list.Items))
			for _, b := range list.Items {
				reqs = append(reqs, ctrl.Request{NamespacedName: types.NamespacedName{Name: b.GroupRef.Name}})
			}
			return reqs
		})).
		Complete(r)
}

// Reconcile counts a group's members and reports the state of its bindings.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	bindings := &iamv1beta1.GroupBindingList{}
	if err := r.Client.List(ctx, bindings, client.MatchingFields{index.Group: req.Name}); err != nil {
		return ctrl.Result{}, err
	}
	g := &iamv1beta1.Group{}
	err := r.Client.Get(ctx, req.NamespacedName, g)
	if err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	groupExists := err == nil && g.DeletionTimestamp.IsZero()

	members := sets.New[string]()
	var errs []error
	for i := range bindings.Items {
		b := &bindings.Items[i]
		members.Insert(b.Users...)
		if err := r.updateBinding(ctx, b, groupExists); err != nil {
			errs = append(errs, err)
		}
	}
	if !groupExists {
		return ctrl.Result{}, errors.Join(errs...)
	}
	before := g.DeepCopy()
	g.Status.Members = int32(members.Len()) //nolint:gosec // bounded by MaxItems of the bindings
	// A binding that could not be brought in line leaves the group not ready.
	conditions.Finish(&g.Status.Conditions, &g.Status.ObservedGeneration, g.Generation, true, iamv1beta1.ReasonReconciled, "", errors.Join(errs...))
	if !equality.Semantic.DeepEqual(before.Status, g.Status) {
		if err := r.Client.Status().Patch(ctx, g, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	return ctrl.Result{}, errors.Join(errs...)
}

func (r *Reconciler) updateBinding(ctx context.Context, b *iamv1beta1.GroupBinding, groupExists bool) error {
	before := b.DeepCopy()
	ready, reason, message := true, iamv1beta1.ReasonReconciled, ""
	if !groupExists {
		ready, reason, message = false, iamv1beta1.ReasonGroupNotFound, fmt.Sprintf("group %q does not exist", b.GroupRef.Name)
	} else {
		var missing []string
		for _, name := range b.Users {
			u := &iamv1beta1.User{}
			if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, u); apierrors.IsNotFound(err) {
				missing = append(missing, name)
			} else if err != nil {
				return fmt.Errorf("group binding %s: reading user %s: %w", b.Name, name, err)
			}
		}
		if len(missing) > 0 {
			ready, reason, message = false, iamv1beta1.ReasonUserNotFound, "users not found: "+strings.Join(missing, ", ")
		}
	}
	conditions.SetReady(&b.Status.Conditions, b.Generation, ready, reason, message)
	if ready {
		b.Status.ObservedGeneration = b.Generation
	}
	if equality.Semantic.DeepEqual(before.Status, b.Status) {
		return nil
	}
	if !ready {
		r.Recorder.Eventf(b, nil, "Warning", reason, "Validate", message)
	}
	if err := r.Client.Status().Patch(ctx, b, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("group binding %s: %w", b.Name, err)
	}
	return nil
}

// Package nativerole aggregates role templates into native ClusterRoles and
// Roles (cluster- and project-level roles) that name them in the
// iam.superkube.io/aggregation-role-templates annotation.
package nativerole

import (
	"context"
	"errors"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// Kind adapts ClusterRole or Role.
type Kind[T client.Object] struct {
	Name  string
	New   func() T
	List  func() client.ObjectList
	Rules func(T) *[]rbacv1.PolicyRule
}

// ClusterRoles adapts ClusterRole.
var ClusterRoles = Kind[*rbacv1.ClusterRole]{
	Name:  "ClusterRole",
	New:   func() *rbacv1.ClusterRole { return &rbacv1.ClusterRole{} },
	List:  func() client.ObjectList { return &rbacv1.ClusterRoleList{} },
	Rules: func(r *rbacv1.ClusterRole) *[]rbacv1.PolicyRule { return &r.Rules },
}

// Roles adapts Role.
var Roles = Kind[*rbacv1.Role]{
	Name:  "Role",
	New:   func() *rbacv1.Role { return &rbacv1.Role{} },
	List:  func() client.ObjectList { return &rbacv1.RoleList{} },
	Rules: func(r *rbacv1.Role) *[]rbacv1.PolicyRule { return &r.Rules },
}

// Reconciler aggregates templates into native roles of one kind.
type Reconciler[T client.Object] struct {
	Client   client.Client
	Recorder events.EventRecorder
	Kind     Kind[T]
}

// SetupWithManager registers the reconciler.
func (r *Reconciler[T]) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Recorder == nil || r.Kind.New == nil {
		return errors.New("nativerole: Client, Recorder and Kind are required")
	}
	hasTemplates := predicate.NewPredicateFuncs(func(o client.Object) bool {
		_, ok := o.GetAnnotations()[iamv1beta1.AggregationAnnotation]
		return ok
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("native"+strings.ToLower(r.Kind.Name)).
		For(r.Kind.New(), builder.WithPredicates(hasTemplates)).
		Watches(&iamv1beta1.RoleTemplate{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.Requests(ctx, r.Client, r.Kind.List(), client.MatchingFields{index.Templates: o.GetName()})
		})).
		Complete(r)
}

// Reconcile sets the role's rules to the union of its templates' rules.
func (r *Reconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	role := r.Kind.New()
	if err := r.Client.Get(ctx, req.NamespacedName, role); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !role.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, nil
	}
	names, err := roletemplate.NamesFromAnnotation(role.GetAnnotations())
	if err != nil {
		// Bad input: tell the owner, and wait for the annotation to change.
		r.Recorder.Eventf(role, nil, "Warning", "InvalidAnnotation", "Aggregate", err.Error())
		return ctrl.Result{}, nil
	}
	if names == nil {
		return ctrl.Result{}, nil
	}
	want, missing := roletemplate.Aggregate(names, func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t := &iamv1beta1.RoleTemplate{}
		if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, t); err != nil {
			return nil, false
		}
		return t, true
	})
	if len(missing) > 0 {
		r.Recorder.Eventf(role, nil, "Warning", iamv1beta1.ReasonTemplateNotFound, "Aggregate", "role templates not found: %s", strings.Join(missing, ", "))
	}
	rules := r.Kind.Rules(role)
	if equality.Semantic.DeepEqual(want, *rules) {
		return ctrl.Result{}, nil
	}
	before := role.DeepCopyObject().(T)
	*rules = want
	if err := r.Client.Patch(ctx, role, client.MergeFrom(before)); err != nil {
		return ctrl.Result{}, fmt.Errorf("updating the rules of %s %s: %w", r.Kind.Name, req.NamespacedName, err)
	}
	return ctrl.Result{}, nil
}

// Package nativerole aggregates role templates into native ClusterRoles and
// Roles (cluster- and project-level roles) that name them in the
// iam.superkube.io/aggregation-role-templates annotation.
//
// It watches only the roles' metadata, so that tens of thousands of project
// roles cost little memory: the rules it last wrote are fingerprinted in the
// iam.superkube.io/rules-hash annotation, and the role itself is read and
// written only when the wanted rules differ.
package nativerole

import (
	"context"
	"errors"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
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
type Kind struct {
	GVK   schema.GroupVersionKind
	New   func() client.Object
	Rules func(client.Object) *[]rbacv1.PolicyRule
}

// ClusterRoles adapts ClusterRole.
var ClusterRoles = Kind{
	GVK:   rbacv1.SchemeGroupVersion.WithKind("ClusterRole"),
	New:   func() client.Object { return &rbacv1.ClusterRole{} },
	Rules: func(o client.Object) *[]rbacv1.PolicyRule { return &o.(*rbacv1.ClusterRole).Rules },
}

// Roles adapts Role.
var Roles = Kind{
	GVK:   rbacv1.SchemeGroupVersion.WithKind("Role"),
	New:   func() client.Object { return &rbacv1.Role{} },
	Rules: func(o client.Object) *[]rbacv1.PolicyRule { return &o.(*rbacv1.Role).Rules },
}

// Reconciler aggregates templates into native roles of one kind.
type Reconciler struct {
	// Client reads metadata from the cache and writes.
	Client client.Client
	// Reader reads whole roles from kube-apiserver, so that no cache holds them.
	Reader client.Reader
	// Informers finds the roles of a template set in the metadata cache.
	Informers index.InformerSource
	Recorder  events.EventRecorder
	Kind      Kind
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.Informers == nil || r.Recorder == nil || r.Kind.New == nil {
		return errors.New("nativerole: Client, Reader, Informers, Recorder and Kind are required")
	}
	hasTemplates := predicate.NewPredicateFuncs(func(o client.Object) bool {
		_, ok := o.GetAnnotations()[iamv1beta1.AggregationAnnotation]
		return ok
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("native"+strings.ToLower(r.Kind.GVK.Kind)).
		For(index.Metadata(r.Kind.GVK), builder.WithPredicates(hasTemplates)).
		Watches(&iamv1beta1.RoleTemplate{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []ctrl.Request {
			return index.RequestsForTemplate(ctx, r.Informers, r.Kind.GVK, o.GetName())
		})).
		Complete(r)
}

// Reconcile sets the role's rules to the union of its templates' rules.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	m := index.Metadata(r.Kind.GVK)
	if err := r.Client.Get(ctx, req.NamespacedName, m); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !m.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	names, err := roletemplate.NamesFromAnnotation(m.Annotations)
	if err != nil {
		// Bad input: tell the owner, and wait for the annotation to change.
		r.Recorder.Eventf(m, nil, "Warning", "InvalidAnnotation", "Aggregate", err.Error())
		return ctrl.Result{}, nil
	}
	if names == nil {
		return ctrl.Result{}, nil
	}
	want, missing := roletemplate.Aggregate(names, r.lookupTemplate(ctx))
	if len(missing) > 0 {
		r.Recorder.Eventf(m, nil, "Warning", iamv1beta1.ReasonTemplateNotFound, "Aggregate", "role templates not found: %s", strings.Join(missing, ", "))
	}
	hash := roletemplate.Hash(want)
	if m.Annotations[iamv1beta1.RulesHashAnnotation] == hash {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.write(ctx, req.NamespacedName, want, hash)
}

func (r *Reconciler) write(ctx context.Context, key types.NamespacedName, rules []rbacv1.PolicyRule, hash string) error {
	role := r.Kind.New()
	if err := r.Reader.Get(ctx, key, role); err != nil {
		return client.IgnoreNotFound(err)
	}
	before := role.DeepCopyObject().(client.Object)
	*r.Kind.Rules(role) = rules
	ann := role.GetAnnotations()
	ann[iamv1beta1.RulesHashAnnotation] = hash
	role.SetAnnotations(ann)
	if err := r.Client.Patch(ctx, role, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("updating the rules of %s %s: %w", r.Kind.GVK.Kind, key, err)
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

// Ensure creates a native role with the aggregation annotation and rules
// computed from the templates, unless it exists; an existing role keeps its
// rules in step through the reconciler. Labels and annotations given are
// merged into an existing role only when they are missing.
func Ensure(ctx context.Context, c client.Client, kind Kind, key types.NamespacedName, templates []string, labels, annotations map[string]string, lookup roletemplate.Lookup) error {
	m := index.Metadata(kind.GVK)
	err := c.Get(ctx, key, m)
	if err == nil {
		return nil
	}
	if client.IgnoreNotFound(err) != nil {
		return err
	}
	rules, _ := roletemplate.Aggregate(templates, lookup)
	role := kind.New()
	role.SetNamespace(key.Namespace)
	role.SetName(key.Name)
	role.SetLabels(labels)
	ann := map[string]string{}
	for k, v := range annotations {
		ann[k] = v
	}
	ann[iamv1beta1.AggregationAnnotation] = roletemplate.Annotation(templates)
	ann[iamv1beta1.RulesHashAnnotation] = roletemplate.Hash(rules)
	role.SetAnnotations(ann)
	*kind.Rules(role) = rules
	if err := c.Create(ctx, role); client.IgnoreAlreadyExists(err) != nil {
		return err
	}
	return nil
}

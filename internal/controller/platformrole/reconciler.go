// Package platformrole reconciles the platform's own roles, GlobalRoles and
// WorkspaceRoles: it aggregates the rules of the role templates a role names
// and mirrors the role into a native ClusterRole that the native bindings
// refer to.
package platformrole

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
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// Kind adapts one role kind to the reconciler.
type Kind[T client.Object] struct {
	// Name is the kind, for example "GlobalRole".
	Name  string
	Scope iamv1beta1.Level
	New   func() T
	List  func() client.ObjectList
	// Parts returns pointers into the object.
	Parts func(T) (*iamv1beta1.AggregationRoleTemplates, *[]rbacv1.PolicyRule, *iamv1beta1.RoleStatus)
	// MirrorName is the name of the native ClusterRole.
	MirrorName func(string) string
}

// GlobalRoles adapts GlobalRole.
var GlobalRoles = Kind[*iamv1beta1.GlobalRole]{
	Name: mirror.OfGlobalRole, Scope: iamv1beta1.LevelGlobal,
	New:  func() *iamv1beta1.GlobalRole { return &iamv1beta1.GlobalRole{} },
	List: func() client.ObjectList { return &iamv1beta1.GlobalRoleList{} },
	Parts: func(r *iamv1beta1.GlobalRole) (*iamv1beta1.AggregationRoleTemplates, *[]rbacv1.PolicyRule, *iamv1beta1.RoleStatus) {
		return r.AggregationRoleTemplates, &r.Rules, &r.Status
	},
	MirrorName: mirror.GlobalRoleClusterRole,
}

// WorkspaceRoles adapts WorkspaceRole.
var WorkspaceRoles = Kind[*iamv1beta1.WorkspaceRole]{
	Name: mirror.OfWorkspaceRole, Scope: iamv1beta1.LevelWorkspace,
	New:  func() *iamv1beta1.WorkspaceRole { return &iamv1beta1.WorkspaceRole{} },
	List: func() client.ObjectList { return &iamv1beta1.WorkspaceRoleList{} },
	Parts: func(r *iamv1beta1.WorkspaceRole) (*iamv1beta1.AggregationRoleTemplates, *[]rbacv1.PolicyRule, *iamv1beta1.RoleStatus) {
		return r.AggregationRoleTemplates, &r.Rules, &r.Status
	},
	MirrorName: mirror.WorkspaceRoleClusterRole,
}

// Reconciler aggregates and mirrors roles of one kind.
type Reconciler[T client.Object] struct {
	Client client.Client
	// Reader reads whole mirrors from kube-apiserver; the cache holds only their metadata.
	Reader   client.Reader
	Recorder events.EventRecorder
	Kind     Kind[T]
}

// SetupWithManager registers the reconciler.
func (r *Reconciler[T]) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil || r.Recorder == nil || r.Kind.New == nil {
		return errors.New("platformrole: Client, Reader, Recorder and Kind are required")
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named(strings.ToLower(r.Kind.Name)).
		For(r.Kind.New(), builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Owns(&rbacv1.ClusterRole{}, builder.OnlyMetadata).
		Watches(&iamv1beta1.RoleTemplate{}, handler.EnqueueRequestsFromMapFunc(r.rolesOfTemplate)).
		Complete(r)
}

// rolesOfTemplate finds the roles that aggregate a template.
func (r *Reconciler[T]) rolesOfTemplate(ctx context.Context, o client.Object) []ctrl.Request {
	return index.Requests(ctx, r.Client, r.Kind.List(), client.MatchingFields{index.Templates: o.GetName()})
}

// Reconcile brings one role's rules and mirror in line.
func (r *Reconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	role := r.Kind.New()
	if err := r.Client.Get(ctx, req.NamespacedName, role); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !role.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, nil
	}
	agg, rules, status := r.Kind.Parts(role)
	before := role.DeepCopyObject().(T)
	_, _, beforeStatus := r.Kind.Parts(before)

	ready, reason, message := true, iamv1beta1.ReasonReconciled, ""
	defer func() {
		conditions.Finish(&status.Conditions, &status.ObservedGeneration, role.GetGeneration(), ready, reason, message, retErr)
		if equality.Semantic.DeepEqual(beforeStatus, status) {
			return
		}
		if err := r.Client.Status().Patch(ctx, role, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, fmt.Errorf("patching the status of %s %s: %w", r.Kind.Name, role.GetName(), err))
		}
	}()

	if r.Kind.Scope == iamv1beta1.LevelWorkspace {
		ws := role.GetLabels()[tenantv1beta1.WorkspaceLabel]
		if ws == "" {
			ready, reason, message = false, iamv1beta1.ReasonWorkspaceNotFound, "the role has no "+tenantv1beta1.WorkspaceLabel+" label"
			r.Recorder.Eventf(role, nil, "Warning", reason, "Validate", message)
			return ctrl.Result{}, nil
		}
	}

	if agg != nil {
		want, missing := roletemplate.Aggregate(agg.TemplateNames, r.lookupTemplate(ctx))
		if !equality.Semantic.DeepEqual(want, *rules) {
			*rules = want
			if err := r.Client.Patch(ctx, role, client.MergeFrom(before)); err != nil {
				return ctrl.Result{}, fmt.Errorf("updating the rules of %s %s: %w", r.Kind.Name, role.GetName(), err)
			}
			// The patch refreshed the object; keep comparing status against it.
			before = role.DeepCopyObject().(T)
			_, _, bs := r.Kind.Parts(before)
			*bs = *beforeStatus
		}
		if len(missing) > 0 {
			ready, reason = false, iamv1beta1.ReasonTemplateNotFound
			message = "role templates not found: " + strings.Join(missing, ", ")
			r.Recorder.Eventf(role, nil, "Warning", reason, "Aggregate", message)
		}
	}

	if err := r.ensureMirror(ctx, role, *rules); err != nil {
		ready, reason, message = false, iamv1beta1.ReasonMirrorFailed, conditions.Message(err)
		r.Recorder.Eventf(role, nil, "Warning", reason, "Mirror", message)
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler[T]) lookupTemplate(ctx context.Context) roletemplate.Lookup {
	return func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t := &iamv1beta1.RoleTemplate{}
		if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, t); err != nil {
			return nil, false
		}
		return t, true
	}
}

// ensureMirror writes the native ClusterRole that stands for the role. The
// mirror is watched as metadata only; its rules hash says whether it is current.
func (r *Reconciler[T]) ensureMirror(ctx context.Context, role T, rules []rbacv1.PolicyRule) error {
	if rules == nil {
		rules = []rbacv1.PolicyRule{}
	}
	hash := roletemplate.Hash(rules)
	labels := map[string]string{}
	if ws := role.GetLabels()[tenantv1beta1.WorkspaceLabel]; ws != "" {
		labels[tenantv1beta1.WorkspaceLabel] = ws
	}
	labels = mirror.Labels(r.Kind.Name, r.Kind.Scope, labels)
	key := types.NamespacedName{Name: r.Kind.MirrorName(role.GetName())}

	m := index.Metadata(rbacv1.SchemeGroupVersion.WithKind("ClusterRole"))
	err := r.Client.Get(ctx, key, m)
	if apierrors.IsNotFound(err) {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: key.Name, Labels: labels,
			Annotations:     map[string]string{iamv1beta1.RulesHashAnnotation: hash},
			OwnerReferences: []metav1.OwnerReference{mirror.OwnerRef(r.Kind.Name, role)}}, Rules: rules}
		return client.IgnoreAlreadyExists(r.Client.Create(ctx, cr))
	}
	if err != nil {
		return err
	}
	if m.Annotations[iamv1beta1.RulesHashAnnotation] == hash && equality.Semantic.DeepEqual(m.Labels, labels) {
		return nil
	}
	cr := &rbacv1.ClusterRole{}
	if err := r.Reader.Get(ctx, key, cr); err != nil {
		return err
	}
	before := cr.DeepCopy()
	cr.Labels = labels
	if cr.Annotations == nil {
		cr.Annotations = map[string]string{}
	}
	cr.Annotations[iamv1beta1.RulesHashAnnotation] = hash
	cr.OwnerReferences = []metav1.OwnerReference{mirror.OwnerRef(r.Kind.Name, role)}
	cr.Rules = rules
	return r.Client.Patch(ctx, cr, client.MergeFrom(before))
}

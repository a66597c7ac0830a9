// Package devopsproject gives each DevOpsProject its namespace: the
// namespace of the same name, labelled with the project's workspace and
// devops.superkube.io/project and annotated with its creator, which the
// project controller then gives the DevOps roles (owner, maintainer,
// developer, reporter) and binds the creator as owner. Deleting the
// DevOpsProject deletes its namespace, with its pipelines, runs and
// credentials, before the object goes.
package devopsproject

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

// Finalizer lets the controller delete the namespace first.
const Finalizer = "devops.superkube.io/project-cleanup"

// Reasons of the Ready condition.
const (
	ReasonReady             = "Ready"
	ReasonWorkspaceNotFound = "WorkspaceNotFound"
	ReasonNamespaceTaken    = "NamespaceTaken"
)

// Reconciler reconciles DevOpsProjects.
type Reconciler struct {
	Client client.Client
}

// +kubebuilder:rbac:groups=devops.superkube.io,resources=devopsprojects,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=devops.superkube.io,resources=devopsprojects/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=devops.superkube.io,resources=devopsprojects/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create;update;patch;delete

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	if r.Client == nil {
		return errors.New("devopsproject: Client is required")
	}
	return ctrl.ControllerManagedBy(mgr).
		Named("devopsproject").
		For(&devopsv1alpha3.DevOpsProject{}).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			if p := o.GetLabels()[devopsv1alpha3.ProjectLabel]; p != "" {
				return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: p}}}
			}
			return nil
		})).
		Watches(&tenantv1beta1.Workspace{}, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
			var list devopsv1alpha3.DevOpsProjectList
			if err := r.Client.List(ctx, &list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: o.GetName()}); err != nil {
				return nil
			}
			reqs := make([]reconcile.Request, 0, len(list.Items))
			for i := range list.Items {
				reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Name: list.Items[i].Name}})
			}
			return reqs
		})).
		Complete(r)
}

// Reconcile brings one DevOps project in line.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	p := &devopsv1alpha3.DevOpsProject{}
	if err := r.Client.Get(ctx, req.NamespacedName, p); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !p.DeletionTimestamp.IsZero() {
		return r.cleanup(ctx, p)
	}
	if controllerutil.AddFinalizer(p, Finalizer) {
		if err := r.Client.Update(ctx, p); err != nil {
			return reconcile.Result{}, err
		}
	}
	before := p.DeepCopy()
	ws := p.Labels[tenantv1beta1.WorkspaceLabel]
	err := r.Client.Get(ctx, types.NamespacedName{Name: ws}, &tenantv1beta1.Workspace{})
	switch {
	case apierrors.IsNotFound(err):
		conditions.SetReady(&p.Status.Conditions, p.Generation, false, ReasonWorkspaceNotFound,
			fmt.Sprintf("workspace %q does not exist", ws))
	case err != nil:
		return reconcile.Result{}, err
	default:
		taken, err := r.ensureNamespace(ctx, p, ws)
		if err != nil {
			return reconcile.Result{}, err
		}
		if taken {
			conditions.SetReady(&p.Status.Conditions, p.Generation, false, ReasonNamespaceTaken,
				fmt.Sprintf("namespace %q exists and is not this DevOps project's; choose another name", p.Name))
		} else {
			p.Status.Namespace = p.Name
			conditions.SetReady(&p.Status.Conditions, p.Generation, true, ReasonReady, "")
		}
	}
	if equality.Semantic.DeepEqual(before.Status, p.Status) {
		return reconcile.Result{}, nil
	}
	return reconcile.Result{}, client.IgnoreNotFound(r.Client.Status().Patch(ctx, p, client.MergeFrom(before)))
}

// ensureNamespace creates or labels the project's namespace; it reports
// true when a namespace of the name belongs to something else.
func (r *Reconciler) ensureNamespace(ctx context.Context, p *devopsv1alpha3.DevOpsProject, ws string) (bool, error) {
	ns := &corev1.Namespace{}
	err := r.Client.Get(ctx, types.NamespacedName{Name: p.Name}, ns)
	if apierrors.IsNotFound(err) {
		ns = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			Name:   p.Name,
			Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws, devopsv1alpha3.ProjectLabel: p.Name},
		}}
		if c := p.Annotations[tenantv1beta1.CreatorAnnotation]; c != "" {
			ns.Annotations = map[string]string{tenantv1beta1.CreatorAnnotation: c}
		}
		if d := p.Spec.Description; d != "" {
			metav1.SetMetaDataAnnotation(&ns.ObjectMeta, tenantv1beta1.DescriptionAnnotation, d)
		}
		return false, client.IgnoreAlreadyExists(r.Client.Create(ctx, ns))
	}
	if err != nil {
		return false, err
	}
	if ns.Labels[devopsv1alpha3.ProjectLabel] != p.Name {
		return true, nil
	}
	if ns.Labels[tenantv1beta1.WorkspaceLabel] != ws && ns.DeletionTimestamp.IsZero() {
		before := ns.DeepCopy()
		ns.Labels[tenantv1beta1.WorkspaceLabel] = ws
		return false, r.Client.Patch(ctx, ns, client.MergeFrom(before))
	}
	return false, nil
}

// cleanup deletes the namespace, and lets the object go once it is gone.
func (r *Reconciler) cleanup(ctx context.Context, p *devopsv1alpha3.DevOpsProject) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(p, Finalizer) {
		return reconcile.Result{}, nil
	}
	ns := &corev1.Namespace{}
	err := r.Client.Get(ctx, types.NamespacedName{Name: p.Name}, ns)
	if err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, err
	}
	if err == nil && ns.Labels[devopsv1alpha3.ProjectLabel] == p.Name {
		if ns.DeletionTimestamp.IsZero() {
			if err := r.Client.Delete(ctx, ns, client.Preconditions{UID: &ns.UID}); client.IgnoreNotFound(err) != nil {
				return reconcile.Result{}, err
			}
		}
		// The namespace's watch brings the project back when it is gone.
		return reconcile.Result{}, nil
	}
	controllerutil.RemoveFinalizer(p, Finalizer)
	return reconcile.Result{}, client.IgnoreNotFound(r.Client.Update(ctx, p))
}

// Package gatewaypolicy keeps the ValidatingAdmissionPolicies that make
// kube-apiserver enforce gateway.superkube.io's allowed IngressClasses,
// GatewayClasses and Gateways (package internal/gateway/admissionpolicy):
// the two policies and the projects' binding at all times, and one binding
// per WorkspaceGatewayPolicy, owned by it, whose status says whether it is
// enforced.
package gatewaypolicy

import (
	"context"
	"errors"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	gatewayv1alpha1 "github.com/superkube/super-kubenetes/api/gateway/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/gateway/admissionpolicy"
)

// +kubebuilder:rbac:groups=gateway.superkube.io,resources=workspacegatewaypolicies;gatewaypolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=gateway.superkube.io,resources=workspacegatewaypolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingadmissionpolicies;validatingadmissionpolicybindings,verbs=get;list;watch;create;update;patch;delete

// Reconciler keeps the workspaces' bindings and, from a runnable, the
// policies and the projects' binding.
type Reconciler struct {
	Client client.Client
	// Resync is how often the policies and the projects' binding are put
	// back as they should be (default one minute).
	Resync time.Duration
}

// SetupWithManager registers the reconciler and the runnable that keeps
// the policies (run by the leader).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil {
		return errors.New("gatewaypolicy: Client is required")
	}
	every := r.Resync
	if every <= 0 {
		every = time.Minute
	}
	log := mgr.GetLogger().WithName("gateway-admission-policies")
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		wait.UntilWithContext(ctx, func(ctx context.Context) {
			if err := admissionpolicy.EnsureStatic(ctx, r.Client); err != nil {
				log.Error(err, "Keeping the gateway admission policies")
			}
		}, every)
		return nil
	})); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("gatewaypolicy").
		For(&gatewayv1alpha1.WorkspaceGatewayPolicy{}).
		Owns(&admissionregistrationv1.ValidatingAdmissionPolicyBinding{}).
		Complete(r)
}

// Reconcile keeps the binding of one WorkspaceGatewayPolicy.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p := &gatewayv1alpha1.WorkspaceGatewayPolicy{}
	if err := r.Client.Get(ctx, req.NamespacedName, p); err != nil {
		if apierrors.IsNotFound(err) {
			// Its binding goes with it (owner reference); say so at once.
			b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: admissionpolicy.WorkspaceBindingName(req.Name)}}
			return ctrl.Result{}, client.IgnoreNotFound(r.Client.Delete(ctx, b))
		}
		return ctrl.Result{}, err
	}
	if !p.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	before := p.Status.DeepCopy()
	bindErr := admissionpolicy.EnsureBinding(ctx, r.Client, admissionpolicy.WorkspaceBindingObject(p))
	cond := metav1.Condition{Type: gatewayv1alpha1.ConditionEnforced, Status: metav1.ConditionTrue, Reason: gatewayv1alpha1.ReasonBound,
		Message:            fmt.Sprintf("kube-apiserver checks the workspace's namespaces through the binding %s", admissionpolicy.WorkspaceBindingName(p.Name)),
		ObservedGeneration: p.Generation}
	if bindErr != nil {
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, gatewayv1alpha1.ReasonBindFailed, bindErr.Error()
	} else {
		p.Status.ObservedGeneration = p.Generation
		p.Status.Binding = admissionpolicy.WorkspaceBindingName(p.Name)
	}
	meta.SetStatusCondition(&p.Status.Conditions, cond)
	if !equality.Semantic.DeepEqual(before, &p.Status) {
		if err := r.Client.Status().Update(ctx, p); err != nil && !apierrors.IsConflict(err) {
			return ctrl.Result{}, errors.Join(bindErr, err)
		}
	}
	return ctrl.Result{}, bindErr
}

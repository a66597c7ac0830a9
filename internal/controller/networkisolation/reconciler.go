// Package networkisolation generates and keeps the NetworkPolicies of
// isolated workspaces (tenant Workspace spec.networkIsolation) and isolated
// projects (network.superkube.io NetworkIsolation "default" with
// spec.enabled). It reconciles one namespace at a time: the namespace gets
// at most one generated policy, labelled network.superkube.io/generated-by,
// which it repairs when it drifts and deletes when isolation is turned off.
// A policy without that label (one written by hand) is never touched.
package networkisolation

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

// +kubebuilder:rbac:groups=network.superkube.io,resources=networkisolations,verbs=get;list;watch
// +kubebuilder:rbac:groups=network.superkube.io,resources=networkisolations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=tenant.superkube.io,resources=workspaces,verbs=get;list;watch

// Reconciler keeps the generated NetworkPolicies of every namespace.
type Reconciler struct {
	// Client reads through the manager's cache. The cache holds only the
	// generated NetworkPolicies (see GeneratedSelector).
	Client client.Client
	// Reader reads kube-apiserver directly, to tell a policy written by
	// hand from a generated one the cache has not seen yet.
	Reader client.Reader
	// SystemNamespaces may always reach isolated pods: DNS, the ingress
	// controller, the monitoring stack and any the administrator adds.
	SystemNamespaces []string
}

// GeneratedSelector selects the generated NetworkPolicies; the manager's
// cache holds only those.
func GeneratedSelector() map[string]string {
	return map[string]string{networkv1alpha1.GeneratedByLabel: networkv1alpha1.GeneratedBy}
}

// SetupWithManager registers the reconciler. Its requests are namespaces.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil {
		return errors.New("networkisolation: Client and Reader are required")
	}
	toNamespace := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
		return []ctrl.Request{{NamespacedName: types.NamespacedName{Name: o.GetNamespace()}}}
	})
	generated, err := predicate.LabelSelectorPredicate(metav1.LabelSelector{MatchLabels: GeneratedSelector()})
	if err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("networkisolation").
		For(&corev1.Namespace{}).
		Watches(&networkv1alpha1.NetworkIsolation{}, toNamespace).
		Watches(&networkingv1.NetworkPolicy{}, toNamespace, builder.WithPredicates(generated)).
		Watches(&tenantv1beta1.Workspace{}, handler.EnqueueRequestsFromMapFunc(r.workspaceNamespaces)).
		Complete(r)
}

// workspaceNamespaces maps a workspace to its namespaces.
func (r *Reconciler) workspaceNamespaces(ctx context.Context, o client.Object) []ctrl.Request {
	list := &corev1.NamespaceList{}
	if err := r.Client.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: o.GetName()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing the workspace's namespaces", "workspace", o.GetName())
		return nil
	}
	reqs := make([]ctrl.Request, 0, len(list.Items))
	for _, ns := range list.Items {
		reqs = append(reqs, ctrl.Request{NamespacedName: types.NamespacedName{Name: ns.Name}})
	}
	return reqs
}

// Reconcile brings the generated policy of one namespace in line.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	ns := &corev1.Namespace{}
	if err := r.Client.Get(ctx, req.NamespacedName, ns); err != nil {
		// A deleted namespace takes its policies with it.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ns.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	iso := &networkv1alpha1.NetworkIsolation{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: ns.Name, Name: networkv1alpha1.SingletonName}, iso); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		iso = nil
	} else if !iso.DeletionTimestamp.IsZero() {
		iso = nil
	}
	var ws *tenantv1beta1.Workspace
	if name := ns.Labels[tenantv1beta1.WorkspaceLabel]; name != "" {
		ws = &tenantv1beta1.Workspace{}
		if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, ws); err != nil {
			if !apierrors.IsNotFound(err) {
				return ctrl.Result{}, err
			}
			ws = nil
		}
	}

	d, owner := r.desired(iso, ws)
	conflict, err := r.apply(ctx, ns.Name, d, owner)
	var res ctrl.Result
	if conflict {
		// The cache does not see policies written by hand: look again later.
		res.RequeueAfter = conflictRecheck
		ctrl.LoggerFrom(ctx).Info("a network policy written by hand holds the generated policy's name; left alone", "policy", d.PolicyName())
	}
	if iso == nil {
		return res, err
	}
	return res, errors.Join(err, r.setStatus(ctx, iso, d, conflict, err))
}

// conflictRecheck is how soon a namespace whose generated policy's name is
// taken by a policy written by hand is looked at again.
const conflictRecheck = time.Minute

// desired says what isolates the namespace and which object owns its
// policy. A project's own isolation is narrower than its workspace's and
// wins; the project's allowed sources count under both.
func (r *Reconciler) desired(iso *networkv1alpha1.NetworkIsolation, ws *tenantv1beta1.Workspace) (Desired, *metav1.OwnerReference) {
	d := Desired{Isolation: networkv1alpha1.IsolationNone, SystemNamespaces: r.SystemNamespaces}
	if iso != nil {
		d.Sources = iso.Spec.AllowedSources
	}
	switch {
	case iso != nil && iso.Spec.Enabled:
		d.Isolation = networkv1alpha1.IsolationProject
		return d, ownerRef(networkv1alpha1.GroupVersion.String(), "NetworkIsolation", iso)
	case ws != nil && ws.Spec.NetworkIsolation && ws.DeletionTimestamp.IsZero():
		d.Isolation, d.Workspace = networkv1alpha1.IsolationWorkspace, ws.Name
		return d, ownerRef(tenantv1beta1.GroupVersion.String(), "Workspace", ws)
	}
	return d, nil
}

// ownerRef makes o the controller of a generated policy. It does not block
// the owner's deletion, which would need rights on its finalizers.
func ownerRef(apiVersion, kind string, o client.Object) *metav1.OwnerReference {
	return &metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: o.GetName(), UID: o.GetUID(),
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(false)}
}

// generatedNames are the only names this controller ever writes or deletes.
var generatedNames = []string{networkv1alpha1.ProjectPolicyName, networkv1alpha1.WorkspacePolicyName}

// apply creates or repairs the desired policy and deletes the other
// generated one. It returns conflict when a policy written by hand holds
// the desired policy's name (it is left alone).
func (r *Reconciler) apply(ctx context.Context, ns string, d Desired, owner *metav1.OwnerReference) (conflict bool, err error) {
	want := d.Policy(ns)
	for _, name := range generatedNames {
		if want != nil && name == want.Name {
			continue
		}
		if err := r.deleteGenerated(ctx, ns, name); err != nil {
			return false, err
		}
	}
	if want == nil {
		return false, nil
	}
	want.OwnerReferences = []metav1.OwnerReference{*owner}
	have := &networkingv1.NetworkPolicy{}
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: want.Name}, have)
	switch {
	case apierrors.IsNotFound(err):
		err = r.Client.Create(ctx, want)
		if apierrors.IsAlreadyExists(err) {
			return r.handWritten(ctx, ns, want.Name)
		}
		return false, err
	case err != nil:
		return false, err
	}
	if equality.Semantic.DeepEqual(have.Spec, want.Spec) && equality.Semantic.DeepEqual(have.OwnerReferences, want.OwnerReferences) &&
		labelsHold(have.Labels, want.Labels) {
		return false, nil
	}
	have.Spec = want.Spec
	have.OwnerReferences = want.OwnerReferences
	if have.Labels == nil {
		have.Labels = map[string]string{}
	}
	for k, v := range want.Labels {
		have.Labels[k] = v
	}
	return false, r.Client.Update(ctx, have)
}

// labelsHold says whether have carries every label of want.
func labelsHold(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// handWritten tells, after a create found the name taken, whether the
// policy there was written by hand (a conflict) or generated and not yet in
// the cache (retry).
func (r *Reconciler) handWritten(ctx context.Context, ns, name string) (bool, error) {
	p := &networkingv1.NetworkPolicy{}
	if err := r.Reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, p); err != nil {
		return false, err
	}
	if isGenerated(p) {
		return false, fmt.Errorf("network policy %s/%s is not in the cache yet", ns, name)
	}
	return true, nil
}

// isGenerated says whether p is a policy this controller generated.
func isGenerated(p *networkingv1.NetworkPolicy) bool {
	return p.Labels[networkv1alpha1.GeneratedByLabel] == networkv1alpha1.GeneratedBy
}

// deleteGenerated deletes the generated policy name of ns, if the cache has
// it (the cache holds generated policies only) and it still carries the
// label: the delete is preconditioned on the version read.
func (r *Reconciler) deleteGenerated(ctx context.Context, ns, name string) error {
	p := &networkingv1.NetworkPolicy{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, p); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !isGenerated(p) {
		return nil
	}
	err := r.Client.Delete(ctx, p, client.Preconditions{UID: &p.UID, ResourceVersion: &p.ResourceVersion})
	return client.IgnoreNotFound(err)
}

// setStatus records the namespace's isolation on its NetworkIsolation.
func (r *Reconciler) setStatus(ctx context.Context, iso *networkv1alpha1.NetworkIsolation, d Desired, conflict bool, applyErr error) error {
	before := iso.DeepCopy()
	iso.Status.Isolation = d.Isolation
	iso.Status.Policy = d.PolicyName()
	ready, reason, message := true, networkv1alpha1.ReasonEnforced, fmt.Sprintf("network policy %s is in place", d.PolicyName())
	switch {
	case conflict:
		ready, reason = false, networkv1alpha1.ReasonPolicyConflict
		message = fmt.Sprintf("a network policy named %s that the platform did not generate exists; rename or delete it", d.PolicyName())
		iso.Status.Policy = ""
	case d.Isolation == networkv1alpha1.IsolationNone:
		reason, message = networkv1alpha1.ReasonNotIsolated, "neither the project nor its workspace is isolated"
	}
	conditions.Finish(&iso.Status.Conditions, &iso.Status.ObservedGeneration, iso.Generation, ready, reason, message, applyErr)
	if equality.Semantic.DeepEqual(before.Status, iso.Status) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Status().Update(ctx, iso))
}

package servicemesh

import (
	"context"
	"errors"
	"fmt"

	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
)

// SetupWithManager registers the reconciler, keyed by Service. Without
// Istio's CRDs on the cluster there is nothing to write: the controller is
// left out (and says so) rather than failing the manager on a watch that
// cannot start; installing Istio later needs a restart of the manager.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	if r.Client == nil || r.Reader == nil {
		return errors.New("servicemesh: Client and Reader are required")
	}
	for _, kind := range []string{"VirtualService", "DestinationRule"} {
		if _, err := mgr.GetRESTMapper().RESTMapping(networkingv1.SchemeGroupVersion.WithKind(kind).GroupKind(), networkingv1.SchemeGroupVersion.Version); err != nil {
			if meta.IsNoMatchError(err) {
				mgr.GetLogger().Info("Istio's networking.istio.io/v1 CRDs are not installed: strategies and service policies are not compiled", "missing", kind)
				return nil
			}
			return fmt.Errorf("servicemesh: looking up %s: %w", kind, err)
		}
	}
	ctx := context.Background()
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &meshv1.Strategy{}, serviceField, func(o client.Object) []string {
		return []string{o.(*meshv1.Strategy).Spec.Service}
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &meshv1.ServicePolicy{}, serviceField, func(o client.Object) []string {
		return []string{o.(*meshv1.ServicePolicy).Spec.Service}
	}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("servicemesh").
		Watches(&corev1.Service{}, &handler.EnqueueRequestForObject{}).
		Watches(&meshv1.Strategy{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.(*meshv1.Strategy).Spec.Service}}}
		})).
		Watches(&meshv1.ServicePolicy{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: o.(*meshv1.ServicePolicy).Spec.Service}}}
		})).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.podServices), builder.WithPredicates(podChanged())).
		Watches(&networkingv1.VirtualService{}, handler.EnqueueRequestsFromMapFunc(r.routedServices)).
		Watches(&networkingv1.DestinationRule{}, handler.EnqueueRequestsFromMapFunc(r.routedServices)).
		Complete(r)
}

// meshServices are the Services of a namespace that a Strategy or a
// ServicePolicy names: the only ones a pod or a hand-written object can
// matter to.
func (r *Reconciler) meshServices(ctx context.Context, ns string) map[string]bool {
	out := map[string]bool{}
	var strategies meshv1.StrategyList
	if err := r.Client.List(ctx, &strategies, client.InNamespace(ns)); err == nil {
		for _, s := range strategies.Items {
			out[s.Spec.Service] = true
		}
	}
	var policies meshv1.ServicePolicyList
	if err := r.Client.List(ctx, &policies, client.InNamespace(ns)); err == nil {
		for _, p := range policies.Items {
			out[p.Spec.Service] = true
		}
	}
	return out
}

// podServices maps a pod to the mesh Services that select it.
func (r *Reconciler) podServices(ctx context.Context, o client.Object) []reconcile.Request {
	var out []reconcile.Request
	for name := range r.meshServices(ctx, o.GetNamespace()) {
		svc := &corev1.Service{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: o.GetNamespace(), Name: name}, svc); err != nil || len(svc.Spec.Selector) == 0 {
			continue
		}
		if labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(o.GetLabels())) {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}})
		}
	}
	return out
}

// routedServices maps a VirtualService or DestinationRule to the Service
// it was generated for, or, when hand-written, to the mesh Services it may
// be in conflict with (by name or host).
func (r *Reconciler) routedServices(ctx context.Context, o client.Object) []reconcile.Request {
	ns := o.GetNamespace()
	if generated(o.GetLabels()) {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: o.GetLabels()[meshv1.ServiceLabel]}}}
	}
	var hosts []string
	switch x := o.(type) {
	case *networkingv1.VirtualService:
		hosts = x.Spec.Hosts
	case *networkingv1.DestinationRule:
		hosts = []string{x.Spec.Host}
	}
	var out []reconcile.Request
	for name := range r.meshServices(ctx, ns) {
		if o.GetName() == name || coversAny(hosts, name, ns) {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}})
		}
	}
	return out
}

// podChanged passes the pod events that change a version's count: a new
// or deleted pod, a change of labels, phase or deletion.
func podChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			a, okA := e.ObjectOld.(*corev1.Pod)
			b, okB := e.ObjectNew.(*corev1.Pod)
			if !okA || !okB {
				return true
			}
			return a.Status.Phase != b.Status.Phase || !labels.Equals(a.Labels, b.Labels) || a.DeletionTimestamp.IsZero() != b.DeletionTimestamp.IsZero()
		},
	}
}

// Package servicemesh compiles each Service's Strategy and ServicePolicy
// (servicemesh.superkube.io) into the one VirtualService and the one
// DestinationRule named after the Service (internal/servicemesh/compile),
// writes them when Istio's rules hold and no hand-written object routes
// the Service, scales the losing version of a decided strategy to 0, and
// reports all of it in the objects' status. It reconciles per Service, so
// a strategy and a policy of one Service never write against each other.
package servicemesh

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"google.golang.org/protobuf/proto"
	networkingv1 "istio.io/client-go/pkg/apis/networking/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/servicemesh/compile"
)

// serviceField indexes Strategies and ServicePolicies by spec.service.
const serviceField = "spec.service"

// Reconciler keeps the generated VirtualService and DestinationRule of
// each Service that has a Strategy or a ServicePolicy.
type Reconciler struct {
	Client client.Client
	// Reader reads the workloads (Deployments, StatefulSets) straight
	// from kube-apiserver: they are looked at only for the Services that
	// have a strategy, which does not warrant caching every one.
	Reader client.Reader
	// Clock; nil is the real one.
	Clock clock.PassiveClock
}

// +kubebuilder:rbac:groups=servicemesh.superkube.io,resources=strategies;servicepolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=servicemesh.superkube.io,resources=strategies/status;servicepolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=networking.istio.io,resources=virtualservices;destinationrules,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=services;pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets,verbs=get;list;patch

func (r *Reconciler) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// Reconcile brings one Service's generated objects in line. Status writes
// carry the resourceVersion the object was read at (as in pipelinerun): a
// stale read from the cache ends in a conflict, retried a second later.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	err := r.reconcile(ctx, req.Namespace, req.Name)
	if apierrors.IsConflict(err) {
		return reconcile.Result{RequeueAfter: time.Second}, nil
	}
	return reconcile.Result{}, err
}

// state is what one reconcile found for a Service.
type state struct {
	ns, svc    string
	service    *corev1.Service
	strategy   *meshv1.Strategy   // the one that routes, if any
	others     []*meshv1.Strategy // undecided ones that lost to strategy
	policy     *meshv1.ServicePolicy
	extra      []*meshv1.ServicePolicy // policies beyond the first
	versions   map[string]compile.Version
	deployment map[string][]appsv1.Deployment  // by version value
	stateful   map[string][]appsv1.StatefulSet // by version value
}

func (r *Reconciler) reconcile(ctx context.Context, ns, svc string) error {
	st := &state{ns: ns, svc: svc}
	if err := r.load(ctx, st); err != nil {
		return err
	}
	if st.strategy == nil && st.policy == nil {
		// Nothing asks for routing any more: what was generated goes
		// (the garbage collector would too, by the owner references;
		// this does not wait for it and works without it).
		return r.removeGenerated(ctx, ns, svc)
	}
	var errs []error
	for _, s := range st.others {
		errs = append(errs, r.conflictStrategy(ctx, s, st.strategy))
	}
	for _, p := range st.extra {
		errs = append(errs, r.conflictPolicy(ctx, p, st.policy))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var outcome *compile.Error
	var out *compile.Output
	conflict, err := r.conflict(ctx, st)
	if err != nil {
		return err
	}
	if conflict != "" {
		outcome = &compile.Error{Reason: meshv1.ReasonConflict, Message: conflict}
	} else {
		out, err = compile.Compile(compile.Input{Service: st.service, Versions: st.versions, Strategy: st.strategy, Policy: st.policy})
		if err != nil && !errors.As(err, &outcome) {
			return err
		}
	}
	if outcome == nil {
		if err := r.write(ctx, st, out); err != nil {
			return err
		}
		if err := r.scaleLoser(ctx, st); err != nil {
			return err
		}
	}
	return errors.Join(r.strategyStatus(ctx, st, out, outcome), r.policyStatus(ctx, st, out, outcome))
}

// load reads the Service, its strategies and policies, its pods' versions
// and its workloads.
func (r *Reconciler) load(ctx context.Context, st *state) error {
	var strategies meshv1.StrategyList
	if err := r.Client.List(ctx, &strategies, client.InNamespace(st.ns), client.MatchingFields{serviceField: st.svc}); err != nil {
		return err
	}
	var policies meshv1.ServicePolicyList
	if err := r.Client.List(ctx, &policies, client.InNamespace(st.ns), client.MatchingFields{serviceField: st.svc}); err != nil {
		return err
	}
	pickStrategy(st, strategies.Items)
	var live []*meshv1.ServicePolicy
	for i := range policies.Items {
		if policies.Items[i].DeletionTimestamp.IsZero() {
			live = append(live, &policies.Items[i])
		}
	}
	sortOldestFirst(live)
	if len(live) > 0 {
		st.policy, st.extra = live[0], live[1:]
	}
	if st.strategy == nil && st.policy == nil {
		return nil
	}
	svc := &corev1.Service{}
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: st.ns, Name: st.svc}, svc); err != nil {
		if !apierrors.IsNotFound(err) {
			return err
		}
	} else {
		st.service = svc
	}
	if st.service == nil || st.strategy == nil || len(st.service.Spec.Selector) == 0 {
		return nil
	}
	return r.loadVersions(ctx, st)
}

// pickStrategy chooses the strategy that routes: the oldest undecided one
// (a second undecided one is in conflict), else the newest decided one,
// which keeps its winner routed.
func pickStrategy(st *state, items []meshv1.Strategy) {
	var undecided, decided []*meshv1.Strategy
	for i := range items {
		s := &items[i]
		if !s.DeletionTimestamp.IsZero() {
			continue
		}
		if s.Spec.Decision == "" {
			undecided = append(undecided, s)
		} else {
			decided = append(decided, s)
		}
	}
	sortOldestFirst(undecided)
	sortOldestFirst(decided)
	switch {
	case len(undecided) > 0:
		st.strategy, st.others = undecided[0], undecided[1:]
	case len(decided) > 0:
		st.strategy = decided[len(decided)-1]
	}
}

func sortOldestFirst[T client.Object](objs []T) {
	sort.SliceStable(objs, func(i, j int) bool {
		ti, tj := objs[i].GetCreationTimestamp(), objs[j].GetCreationTimestamp()
		if !ti.Equal(&tj) {
			return ti.Before(&tj)
		}
		return objs[i].GetName() < objs[j].GetName()
	})
}

// loadVersions counts the running pods of the Service by version and finds
// the workloads whose pod template the Service selects, by version: those
// are the owners of the version's pods, found even when scaled to 0.
func (r *Reconciler) loadVersions(ctx context.Context, st *state) error {
	label := compile.VersionLabel(&st.strategy.Spec)
	sel := labels.SelectorFromSet(st.service.Spec.Selector)
	var pods corev1.PodList
	if err := r.Client.List(ctx, &pods, client.InNamespace(st.ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
		return err
	}
	st.versions = map[string]compile.Version{}
	for i := range pods.Items {
		p := &pods.Items[i]
		v, ok := p.Labels[label]
		if !ok || !p.DeletionTimestamp.IsZero() || p.Status.Phase != corev1.PodRunning {
			continue
		}
		ver := st.versions[v]
		ver.Pods++
		st.versions[v] = ver
	}
	st.deployment, st.stateful = map[string][]appsv1.Deployment{}, map[string][]appsv1.StatefulSet{}
	var deps appsv1.DeploymentList
	if err := r.Reader.List(ctx, &deps, client.InNamespace(st.ns)); err != nil {
		return err
	}
	for _, d := range deps.Items {
		if v, ok := d.Spec.Template.Labels[label]; ok && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			st.deployment[v] = append(st.deployment[v], d)
		}
	}
	var sets appsv1.StatefulSetList
	if err := r.Reader.List(ctx, &sets, client.InNamespace(st.ns)); err != nil {
		return err
	}
	for _, s := range sets.Items {
		if v, ok := s.Spec.Template.Labels[label]; ok && sel.Matches(labels.Set(s.Spec.Template.Labels)) {
			st.stateful[v] = append(st.stateful[v], s)
		}
	}
	for v, ds := range st.deployment {
		ver := st.versions[v]
		for _, d := range ds {
			ver.Workloads = append(ver.Workloads, meshv1.WorkloadStatus{Kind: "Deployment", Name: d.Name, Replicas: replicas(d.Spec.Replicas), ReadyReplicas: d.Status.ReadyReplicas})
		}
		st.versions[v] = ver
	}
	for v, ss := range st.stateful {
		ver := st.versions[v]
		for _, s := range ss {
			ver.Workloads = append(ver.Workloads, meshv1.WorkloadStatus{Kind: "StatefulSet", Name: s.Name, Replicas: replicas(s.Spec.Replicas), ReadyReplicas: s.Status.ReadyReplicas})
		}
		st.versions[v] = ver
	}
	return nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// conflict names a hand-written VirtualService or DestinationRule of the
// namespace that routes the Service's host or holds one of the names the
// generated objects take; "" when there is none.
func (r *Reconciler) conflict(ctx context.Context, st *state) (string, error) {
	var vss networkingv1.VirtualServiceList
	if err := r.Client.List(ctx, &vss, client.InNamespace(st.ns)); err != nil {
		return "", err
	}
	for _, vs := range vss.Items {
		if !generated(vs.Labels) && (vs.Name == st.svc || coversAny(vs.Spec.Hosts, st.svc, st.ns)) {
			return fmt.Sprintf("the VirtualService %s, not generated by the platform, routes the host of Service %s; delete it or the strategy and policy", vs.Name, st.svc), nil
		}
	}
	var drs networkingv1.DestinationRuleList
	if err := r.Client.List(ctx, &drs, client.InNamespace(st.ns)); err != nil {
		return "", err
	}
	for _, dr := range drs.Items {
		if !generated(dr.Labels) && (dr.Name == st.svc || compile.HostCovers(dr.Spec.Host, st.svc, st.ns)) {
			return fmt.Sprintf("the DestinationRule %s, not generated by the platform, applies to the host of Service %s; delete it or the strategy and policy", dr.Name, st.svc), nil
		}
	}
	return "", nil
}

func generated(l map[string]string) bool { return l[meshv1.ManagedByLabel] == meshv1.ManagedByValue }

func coversAny(hosts []string, svc, ns string) bool {
	return slices.ContainsFunc(hosts, func(h string) bool { return compile.HostCovers(h, svc, ns) })
}

// owners are the owner references of the generated objects: the routing
// strategy and the policy. They are not controller references, since two
// objects own the result; the garbage collector deletes it when both are
// gone.
func owners(st *state) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	if s := st.strategy; s != nil {
		out = append(out, metav1.OwnerReference{APIVersion: meshv1.GroupVersion.String(), Kind: "Strategy", Name: s.Name, UID: s.UID})
	}
	if p := st.policy; p != nil {
		out = append(out, metav1.OwnerReference{APIVersion: meshv1.GroupVersion.String(), Kind: "ServicePolicy", Name: p.Name, UID: p.UID})
	}
	return out
}

// write creates or updates the generated objects, and deletes a generated
// VirtualService no longer needed. Only objects carrying the managed-by
// label are ever changed (conflict checked that the names are free). The
// specs are protobuf messages, compared with proto.Equal: reflection would
// also see their internal state, which differs between a decoded and a
// built message.
func (r *Reconciler) write(ctx context.Context, st *state, out *compile.Output) error {
	refs := owners(st)
	dr := out.DestinationRule
	dr.OwnerReferences = refs
	cur := &networkingv1.DestinationRule{}
	switch err := r.Client.Get(ctx, client.ObjectKeyFromObject(dr), cur); {
	case apierrors.IsNotFound(err):
		if err := r.Client.Create(ctx, dr); err != nil {
			return err
		}
	case err != nil:
		return err
	case !generated(cur.Labels):
		return fmt.Errorf("the DestinationRule %s is not ours", cur.Name)
	case !equality.Semantic.DeepEqual(cur.Labels, dr.Labels) || !equality.Semantic.DeepEqual(cur.OwnerReferences, refs) || !proto.Equal(&cur.Spec, &dr.Spec):
		before := cur.DeepCopy()
		cur.Labels, cur.OwnerReferences = dr.Labels, refs
		dr.Spec.DeepCopyInto(&cur.Spec)
		if err := r.Client.Patch(ctx, cur, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			return err
		}
	}
	curVS := &networkingv1.VirtualService{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: st.ns, Name: st.svc}, curVS)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	exists := err == nil
	if exists && !generated(curVS.Labels) {
		return fmt.Errorf("the VirtualService %s is not ours", curVS.Name)
	}
	vs := out.VirtualService
	switch {
	case vs == nil && exists:
		return client.IgnoreNotFound(r.Client.Delete(ctx, curVS, client.Preconditions{UID: &curVS.UID}))
	case vs == nil:
		return nil
	case !exists:
		vs.OwnerReferences = refs
		return r.Client.Create(ctx, vs)
	case !equality.Semantic.DeepEqual(curVS.Labels, vs.Labels) || !equality.Semantic.DeepEqual(curVS.OwnerReferences, refs) || !proto.Equal(&curVS.Spec, &vs.Spec):
		before := curVS.DeepCopy()
		curVS.Labels, curVS.OwnerReferences = vs.Labels, refs
		vs.Spec.DeepCopyInto(&curVS.Spec)
		return r.Client.Patch(ctx, curVS, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	}
	return nil
}

// removeGenerated deletes the Service's generated objects.
func (r *Reconciler) removeGenerated(ctx context.Context, ns, svc string) error {
	sel := client.MatchingLabels{meshv1.ManagedByLabel: meshv1.ManagedByValue, meshv1.ServiceLabel: svc}
	var vss networkingv1.VirtualServiceList
	if err := r.Client.List(ctx, &vss, client.InNamespace(ns), sel); err != nil {
		return err
	}
	for i := range vss.Items {
		if err := client.IgnoreNotFound(r.Client.Delete(ctx, vss.Items[i])); err != nil {
			return err
		}
	}
	var drs networkingv1.DestinationRuleList
	if err := r.Client.List(ctx, &drs, client.InNamespace(ns), sel); err != nil {
		return err
	}
	for i := range drs.Items {
		if err := client.IgnoreNotFound(r.Client.Delete(ctx, drs.Items[i])); err != nil {
			return err
		}
	}
	return nil
}

// scaleLoser scales the losing version's workloads of a decided strategy
// to 0, once every request goes to the winner (the objects were written
// before). Done again on every reconcile, so a loser scaled back up by
// hand goes down again while the decision stands.
func (r *Reconciler) scaleLoser(ctx context.Context, st *state) error {
	s := st.strategy
	if s == nil || s.Spec.Decision == "" {
		return nil
	}
	loser := s.Spec.Principal
	if s.Spec.Decision == meshv1.Rollback {
		loser = s.Spec.Canary
	}
	zero := int32(0)
	for i := range st.deployment[loser] {
		d := &st.deployment[loser][i]
		if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
			continue
		}
		before := d.DeepCopy()
		d.Spec.Replicas = &zero
		if err := r.Client.Patch(ctx, d, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			return err
		}
		log.FromContext(ctx).Info("scaled the losing version to 0", "strategy", s.Name, "deployment", d.Name)
	}
	for i := range st.stateful[loser] {
		ss := &st.stateful[loser][i]
		if ss.Spec.Replicas != nil && *ss.Spec.Replicas == 0 {
			continue
		}
		before := ss.DeepCopy()
		ss.Spec.Replicas = &zero
		if err := r.Client.Patch(ctx, ss, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			return err
		}
		log.FromContext(ctx).Info("scaled the losing version to 0", "strategy", s.Name, "statefulset", ss.Name)
	}
	// The status written next shows the workloads as they are now.
	if v, ok := st.versions[loser]; ok {
		for i := range v.Workloads {
			v.Workloads[i].Replicas = 0
		}
	}
	return nil
}

// strategyStatus writes the routing strategy's status.
func (r *Reconciler) strategyStatus(ctx context.Context, st *state, out *compile.Output, failure *compile.Error) error {
	s := st.strategy
	if s == nil {
		return nil
	}
	before := s.DeepCopy()
	s.Status.Versions = nil
	for _, v := range []string{s.Spec.Principal, s.Spec.Canary} {
		vs := meshv1.VersionStatus{Name: v, Pods: st.versions[v].Pods, Workloads: st.versions[v].Workloads}
		if out != nil {
			vs.Weight = out.Weights[v]
		} else if i := slices.IndexFunc(before.Status.Versions, func(o meshv1.VersionStatus) bool { return o.Name == v }); i >= 0 {
			// Nothing was written: the weights in force stay those of
			// the last objects written.
			vs.Weight = before.Status.Versions[i].Weight
		}
		s.Status.Versions = append(s.Status.Versions, vs)
	}
	if failure == nil {
		s.Status.Field = ""
		s.Status.VirtualService, s.Status.DestinationRule = out.VirtualService.Name, out.DestinationRule.Name
		switch s.Spec.Decision {
		case meshv1.Promote:
			s.Status.Phase = meshv1.StrategyPromoted
		case meshv1.Rollback:
			s.Status.Phase = meshv1.StrategyRolledBack
		default:
			s.Status.Phase = meshv1.StrategyProgressing
		}
		if s.Spec.Decision != "" && s.Status.DecidedAt == nil {
			now := metav1.NewTime(r.now())
			s.Status.DecidedAt = &now
		}
		conditions.SetReady(&s.Status.Conditions, s.Generation, true, meshv1.ReasonApplied, "the VirtualService and DestinationRule "+st.svc+" route the Service as the strategy says")
	} else {
		s.Status.Field = ""
		if failure.Of != compile.OfPolicy {
			s.Status.Field = failure.Field
		}
		s.Status.Phase = meshv1.StrategyFailed
		if failure.Reason == meshv1.ReasonNoPods {
			s.Status.Phase = meshv1.StrategyPending
		}
		msg := failure.Error()
		if failure.Of == compile.OfPolicy {
			msg = "the ServicePolicy " + st.policy.Name + " of the Service: " + msg
		}
		conditions.SetReady(&s.Status.Conditions, s.Generation, false, failure.Reason, msg)
	}
	s.Status.ObservedGeneration = s.Generation
	return r.patchStatus(ctx, s, before, &before.Status, &s.Status)
}

// policyStatus writes the policy's status.
func (r *Reconciler) policyStatus(ctx context.Context, st *state, out *compile.Output, failure *compile.Error) error {
	p := st.policy
	if p == nil {
		return nil
	}
	before := p.DeepCopy()
	p.Status.Field = ""
	if failure == nil {
		p.Status.VirtualService = ""
		if out.VirtualService != nil {
			p.Status.VirtualService = out.VirtualService.Name
		}
		p.Status.DestinationRule = out.DestinationRule.Name
		conditions.SetReady(&p.Status.Conditions, p.Generation, true, meshv1.ReasonApplied, "the generated objects of Service "+st.svc+" carry the policy")
	} else {
		msg := failure.Error()
		if failure.Of == compile.OfStrategy {
			msg = "the Strategy " + st.strategy.Name + " of the Service: " + msg
		} else {
			p.Status.Field = failure.Field
		}
		conditions.SetReady(&p.Status.Conditions, p.Generation, false, failure.Reason, msg)
	}
	p.Status.ObservedGeneration = p.Generation
	return r.patchStatus(ctx, p, before, &before.Status, &p.Status)
}

// conflictStrategy fails an undecided strategy that came after the one
// that routes the same Service.
func (r *Reconciler) conflictStrategy(ctx context.Context, s, winner *meshv1.Strategy) error {
	before := s.DeepCopy()
	s.Status.Phase, s.Status.Field = meshv1.StrategyFailed, "spec.service"
	s.Status.VirtualService, s.Status.DestinationRule = "", ""
	conditions.SetReady(&s.Status.Conditions, s.Generation, false, meshv1.ReasonConflict,
		fmt.Sprintf("the Strategy %s, older and undecided, already routes Service %s: decide or delete it first", winner.Name, s.Spec.Service))
	s.Status.ObservedGeneration = s.Generation
	return r.patchStatus(ctx, s, before, &before.Status, &s.Status)
}

// conflictPolicy fails a policy beyond the first of a Service.
func (r *Reconciler) conflictPolicy(ctx context.Context, p, winner *meshv1.ServicePolicy) error {
	before := p.DeepCopy()
	p.Status.Field, p.Status.VirtualService, p.Status.DestinationRule = "spec.service", "", ""
	conditions.SetReady(&p.Status.Conditions, p.Generation, false, meshv1.ReasonConflict,
		fmt.Sprintf("the ServicePolicy %s, older, already applies to Service %s: a Service has one policy", winner.Name, p.Spec.Service))
	p.Status.ObservedGeneration = p.Generation
	return r.patchStatus(ctx, p, before, &before.Status, &p.Status)
}

// patchStatus writes a status that changed, failing on a stale read.
func (r *Reconciler) patchStatus(ctx context.Context, obj, before client.Object, old, cur any) error {
	if equality.Semantic.DeepEqual(old, cur) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Status().Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})))
}

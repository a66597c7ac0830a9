// Package alertrules compiles the alerting API's rule groups (RuleGroup,
// ClusterRuleGroup, GlobalRuleGroup) into Prometheus rule files, one per
// group, and makes Prometheus reload them; where the Prometheus Operator's
// PrometheusRule CRD is installed it also writes one PrometheusRule per
// group. A group that does not validate keeps its last good rules and gets
// Ready=False (Invalid) with the parser's message; a group is Ready=True
// (Loaded) once Prometheus reloaded with its file. It also creates the
// built-in GlobalRuleGroups.
package alertrules

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/prometheus/model/rulefmt"
	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/rules"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

// +kubebuilder:rbac:groups=alerting.superkube.io,resources=rulegroups;clusterrulegroups;globalrulegroups,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=alerting.superkube.io,resources=rulegroups/status;clusterrulegroups/status;globalrulegroups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=alerting.superkube.io,resources=rulegroups/finalizers;clusterrulegroups/finalizers;globalrulegroups/finalizers,verbs=update
// +kubebuilder:rbac:groups=monitoring.coreos.com,resources=prometheusrules,verbs=get;list;watch;create;update;patch;delete

// PrometheusRuleGVK is the Prometheus Operator's rule object.
var PrometheusRuleGVK = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "PrometheusRule"}

// Labels of the PrometheusRule objects written for rule groups.
const (
	// ManagedByLabel is ke-controller-manager on every PrometheusRule it writes.
	ManagedByLabel = "app.kubernetes.io/managed-by"
	managedBy      = "ke-controller-manager"
	// LevelLabel is the level of the group a PrometheusRule was written for.
	LevelLabel = "alerting.superkube.io/level"
)

// Reconciler reconciles the rule groups of the three levels.
type Reconciler struct {
	Client client.Client
	// Reloader writes the rule files and reloads Prometheus; nil writes no
	// file (PrometheusRule objects only).
	Reloader *Reloader
	// PrometheusRules writes a PrometheusRule object per group where the
	// CRD is installed: in the group's namespace for a project's group, in
	// SystemNamespace for the others.
	PrometheusRules bool
	SystemNamespace string

	mapper meta.RESTMapper
	events map[string]chan event.GenericEvent

	crdMu      sync.Mutex
	crdChecked time.Time
	crdFound   bool
}

// kind is one of the three kinds of rule group.
type kind struct {
	level string
	new   func() client.Object
	list  func() client.ObjectList
}

var kinds = []kind{
	{alertingv2beta1.LevelProject, func() client.Object { return &alertingv2beta1.RuleGroup{} },
		func() client.ObjectList { return &alertingv2beta1.RuleGroupList{} }},
	{alertingv2beta1.LevelCluster, func() client.Object { return &alertingv2beta1.ClusterRuleGroup{} },
		func() client.ObjectList { return &alertingv2beta1.ClusterRuleGroupList{} }},
	{alertingv2beta1.LevelGlobal, func() client.Object { return &alertingv2beta1.GlobalRuleGroup{} },
		func() client.ObjectList { return &alertingv2beta1.GlobalRuleGroupList{} }},
}

// parts are the spec and status of a rule group of any level.
func (kind) parts(o client.Object) (*alertingv2beta1.RuleGroupSpec, *alertingv2beta1.RuleGroupStatus) {
	g := o.(alertingv2beta1.Object)
	return g.GroupSpec(), g.GroupStatus()
}

// SetupWithManager registers a controller per kind, and the reloader.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || (r.Reloader == nil && !r.PrometheusRules) || r.SystemNamespace == "" {
		return errors.New("alertrules: Client, SystemNamespace and a Reloader or PrometheusRules are required")
	}
	r.mapper = mgr.GetRESTMapper()
	r.events = map[string]chan event.GenericEvent{}
	for _, k := range kinds {
		ch := make(chan event.GenericEvent, 1024)
		r.events[k.level] = ch
		err := ctrl.NewControllerManagedBy(mgr).Named("alertrules-" + k.level).For(k.new()).
			WatchesRawSource(source.Channel(ch, &handler.EnqueueRequestForObject{})).
			Complete(reconcileFunc(func(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
				return r.reconcile(ctx, k, req)
			}))
		if err != nil {
			return err
		}
	}
	if r.Reloader != nil {
		r.Reloader.notify = r.requeue
		if err := mgr.Add(r.Reloader); err != nil {
			return err
		}
		return mgr.Add(&sweeper{reader: mgr.GetAPIReader(), reloader: r.Reloader})
	}
	return nil
}

type reconcileFunc func(context.Context, ctrl.Request) (ctrl.Result, error)

func (f reconcileFunc) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	return f(ctx, req)
}

// requeue reconciles a group again (the reloader calls it).
func (r *Reconciler) requeue(k Key) {
	ch := r.events[k.Level]
	if ch == nil {
		return
	}
	for _, kd := range kinds {
		if kd.level == k.Level {
			o := kd.new()
			o.SetNamespace(k.Namespace)
			o.SetName(k.Name)
			go func() { ch <- event.GenericEvent{Object: o} }()
		}
	}
}

func (r *Reconciler) reconcile(ctx context.Context, k kind, req ctrl.Request) (ctrl.Result, error) {
	key := Key{Level: k.level, Namespace: req.Namespace, Name: req.Name}
	obj := k.new()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		// Deleted: its file goes (its PrometheusRule is owned by it).
		if r.Reloader != nil {
			if _, _, err := r.Reloader.Set(key, nil); err != nil {
				return ctrl.Result{}, err
			}
		}
		return ctrl.Result{}, nil
	}
	if obj.GetDeletionTimestamp() != nil {
		return ctrl.Result{}, nil
	}
	spec, status := k.parts(obj)
	before := obj.DeepCopyObject().(client.Object)
	gen := obj.GetGeneration()

	enabled := int32(0)
	for _, rl := range spec.Rules {
		if !rl.Disabled {
			enabled++
		}
	}
	if spec.Disabled {
		enabled = 0
	}
	var content []byte
	var group rulefmt.RuleGroup
	invalid := ""
	if enabled > 0 {
		if errs := rules.Validate(k.level, req.Namespace, spec); len(errs) > 0 {
			invalid = errs.ToAggregate().Error()
		} else if g, err := rules.Compile(k.level, req.Namespace, req.Name, spec); err != nil {
			invalid = err.Error()
		} else if b, err := rules.Marshal(g); err != nil {
			return ctrl.Result{}, err
		} else {
			// Validate ran Prometheus' rule parser on the same group.
			content, group = b, g
		}
	}

	var (
		ready  bool
		reason string
		msg    string
		count  int32
		err    error
	)
	switch {
	case invalid != "":
		reason = alertingv2beta1.ReasonInvalid
		msg = "the rules do not validate; the last good rules stay loaded: " + invalid
		if r.Reloader != nil {
			count = countRules(r.Reloader.Good(key))
		}
	default:
		ready, reason, msg, count = true, alertingv2beta1.ReasonLoaded, "", enabled
		if enabled == 0 {
			reason, msg = alertingv2beta1.ReasonDisabled, "no rule of the group is enabled, so none is loaded"
		}
		if r.PrometheusRules {
			written, werr := r.writePrometheusRule(ctx, obj, key, content, group)
			switch {
			case werr != nil:
				err = werr
				ready, reason = false, conditions.ReasonReconcileFailed
				msg = "writing the PrometheusRule: " + conditions.Message(werr)
			case !written && r.Reloader == nil:
				ready, reason = false, alertingv2beta1.ReasonReloadFailed
				msg = "no Prometheus takes the rules: ke-controller-manager has no alerting.rulesDir and the PrometheusRule CRD is not installed"
			}
		}
		if r.Reloader != nil && err == nil {
			outcome, failure, serr := r.Reloader.Set(key, content)
			switch {
			case serr != nil:
				err = serr
				ready, reason, msg = false, conditions.ReasonReconcileFailed, conditions.Message(serr)
			case outcome == Pending:
				// The reloader requeues the group once Prometheus reloaded.
				return ctrl.Result{}, nil
			case outcome == Failed:
				ready, reason, msg = false, alertingv2beta1.ReasonReloadFailed, failure
				count = countRules(r.Reloader.Good(key))
			}
		}
	}
	conditions.SetReady(&status.Conditions, gen, ready, reason, truncate(msg))
	if ready {
		status.ObservedGeneration = gen
	}
	status.Rules = count
	_, beforeStatus := k.parts(before)
	if !equality.Semantic.DeepEqual(beforeStatus, status) {
		if perr := r.Client.Status().Patch(ctx, obj, client.MergeFrom(before)); client.IgnoreNotFound(perr) != nil {
			return ctrl.Result{}, perr
		}
	}
	return ctrl.Result{}, err
}

// truncate bounds a condition message.
func truncate(s string) string {
	const maxMessage = 4096
	if len(s) > maxMessage {
		return s[:maxMessage] + "..."
	}
	return s
}

// countRules counts the rules of a rule file.
func countRules(file []byte) int32 {
	if file == nil {
		return 0
	}
	var gs rulefmt.RuleGroups
	if err := yaml.Unmarshal(file, &gs); err != nil {
		return 0
	}
	n := 0
	for _, g := range gs.Groups {
		n += len(g.Rules)
	}
	return int32(n)
}

// prometheusRuleName is the PrometheusRule of a group.
func (r *Reconciler) prometheusRuleName(k Key) types.NamespacedName {
	if k.Level == alertingv2beta1.LevelProject {
		return types.NamespacedName{Namespace: k.Namespace, Name: "superkube-" + k.Name}
	}
	return types.NamespacedName{Namespace: r.SystemNamespace, Name: "superkube-" + k.Level + "-" + k.Name}
}

// writePrometheusRule makes the group's PrometheusRule hold the group
// (content nil: no object), where the CRD is installed.
func (r *Reconciler) writePrometheusRule(ctx context.Context, owner client.Object, k Key, content []byte, g rulefmt.RuleGroup) (bool, error) {
	installed, err := r.crdInstalled()
	if err != nil || !installed {
		return false, err
	}
	return true, r.putPrometheusRule(ctx, owner, k, content, g)
}

// crdInstalled tells whether the PrometheusRule CRD is installed, asking
// discovery at most once a minute.
func (r *Reconciler) crdInstalled() (bool, error) {
	r.crdMu.Lock()
	defer r.crdMu.Unlock()
	if time.Since(r.crdChecked) < time.Minute {
		return r.crdFound, nil
	}
	_, err := r.mapper.RESTMapping(PrometheusRuleGVK.GroupKind(), PrometheusRuleGVK.Version)
	switch {
	case err == nil:
		r.crdFound = true
	case meta.IsNoMatchError(err):
		r.crdFound = false
	default:
		return false, err
	}
	r.crdChecked = time.Now()
	return r.crdFound, nil
}

func (r *Reconciler) putPrometheusRule(ctx context.Context, owner client.Object, k Key, content []byte, g rulefmt.RuleGroup) error {
	nn := r.prometheusRuleName(k)
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(PrometheusRuleGVK)
	err := r.Client.Get(ctx, nn, cur)
	exists := err == nil
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	if content == nil {
		if exists {
			return client.IgnoreNotFound(r.Client.Delete(ctx, cur))
		}
		return nil
	}
	gvk, err := apiutil.GVKForObject(owner, r.Client.Scheme())
	if err != nil {
		return err
	}
	want := &unstructured.Unstructured{}
	want.SetGroupVersionKind(PrometheusRuleGVK)
	want.SetNamespace(nn.Namespace)
	want.SetName(nn.Name)
	want.SetLabels(map[string]string{ManagedByLabel: managedBy, LevelLabel: k.Level})
	want.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind,
		Name: owner.GetName(), UID: owner.GetUID(), Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}})
	want.Object["spec"] = map[string]any{"groups": []any{groupObject(g)}}
	if !exists {
		return r.Client.Create(ctx, want)
	}
	if equality.Semantic.DeepEqual(cur.Object["spec"], want.Object["spec"]) &&
		equality.Semantic.DeepEqual(cur.GetLabels(), want.GetLabels()) {
		return nil
	}
	want.SetResourceVersion(cur.GetResourceVersion())
	return r.Client.Update(ctx, want)
}

// groupObject is a rule group as the PrometheusRule CRD has it.
func groupObject(g rulefmt.RuleGroup) map[string]any {
	rs := make([]any, 0, len(g.Rules))
	for _, rl := range g.Rules {
		m := map[string]any{"alert": rl.Alert, "expr": rl.Expr}
		if rl.For != 0 {
			m["for"] = rl.For.String()
		}
		if len(rl.Labels) > 0 {
			m["labels"] = stringMap(rl.Labels)
		}
		if len(rl.Annotations) > 0 {
			m["annotations"] = stringMap(rl.Annotations)
		}
		rs = append(rs, m)
	}
	out := map[string]any{"name": g.Name, "rules": rs}
	if g.Interval != 0 {
		out["interval"] = g.Interval.String()
	}
	return out
}

func stringMap(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// sweeper removes, once elected, the rule files of groups that were
// deleted while no controller watched.
type sweeper struct {
	reader   client.Reader
	reloader *Reloader
}

func (s *sweeper) NeedLeaderElection() bool { return true }

func (s *sweeper) Start(ctx context.Context) error {
	if err := s.reloader.init(); err != nil {
		return err
	}
	exists := map[Key]bool{}
	for _, k := range kinds {
		list := k.list()
		if err := s.reader.List(ctx, list); err != nil {
			return fmt.Errorf("listing the %s rule groups: %w", k.level, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return err
		}
		for _, o := range items {
			m, err := meta.Accessor(o)
			if err != nil {
				return err
			}
			exists[Key{Level: k.level, Namespace: m.GetNamespace(), Name: m.GetName()}] = true
		}
	}
	for _, key := range s.reloader.Files() {
		if !exists[key] {
			if _, _, err := s.reloader.Set(key, nil); err != nil {
				return err
			}
		}
	}
	<-ctx.Done()
	return nil
}

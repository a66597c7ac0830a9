package alerting

import (
	"context"
	"net/http"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/rules"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	alertingsvc "github.com/superkube/super-kubenetes/internal/services/alerting"
)

// level is one of the three kinds of rule group.
type level struct {
	name     string // project, cluster, global
	resource string
	kind     string
	newObj   func() client.Object
	newList  func() client.ObjectList
}

var levels = []level{
	{name: alertingv2beta1.LevelProject, resource: "rulegroups", kind: "RuleGroup",
		newObj:  func() client.Object { return &alertingv2beta1.RuleGroup{} },
		newList: func() client.ObjectList { return &alertingv2beta1.RuleGroupList{} }},
	{name: alertingv2beta1.LevelCluster, resource: "clusterrulegroups", kind: "ClusterRuleGroup",
		newObj:  func() client.Object { return &alertingv2beta1.ClusterRuleGroup{} },
		newList: func() client.ObjectList { return &alertingv2beta1.ClusterRuleGroupList{} }},
	{name: alertingv2beta1.LevelGlobal, resource: "globalrulegroups", kind: "GlobalRuleGroup",
		newObj:  func() client.Object { return &alertingv2beta1.GlobalRuleGroup{} },
		newList: func() client.ObjectList { return &alertingv2beta1.GlobalRuleGroupList{} }},
}

// spec is the spec of a rule group of any level.
func spec(o client.Object) *alertingv2beta1.RuleGroupSpec {
	return o.(alertingv2beta1.Object).GroupSpec()
}

// items are the rule groups of a list of any level.
func items(l client.ObjectList) ([]client.Object, error) {
	objs, err := meta.ExtractList(l)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(client.Object))
	}
	return out, nil
}

func (l level) gr() schema.GroupResource {
	return schema.GroupResource{Group: Group, Resource: l.resource}
}

// namespace is the path's project at project level, else "".
func (l level) namespace(r *http.Request) string {
	if l.name == alertingv2beta1.LevelProject {
		return r.PathValue("namespace")
	}
	return ""
}

// ruleGroupList is the list convention of the rule groups.
var ruleGroupList = listquery.Spec{SortBy: []string{"state"}, Filters: []string{"state", "builtin"}}

// states reads the rules' states; without Prometheus (or when it does not
// answer) every rule's health is unknown rather than the list failing.
func (h *Handler) states(ctx context.Context) map[alertingsvc.RuleKey]alertingsvc.RuleState {
	st, err := h.Service.RuleStates(ctx)
	if err != nil {
		return map[alertingsvc.RuleKey]alertingsvc.RuleState{}
	}
	return st
}

// item is the answer for one object: its status with the rules' states.
func (l level) item(o client.Object, states map[alertingsvc.RuleKey]alertingsvc.RuleState) *alertingsvc.RuleGroup {
	g := o.(alertingv2beta1.Object)
	spec := g.GroupSpec()
	out := &alertingsvc.RuleGroup{Spec: *spec, Status: alertingsvc.RuleGroupStatus{RuleGroupStatus: *g.GroupStatus()}}
	out.APIVersion, out.Kind = alertingv2beta1.GroupVersion.String(), l.kind
	if m, ok := g.(metav1.ObjectMetaAccessor).GetObjectMeta().(*metav1.ObjectMeta); ok {
		out.ObjectMeta = *m
	}
	out.ManagedFields = nil
	out.Status.RuleStates = alertingsvc.StatesOf(states, l.name, o.GetNamespace(), o.GetName(), spec)
	return out
}

// firing is the most urgent state of a group's rules, for sorting and
// filtering: firing, pending, inactive.
func firing(g *alertingsvc.RuleGroup) string {
	state := "inactive"
	for _, r := range g.Status.RuleStates {
		switch r.State {
		case "firing":
			return "firing"
		case "pending":
			state = "pending"
		}
	}
	return state
}

func (h *Handler) listGroups(l level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := listquery.Parse(r.URL.Query(), ruleGroupList)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		c, err := h.Clients.As(caller(r))
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		list := l.newList()
		var opts []client.ListOption
		if ns := l.namespace(r); ns != "" {
			opts = append(opts, client.InNamespace(ns))
		}
		if err := c.List(r.Context(), list, opts...); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		states := h.states(r.Context())
		objs, err := items(list)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		items := make([]*alertingsvc.RuleGroup, 0, len(objs))
		for _, o := range objs {
			items = append(items, l.item(o, states))
		}
		responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q,
			listquery.Columns[*alertingsvc.RuleGroup]{"state": firing},
			listquery.Filters[*alertingsvc.RuleGroup]{
				"state": func(g *alertingsvc.RuleGroup, v string) bool { return firing(g) == v },
				"builtin": func(g *alertingsvc.RuleGroup, v string) bool {
					return (g.Labels[alertingv2beta1.BuiltinLabel] == "true") == (v == "true")
				},
			}))
	}
}

func (h *Handler) getGroup(l level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.Clients.As(caller(r))
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o := l.newObj()
		if err := c.Get(r.Context(), client.ObjectKey{Namespace: l.namespace(r), Name: r.PathValue("name")}, o); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, l.item(o, h.states(r.Context())))
	}
}

// decode reads a rule group of the level's kind and validates its spec
// with the rules package: a 422 names every wrong field.
func (h *Handler) decode(l level, r *http.Request) (client.Object, error) {
	o := l.newObj()
	if err := requestbody.Decode(r, o, requestbody.Options{Kind: l.kind}); err != nil {
		return nil, err
	}
	ns := l.namespace(r)
	if ns != "" {
		if o.GetNamespace() != "" && o.GetNamespace() != ns {
			return nil, apistatus.BadRequest("metadata.namespace", "must be "+ns+", the namespace of the path, or empty")
		}
		o.SetNamespace(ns)
	}
	var errs field.ErrorList
	if o.GetName() == "" && o.GetGenerateName() == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), ""))
	}
	errs = append(errs, rules.Validate(l.name, ns, spec(o))...)
	if len(errs) > 0 {
		return nil, apistatus.Invalid(l.kind, o.GetName(), errs)
	}
	o.GetObjectKind().SetGroupVersionKind(alertingv2beta1.GroupVersion.WithKind(l.kind))
	return o, nil
}

func (h *Handler) createGroup(l level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := h.decode(l, r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		c, err := h.Clients.As(caller(r))
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o.SetResourceVersion("")
		if err := c.Create(r.Context(), o); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteJSON(w, http.StatusCreated, l.item(o, nil))
	}
}

func (h *Handler) updateGroup(l level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		o, err := h.decode(l, r)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if o.GetName() != name {
			responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.name", "must be "+name+", the name of the path"))
			return
		}
		c, err := h.Clients.As(caller(r))
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if o.GetResourceVersion() != "" {
			err = c.Update(r.Context(), o)
		} else {
			// Without a resourceVersion the body replaces the current
			// object, whatever version it is at: ke-controller-manager
			// writes the group's status (a new version) at any moment, so
			// a conflict is retried with the version read again.
			err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
				cur := l.newObj()
				if err := c.Get(r.Context(), client.ObjectKeyFromObject(o), cur); err != nil {
					return err
				}
				o.SetResourceVersion(cur.GetResourceVersion())
				return c.Update(r.Context(), o)
			})
		}
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, l.item(o, h.states(r.Context())))
	}
}

func (h *Handler) deleteGroup(l level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := h.Clients.As(caller(r))
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		o := l.newObj()
		o.SetNamespace(l.namespace(r))
		o.SetName(r.PathValue("name"))
		if err := c.Delete(r.Context(), o); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		responsewriters.WriteDeleted(w, l.gr(), o.GetName())
	}
}

// previewRequest is the body of a preview: one rule, and optionally the
// instant (default now).
type previewRequest struct {
	Rule *alertingv2beta1.Rule `json:"rule"`
	Time *time.Time            `json:"time,omitempty"`
}

// preview answers a rule's current value: its compiled expression at the
// level (confined to the project) run at an instant.
func (h *Handler) preview(l level) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in previewRequest
		if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "RulePreview", Strict: true}); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if in.Rule == nil {
			responsewriters.WriteStatus(w, apistatus.Invalid("RulePreview", "", field.ErrorList{field.Required(field.NewPath("rule"), "")}))
			return
		}
		ns := l.namespace(r)
		if in.Rule.Alert == "" {
			in.Rule.Alert = "Preview"
		}
		spec := &alertingv2beta1.RuleGroupSpec{Rules: []alertingv2beta1.Rule{*in.Rule}}
		if errs := rules.Validate(l.name, ns, spec); len(errs) > 0 {
			responsewriters.WriteStatus(w, apistatus.Invalid("RulePreview", "", rulePaths(errs)))
			return
		}
		expr, err := rules.Expr(l.name, ns, in.Rule)
		if err != nil {
			responsewriters.WriteStatus(w, apistatus.Invalid("RulePreview", "", field.ErrorList{field.Invalid(field.NewPath("rule"), "", err.Error())}))
			return
		}
		unit := ""
		if b := in.Rule.Builder; b != nil {
			for _, m := range rules.BuilderCatalog() {
				if m.Kind == b.Kind && m.Name == b.Metric {
					unit = m.Unit
				}
			}
		}
		at := h.now()
		if in.Time != nil {
			at = *in.Time
			// A project's series from before its creation are another
			// project's of the same name.
			if ns != "" {
				var obj corev1.Namespace
				if err := h.Reader.Get(r.Context(), client.ObjectKey{Name: ns}, &obj); err == nil && at.Before(obj.CreationTimestamp.Truncate(time.Second)) {
					responsewriters.WriteStatus(w, apistatus.BadRequest("time", "is before the project was created ("+obj.CreationTimestamp.UTC().Format(time.RFC3339)+")"))
					return
				}
			}
		}
		out, err := h.Service.Preview(r.Context(), expr, unit, at)
		if err != nil {
			responsewriters.WriteStatus(w, previewFailed(err))
			return
		}
		responsewriters.WriteJSON(w, http.StatusOK, out)
	}
}

// rulePaths moves spec.rules[0] to rule: the preview's body has one rule.
func rulePaths(errs field.ErrorList) field.ErrorList {
	out := make(field.ErrorList, 0, len(errs))
	for _, e := range errs {
		c := *e
		c.Field = "rule" + strings.TrimPrefix(c.Field, "spec.rules[0]")
		out = append(out, &c)
	}
	return out
}

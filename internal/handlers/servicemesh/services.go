package servicemesh

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	meshv1 "github.com/superkube/super-kubenetes/api/servicemesh/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// Service is a Service of the project as the mesh sees it.
type Service struct {
	corev1.Service `json:",inline"`
	// Versions are the values of the version label among the pods the
	// Service selects, sorted by name; pods without the label are counted
	// under the empty name.
	Versions []ServiceVersion `json:"versions"`
	// Strategies name the service (decided ones too), by creation time;
	// empty when the caller may not list strategies.
	Strategies []Ref `json:"strategies"`
	// ServicePolicies name the service (at most one, unless two were
	// created at once); empty when the caller may not list them.
	ServicePolicies []Ref `json:"servicePolicies"`
	// Mesh: the project is in the mesh (its namespace's istio-injection
	// label is enabled).
	Mesh bool `json:"mesh"`
}

// ServiceVersion is one version of a Service.
type ServiceVersion struct {
	Name string `json:"name"`
	// Pods of the service with this version (not finished), and how many
	// are ready.
	Pods      int32 `json:"pods"`
	ReadyPods int32 `json:"readyPods"`
	// Workloads are the Deployments and StatefulSets that own those pods.
	Workloads []Workload `json:"workloads"`
}

// Workload is a Deployment or a StatefulSet.
type Workload struct {
	Kind          string   `json:"kind"`
	Name          string   `json:"name"`
	Replicas      int32    `json:"replicas"`
	ReadyReplicas int32    `json:"readyReplicas"`
	Images        []string `json:"images"`
}

// Ref names a Strategy or a ServicePolicy. Phase is a Strategy's phase
// (Pending when the controller has not seen it yet); for a ServicePolicy
// Ready, the reason of its Ready condition when false (Conflict,
// ServiceNotFound, Invalid), or Pending.
type Ref struct {
	Name  string `json:"name"`
	Phase string `json:"phase"`
	// Type and Decision of a Strategy.
	Type     meshv1.StrategyType `json:"type,omitempty"`
	Decision meshv1.Decision     `json:"decision,omitempty"`
}

var serviceList = listquery.Spec{Filters: []string{"strategy", "version"}}

var serviceFilters = listquery.Filters[*Service]{
	// strategy=true: services with an undecided strategy.
	"strategy": func(s *Service, v string) bool {
		active := slices.ContainsFunc(s.Strategies, func(r Ref) bool { return r.Decision == "" })
		return strings.EqualFold(v, "true") == active
	},
	"version": func(s *Service, v string) bool {
		return slices.ContainsFunc(s.Versions, func(sv ServiceVersion) bool { return sv.Name == v })
	},
}

// listServices lists the project's Services with their versions,
// strategies and policies. It takes the rights to list services and pods
// there; the workloads are read with ke-apiserver's identity (a reader of
// pods sees their owners' names anyway).
func (h *Handler) listServices(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), serviceList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ns := r.PathValue("namespace")
	for _, res := range []string{"services", "pods"} {
		if !h.may(r, "list", "", res, ns, "") {
			responsewriters.WriteStatus(w, forbidden(r, "", res, "", "list "+res+" in namespace "+ns+" (the mesh's services list shows their pods)"))
			return
		}
	}
	ctx := r.Context()
	p, err := h.readProject(ctx, ns)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// Strategies and policies are read as the caller: whoever may not list
	// them gets the services without them.
	if err := c.List(ctx, &p.strategies, client.InNamespace(ns)); err != nil && !apierrors.IsForbidden(err) {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := c.List(ctx, &p.policies, client.InNamespace(ns)); err != nil && !apierrors.IsForbidden(err) {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*Service, 0, len(p.services.Items))
	for i := range p.services.Items {
		items = append(items, p.service(&p.services.Items[i]))
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, nil, serviceFilters))
}

// project is what the services list is made of.
type project struct {
	mesh        bool
	services    corev1.ServiceList
	pods        corev1.PodList
	replicaSets map[string]*appsv1.ReplicaSet
	deployments map[string]*appsv1.Deployment
	statefuls   map[string]*appsv1.StatefulSet
	strategies  meshv1.StrategyList
	policies    meshv1.ServicePolicyList
}

// readProject reads the namespace, its Services, pods and workloads from
// the cache.
func (h *Handler) readProject(ctx context.Context, ns string) (*project, error) {
	p := &project{replicaSets: map[string]*appsv1.ReplicaSet{}, deployments: map[string]*appsv1.Deployment{}, statefuls: map[string]*appsv1.StatefulSet{}}
	var n corev1.Namespace
	if err := h.Cache.Get(ctx, client.ObjectKey{Name: ns}, &n); err != nil {
		return nil, err
	}
	p.mesh = n.Labels[meshv1.InjectionLabel] == injectionEnabled
	if err := h.Cache.List(ctx, &p.services, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	if err := h.Cache.List(ctx, &p.pods, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	var rss appsv1.ReplicaSetList
	if err := h.Cache.List(ctx, &rss, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range rss.Items {
		p.replicaSets[rss.Items[i].Name] = &rss.Items[i]
	}
	var deps appsv1.DeploymentList
	if err := h.Cache.List(ctx, &deps, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range deps.Items {
		p.deployments[deps.Items[i].Name] = &deps.Items[i]
	}
	var sts appsv1.StatefulSetList
	if err := h.Cache.List(ctx, &sts, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	for i := range sts.Items {
		p.statefuls[sts.Items[i].Name] = &sts.Items[i]
	}
	return p, nil
}

// service puts together what the mesh knows of one Service.
func (p *project) service(svc *corev1.Service) *Service {
	out := &Service{Service: *svc, Versions: []ServiceVersion{}, Strategies: []Ref{}, ServicePolicies: []Ref{}, Mesh: p.mesh}
	out.APIVersion, out.Kind, out.ManagedFields = "v1", "Service", nil
	versionLabel := meshv1.DefaultVersionLabel
	for i := range p.strategies.Items {
		s := &p.strategies.Items[i]
		if s.Spec.Service != svc.Name {
			continue
		}
		out.Strategies = append(out.Strategies, Ref{Name: s.Name, Phase: string(cmp.Or(s.Status.Phase, meshv1.StrategyPending)), Type: s.Spec.Type, Decision: s.Spec.Decision})
		// The undecided strategy's version label tells the versions apart.
		if s.Spec.Decision == "" && s.Spec.VersionLabel != "" {
			versionLabel = s.Spec.VersionLabel
		}
	}
	for i := range p.policies.Items {
		if sp := &p.policies.Items[i]; sp.Spec.Service == svc.Name {
			out.ServicePolicies = append(out.ServicePolicies, Ref{Name: sp.Name, Phase: policyPhase(sp)})
		}
	}
	if len(svc.Spec.Selector) == 0 {
		return out
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	versions := map[string]*ServiceVersion{}
	seen := map[string]bool{}
	for i := range p.pods.Items {
		pod := &p.pods.Items[i]
		if !sel.Matches(labels.Set(pod.Labels)) || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		name := pod.Labels[versionLabel]
		v := versions[name]
		if v == nil {
			v = &ServiceVersion{Name: name, Workloads: []Workload{}}
			versions[name] = v
		}
		v.Pods++
		if podReady(pod) {
			v.ReadyPods++
		}
		if wl := p.workloadOf(pod); wl != nil && !seen[name+"/"+wl.Kind+"/"+wl.Name] {
			seen[name+"/"+wl.Kind+"/"+wl.Name] = true
			v.Workloads = append(v.Workloads, *wl)
		}
	}
	for _, v := range versions {
		slices.SortFunc(v.Workloads, func(a, b Workload) int { return strings.Compare(a.Kind+"/"+a.Name, b.Kind+"/"+b.Name) })
		out.Versions = append(out.Versions, *v)
	}
	slices.SortFunc(out.Versions, func(a, b ServiceVersion) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// workloadOf finds the Deployment (through its ReplicaSet) or the
// StatefulSet that owns a pod.
func (p *project) workloadOf(pod *corev1.Pod) *Workload {
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return nil
	}
	switch owner.Kind {
	case "StatefulSet":
		if s := p.statefuls[owner.Name]; s != nil {
			return &Workload{Kind: "StatefulSet", Name: s.Name, Replicas: ptr.Deref(s.Spec.Replicas, 1), ReadyReplicas: s.Status.ReadyReplicas, Images: images(&s.Spec.Template)}
		}
	case "ReplicaSet":
		rs := p.replicaSets[owner.Name]
		if rs == nil {
			return nil
		}
		if o := metav1.GetControllerOf(rs); o != nil && o.Kind == "Deployment" {
			if d := p.deployments[o.Name]; d != nil {
				return &Workload{Kind: "Deployment", Name: d.Name, Replicas: ptr.Deref(d.Spec.Replicas, 1), ReadyReplicas: d.Status.ReadyReplicas, Images: images(&d.Spec.Template)}
			}
		}
	}
	return nil
}

func images(t *corev1.PodTemplateSpec) []string {
	out := make([]string, 0, len(t.Spec.Containers))
	for _, c := range t.Spec.Containers {
		out = append(out, c.Image)
	}
	return out
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func policyPhase(p *meshv1.ServicePolicy) string {
	c := meta.FindStatusCondition(p.Status.Conditions, meshv1.ConditionReady)
	switch {
	case c == nil:
		return "Pending"
	case c.Status == metav1.ConditionTrue:
		return "Ready"
	default:
		return cmp.Or(c.Reason, "NotReady")
	}
}

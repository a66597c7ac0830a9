package devops

import (
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/authz"
)

var projectList = listquery.Spec{SortBy: []string{"workspace"}, Filters: []string{"workspace"}}

var projectColumns = listquery.Columns[*devopsv1alpha3.DevOpsProject]{
	"workspace": func(p *devopsv1alpha3.DevOpsProject) string { return p.Labels[tenantv1beta1.WorkspaceLabel] },
}

var projectFilters = listquery.Filters[*devopsv1alpha3.DevOpsProject]{
	"workspace": func(p *devopsv1alpha3.DevOpsProject, v string) bool {
		return p.Labels[tenantv1beta1.WorkspaceLabel] == v
	},
}

// mayView says whether the caller sees a DevOps project: those who may
// list the workspace's projects see all, a member sees their own.
func (h *Handler) mayView(r *http.Request, p *devopsv1alpha3.DevOpsProject) bool {
	ws := p.Labels[tenantv1beta1.WorkspaceLabel]
	return h.allowed(r, authz.Attributes{Verb: "list", Resource: "namespaces", Workspace: ws}) ||
		h.allowed(r, authz.Attributes{Verb: "get", Resource: "namespaces", Name: p.Name, Namespace: p.Name, Workspace: ws})
}

func (h *Handler) listProjects(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), projectList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	opts := []client.ListOption{}
	if ws := r.PathValue("workspace"); ws != "" {
		opts = append(opts, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws})
	}
	var list devopsv1alpha3.DevOpsProjectList
	if err := h.Reader.List(r.Context(), &list, opts...); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := []*devopsv1alpha3.DevOpsProject{}
	for i := range list.Items {
		p := &list.Items[i]
		if h.mayView(r, p) {
			p.ManagedFields = nil
			items = append(items, p)
		}
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, projectColumns, projectFilters))
}

func (h *Handler) project(r *http.Request, name string) (*devopsv1alpha3.DevOpsProject, error) {
	p := &devopsv1alpha3.DevOpsProject{}
	err := h.Reader.Get(r.Context(), types.NamespacedName{Name: name}, p)
	if err == nil && !h.mayView(r, p) {
		err = apierrors.NewNotFound(devopsv1alpha3.GroupVersion.WithResource("devopsprojects").GroupResource(), name)
	}
	return p, err
}

func (h *Handler) getProject(w http.ResponseWriter, r *http.Request) {
	p, err := h.project(r, r.PathValue("name"))
	writeObject(w, http.StatusOK, p, err)
}

// createProject makes a DevOps project in the workspace for a caller who
// may create projects there; the caller becomes its owner.
func (h *Handler) createProject(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("workspace")
	in := &devopsv1alpha3.DevOpsProject{}
	if err := requestbody.Decode(r, in, requestbody.Options{Kind: "DevOpsProject", Strict: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !h.allowed(r, authz.Attributes{Verb: "create", Resource: "namespaces", Workspace: ws}) {
		responsewriters.WriteStatus(w, forbidden(r, "devopsprojects", "create DevOps projects in workspace "+ws))
		return
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(in.Name) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), in.Name, msg))
	}
	if len(errs) > 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("DevOpsProject", in.Name, errs))
		return
	}
	wsObj := &tenantv1beta1.Workspace{}
	if err := h.Reader.Get(r.Context(), types.NamespacedName{Name: ws}, wsObj); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// A namespace of the name must not exist: the project would not get it.
	if err := h.Reader.Get(r.Context(), types.NamespacedName{Name: in.Name}, &corev1.Namespace{}); err == nil {
		responsewriters.WriteStatus(w, apistatus.Invalid("DevOpsProject", in.Name, field.ErrorList{
			field.Duplicate(field.NewPath("metadata", "name"), in.Name+" (a namespace of this name exists)")}))
		return
	}
	p := &devopsv1alpha3.DevOpsProject{
		ObjectMeta: metav1.ObjectMeta{Name: in.Name,
			Labels:      map[string]string{tenantv1beta1.WorkspaceLabel: ws},
			Annotations: map[string]string{tenantv1beta1.CreatorAnnotation: caller(r).GetName()}},
		Spec: in.Spec,
	}
	for _, k := range []string{tenantv1beta1.DisplayNameAnnotation, tenantv1beta1.DescriptionAnnotation} {
		if v := in.Annotations[k]; v != "" {
			p.Annotations[k] = v
		}
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	err := h.Writer.Create(ctx, p)
	writeObject(w, http.StatusCreated, p, err)
}

func (h *Handler) deleteProject(w http.ResponseWriter, r *http.Request) {
	p, err := h.project(r, r.PathValue("name"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ws := p.Labels[tenantv1beta1.WorkspaceLabel]
	if !h.allowed(r, authz.Attributes{Verb: "delete", Resource: "namespaces", Workspace: ws}) &&
		!h.allowed(r, authz.Attributes{Verb: "delete", Resource: "namespaces", Name: p.Name, Namespace: p.Name, Workspace: ws}) {
		responsewriters.WriteStatus(w, forbidden(r, "devopsprojects", "delete DevOps project "+p.Name))
		return
	}
	if err := h.Writer.Delete(r.Context(), p, client.Preconditions{UID: &p.UID}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, devopsv1alpha3.GroupVersion.WithResource("devopsprojects").GroupResource(), p.Name)
}

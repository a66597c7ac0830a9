package iam

import (
	"fmt"
	"net/http"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// ResourceAttributes name an action on a resource.
type ResourceAttributes struct {
	Verb        string `json:"verb"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource"`
	Subresource string `json:"subresource,omitempty"`
	Name        string `json:"name,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Workspace   string `json:"workspace,omitempty"`
	Cluster     string `json:"cluster,omitempty"`
}

// NonResourceAttributes name an action on a path.
type NonResourceAttributes struct {
	Verb string `json:"verb"`
	Path string `json:"path"`
}

// SubjectAccessReview asks whether a user may do something; with
// resourceAttributesList it asks about many actions at once (what the
// console does to decide what to show).
type SubjectAccessReview struct {
	metav1.TypeMeta `json:",inline"`
	Spec            SubjectAccessReviewSpec   `json:"spec"`
	Status          SubjectAccessReviewStatus `json:"status"`
}

// SubjectAccessReviewSpec is the question.
type SubjectAccessReviewSpec struct {
	// User defaults to the caller.
	User                   string                 `json:"user,omitempty"`
	ResourceAttributes     *ResourceAttributes    `json:"resourceAttributes,omitempty"`
	NonResourceAttributes  *NonResourceAttributes `json:"nonResourceAttributes,omitempty"`
	ResourceAttributesList []ResourceAttributes   `json:"resourceAttributesList,omitempty"`
}

// SubjectAccessReviewStatus is the answer.
type SubjectAccessReviewStatus struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
	// Results answers resourceAttributesList, in its order.
	Results []Result `json:"results,omitempty"`
}

// Result is the answer about one action.
type Result struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason,omitempty"`
}

// maxReviewItems bounds one batch review.
const maxReviewItems = 256

func (h *Handlers) subjectAccessReview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	caller, _ := request.UserFrom(ctx)
	var sar SubjectAccessReview
	if !decode(w, r, &sar) {
		return
	}
	spec := &sar.Spec
	path := field.NewPath("spec")
	n := 0
	if spec.ResourceAttributes != nil {
		n++
	}
	if spec.NonResourceAttributes != nil {
		n++
	}
	if len(spec.ResourceAttributesList) > 0 {
		n++
	}
	if n != 1 {
		responsewriters.WriteStatus(w, apistatus.Invalid("SubjectAccessReview", "", field.ErrorList{
			field.Required(path, "exactly one of resourceAttributes, nonResourceAttributes and resourceAttributesList")}))
		return
	}
	if len(spec.ResourceAttributesList) > maxReviewItems {
		responsewriters.WriteStatus(w, apistatus.Invalid("SubjectAccessReview", "", field.ErrorList{
			field.TooMany(path.Child("resourceAttributesList"), len(spec.ResourceAttributesList), maxReviewItems)}))
		return
	}
	subject := caller
	if spec.User != "" && spec.User != caller.GetName() {
		// Asking about someone else needs the right to review for others.
		d := h.Authorizer.Authorize(&authz.Attributes{User: caller.GetName(), Groups: caller.GetGroups(), ResourceRequest: true,
			Verb: "create", APIGroup: iamv1beta1.GroupName, Resource: "subjectaccessreviews", Subresource: "others"})
		if !d.Allowed {
			responsewriters.WriteStatus(w, apierrors.NewForbidden(iamv1beta1.GroupVersion.WithResource("subjectaccessreviews").GroupResource(), "",
				fmt.Errorf("user %s may not review the access of other users", caller.GetName())))
			return
		}
		u := &iamv1beta1.User{}
		if err := h.Users.Get(ctx, client.ObjectKey{Name: spec.User}, u); err != nil {
			responsewriters.WriteStatus(w, notFoundUser(err, spec.User))
			return
		}
		subject = authn.Identity(u)
	}
	switch {
	case spec.ResourceAttributes != nil:
		d := h.Authorizer.Authorize(resourceAttrs(subject, spec.ResourceAttributes))
		sar.Status = SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.Reason}
	case spec.NonResourceAttributes != nil:
		d := h.Authorizer.Authorize(&authz.Attributes{User: subject.GetName(), Groups: subject.GetGroups(),
			Verb: spec.NonResourceAttributes.Verb, Path: spec.NonResourceAttributes.Path})
		sar.Status = SubjectAccessReviewStatus{Allowed: d.Allowed, Reason: d.Reason}
	default:
		all := true
		for i := range spec.ResourceAttributesList {
			d := h.Authorizer.Authorize(resourceAttrs(subject, &spec.ResourceAttributesList[i]))
			sar.Status.Results = append(sar.Status.Results, Result{Allowed: d.Allowed, Reason: d.Reason})
			all = all && d.Allowed
		}
		sar.Status.Allowed = all
	}
	sar.APIVersion, sar.Kind = iamv1beta1.GroupVersion.String(), "SubjectAccessReview"
	responsewriters.WriteJSON(w, http.StatusCreated, sar)
}

func resourceAttrs(u user.Info, ra *ResourceAttributes) *authz.Attributes {
	return &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: ra.Verb, APIGroup: ra.Group,
		Resource: ra.Resource, Subresource: ra.Subresource, Name: ra.Name, Namespace: ra.Namespace, Workspace: ra.Workspace, Cluster: ra.Cluster}
}

// roleTemplates serves GET users/{user}/roletemplates?scope=...: the role
// templates of the scope whose every permission the user holds there, so
// that the console shows only what the user may do.
func (h *Handlers) roleTemplates(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	caller, _ := request.UserFrom(ctx)
	name := r.PathValue("user")
	q := r.URL.Query()
	scope := q.Get("scope")
	switch iamv1beta1.Level(scope) {
	case iamv1beta1.LevelGlobal, iamv1beta1.LevelCluster:
	case iamv1beta1.LevelWorkspace:
		if q.Get("workspace") == "" {
			responsewriters.WriteStatus(w, apistatus.BadRequest("workspace", "is required for the workspace scope"))
			return
		}
	case iamv1beta1.LevelNamespace:
		if q.Get("namespace") == "" {
			responsewriters.WriteStatus(w, apistatus.BadRequest("namespace", "is required for the namespace scope"))
			return
		}
	default:
		responsewriters.WriteStatus(w, apistatus.BadRequest("scope", "must be one of global, cluster, workspace, namespace"))
		return
	}
	subject := caller
	if name != caller.GetName() {
		u := &iamv1beta1.User{}
		if err := h.Users.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
			responsewriters.WriteStatus(w, notFoundUser(err, name))
			return
		}
		subject = authn.Identity(u)
	}
	list := &iamv1beta1.RoleTemplateList{}
	if err := h.Users.List(ctx, list, client.MatchingLabels{iamv1beta1.ScopeLabel: scope}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	held := make([]iamv1beta1.RoleTemplate, 0, len(list.Items))
	for _, t := range list.Items {
		if h.holds(subject, &t, q.Get("workspace"), q.Get("namespace")) {
			t.ManagedFields = nil
			held = append(held, t)
		}
	}
	sort.Slice(held, func(i, j int) bool { return held[i].Name < held[j].Name })
	responsewriters.WriteJSON(w, http.StatusOK, map[string]any{"items": held, "totalItems": len(held)})
}

// holds reports whether every permission of the template is allowed.
func (h *Handlers) holds(u user.Info, t *iamv1beta1.RoleTemplate, ws, ns string) bool {
	for _, rule := range t.Spec.Rules {
		for _, verb := range rule.Verbs {
			for _, url := range rule.NonResourceURLs {
				if !h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), Verb: verb, Path: url}).Allowed {
					return false
				}
			}
			for _, g := range rule.APIGroups {
				for _, res := range rule.Resources {
					resource, sub, _ := cutSlash(res)
					a := &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: verb,
						APIGroup: g, Resource: resource, Subresource: sub, Workspace: ws, Namespace: ns}
					if !h.Authorizer.Authorize(a).Allowed {
						return false
					}
				}
			}
		}
	}
	return true
}

func cutSlash(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

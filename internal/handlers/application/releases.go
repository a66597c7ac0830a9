package application

import (
	"context"
	"errors"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	appchart "github.com/superkube/super-kubenetes/internal/application/chart"
	"github.com/superkube/super-kubenetes/internal/application/names"
	"github.com/superkube/super-kubenetes/internal/authz"
	appsvc "github.com/superkube/super-kubenetes/internal/services/application"
)

var releasesGR = schema.GroupResource{Group: Group, Resource: "applicationreleases"}

var releaseList = listquery.Spec{SortBy: []string{"phase"}, Filters: []string{"workspace", "namespace", "application", "phase"}}

func releaseFilters() listquery.Filters[*applicationv2.ApplicationRelease] {
	return listquery.Filters[*applicationv2.ApplicationRelease]{
		"namespace":   func(a *applicationv2.ApplicationRelease, v string) bool { return a.Namespace == v },
		"application": func(a *applicationv2.ApplicationRelease, v string) bool { return a.Spec.Application == v },
		"phase":       func(a *applicationv2.ApplicationRelease, v string) bool { return string(a.Status.Phase) == v },
		"workspace":   func(*applicationv2.ApplicationRelease, string) bool { return true }, // applied before
	}
}

var releaseColumns = listquery.Columns[*applicationv2.ApplicationRelease]{
	"phase": func(a *applicationv2.ApplicationRelease) string { return string(a.Status.Phase) },
}

// listAllReleases lists the releases of every namespace where the caller
// may list them (trimmed, totalItems counted the same way).
func (h *Handler) listAllReleases(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), releaseList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u := caller(r)
	vis := h.Authorizer.Visible(authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), Verb: "list", APIGroup: Group, Resource: "applicationreleases"})
	var nsInWs map[string]bool
	if ws := q.Filters["workspace"]; ws != "" {
		var nss corev1.NamespaceList
		if err := h.Reader.List(r.Context(), &nss, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws}); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		nsInWs = map[string]bool{}
		for _, n := range nss.Items {
			nsInWs[n.Name] = true
		}
	}
	var list applicationv2.ApplicationReleaseList
	opts := []client.ListOption{}
	if ns := q.Filters["namespace"]; ns != "" {
		opts = append(opts, client.InNamespace(ns))
	}
	if err := h.Reader.List(r.Context(), &list, opts...); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := []*applicationv2.ApplicationRelease{}
	for i := range list.Items {
		rel := &list.Items[i]
		if !vis.Allows(rel.Namespace) || (nsInWs != nil && !nsInWs[rel.Namespace]) {
			continue
		}
		rel.ManagedFields = nil
		items = append(items, rel)
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, releaseColumns, releaseFilters()))
}

// listReleases lists a project's releases as the caller.
func (h *Handler) listReleases(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), releaseList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.Clients.As(caller(r))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var list applicationv2.ApplicationReleaseList
	if err := c.List(r.Context(), &list, client.InNamespace(r.PathValue("namespace"))); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := trimmed(list.Items)
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, releaseColumns, releaseFilters()))
}

func (h *Handler) getRelease(w http.ResponseWriter, r *http.Request) {
	c, err := h.Clients.As(caller(r))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	rel := &applicationv2.ApplicationRelease{}
	err = c.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}, rel)
	writeObject(w, http.StatusOK, rel, err)
}

// releasable reads the version a release of namespace ns may install: an
// active version (the store's), or one of the namespace's workspace's app
// templates (to try it before it is released).
func (h *Handler) releasable(ctx context.Context, ns, app, version string, fld *field.Path) (*applicationv2.ApplicationVersion, error) {
	v := &applicationv2.ApplicationVersion{}
	err := h.get(ctx, version, v)
	if apierrors.IsNotFound(err) && app != "" {
		err = h.get(ctx, names.Version(app, version), v)
	}
	if apierrors.IsNotFound(err) {
		return nil, field.NotFound(fld.Child("version"), version)
	}
	if err != nil {
		return nil, err
	}
	if app != "" && v.Spec.Application != app {
		return nil, field.Invalid(fld.Child("version"), version, "is a version of "+v.Spec.Application+", not of "+app)
	}
	if v.Spec.State != applicationv2.StateActive {
		n := &corev1.Namespace{}
		if err := h.Reader.Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
			return nil, err
		}
		if ws := workspaceOf(v); ws == "" || ws != n.Labels[tenantv1beta1.WorkspaceLabel] {
			return nil, field.Invalid(fld.Child("version"), version, "is not in the app store (its state is "+string(v.Spec.State)+") nor an app template of this project's workspace")
		}
	}
	return v, nil
}

// check validates a release's spec: its version may be installed here and
// its values pass the chart's schema (422 naming the value).
func (h *Handler) check(ctx context.Context, rel *applicationv2.ApplicationRelease) error {
	spec := field.NewPath("spec")
	var errs field.ErrorList
	if rel.Name == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "name"), ""))
	} else if msgs := validation.IsDNS1123Label(rel.Name); len(msgs) > 0 || len(rel.Name) > 53 {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), rel.Name, "a release name is a DNS-1123 label of at most 53 characters"))
	}
	if rel.Spec.Version == "" {
		errs = append(errs, field.Required(spec.Child("version"), ""))
	}
	if len(errs) > 0 {
		return apistatus.Invalid("ApplicationRelease", rel.Name, errs)
	}
	v, err := h.releasable(ctx, rel.Namespace, rel.Spec.Application, rel.Spec.Version, spec)
	if err != nil {
		var fe *field.Error
		if errors.As(err, &fe) {
			return apistatus.Invalid("ApplicationRelease", rel.Name, field.ErrorList{fe})
		}
		return err
	}
	rel.Spec.Application, rel.Spec.Version = v.Spec.Application, v.Name
	c, err := h.chartOf(ctx, v)
	if err != nil {
		return err
	}
	if errs := c.CheckValues(spec.Child("values"), rel.Spec.Values); len(errs) > 0 {
		return apistatus.Invalid("ApplicationRelease", rel.Name, errs)
	}
	return nil
}

func (h *Handler) decodeRelease(r *http.Request) (*applicationv2.ApplicationRelease, error) {
	rel := &applicationv2.ApplicationRelease{}
	if err := requestbody.Decode(r, rel, requestbody.Options{Kind: "ApplicationRelease"}); err != nil {
		return nil, err
	}
	ns := r.PathValue("namespace")
	if rel.Namespace != "" && rel.Namespace != ns {
		return nil, apistatus.BadRequest("metadata.namespace", "must be "+ns+", the namespace of the path, or empty")
	}
	rel.Namespace = ns
	rel.APIVersion, rel.Kind = applicationv2.GroupVersion.String(), "ApplicationRelease"
	rel.Status = applicationv2.ApplicationReleaseStatus{}
	return rel, nil
}

func setOperator(rel *applicationv2.ApplicationRelease, user string) {
	if rel.Annotations == nil {
		rel.Annotations = map[string]string{}
	}
	rel.Annotations[applicationv2.OperatorAnnotation] = user
	if rel.Labels == nil {
		rel.Labels = map[string]string{}
	}
	rel.Labels[applicationv2.ApplicationLabel] = rel.Spec.Application
}

// createRelease creates a release as the caller: kube-apiserver's RBAC
// decides whether the caller may, and ke-controller-manager installs it
// as the caller.
func (h *Handler) createRelease(w http.ResponseWriter, r *http.Request) {
	rel, err := h.decodeRelease(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	u := caller(r)
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	// Whoever may not create releases here learns nothing of the chart.
	if err := h.mayRelease(r, "create", rel.Namespace, ""); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := h.check(ctx, rel); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	setOperator(rel, u.GetName())
	rel.ResourceVersion = ""
	err = c.Create(ctx, rel)
	writeObject(w, http.StatusCreated, rel, err)
}

// updateRelease changes a release's version or values (an upgrade), as
// the caller, who becomes its operator.
func (h *Handler) updateRelease(w http.ResponseWriter, r *http.Request) {
	in, err := h.decodeRelease(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	name := r.PathValue("name")
	if in.Name != name {
		responsewriters.WriteStatus(w, apistatus.BadRequest("metadata.name", "must be "+name+", the name of the path"))
		return
	}
	h.changeRelease(w, r, func(cur *applicationv2.ApplicationRelease) error {
		cur.Spec = in.Spec
		return nil
	}, in)
}

// changeRelease applies a change to the current release as the caller.
func (h *Handler) changeRelease(w http.ResponseWriter, r *http.Request, change func(*applicationv2.ApplicationRelease) error, in *applicationv2.ApplicationRelease) {
	u := caller(r)
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	key := client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	cur := &applicationv2.ApplicationRelease{}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, key, cur); err != nil {
			return err
		}
		if in != nil && in.ResourceVersion != "" && in.ResourceVersion != cur.ResourceVersion {
			return apierrors.NewConflict(releasesGR, key.Name, errors.New("the release changed since it was read; read it again"))
		}
		if err := change(cur); err != nil {
			return err
		}
		if cur.Spec.RollbackTo == nil {
			if err := h.check(ctx, cur); err != nil {
				return err
			}
		}
		setOperator(cur, u.GetName())
		return c.Update(ctx, cur)
	})
	writeObject(w, http.StatusOK, cur, err)
}

// deleteRelease deletes a release as the caller, who first becomes its
// operator: ke-controller-manager uninstalls it as the user who asked.
func (h *Handler) deleteRelease(w http.ResponseWriter, r *http.Request) {
	u := caller(r)
	c, err := h.Clients.As(u)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	rel := &applicationv2.ApplicationRelease{}
	key := client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}
	if err := h.mayRelease(r, "delete", key.Namespace, key.Name); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := c.Get(ctx, key, rel); err != nil {
			return err
		}
		if rel.DeletionTimestamp != nil || rel.Annotations[applicationv2.OperatorAnnotation] == u.GetName() {
			return nil
		}
		setOperator(rel, u.GetName())
		return c.Update(ctx, rel)
	})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := c.Delete(ctx, rel, client.Preconditions{UID: &rel.UID}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, releasesGR, rel.Name)
}

// mayRelease is nil when the caller may verb the releases of namespace ns
// (name "": any), else the Forbidden to answer.
func (h *Handler) mayRelease(r *http.Request, verb, ns, name string) error {
	u := caller(r)
	if h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: verb,
		APIGroup: Group, Resource: releasesGR.Resource, Namespace: ns, Name: name}).Allowed {
		return nil
	}
	return forbidden(r, releasesGR.Resource, verb+" releases in namespace "+ns)
}

// rollbackRequest is the body of a rollback.
type rollbackRequest struct {
	Revision int `json:"revision"`
}

// rollback rolls a release back to a revision of its history: the spec
// takes the revision's chart version and rollbackTo, which
// ke-controller-manager carries out with Helm's rollback as the caller.
func (h *Handler) rollback(w http.ResponseWriter, r *http.Request) {
	var in rollbackRequest
	if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "Rollback", Strict: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.changeRelease(w, r, func(cur *applicationv2.ApplicationRelease) error {
		var found *applicationv2.ReleaseRevision
		for i := range cur.Status.History {
			if cur.Status.History[i].Revision == in.Revision {
				found = &cur.Status.History[i]
			}
		}
		if found == nil || in.Revision < 1 {
			return apistatus.Invalid("Rollback", cur.Name, field.ErrorList{field.NotFound(field.NewPath("revision"), in.Revision)})
		}
		// The spec becomes the revision's: its version and its values (read
		// as the caller from Helm's storage), so that the release's spec
		// says what runs after the rollback and a later upgrade starts from it.
		cs, err := h.Clients.Kubernetes(caller(r))
		if err != nil {
			return err
		}
		values, err := appsvc.RevisionValues(cs.CoreV1().Secrets(cur.Namespace), cur.Name, in.Revision)
		if errors.Is(err, appsvc.ErrNoRevision) {
			return apistatus.Invalid("Rollback", cur.Name, field.ErrorList{field.NotFound(field.NewPath("revision"), in.Revision)})
		}
		if err != nil {
			var st apierrors.APIStatus
			if errors.As(err, &st) {
				return st.(error)
			}
			return apierrors.NewInternalError(errors.New("reading the values of the revision failed"))
		}
		rev := in.Revision
		cur.Spec.RollbackTo = &rev
		cur.Spec.Values = values
		if found.Version != "" {
			cur.Spec.Version = names.Version(cur.Spec.Application, found.Version)
		}
		return nil
	}, nil)
}

// dryRunRequest is the deploy wizard's question.
type dryRunRequest struct {
	Application string `json:"application"`
	Version     string `json:"version"`
	Values      string `json:"values"`
	Name        string `json:"name"`
}

// dryRun renders a version's chart with values as a release of the
// namespace would be, and answers the deployed manifest of the release of
// that name (read as the caller from Helm's storage), for the wizard's
// diff. Values failing the chart's schema are a 422 naming the value.
func (h *Handler) dryRun(w http.ResponseWriter, r *http.Request) {
	var in dryRunRequest
	if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "DryRun", Strict: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	ns := r.PathValue("namespace")
	u := caller(r)
	if err := h.mayRelease(r, "create", ns, ""); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	name := in.Name
	if name == "" {
		name = "dry-run"
	}
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 || len(name) > 53 {
		responsewriters.WriteStatus(w, apistatus.Invalid("DryRun", "", field.ErrorList{field.Invalid(field.NewPath("name"), name, "a release name is a DNS-1123 label of at most 53 characters")}))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	v, err := h.releasable(ctx, ns, in.Application, in.Version, nil)
	if err != nil {
		var fe *field.Error
		if errors.As(err, &fe) {
			err = apistatus.Invalid("DryRun", "", field.ErrorList{fe})
		}
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.chartOf(ctx, v)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	vals := field.NewPath("values")
	if errs := c.CheckValues(vals, in.Values); len(errs) > 0 {
		responsewriters.WriteStatus(w, apistatus.Invalid("DryRun", "", errs))
		return
	}
	given, _ := appchart.ParseValues(vals, in.Values)
	current := ""
	if in.Name != "" {
		cs, err := h.Clients.Kubernetes(u)
		if err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
		if current, err = appsvc.Deployed(cs.CoreV1().Secrets(ns), in.Name); err != nil {
			var st apierrors.APIStatus
			if errors.As(err, &st) {
				responsewriters.WriteStatus(w, st.(error))
				return
			}
			responsewriters.WriteStatus(w, apierrors.NewInternalError(errors.New("reading the deployed release failed")))
			return
		}
	}
	out, err := appsvc.Render(ctx, c, ns, name, given, current != "")
	if err != nil {
		responsewriters.WriteStatus(w, apistatus.Invalid("DryRun", "", field.ErrorList{field.Invalid(vals, "", "the chart does not render with these values: "+err.Error())}))
		return
	}
	out.Current = current
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

package application

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	appsvc "github.com/superkube/super-kubenetes/internal/services/application"
)

var appsGR = schema.GroupResource{Group: Group, Resource: "applications"}
var versionsGR = schema.GroupResource{Group: Group, Resource: "applicationversions"}

func workspaceOf(o metav1.Object) string { return o.GetLabels()[applicationv2.WorkspaceLabel] }

// mayViewTemplates: the caller may see every app of the workspace ("" the
// platform's), whatever its state.
func (h *Handler) mayViewTemplates(r *http.Request, ws string) bool {
	return h.allowed(r, "list", "applications", ws)
}

// mayView: an active app is the store's, for everyone; the others are
// their workspace's members' (with the view template), the reviewers' and
// the platform's.
func (h *Handler) mayView(r *http.Request, a *applicationv2.Application) bool {
	return a.Status.State == applicationv2.StateActive || h.mayViewTemplates(r, workspaceOf(a)) ||
		appsvc.Holds(h.Authorizer, subject(r), appsvc.Reviewer, "")
}

// mayViewVersion: an active version of a visible app, or any version for
// those who see the app's templates.
func (h *Handler) mayViewVersion(r *http.Request, v *applicationv2.ApplicationVersion) bool {
	return v.Spec.State == applicationv2.StateActive || h.mayViewTemplates(r, workspaceOf(v)) ||
		appsvc.Holds(h.Authorizer, subject(r), appsvc.Reviewer, "")
}

func (h *Handler) apps(r *http.Request) ([]*applicationv2.Application, error) {
	var list applicationv2.ApplicationList
	if err := h.Reader.List(r.Context(), &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	out := make([]*applicationv2.Application, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// listApps is the store: the active apps for every logged-in user; those
// who see every app at platform level (reviewers, the store's managers)
// may ask for other states. workspace=ws lists that workspace's templates.
func (h *Handler) listApps(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), appsvc.AppList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if ws := q.Filters["workspace"]; ws != "" {
		h.workspaceApps(w, r, q, ws)
		return
	}
	all, err := h.apps(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	everything := h.mayViewTemplates(r, "") || appsvc.Holds(h.Authorizer, subject(r), appsvc.Reviewer, "")
	if !everything {
		kept := all[:0:0]
		for _, a := range all {
			if a.Status.State == applicationv2.StateActive {
				kept = append(kept, a)
			}
		}
		all = kept
	} else if q.Filters["state"] == "" {
		// The store shows the active apps unless another state is asked for.
		q.Filters["state"] = string(applicationv2.StateActive)
	}
	responsewriters.WriteJSON(w, http.StatusOK, appsvc.Search(all, q))
}

func (h *Handler) listWorkspaceApps(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), appsvc.AppList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	h.workspaceApps(w, r, q, r.PathValue("workspace"))
}

func (h *Handler) workspaceApps(w http.ResponseWriter, r *http.Request, q *listquery.Query, ws string) {
	if !h.mayViewTemplates(r, ws) {
		responsewriters.WriteStatus(w, forbidden(r, "applications", "list the app templates of workspace "+ws))
		return
	}
	all, err := h.apps(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	kept := all[:0:0]
	for _, a := range all {
		if workspaceOf(a) == ws {
			kept = append(kept, a)
		}
	}
	delete(q.Filters, "workspace")
	responsewriters.WriteJSON(w, http.StatusOK, appsvc.Search(kept, q))
}

// get reads a cluster-scoped object from the cache, or from kube-apiserver
// when the cache does not have it yet (one just created).
func (h *Handler) get(ctx context.Context, name string, obj client.Object) error {
	err := h.Reader.Get(ctx, client.ObjectKey{Name: name}, obj)
	if apierrors.IsNotFound(err) && h.LiveReader != nil {
		err = h.LiveReader.Get(ctx, client.ObjectKey{Name: name}, obj)
	}
	return err
}

// app reads an app the caller may see; one it may not is not found.
func (h *Handler) app(r *http.Request) (*applicationv2.Application, error) {
	name := r.PathValue("app")
	a := &applicationv2.Application{}
	if err := h.get(r.Context(), name, a); err != nil {
		return nil, err
	}
	if !h.mayView(r, a) {
		return nil, notFound("applications", name)
	}
	return a, nil
}

func (h *Handler) getApp(w http.ResponseWriter, r *http.Request) {
	a, err := h.app(r)
	writeObject(w, http.StatusOK, a, err)
}

func (h *Handler) versionsOf(r *http.Request, app string) ([]*applicationv2.ApplicationVersion, error) {
	var list applicationv2.ApplicationVersionList
	if err := h.Reader.List(r.Context(), &list, client.MatchingLabels{applicationv2.ApplicationLabel: app}); err != nil {
		return nil, err
	}
	out := make([]*applicationv2.ApplicationVersion, 0, len(list.Items))
	for i := range list.Items {
		if list.Items[i].Spec.Application == app {
			list.Items[i].ManagedFields = nil
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

// listVersions lists an app's versions the caller may see, newest first.
func (h *Handler) listVersions(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{SortBy: []string{"version"}, Filters: []string{"state"}})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	a, err := h.app(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	vs, err := h.versionsOf(r, a.Name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	kept := vs[:0]
	for _, v := range vs {
		if h.mayViewVersion(r, v) {
			kept = append(kept, v)
		}
	}
	if r.URL.Query().Get("sortBy") == "" {
		q.SortBy = "version"
	}
	responsewriters.WriteJSON(w, http.StatusOK, versionList(kept, q))
}

func versionList(vs []*applicationv2.ApplicationVersion, q *listquery.Query) listquery.List[*applicationv2.ApplicationVersion] {
	if q.SortBy == "version" {
		appsvc.VersionsNewestFirst(vs)
		if q.Ascending {
			slices.Reverse(vs)
		}
		q.SortBy = "none" // keep this order: the stable sort below compares names only for equal keys
	}
	return listquery.Apply(vs, q, listquery.Columns[*applicationv2.ApplicationVersion]{
		"none": func(*applicationv2.ApplicationVersion) string { return "" },
	}, listquery.Filters[*applicationv2.ApplicationVersion]{
		"state": func(v *applicationv2.ApplicationVersion, s string) bool { return string(v.Spec.State) == s },
	})
}

// version reads a version of the path's app that the caller may see: by
// object name, or by chart version.
func (h *Handler) version(r *http.Request) (*applicationv2.ApplicationVersion, error) {
	app, ver := r.PathValue("app"), r.PathValue("version")
	v := &applicationv2.ApplicationVersion{}
	err := h.get(r.Context(), ver, v)
	if apierrors.IsNotFound(err) {
		err = h.get(r.Context(), names.Version(app, ver), v)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, notFound("applicationversions", ver)
		}
		return nil, err
	}
	if v.Spec.Application != app || !h.mayViewVersion(r, v) {
		return nil, notFound("applicationversions", ver)
	}
	v.ManagedFields = nil
	return v, nil
}

func (h *Handler) getVersion(w http.ResponseWriter, r *http.Request) {
	v, err := h.version(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, v)
}

// files answers a version's README, default values, schema and metadata.
func (h *Handler) files(w http.ResponseWriter, r *http.Request) {
	v, err := h.version(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.chartOf(r.Context(), v)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, appsvc.FilesOf(c))
}

// readChart reads an upload: the raw archive (application/gzip,
// application/x-gzip, application/octet-stream, application/x-tar+gzip)
// or the multipart/form-data field "chart".
func readChart(r *http.Request) ([]byte, error) {
	limit := int64(applicationv2.MaxChartBytes)
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var src io.Reader = r.Body
	switch ct {
	case "multipart/form-data":
		mr, err := multipartReader(r, params)
		if err != nil {
			return nil, err
		}
		src = mr
	case "application/gzip", "application/x-gzip", "application/octet-stream", "application/x-compressed-tar", "application/x-tar+gzip", "":
	default:
		return nil, apistatus.New(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
			"the body must be a chart archive (.tgz) as application/gzip or application/octet-stream, or multipart/form-data with the field chart, not "+ct)
	}
	data, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		var ae *apierrors.StatusError
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, requestbody.ReadError(err)
	}
	if int64(len(data)) > limit {
		return nil, apistatus.New(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge,
			"chart: the chart archive is larger than the limit of 1 MiB", apistatus.Cause(metav1.CauseTypeFieldValueInvalid, "chart", "larger than 1 MiB"))
	}
	return data, nil
}

func multipartReader(r *http.Request, params map[string]string) (io.Reader, error) {
	if params["boundary"] == "" {
		return nil, apistatus.BadRequest("Content-Type", "multipart/form-data needs a boundary")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, apistatus.BadRequest("body", err.Error())
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, apistatus.BadRequest("chart", "the form has no field chart with the chart archive")
		}
		if err != nil {
			return nil, requestbody.ReadError(err)
		}
		if p.FormName() == "chart" {
			return p, nil
		}
	}
}

// chartStatus converts a refused archive to its Status.
func chartStatus(err error) error {
	var ce *appchart.Error
	if errors.As(err, &ce) {
		if errors.Is(err, appchart.ErrTooLarge) {
			return apistatus.New(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, "chart: "+ce.Message,
				apistatus.Cause(metav1.CauseTypeFieldValueInvalid, "chart", ce.Message))
		}
		return apistatus.BadRequest("chart", ce.Message)
	}
	return err
}

// upload adds an uploaded chart to a workspace's app templates: the app
// (if new), a draft version, and the ConfigMap holding the archive.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	ws := r.PathValue("workspace")
	if !h.allowed(r, "create", "applications", ws) {
		responsewriters.WriteStatus(w, forbidden(r, "applications", "upload apps to workspace "+ws))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if err := h.Reader.Get(ctx, client.ObjectKey{Name: ws}, &tenantv1beta1.Workspace{}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	data, err := readChart(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := appchart.Load(data)
	if err != nil {
		responsewriters.WriteStatus(w, chartStatus(err))
		return
	}
	md := c.Metadata
	appName := names.Application(ws, md.Name)
	verName := names.Version(appName, md.Version)
	sum := sha256.Sum256(data)
	user := caller(r).GetName()

	app := &applicationv2.Application{}
	err = h.Writer.Get(ctx, client.ObjectKey{Name: appName}, app)
	switch {
	case apierrors.IsNotFound(err):
		app = &applicationv2.Application{ObjectMeta: metav1.ObjectMeta{Name: appName,
			Labels:      map[string]string{applicationv2.WorkspaceLabel: ws},
			Annotations: map[string]string{tenantv1beta1.CreatorAnnotation: user}}}
		setAppSpec(app, c)
		if err := h.Writer.Create(ctx, app); err != nil && !apierrors.IsAlreadyExists(err) {
			responsewriters.WriteStatus(w, err)
			return
		}
	case err != nil:
		responsewriters.WriteStatus(w, err)
		return
	case workspaceOf(app) != ws || app.Labels[applicationv2.RepositoryLabel] != "":
		responsewriters.WriteStatus(w, apierrors.NewConflict(appsGR, appName, fmt.Errorf("the app %s exists and is not an uploaded app of workspace %s", appName, ws)))
		return
	default:
		if appsvc.CompareVersions(md.Version, app.Status.LatestVersion) >= 0 {
			setAppSpec(app, c)
			if err := h.Writer.Update(ctx, app); err != nil && !apierrors.IsConflict(err) {
				responsewriters.WriteStatus(w, err)
				return
			}
		}
	}
	cmName := names.ChartConfigMap(verName)
	v := &applicationv2.ApplicationVersion{
		ObjectMeta: metav1.ObjectMeta{Name: verName,
			Labels:      map[string]string{applicationv2.WorkspaceLabel: ws, applicationv2.ApplicationLabel: appName},
			Annotations: map[string]string{tenantv1beta1.CreatorAnnotation: user}},
		Spec: applicationv2.ApplicationVersionSpec{Application: appName, Version: md.Version, AppVersion: md.AppVersion,
			Description: truncate(md.Description, 4096), HasSchema: len(c.Schema) > 0, State: applicationv2.StateDraft,
			Source: applicationv2.ChartSource{ConfigMap: cmName, Digest: hex.EncodeToString(sum[:])}},
	}
	if err := h.Writer.Create(ctx, v); err != nil {
		if apierrors.IsAlreadyExists(err) {
			err = apierrors.NewConflict(versionsGR, verName, fmt.Errorf("version %s of %s was already uploaded; delete it or give the chart a new version", md.Version, md.Name))
		}
		responsewriters.WriteStatus(w, err)
		return
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: h.SystemNamespace, Name: cmName,
		Labels: map[string]string{applicationv2.ApplicationLabel: appName},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: applicationv2.GroupVersion.String(), Kind: "ApplicationVersion",
			Name: v.Name, UID: v.UID}}},
		BinaryData: map[string][]byte{applicationv2.ChartKey: data}}
	if err := h.Writer.Create(ctx, cm); err != nil {
		_ = h.Writer.Delete(ctx, v)
		responsewriters.WriteStatus(w, err)
		return
	}
	v.ManagedFields = nil
	responsewriters.WriteJSON(w, http.StatusCreated, v)
}

// truncate cuts s to at most n bytes, not in the middle of a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	return s
}

// webURL keeps an http(s) URL of at most 2048 bytes; anything else (a
// javascript: URL the console would link to) is dropped.
func webURL(u string) string {
	if len(u) > 2048 || (!strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://")) {
		return ""
	}
	return u
}

// categoriesAnnotation of a chart (Chart.yaml annotations) lists the
// store categories it belongs to, comma-separated, as for synced charts.
const categoriesAnnotation = "superkube.io/categories"

// setAppSpec copies a chart's metadata to its app.
func setAppSpec(a *applicationv2.Application, c *appchart.Chart) {
	md := c.Metadata
	a.Spec.ChartName = md.Name
	if a.Spec.DisplayName == "" {
		a.Spec.DisplayName = truncate(md.Name, 128)
	}
	a.Spec.Description = truncate(md.Description, 4096)
	a.Spec.Icon = ""
	if (strings.HasPrefix(md.Icon, "https://") || strings.HasPrefix(md.Icon, "data:image/")) && len(md.Icon) <= 65536 {
		a.Spec.Icon = md.Icon
	}
	a.Spec.Keywords = nil
	for _, k := range first(md.Keywords, 32) {
		a.Spec.Keywords = append(a.Spec.Keywords, truncate(k, 253))
	}
	a.Spec.Home = webURL(md.Home)
	a.Spec.Sources = nil
	for _, u := range first(md.Sources, 16) {
		if u = webURL(u); u != "" {
			a.Spec.Sources = append(a.Spec.Sources, u)
		}
	}
	a.Spec.Maintainers = nil
	for _, m := range md.Maintainers {
		if m != nil && len(a.Spec.Maintainers) < 32 {
			a.Spec.Maintainers = append(a.Spec.Maintainers, applicationv2.Maintainer{Name: truncate(m.Name, 128), Email: truncate(m.Email, 256), URL: webURL(m.URL)})
		}
	}
	for k := range a.Labels {
		if strings.HasPrefix(k, applicationv2.CategoryLabelPrefix) {
			delete(a.Labels, k)
		}
	}
	a.Spec.Categories = nil
	for c := range strings.SplitSeq(md.Annotations[categoriesAnnotation], ",") {
		if c = strings.TrimSpace(c); c != "" && len(validation.IsDNS1123Label(c)) == 0 && len(a.Spec.Categories) < 16 {
			a.Spec.Categories = append(a.Spec.Categories, c)
			if a.Labels == nil {
				a.Labels = map[string]string{}
			}
			a.Labels[applicationv2.CategoryLabelPrefix+c] = "true"
		}
	}
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// actionRequest is the body of a review action.
type actionRequest struct {
	Action  string `json:"action"`
	Message string `json:"message,omitempty"`
}

// action makes a transition of the review workflow, as the caller, with an
// event naming the caller, after the same check as the admission webhook's.
func (h *Handler) action(w http.ResponseWriter, r *http.Request) {
	var in actionRequest
	if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "ReviewAction", Strict: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	t, ok := appsvc.ByAction(in.Action)
	if !ok {
		responsewriters.WriteStatus(w, apistatus.Invalid("ReviewAction", "", field.ErrorList{field.NotSupported(field.NewPath("action"), in.Action, appsvc.Actions())}))
		return
	}
	if len(in.Message) > 4096 {
		responsewriters.WriteStatus(w, apistatus.Invalid("ReviewAction", "", field.ErrorList{field.TooLong(field.NewPath("message"), "", 4096)}))
		return
	}
	if t.NeedsMessage && strings.TrimSpace(in.Message) == "" {
		responsewriters.WriteStatus(w, apistatus.Invalid("ReviewAction", "", field.ErrorList{field.Required(field.NewPath("message"), "a rejection says why")}))
		return
	}
	v, err := h.version(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	s := subject(r)
	if !appsvc.MayMake(h.Authorizer, s, t, workspaceOf(v)) {
		responsewriters.WriteStatus(w, apierrors.NewForbidden(versionsGR, v.Name, errors.New(appsvc.Refusal(s, t, workspaceOf(v)))))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	out := &applicationv2.ApplicationVersion{}
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		// Read fresh: the cache may lag behind the previous action.
		if err := h.LiveReader.Get(ctx, client.ObjectKey{Name: v.Name}, out); err != nil {
			return err
		}
		if out.Spec.State != t.From {
			return apierrors.NewConflict(versionsGR, v.Name, fmt.Errorf("the version is %s; %s takes a version that is %s", out.Spec.State, t.Action, t.From))
		}
		if len(out.Spec.Reviews) >= 256 {
			return apierrors.NewConflict(versionsGR, v.Name, errors.New("the version has 256 review events, the most it can keep"))
		}
		out.Spec.State = t.To
		out.Spec.Reviews = append(out.Spec.Reviews, applicationv2.ReviewEvent{From: t.From, To: t.To, User: s.User,
			Time: metav1.NewTime(h.now().UTC().Truncate(1e9)), Message: in.Message})
		return h.Writer.Update(ctx, out)
	})
	writeObject(w, http.StatusOK, out, err)
}

// reviews is the reviewers' queue: versions in a state (default
// submitted), for app reviewers and platform administrators.
func (h *Handler) reviews(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{Filters: []string{"state", "workspace", "application"}})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !appsvc.Holds(h.Authorizer, subject(r), appsvc.Reviewer, "") {
		responsewriters.WriteStatus(w, forbidden(r, "applicationversions", "review apps (the queue is for app reviewers)"))
		return
	}
	if q.Filters["state"] == "" {
		q.Filters["state"] = string(applicationv2.StateSubmitted)
	}
	var list applicationv2.ApplicationVersionList
	if err := h.Reader.List(r.Context(), &list); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := trimmed(list.Items)
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, nil, listquery.Filters[*applicationv2.ApplicationVersion]{
		"state":       func(v *applicationv2.ApplicationVersion, s string) bool { return string(v.Spec.State) == s },
		"workspace":   func(v *applicationv2.ApplicationVersion, s string) bool { return workspaceOf(v) == s },
		"application": func(v *applicationv2.ApplicationVersion, s string) bool { return v.Spec.Application == s },
	}))
}

// deleteApp deletes an app and its versions: an uploaded app by its
// workspace's developers (delete applications there), a platform app by
// the store's managers.
func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request) {
	a, err := h.app(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !h.allowed(r, "delete", "applications", workspaceOf(a)) {
		responsewriters.WriteStatus(w, forbidden(r, "applications", "delete apps "+where(workspaceOf(a))))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if err := h.unused(ctx, "app "+a.Name, func(rel *applicationv2.ApplicationRelease) bool { return rel.Spec.Application == a.Name }); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	vs, err := h.versionsOf(r, a.Name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	for _, v := range vs {
		if err := h.Writer.Delete(ctx, v); client.IgnoreNotFound(err) != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	if err := h.Writer.Delete(ctx, a); client.IgnoreNotFound(err) != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, appsGR, a.Name)
}

func (h *Handler) deleteVersion(w http.ResponseWriter, r *http.Request) {
	v, err := h.version(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if !h.allowed(r, "delete", "applications", workspaceOf(v)) {
		responsewriters.WriteStatus(w, forbidden(r, "applicationversions", "delete app versions "+where(workspaceOf(v))))
		return
	}
	ctx, cancel := ctxTimeout(r)
	defer cancel()
	if err := h.unused(ctx, "version "+v.Name, func(rel *applicationv2.ApplicationRelease) bool { return rel.Spec.Version == v.Name }); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if err := h.Writer.Delete(ctx, v); client.IgnoreNotFound(err) != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, versionsGR, v.Name)
}

// unused refuses (409) to delete an app or a version that releases still
// install: their upgrades, rollbacks and resyncs need its chart. It names
// up to three of them.
func (h *Handler) unused(ctx context.Context, what string, uses func(*applicationv2.ApplicationRelease) bool) error {
	var list applicationv2.ApplicationReleaseList
	if err := h.Reader.List(ctx, &list); err != nil {
		return err
	}
	var using []string
	for i := range list.Items {
		if uses(&list.Items[i]) {
			using = append(using, list.Items[i].Namespace+"/"+list.Items[i].Name)
		}
	}
	if len(using) == 0 {
		return nil
	}
	shown := using[:min(3, len(using))]
	more := ""
	if len(using) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(using)-len(shown))
	}
	return apistatus.New(http.StatusConflict, metav1.StatusReasonConflict,
		fmt.Sprintf("the %s is installed by the releases %s%s: uninstall them first", what, strings.Join(shown, ", "), more))
}

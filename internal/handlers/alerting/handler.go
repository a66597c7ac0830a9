// Package alerting serves the alerting API at
// /kapis/alerting.superkube.io/v2beta1: rule groups at the three levels
// (project, cluster, platform), written and read as the caller through
// impersonation so that kube-apiserver's RBAC and admission decide as
// they do for kubectl; the firing and pending alerts of each level and
// their history, trimmed to what the caller may see; silences in
// Alertmanager; and a rule's current value (preview).
package alerting

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/alerting/rules"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/impersonate"
	promclient "github.com/superkube/super-kubenetes/internal/monitoring/client"
	alertingsvc "github.com/superkube/super-kubenetes/internal/services/alerting"
)

// Group is the API group of the alerting API.
const Group = alertingv2beta1.GroupName

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/v2beta1"

// Authorizer is what the handler needs of the authorizer: decisions and
// the namespaces where a caller may do something.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Visible(a authz.Attributes) authz.Visibility
}

// Handler serves the alerting API.
type Handler struct {
	Service    *alertingsvc.Service
	Authorizer Authorizer
	// Reader reads namespaces (from the cache).
	Reader client.Reader
	// Clients reads and writes rule groups as the caller.
	Clients *impersonate.Clients
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	for _, l := range levels {
		base := Prefix + "/" + l.resource
		if l.name == alertingv2beta1.LevelProject {
			base = Prefix + "/namespaces/{namespace}/" + l.resource
		}
		mux.Handle(base, routes.Methods{http.MethodGet: h.listGroups(l), http.MethodPost: h.createGroup(l)})
		mux.Handle(base+"/{name}", routes.Methods{http.MethodGet: h.getGroup(l), http.MethodPut: h.updateGroup(l), http.MethodDelete: h.deleteGroup(l)})
		mux.Handle(base+"/preview", routes.Methods{http.MethodPost: h.preview(l)})
	}
	mux.Handle(Prefix+"/builder/metrics", routes.Methods{http.MethodGet: h.builderMetrics})

	mux.Handle(Prefix+"/alerts", routes.Methods{http.MethodGet: h.alerts(h.platformScope)})
	mux.Handle(Prefix+"/alerts/history", routes.Methods{http.MethodGet: h.history(h.platformScope)})
	mux.Handle(Prefix+"/clusteralerts", routes.Methods{http.MethodGet: h.alerts(clusterScope)})
	mux.Handle(Prefix+"/clusteralerts/history", routes.Methods{http.MethodGet: h.history(clusterScope)})
	mux.Handle(Prefix+"/namespaces/{namespace}/alerts", routes.Methods{http.MethodGet: h.alerts(h.projectScope)})
	mux.Handle(Prefix+"/namespaces/{namespace}/alerts/history", routes.Methods{http.MethodGet: h.history(h.projectScope)})

	mux.Handle(Prefix+"/silences", routes.Methods{http.MethodGet: h.listSilences, http.MethodPost: h.createSilence})
	mux.Handle(Prefix+"/silences/{id}", routes.Methods{http.MethodDelete: h.expireSilence})
	mux.Handle(Prefix+"/namespaces/{namespace}/silences", routes.Methods{http.MethodGet: h.listSilences, http.MethodPost: h.createSilence})
	mux.Handle(Prefix+"/namespaces/{namespace}/silences/{id}", routes.Methods{http.MethodDelete: h.expireSilence})
}

// AuthzRules adapt the authorization of the alerting routes. The rule
// groups, the project and cluster alerts, silences
// (listing, creating) and previews are authorized by the filter as the
// resources their paths name (rulegroups, clusterrulegroups,
// globalrulegroups, alerts, clusteralerts, silences; a preview is a create
// of the level's rule groups). The handler decides itself on:
//   - the platform's alerts and their history (GET alerts): every caller
//     sees what they may, trimmed;
//   - expiring a silence: one's own takes the right to create silences,
//     someone else's the right to delete them;
//   - the builder's catalog, which every authenticated user may read.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "alerts", Level: iamv1beta1.LevelGlobal, Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Resource: "silences", Delegate: true, Verbs: []string{"delete"}},
		{Group: Group, Resource: "builder", Delegate: true, Verbs: []string{"get", "list"}},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func caller(r *http.Request) user.Info {
	u, _ := request.UserFrom(r.Context())
	return u
}

func (h *Handler) allowed(u user.Info, verb, resource, ns string) bool {
	return h.Authorizer.Authorize(&authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true,
		Verb: verb, APIGroup: Group, Resource: resource, Namespace: ns}).Allowed
}

func forbidden(u user.Info, resource, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: resource}, "", fmt.Errorf("user %s may not %s", u.GetName(), what))
}

func unavailable(msg string) error {
	return apistatus.New(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable, msg, apistatus.RetryAfter(10))
}

// failed maps the service's failures to a Status.
func failed(err error) error {
	var st apierrors.APIStatus
	var qe *promclient.QueryError
	switch {
	case errors.As(err, &st):
		return err
	case errors.Is(err, alertingsvc.ErrNotConfigured), errors.Is(err, alertingsvc.ErrNoAlertmanager):
		return unavailable(err.Error())
	case errors.Is(err, promclient.ErrUnavailable):
		return unavailable("alerting is unavailable: Prometheus did not answer in time")
	case errors.Is(err, alertingsvc.ErrAlertmanagerUnavailable):
		return unavailable("silences are unavailable: Alertmanager did not answer in time")
	case errors.As(err, &qe):
		return apistatus.BadRequest("query", qe.Message)
	}
	return err
}

// builderMetrics lists the rule builder's metrics.
func (h *Handler) builderMetrics(w http.ResponseWriter, _ *http.Request) {
	items := rules.BuilderCatalog()
	responsewriters.WriteJSON(w, http.StatusOK, struct {
		APIVersion string                `json:"apiVersion"`
		Kind       string                `json:"kind"`
		Items      []rules.BuilderMetric `json:"items"`
		TotalItems int                   `json:"totalItems"`
	}{alertingsvc.APIVersion, "BuilderMetricList", items, len(items)})
}

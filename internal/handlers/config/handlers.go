// Package config holds ke-apiserver's config API
// (/kapis/config.superkube.io/v1alpha2): the identity providers the login
// page offers and the platform's version, both open without login, and the
// platform settings (title, logo) that every user reads and those allowed
// to update platformsettings change.
package config

import (
	"fmt"
	"net/http"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/version"
)

// GroupName is the config API's group.
const GroupName = "config.superkube.io"

// Prefix is the path of the config API.
const Prefix = "/kapis/" + GroupName + "/v1alpha2"

// PublicPaths need no login: the login page shows the identity providers,
// and the version is public as /version is.
var PublicPaths = []string{Prefix + "/identityproviders", Prefix + "/version"}

// ProviderLister lists the identity providers without their secrets.
type ProviderLister interface {
	Providers() []oauth.ProviderInfo
}

// Handlers serves the config API.
type Handlers struct {
	Providers ProviderLister
	Settings  *SettingsStore
}

// Install adds the endpoints to mux.
func (h *Handlers) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/identityproviders", routes.Methods{http.MethodGet: h.identityProviders})
	mux.Handle(Prefix+"/version", routes.Methods{http.MethodGet: h.version})
	mux.Handle(Prefix+"/platformsettings", routes.Methods{http.MethodGet: h.getSettings, http.MethodPut: h.updateSettings, http.MethodPatch: h.patchSettings})
}

// AuthzRules let every authenticated user read the platform settings;
// changing them is authorized as update (PUT) or patch (PATCH) of
// platformsettings in config.superkube.io.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: GroupName, Resource: "platformsettings", Level: iamv1beta1.LevelGlobal, Delegate: true, Verbs: []string{"get", "list"}},
	}
}

// identityProvider wraps what the login page learns of a provider (no
// secrets) for the list convention, which works on object metadata.
type identityProvider struct {
	metav1.ObjectMeta
	info oauth.ProviderInfo
}

// identityProviders serves the list of providers in the list convention.
// Without sortBy they come in the configured order.
func (h *Handlers) identityProviders(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), listquery.Spec{SortBy: []string{"type"}, Filters: []string{"type"}})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var items []*identityProvider
	if h.Providers != nil {
		for _, p := range h.Providers.Providers() {
			items = append(items, &identityProvider{ObjectMeta: metav1.ObjectMeta{Name: p.Name}, info: p})
		}
	}
	order := map[string]string{}
	for i, it := range items {
		order[it.Name] = fmt.Sprintf("%06d", i)
	}
	if !r.URL.Query().Has("sortBy") {
		q.SortBy = "order"
		if !r.URL.Query().Has("ascending") {
			q.Ascending = true
		}
	}
	typ := func(p *identityProvider) string { return p.info.Type }
	list := listquery.Apply(items, q,
		listquery.Columns[*identityProvider]{"type": typ, "order": func(p *identityProvider) string { return order[p.Name] }},
		listquery.Filters[*identityProvider]{"type": func(p *identityProvider, v string) bool { return strings.EqualFold(typ(p), v) }})
	out := listquery.List[oauth.ProviderInfo]{Items: make([]oauth.ProviderInfo, 0, len(list.Items)), TotalItems: list.TotalItems}
	for _, it := range list.Items {
		out.Items = append(out.Items, it.info)
	}
	w.Header().Set("Cache-Control", "no-cache")
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

func (h *Handlers) version(w http.ResponseWriter, _ *http.Request) {
	responsewriters.WriteJSON(w, http.StatusOK, version.Get())
}

func (h *Handlers) getSettings(w http.ResponseWriter, r *http.Request) {
	s, err := h.Settings.Get(r.Context())
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, s)
}

func (h *Handlers) updateSettings(w http.ResponseWriter, r *http.Request) {
	in := &PlatformSettings{}
	if err := requestbody.Decode(r, in, requestbody.Options{}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out, err := h.Settings.Update(r.Context(), func(*PlatformSettings) *PlatformSettings { return in })
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

// settingsPatch is a merge patch of the settings: absent fields stay.
type settingsPatch struct {
	Title *string `json:"title"`
	Logo  *string `json:"logo"`
}

func (h *Handlers) patchSettings(w http.ResponseWriter, r *http.Request) {
	p := &settingsPatch{}
	if err := requestbody.Decode(r, p, requestbody.Options{MediaTypes: []string{requestbody.MergePatchType}}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out, err := h.Settings.Update(r.Context(), func(cur *PlatformSettings) *PlatformSettings {
		next := *cur
		if p.Title != nil {
			next.Title = *p.Title
		}
		if p.Logo != nil {
			next.Logo = *p.Logo
		}
		return &next
	})
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusOK, out)
}

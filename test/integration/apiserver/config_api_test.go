package apiserver

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/version"
)

const configAPI = "/kapis/config.superkube.io/v1alpha2"

// providerNames lists the names of an identity provider list.
func providerNames(r *platform.Response) []string {
	var out []string
	items, _ := r.JSON["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	return out
}

func TestTheLoginPageListsTheIdentityProvidersWithoutSecretsAndWithoutLogin(t *testing.T) {
	r := api.Do(t, http.MethodGet, configAPI+"/identityproviders", "", nil)
	if r.Code != http.StatusOK {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	want := []any{
		map[string]any{"name": autoLDAP, "type": "ldap", "redirect": false},
		map[string]any{"name": lookupLDAP, "type": "ldap", "redirect": false},
		map[string]any{"name": corpOIDC, "type": "oidc", "redirect": true},
	}
	if !reflect.DeepEqual(r.JSON["items"], want) || total(r) != 3 {
		t.Fatalf("the providers are not those configured, in their order: %s", r.Body)
	}
	body := string(r.Body)
	for _, secret := range []string{"bindPassword", "clientSecret", "bindDN", st.ldap.AdminPassword(), st.oidc.ClientSecret, st.ldap.AdminDN(), st.ldap.Addr()} {
		if strings.Contains(body, secret) {
			t.Fatalf("the list shows %q: %s", secret, body)
		}
	}
	t.Run("it follows the list convention", func(t *testing.T) {
		tests := []struct {
			query string
			want  []string
			total int
		}{
			{"?type=oidc", []string{corpOIDC}, 1},
			{"?name=LDAP&sortBy=name&ascending=true", []string{autoLDAP, lookupLDAP}, 2},
			{"?limit=1&page=2", []string{lookupLDAP}, 3},
		}
		for _, tt := range tests {
			r := api.Do(t, http.MethodGet, configAPI+"/identityproviders"+tt.query, "", nil)
			if got := providerNames(r); r.Code != http.StatusOK || !reflect.DeepEqual(got, tt.want) || total(r) != tt.total {
				t.Fatalf("%s: want %v of %d, got %d %s", tt.query, tt.want, tt.total, r.Code, r.Body)
			}
		}
		r := api.Do(t, http.MethodGet, configAPI+"/identityproviders?sortBy=secret", "", nil)
		platform.ExpectStatus(t, r, http.StatusBadRequest)
		expectField(t, r, "sortBy")
	})
}

func TestTheVersionIsReadableWithoutLogin(t *testing.T) {
	r := api.Do(t, http.MethodGet, configAPI+"/version", "", nil)
	if r.Code != http.StatusOK || r.Str("gitVersion") != version.Get().GitVersion || r.Str("goVersion") == "" {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
}

func TestPlatformSettingsAreReadByEveryoneAndChangedByThoseAllowed(t *testing.T) {
	ctx := context.Background()
	adm := api.Admin(t)
	newUser(t, "tn-reader")
	newUser(t, "tn-brander")
	if err := st.k8s.Create(ctx, &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: "tn-branding"},
		AggregationRoleTemplates: &iamv1beta1.AggregationRoleTemplates{TemplateNames: []string{"global-manage-settings"}}}); err != nil {
		t.Fatal(err)
	}
	bindGlobal(t, "tn-brander", "tn-branding")
	reader, brander := api.Token(t, "tn-reader"), api.Token(t, "tn-brander")
	t.Cleanup(func() {
		api.DoJSON(t, http.MethodPut, configAPI+"/platformsettings", adm, map[string]string{"title": "", "logo": ""})
	})
	const logo = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

	platform.ExpectStatus(t, api.Do(t, http.MethodGet, configAPI+"/platformsettings", "", nil), http.StatusUnauthorized)
	r := api.Do(t, http.MethodGet, configAPI+"/platformsettings", reader, nil)
	if r.Code != http.StatusOK || r.Str("kind") != "PlatformSettings" || r.Str("title") == "" {
		t.Fatalf("a user reads the settings: %d %s", r.Code, r.Body)
	}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPut, configAPI+"/platformsettings", reader, map[string]string{"title": "Mine"}), http.StatusForbidden)

	t.Run("a user allowed to update platformsettings changes them and everyone reads them at once", func(t *testing.T) {
		r := untilAllowed(t, "the brander may update the settings", func() *platform.Response {
			return api.DoJSON(t, http.MethodPut, configAPI+"/platformsettings", brander, map[string]string{"title": "Acme Cloud", "logo": logo})
		})
		if r.Code != http.StatusOK || r.Str("title") != "Acme Cloud" || r.Str("logo") != logo {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
		r = api.Do(t, http.MethodGet, configAPI+"/platformsettings", reader, nil)
		if r.Str("title") != "Acme Cloud" || r.Str("logo") != logo {
			t.Fatalf("the reader sees %s", r.Body)
		}
		cm := &corev1.ConfigMap{}
		if err := st.k8s.Get(ctx, types.NamespacedName{Namespace: "superkube-system", Name: "platform-settings"}, cm); err != nil {
			t.Fatal(err)
		}
		if cm.Data["title"] != "Acme Cloud" || cm.Data["logo"] != logo {
			t.Fatalf("the ConfigMap holds %v", cm.Data)
		}
	})
	t.Run("a merge patch changes only what it names", func(t *testing.T) {
		r := api.Do(t, http.MethodPatch, configAPI+"/platformsettings", adm, strings.NewReader(`{"title":"Acme"}`), "Content-Type", "application/merge-patch+json")
		if r.Code != http.StatusOK || r.Str("title") != "Acme" || r.Str("logo") != logo {
			t.Fatalf("%d %s", r.Code, r.Body)
		}
	})
	t.Run("invalid settings are a 422 naming the field", func(t *testing.T) {
		tests := []struct {
			name  string
			body  map[string]string
			field string
		}{
			{"a title over 64 characters", map[string]string{"title": strings.Repeat("é", 65)}, "title"},
			{"a title with a control character", map[string]string{"title": "Acme\nCloud"}, "title"},
			{"a javascript URL", map[string]string{"logo": "javascript:alert(1)"}, "logo"},
			{"a plain http URL", map[string]string{"logo": "http://example.com/logo.png"}, "logo"},
			{"an https URL with credentials", map[string]string{"logo": "https://user:pass@example.com/logo.png"}, "logo"},
			{"a data URL that is not an image", map[string]string{"logo": "data:text/html;base64,PHNjcmlwdD4="}, "logo"},
			{"a data URL that is not base64", map[string]string{"logo": "data:image/svg+xml,<svg/>"}, "logo"},
			{"a data URL with broken base64", map[string]string{"logo": "data:image/png;base64,***"}, "logo"},
		}
		for _, tt := range tests {
			r := api.DoJSON(t, http.MethodPut, configAPI+"/platformsettings", adm, tt.body)
			platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
			expectField(t, r, tt.field)
		}
		if r := api.Do(t, http.MethodGet, configAPI+"/platformsettings", reader, nil); r.Str("title") != "Acme" {
			t.Fatalf("a refused change changed the settings: %s", r.Body)
		}
		r := api.DoJSON(t, http.MethodPut, configAPI+"/platformsettings", adm, map[string]string{"logo": "https://cdn.example.com/logo.svg"})
		if r.Code != http.StatusOK {
			t.Fatalf("an https logo: %d %s", r.Code, r.Body)
		}
	})
	t.Run("an oversized logo is a 422 naming logo", func(t *testing.T) {
		// The stack refuses bodies over 64 KiB; a replica with the default
		// limit (3 MiB) lets the logo reach validation.
		rep := startReplica(t, func(cfg *app.Config) { cfg.Limits.MaxBodyBytes = app.DefaultConfig().Limits.MaxBodyBytes })
		tok := rep.login(t, "admin").Str("access_token")
		big := "data:image/png;base64," + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x89}, 200<<10))
		r := putJSON(t, rep, configAPI+"/platformsettings", tok, map[string]string{"title": "Big", "logo": big})
		platform.ExpectStatus(t, r, http.StatusUnprocessableEntity)
		expectField(t, r, "logo")
		if len(r.Body) > 4096 {
			t.Fatalf("the error echoes the logo (%d bytes)", len(r.Body))
		}
		// Just under the limit is fine.
		fits := "data:image/png;base64," + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x89}, 150<<10))
		if r := putJSON(t, rep, configAPI+"/platformsettings", tok, map[string]string{"title": "Big", "logo": fits}); r.Code != http.StatusOK {
			t.Fatalf("a logo under the limit: %d %.300s", r.Code, r.Body)
		}
	})
}

// putJSON sends a JSON PUT to a replica.
func putJSON(t *testing.T, rep *replica, path, bearer string, v any) *platform.Response {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(rep.srv.URL + path)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, u.String(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := rep.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := &platform.Response{Code: resp.StatusCode, Header: resp.Header, Body: body}
	_ = json.Unmarshal(body, &out.JSON)
	return out
}

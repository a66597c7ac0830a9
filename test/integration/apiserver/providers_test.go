package apiserver

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/ldap"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/oidc"
	"github.com/superkube/super-kubenetes/internal/testutil/oidcprovider"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
	"github.com/superkube/super-kubenetes/internal/testutil/slapd"
)

// The identity providers of the stack: an LDAP directory searched by two
// providers (one creating users, one only looking them up) and an OpenID
// provider.
const (
	autoLDAP   = "corp-ldap"
	lookupLDAP = "staff-ldap"
	corpOIDC   = "corp-oidc"
	// ldapPassword is the password of every directory user.
	ldapPassword = "Ldap-Passw0rd!"
	mappedGroup  = "developers"
	mappedRole   = "platform-regular"
)

const (
	peopleDN = "ou=people,dc=example,dc=org" // users of autoLDAP
	staffDN  = "ou=staff,dc=example,dc=org"  // users of lookupLDAP
	groupsDN = "ou=groups,dc=example,dc=org"
)

// startDirectory starts slapd with the directory the tests use.
func startDirectory() (*slapd.Server, error) {
	s, err := slapd.Start()
	if err != nil {
		return nil, fmt.Errorf("slapd: %w", err)
	}
	var b strings.Builder
	for _, ou := range []string{peopleDN, staffDN, groupsDN} {
		name := strings.TrimPrefix(strings.Split(ou, ",")[0], "ou=")
		fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalUnit\nou: %s\n\n", ou, name)
	}
	// lara and wendy are ordinary directory users; lena and luke have the
	// names of local platform users.
	for _, u := range []struct{ uid, base string }{
		{"lara", peopleDN}, {"wendy", peopleDN}, {"lena", peopleDN},
		{"stan", staffDN}, {"pat", staffDN}, {"luke", staffDN},
	} {
		fmt.Fprintf(&b, "dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s Directory\nsn: Directory\nmail: %s@corp.example\nuserPassword: %s\n\n",
			u.uid, u.base, u.uid, u.uid, u.uid, ldapPassword)
	}
	fmt.Fprintf(&b, "dn: cn=%s,%s\nobjectClass: groupOfNames\ncn: %s\nmember: uid=lara,%s\nmember: uid=wendy,%s\n\n",
		mappedGroup, groupsDN, mappedGroup, peopleDN, peopleDN)
	if err := s.AddEntries(b.String()); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("slapd: adding the test entries: %w", err)
	}
	return s, nil
}

// oidcOptions configure the OpenID provider: its client calls back to
// ke-apiserver at issuer.
func oidcOptions(issuer string) oidcprovider.Options {
	return oidcprovider.Options{
		RedirectURIs: []string{issuer + "/oauth/callback/" + corpOIDC},
		Users: []oidcprovider.User{
			{Subject: "sub-olivia", Username: "olivia", Email: "olivia@corp.example", EmailVerified: true, Name: "Olivia Ortiz", Groups: []string{mappedGroup}},
			{Subject: "sub-lena", Username: "lena", Email: "lena@corp.example", EmailVerified: true, Name: "Not Lena", Groups: []string{mappedGroup}},
		},
	}
}

// identityProviders configure ke-apiserver for the directory and the
// OpenID provider.
func (s *stack) identityProviders() []app.ProviderEntry {
	dir := func(name string, method idp.MappingMethod, base string) *ldap.Config {
		return &ldap.Config{Name: name, MappingMethod: method, Host: s.ldap.Addr(), BindDN: s.ldap.AdminDN(), BindPassword: s.ldap.AdminPassword(),
			UserSearchBase: base, GroupSearchBase: groupsDN}
	}
	roles := []app.GroupRole{{Group: mappedGroup, GlobalRole: mappedRole}}
	return []app.ProviderEntry{
		{LDAP: dir(autoLDAP, idp.MappingAuto, peopleDN), GroupRoles: roles},
		{LDAP: dir(lookupLDAP, idp.MappingLookup, staffDN), GroupRoles: roles},
		{OIDC: &oidc.Config{Name: corpOIDC, Issuer: s.oidc.Issuer, ClientID: s.oidc.ClientID, ClientSecret: s.oidc.ClientSecret, RootCA: s.oidc.CAFile},
			GroupRoles: roles},
	}
}

func getUser(t *testing.T, name string) *iamv1beta1.User {
	t.Helper()
	u := &iamv1beta1.User{}
	if err := st.k8s.Get(t.Context(), keyOf(name), u); err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return u
}

func expectNoUser(t *testing.T, name string) {
	t.Helper()
	if err := st.k8s.Get(t.Context(), keyOf(name), &iamv1beta1.User{}); !apierrors.IsNotFound(err) {
		t.Fatalf("user %s exists (%v)", name, err)
	}
}

// expectGroupRoleBinding checks the binding a provider grants for a group.
func expectGroupRoleBinding(t *testing.T, user, provider string) {
	t.Helper()
	b := &iamv1beta1.GlobalRoleBinding{}
	if err := st.k8s.Get(t.Context(), keyOf(user+"-"+mappedRole), b); err != nil {
		t.Fatalf("the binding of %s's group: %v", user, err)
	}
	want := map[string]string{iamv1beta1.UserRefLabel: user, iamv1beta1.RoleRefLabel: mappedRole, oauth.GrantedByLabel: provider}
	if !reflect.DeepEqual(b.Labels, want) || b.RoleRef.Kind != "GlobalRole" || b.RoleRef.Name != mappedRole ||
		len(b.Subjects) != 1 || b.Subjects[0].Kind != "User" || b.Subjects[0].Name != user {
		t.Fatalf("the binding of %s's group is not as granted: %+v %+v %+v", user, b.Labels, b.RoleRef, b.Subjects)
	}
}

// expectLoginRecord waits for a successful login record of the user.
func expectLoginRecord(t *testing.T, user string, kind iamv1beta1.LoginRecordType, provider string) {
	t.Helper()
	eventually(t, "a "+string(kind)+" login record of "+user, func() error {
		records := &iamv1beta1.LoginRecordList{}
		if err := st.k8s.List(t.Context(), records, labelsFor(user)); err != nil {
			return err
		}
		for _, r := range records.Items {
			if r.Spec.Type == kind && r.Spec.Provider == provider && r.Spec.Success {
				return nil
			}
		}
		return errf("%d records, none of type %s from %s", len(records.Items), kind, provider)
	})
}

func TestAnLDAPUserIsCreatedAtFirstLoginWithTheRolesOfItsGroupsUntilItLeavesThem(t *testing.T) {
	r := api.Login(t, "lara", ldapPassword)
	if r.Code != http.StatusOK || r.Str("access_token") == "" {
		t.Fatalf("first login: %d %s", r.Code, r.Body)
	}
	u := getUser(t, "lara")
	if got := u.Annotations[oauth.IdentityAnnotation(autoLDAP)]; got != "uid=lara,"+peopleDN {
		t.Fatalf("the user is linked to %q", got)
	}
	if u.Spec.Email != "lara@corp.example" || u.Spec.Password != "" {
		t.Fatalf("the user is not made from the directory entry: %+v", u.Spec)
	}
	expectLoginRecord(t, "lara", iamv1beta1.LoginLDAP, autoLDAP)
	expectGroupRoleBinding(t, "lara", autoLDAP)
	if r := api.Do(t, http.MethodGet, "/oauth/userinfo", r.Str("access_token"), nil); r.Code != http.StatusOK || r.Str("sub") != "lara" {
		t.Fatalf("userinfo: %d %s", r.Code, r.Body)
	}

	// An administrator's binding of the same user is none of the provider's business.
	manual := &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "lara-platform-self-provisioner",
			Labels: map[string]string{iamv1beta1.UserRefLabel: "lara", iamv1beta1.RoleRefLabel: "platform-self-provisioner"}},
		RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "platform-self-provisioner"},
		Subjects: []iamv1beta1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "lara"}},
	}
	if err := st.k8s.Create(t.Context(), manual); err != nil {
		t.Fatal(err)
	}
	// ke-apiserver finds the bindings to take back in its cache.
	eventually(t, "ke-apiserver sees the bindings", func() error {
		for _, name := range []string{"lara-" + mappedRole, manual.Name} {
			if err := st.srv.Cache.Get(t.Context(), keyOf(name), &iamv1beta1.GlobalRoleBinding{}); err != nil {
				return err
			}
		}
		return nil
	})

	removeMember(t, mappedGroup, "uid=lara,"+peopleDN)
	if r := api.Login(t, "lara", ldapPassword); r.Code != http.StatusOK {
		t.Fatalf("second login: %d %s", r.Code, r.Body)
	}
	if err := st.k8s.Get(t.Context(), keyOf("lara-"+mappedRole), &iamv1beta1.GlobalRoleBinding{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the binding of the group lara left is still there (%v)", err)
	}
	if err := st.k8s.Get(t.Context(), keyOf(manual.Name), &iamv1beta1.GlobalRoleBinding{}); err != nil {
		t.Fatalf("the administrator's binding is gone: %v", err)
	}
}

// removeMember takes a member out of a directory group.
func removeMember(t *testing.T, group, memberDN string) {
	t.Helper()
	conn, err := goldap.DialURL(st.ldap.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Bind(st.ldap.AdminDN(), st.ldap.AdminPassword()); err != nil {
		t.Fatal(err)
	}
	req := goldap.NewModifyRequest("cn="+group+","+groupsDN, nil)
	req.Delete("member", []string{memberDN})
	if err := conn.Modify(req); err != nil {
		t.Fatalf("removing %s from %s: %v", memberDN, group, err)
	}
}

func TestAnLDAPUserWithAWrongPasswordGetsTheSameAnswerAsAnUnknownUser(t *testing.T) {
	unknown := api.Login(t, "nobody-in-the-directory", "Wrong-Passw0rd!")
	platform.ExpectStatus(t, unknown, http.StatusUnauthorized)
	same := func(when string) {
		t.Helper()
		wrong := api.Login(t, "wendy", "Wrong-Passw0rd!")
		if wrong.Code != unknown.Code || string(wrong.Body) != string(unknown.Body) {
			t.Fatalf("%s, the answers differ:\n%d %s\n%d %s", when, wrong.Code, wrong.Body, unknown.Code, unknown.Body)
		}
	}
	same("before the user's first login")
	expectNoUser(t, "wendy")
	if r := api.Login(t, "wendy", ldapPassword); r.Code != http.StatusOK {
		t.Fatalf("login: %d %s", r.Code, r.Body)
	}
	same("once the user exists")
}

func TestWithMappingMethodLookupAnLDAPUserWithoutAPlatformUserIsRefused(t *testing.T) {
	unknown := api.Login(t, "nobody-in-the-directory", "Wrong-Passw0rd!")
	r := api.Login(t, "stan", ldapPassword)
	if r.Code != http.StatusUnauthorized || string(r.Body) != string(unknown.Body) {
		t.Fatalf("a directory user without a platform user: %d %s", r.Code, r.Body)
	}
	expectNoUser(t, "stan")

	t.Run("a user an administrator made for the directory logs in", func(t *testing.T) {
		if err := st.k8s.Create(t.Context(), &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "pat"},
			Spec: iamv1beta1.UserSpec{Email: "pat@corp.example"}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "pat logs in through "+lookupLDAP, func() error {
			if r := api.Login(t, "pat", ldapPassword); r.Code != http.StatusOK {
				return errf("%d %s", r.Code, r.Body)
			}
			return nil
		})
		expectLoginRecord(t, "pat", iamv1beta1.LoginLDAP, lookupLDAP)
		if err := st.k8s.Get(t.Context(), keyOf("pat-"+mappedRole), &iamv1beta1.GlobalRoleBinding{}); !apierrors.IsNotFound(err) {
			t.Fatalf("pat is in no directory group, yet got its role (%v)", err)
		}
	})
}

// oidcFlow is a browser's authorization request of the public client "cli"
// through the OpenID provider, with PKCE.
type oidcFlow struct {
	verifier string
	query    url.Values
	cookie   *http.Cookie
	// callback is where the provider sends the browser back to ke-apiserver.
	callback *url.URL
}

// startOIDCLogin asks ke-apiserver to log in through the OpenID provider
// and follows the provider's login of the user back to ke-apiserver's
// callback, without requesting it.
func startOIDCLogin(t *testing.T, user string) *oidcFlow {
	t.Helper()
	f := &oidcFlow{verifier: strings.Repeat("o", 20) + strings.Repeat("v", 30)}
	sum := sha256.Sum256([]byte(f.verifier))
	f.query = url.Values{"client_id": {"cli"}, "redirect_uri": {cliRedirect}, "response_type": {"code"}, "scope": {"openid"},
		"state": {"client-state"}, "nonce": {"client-nonce"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "idp": {corpOIDC}}
	r := api.Do(t, http.MethodGet, "/oauth/authorize?"+f.query.Encode(), "", nil)
	loc, err := url.Parse(r.Header.Get("Location"))
	if r.Code != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), st.oidc.Issuer+"/") || loc.Query().Get("state") == "" {
		t.Fatalf("authorize: %d %s %s", r.Code, r.Header.Get("Location"), r.Body)
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "ke_oauth_state" {
			f.cookie = c
		}
	}
	if f.cookie == nil || f.cookie.Value == "" || !f.cookie.HttpOnly || !f.cookie.Secure {
		t.Fatalf("no proper state cookie: %v", r.Header.Values("Set-Cookie"))
	}
	q := loc.Query()
	q.Set("login_hint", user)
	loc.RawQuery = q.Encode()
	if f.callback, err = st.oidc.FollowLogin(t.Context(), loc.String()); err != nil {
		t.Fatal(err)
	}
	if want := st.url + "/oauth/callback/" + corpOIDC; f.callback.Scheme+"://"+f.callback.Host+f.callback.Path != want || f.callback.Query().Get("code") == "" {
		t.Fatalf("the provider sent the browser to %s, not %s with a code", f.callback.Redacted(), want)
	}
	return f
}

// finish calls ke-apiserver's callback as the browser, with its cookie.
func (f *oidcFlow) finish(t *testing.T) *url.URL {
	t.Helper()
	r := api.Do(t, http.MethodGet, f.callback.RequestURI(), "", nil, "Cookie", f.cookie.Name+"="+f.cookie.Value)
	loc, err := url.Parse(r.Header.Get("Location"))
	if r.Code != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), cliRedirect+"?") || loc.Query().Get("state") != "client-state" {
		t.Fatalf("callback: %d %s %s", r.Code, r.Header.Get("Location"), r.Body)
	}
	return loc
}

func expectErrorPage(t *testing.T, r *platform.Response) {
	t.Helper()
	if r.Code != http.StatusBadRequest || r.Header.Get("Location") != "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("want an HTML error page: %d %v %s", r.Code, r.Header, r.Body)
	}
}

func TestAnOIDCLoginGoesThroughTheProviderAndMakesAUserFromItsClaims(t *testing.T) {
	f := startOIDCLogin(t, "olivia")

	t.Run("a callback without the browser's cookie is an error page", func(t *testing.T) {
		expectErrorPage(t, api.Do(t, http.MethodGet, f.callback.RequestURI(), "", nil))
	})
	t.Run("a callback with a tampered state is an error page", func(t *testing.T) {
		for name, state := range map[string]string{
			"a changed signature": tamper(f.callback.Query().Get("state"), 2),
			"changed claims":      tamper(f.callback.Query().Get("state"), 1),
			"another token":       otherIssuerToken(t),
		} {
			cb := *f.callback
			q := cb.Query()
			q.Set("state", state)
			cb.RawQuery = q.Encode()
			r := api.Do(t, http.MethodGet, cb.RequestURI(), "", nil, "Cookie", f.cookie.Name+"="+f.cookie.Value)
			if r.Code != http.StatusBadRequest || r.Header.Get("Location") != "" {
				t.Fatalf("%s: %d %s", name, r.Code, r.Header.Get("Location"))
			}
			expectErrorPage(t, r)
		}
	})

	loc := f.finish(t)
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("error") != "" {
		t.Fatalf("no code: %s", loc)
	}
	tokens := api.Form(t, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"cli"}, "code": {code},
		"redirect_uri": {cliRedirect}, "code_verifier": {f.verifier}}, "", "")
	if tokens.Code != http.StatusOK || tokens.Str("access_token") == "" || tokens.Str("id_token") == "" {
		t.Fatalf("exchange: %d %s", tokens.Code, tokens.Body)
	}
	info := api.Do(t, http.MethodGet, "/oauth/userinfo", tokens.Str("access_token"), nil)
	if info.Code != http.StatusOK || info.Str("sub") != "olivia" || info.Str("email") != "olivia@corp.example" || info.Str("name") != "Olivia Ortiz" {
		t.Fatalf("userinfo: %d %s", info.Code, info.Body)
	}
	u := getUser(t, "olivia")
	if u.Annotations[oauth.IdentityAnnotation(corpOIDC)] != "sub-olivia" || u.Spec.DisplayName != "Olivia Ortiz" {
		t.Fatalf("the user is not made from the claims: %v %+v", u.Annotations, u.Spec)
	}
	expectLoginRecord(t, "olivia", iamv1beta1.LoginOAuth, corpOIDC)
	expectGroupRoleBinding(t, "olivia", corpOIDC)
}

// tamper changes one character of a part of a JWT.
func tamper(jwt string, part int) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 || len(parts[part]) < 8 {
		return jwt + "x"
	}
	p := []byte(parts[part])
	i := len(p) / 2
	if p[i] == 'A' {
		p[i] = 'B'
	} else {
		p[i] = 'A'
	}
	parts[part] = string(p)
	return strings.Join(parts, ".")
}

func TestALocalUserCannotBeTakenOverByAnLDAPOrOIDCIdentityOfTheSameName(t *testing.T) {
	newUser(t, "lena") // also lena in the directory (autoLDAP) and at the OpenID provider
	newUser(t, "luke") // also luke in the directory (lookupLDAP)
	unknown := api.Login(t, "nobody-in-the-directory", "Wrong-Passw0rd!")
	before := map[string]*iamv1beta1.User{"lena": getUser(t, "lena"), "luke": getUser(t, "luke")}

	for _, name := range []string{"lena", "luke"} {
		t.Run("the directory's "+name+" is refused", func(t *testing.T) {
			r := api.Login(t, name, ldapPassword)
			if r.Code != http.StatusUnauthorized || string(r.Body) != string(unknown.Body) {
				t.Fatalf("%d (tokens: %v) %s", r.Code, r.Str("access_token") != "", r.Str("message"))
			}
		})
	}
	t.Run("the OpenID provider's lena is refused", func(t *testing.T) {
		loc := startOIDCLogin(t, "lena").finish(t)
		if loc.Query().Get("code") != "" || loc.Query().Get("error") != "access_denied" {
			t.Fatalf("the client got %s", loc)
		}
	})

	for name, was := range before {
		now := getUser(t, name)
		if !reflect.DeepEqual(now.Spec, was.Spec) || !reflect.DeepEqual(now.Annotations, was.Annotations) {
			t.Fatalf("user %s changed:\n%+v %v\n%+v %v", name, was.Spec, was.Annotations, now.Spec, now.Annotations)
		}
		bindings := &iamv1beta1.GlobalRoleBindingList{}
		if err := st.k8s.List(t.Context(), bindings, labelsFor(name)); err != nil || len(bindings.Items) != 0 {
			t.Fatalf("user %s got bindings: %v %v", name, bindings.Items, err)
		}
		if r := api.Login(t, name, Password); r.Code != http.StatusOK {
			t.Fatalf("%s's own password: %d %s", name, r.Code, r.Body)
		}
	}
}

// replica is another ke-apiserver of the same cluster, issuer and key.
type replica struct {
	srv  *httptest.Server
	http *http.Client
}

func startReplica(t *testing.T, mutate func(*app.Config)) *replica {
	t.Helper()
	cfg := st.cfg
	cfg.Audit.Path, cfg.IdentityProviders = "", nil
	mutate(&cfg)
	completed, err := cfg.Complete(st.env.Config)
	if err != nil {
		t.Fatal(err)
	}
	s, err := app.Build(t.Context(), completed, logr.Discard(), clock.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// The caches and the background loops (login records, streams) run
	// until the test ends.
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(s.Handler)
	t.Cleanup(ts.Close)
	c := ts.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &replica{srv: ts, http: c}
}

func (r *replica) send(t *testing.T, method, path, bearer string, values url.Values) *platform.Response {
	t.Helper()
	var body io.Reader
	if values != nil {
		body = strings.NewReader(values.Encode())
	}
	req, err := http.NewRequestWithContext(t.Context(), method, r.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if values != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(app.ConsoleClientID, consoleSecret)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	out := &platform.Response{Code: resp.StatusCode, Header: resp.Header, Body: data}
	_ = json.Unmarshal(data, &out.JSON)
	return out
}

func (r *replica) login(t *testing.T, user string) *platform.Response {
	t.Helper()
	return r.send(t, http.MethodPost, "/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {user}, "password": {Password}})
}

func TestALogoutOnOneReplicaRevokesTheTokenOnEveryReplicaSharingRedis(t *testing.T) {
	redis := redisserver.StartT(t)
	newUser(t, "replicated")
	withRedis := func(cfg *app.Config) { cfg.RedisURL = redis.URL(0) }
	first, second := startReplica(t, withRedis), startReplica(t, withRedis)

	r := first.login(t, "replicated")
	tok := r.Str("access_token")
	if r.Code != http.StatusOK || tok == "" {
		t.Fatalf("login: %d %s", r.Code, r.Body)
	}
	for i, rep := range []*replica{first, second} {
		if r := rep.send(t, http.MethodGet, "/oauth/userinfo", tok, nil); r.Code != http.StatusOK || r.Str("sub") != "replicated" {
			t.Fatalf("replica %d does not accept the token: %d %s", i+1, r.Code, r.Body)
		}
	}
	if r := second.send(t, http.MethodPost, "/oauth/logout", tok, nil); r.Code != http.StatusOK {
		t.Fatalf("logout: %d %s", r.Code, r.Body)
	}
	for _, rep := range []*replica{first, second} {
		platform.ExpectStatus(t, rep.send(t, http.MethodGet, "/oauth/userinfo", tok, nil), http.StatusUnauthorized)
		platform.ExpectStatus(t, rep.send(t, http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/replicated", tok, nil), http.StatusUnauthorized)
	}
}

func TestLoginsBeyondTheRateLimitAreAnsweredWith429(t *testing.T) {
	newUser(t, "hasty")
	limited := startReplica(t, func(cfg *app.Config) {
		cfg.Authentication.LoginsPerMinute, cfg.Authentication.LoginBurst = 1, 2
	})
	for i := range 2 {
		if r := limited.login(t, "hasty"); r.Code != http.StatusOK {
			t.Fatalf("login %d: %d %s", i+1, r.Code, r.Body)
		}
	}
	r := limited.login(t, "hasty")
	platform.ExpectStatus(t, r, http.StatusTooManyRequests)
	if r.Str("error") != "slow_down" || r.Str("reason") != string(metav1.StatusReasonTooManyRequests) || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the answer: %v %s", r.Header, r.Body)
	}
	// The limit is the replica's: the main server still answers.
	if r := api.Login(t, "hasty", Password); r.Code != http.StatusOK {
		t.Fatalf("the main server: %d %s", r.Code, r.Body)
	}
}

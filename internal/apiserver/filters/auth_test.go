package filters_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authz"
)

const wsTokenProtocol = "base64url.bearer.authorization.k8s.io."

func wsToken(tok string) string {
	return wsTokenProtocol + base64.RawURLEncoding.EncodeToString([]byte(tok))
}

// protocols lists the sub-protocols of all Sec-WebSocket-Protocol lines.
func protocols(h http.Header) []string {
	var ps []string
	for p := range strings.SplitSeq(strings.Join(h.Values("Sec-WebSocket-Protocol"), ","), ",") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

func testTokens() tokens {
	return tokens{
		"good-token":  {User: alice},
		"must-change": {User: bob, PasswordChangeRequired: true},
	}
}

func TestWithAuthentication(t *testing.T) {
	basicHeader := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret"))
	wrongBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wrong"))
	tests := []struct {
		name    string
		headers map[string]string
		// protocolLines are Sec-WebSocket-Protocol header lines, each sent
		// on its own as RFC 6455 allows.
		protocolLines []string
		basic         bool // configure a basic authenticator
		// What the handler must see; wantCode 401 means it must not run.
		wantCode      int
		wantUser      string
		wantGroups    []string
		wantAuthz     string   // the Authorization header at the handler
		wantProtocols []string // Sec-WebSocket-Protocol at the handler
		wantBasicUses int
	}{
		{name: "a request without credentials is the anonymous user",
			wantCode: http.StatusOK, wantUser: user.Anonymous, wantGroups: []string{user.AllUnauthenticated}},
		{name: "a bearer token the authenticator accepts is its user, and the Authorization header goes no further",
			headers:  map[string]string{"Authorization": "Bearer good-token"},
			wantCode: http.StatusOK, wantUser: "alice", wantGroups: alice.Groups},
		{name: "the bearer scheme is matched without regard to case",
			headers:  map[string]string{"Authorization": "bearer good-token"},
			wantCode: http.StatusOK, wantUser: "alice", wantGroups: alice.Groups},
		{name: "a bearer token the authenticator refuses is 401",
			headers:  map[string]string{"Authorization": "Bearer stolen-or-expired"},
			wantCode: http.StatusUnauthorized},
		{name: "a bearer token the authenticator fails to check (the token store is down) is 503, and the handler does not run",
			headers:  map[string]string{"Authorization": "Bearer broken"},
			wantCode: http.StatusServiceUnavailable},
		{name: "a token in the WebSocket sub-protocol is accepted and only that protocol is removed",
			headers:  map[string]string{"Sec-WebSocket-Protocol": "v5.channel.k8s.io, " + wsToken("good-token") + ", base64.binary.k8s.io"},
			wantCode: http.StatusOK, wantUser: "alice", wantGroups: alice.Groups,
			wantProtocols: []string{"v5.channel.k8s.io", "base64.binary.k8s.io"}},
		{name: "a token that is the only WebSocket sub-protocol leaves no sub-protocol behind",
			headers:  map[string]string{"Sec-WebSocket-Protocol": wsToken("good-token")},
			wantCode: http.StatusOK, wantUser: "alice", wantGroups: alice.Groups},
		{name: "a token in the WebSocket sub-protocol on its own header line is accepted and the other lines stay",
			protocolLines: []string{"v5.channel.k8s.io", wsToken("good-token")},
			wantCode:      http.StatusOK, wantUser: "alice", wantGroups: alice.Groups,
			wantProtocols: []string{"v5.channel.k8s.io"}},
		{name: "a token in the first WebSocket sub-protocol line is removed and the protocols of the other lines stay",
			protocolLines: []string{wsToken("good-token"), "v5.channel.k8s.io, base64.binary.k8s.io"},
			wantCode:      http.StatusOK, wantUser: "alice", wantGroups: alice.Groups,
			wantProtocols: []string{"v5.channel.k8s.io", "base64.binary.k8s.io"}},
		{name: "a refused token in the WebSocket sub-protocol is 401",
			headers:  map[string]string{"Sec-WebSocket-Protocol": wsToken("stolen-or-expired") + ", v5.channel.k8s.io"},
			wantCode: http.StatusUnauthorized},
		{name: "basic credentials go to the basic authenticator when one is configured, and stay on the request",
			headers: map[string]string{"Authorization": basicHeader}, basic: true,
			wantCode: http.StatusOK, wantUser: "alice", wantGroups: alice.Groups, wantAuthz: basicHeader, wantBasicUses: 1},
		{name: "wrong basic credentials are 401 when a basic authenticator is configured",
			headers: map[string]string{"Authorization": wrongBasic}, basic: true,
			wantCode: http.StatusUnauthorized, wantBasicUses: 1},
		{name: "basic credentials reach the handler untouched, as the anonymous user, when no basic authenticator is configured",
			headers:  map[string]string{"Authorization": basicHeader},
			wantCode: http.StatusOK, wantUser: user.Anonymous, wantGroups: []string{user.AllUnauthenticated}, wantAuthz: basicHeader},
		{name: "a bearer token is never offered to the basic authenticator",
			headers: map[string]string{"Authorization": "Bearer good-token"}, basic: true,
			wantCode: http.StatusOK, wantUser: "alice", wantGroups: alice.Groups},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ba := &basicAuth{user: "alice", password: "s3cret", result: &authn.Result{User: alice}}
			var basic filters.BasicAuthenticator
			if tt.basic {
				basic = ba
			}
			var seen *http.Request
			var seenUser user.Info
			var seenResult *authn.Result
			h := filters.WithAuthentication(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = r
				seenUser, _ = request.UserFrom(r.Context())
				seenResult, _ = authn.ResultFrom(r.Context())
				w.WriteHeader(http.StatusOK)
			}), testTokens(), basic)
			req := httptest.NewRequest(http.MethodGet, "/api/v1/namespaces/dev/pods", nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			for _, line := range tt.protocolLines {
				req.Header.Add("Sec-WebSocket-Protocol", line)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if len(ba.calls) != tt.wantBasicUses {
				t.Errorf("the basic authenticator was asked %d times, want %d", len(ba.calls), tt.wantBasicUses)
			}
			if tt.wantCode == http.StatusServiceUnavailable {
				if seen != nil {
					t.Fatal("the handler ran for credentials that could not be checked")
				}
				if got := rec.Header().Get("Retry-After"); got == "" {
					t.Error("no Retry-After on a 503")
				}
				if st := status(t, rec); st.Reason != metav1.StatusReasonServiceUnavailable || st.Code != http.StatusServiceUnavailable {
					t.Errorf("Status reason %s code %d, want ServiceUnavailable 503", st.Reason, st.Code)
				}
				for _, leak := range []string{"reason-", "10.0.0.7"} {
					if strings.Contains(rec.Body.String(), leak) {
						t.Errorf("the 503 tells the cause (%q): %s", leak, rec.Body)
					}
				}
				return
			}
			if tt.wantCode == http.StatusUnauthorized {
				if seen != nil {
					t.Fatal("the handler ran for credentials that do not authenticate")
				}
				if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer ") {
					t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
				}
				st := status(t, rec)
				if st.Reason != metav1.StatusReasonUnauthorized {
					t.Errorf("Status reason = %s, want Unauthorized", st.Reason)
				}
				for _, leak := range []string{"reason-detail", "12:00", "unreachable", "10.0.0.7", "stolen", "wrong password"} {
					if strings.Contains(rec.Body.String(), leak) {
						t.Errorf("the 401 tells why (%q): %s", leak, rec.Body)
					}
				}
				return
			}
			if seenUser == nil || seenUser.GetName() != tt.wantUser || !slices.Equal(seenUser.GetGroups(), tt.wantGroups) {
				t.Fatalf("user in the context = %v, want %s in %v", seenUser, tt.wantUser, tt.wantGroups)
			}
			if seenResult == nil || seenResult.User.GetName() != tt.wantUser {
				t.Errorf("authn result in the context = %+v, want one for %s", seenResult, tt.wantUser)
			}
			if got := seen.Header.Get("Authorization"); got != tt.wantAuthz {
				t.Errorf("Authorization at the handler = %q, want %q", got, tt.wantAuthz)
			}
			if got := protocols(seen.Header); !slices.Equal(got, tt.wantProtocols) {
				t.Errorf("Sec-WebSocket-Protocol at the handler = %q, want %q", got, tt.wantProtocols)
			}
			if strings.Contains(strings.Join(seen.Header.Values("Sec-WebSocket-Protocol"), ","), wsTokenProtocol) {
				t.Error("the token's sub-protocol reached the handler")
			}
		})
	}
}

func TestWithPasswordChangeEnforcement(t *testing.T) {
	const iam = "/kapis/iam.superkube.io/v1beta1"
	tests := []struct {
		name        string
		token       string // "" is anonymous
		method      string
		path        string
		wantAllowed bool
		wantAsked   bool // whether the allow function is consulted
	}{
		{"a flagged user may not list pods", "must-change", http.MethodGet, "/api/v1/namespaces/dev/pods", false, true},
		{"a flagged user may not change another user's password", "must-change", http.MethodPut, iam + "/users/alice/password", false, true},
		{"a flagged user may change their own password", "must-change", http.MethodPut, iam + "/users/bob/password", true, true},
		{"a flagged user may reach what the allow function permits, such as OAuth", "must-change", http.MethodPost, "/oauth/revoke", true, true},
		{"a user who is not flagged is not held back", "good-token", http.MethodGet, "/api/v1/namespaces/dev/pods", true, false},
		{"the anonymous user is not held back", "", http.MethodGet, "/healthz", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var askedFor []string
			allow := func(r *http.Request, u user.Info) bool {
				askedFor = append(askedFor, u.GetName())
				return (r.Method == http.MethodPut && r.URL.Path == iam+"/users/"+u.GetName()+"/password") ||
					strings.HasPrefix(r.URL.Path, "/oauth/")
			}
			inner := &reached{}
			h := filters.WithAuthentication(filters.WithPasswordChangeEnforcement(inner, allow), testTokens(), nil)
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if (len(askedFor) > 0) != tt.wantAsked {
				t.Errorf("allow function asked for %v, want asked = %v", askedFor, tt.wantAsked)
			}
			if tt.wantAsked && askedFor[0] != "bob" {
				t.Errorf("allow function asked for %q, want the flagged user bob", askedFor[0])
			}
			if tt.wantAllowed {
				if !inner.ran || rec.Code != http.StatusOK {
					t.Fatalf("code = %d, handler ran = %v: want it let through", rec.Code, inner.ran)
				}
				return
			}
			if inner.ran {
				t.Fatal("the handler ran for a user who must change the password first")
			}
			st := status(t, rec)
			if st.Code != http.StatusForbidden || st.Reason != "PasswordChangeRequired" {
				t.Fatalf("Status = %d/%s, want 403/PasswordChangeRequired", st.Code, st.Reason)
			}
			if !strings.Contains(st.Message, iam+"/users/bob/password") {
				t.Errorf("message %q does not say where to change the password", st.Message)
			}
		})
	}
}

func TestWithAuthorization(t *testing.T) {
	public := []string{"/healthz", "/oauth/", "/.well-known/openid-configuration"}
	tests := []struct {
		name         string
		token        string // "" is anonymous
		method       string
		path         string
		wantCode     int
		wantAsked    bool
		wantDecision string   // in the audit note
		wantInMsg    []string // in the Status message
		wantAttrs    *authz.Attributes
	}{
		{name: "a path under a public prefix skips authorization, even for the anonymous user",
			method: http.MethodPost, path: "/oauth/token", wantCode: http.StatusOK},
		{name: "a public path given without a trailing slash skips authorization when it matches exactly",
			method: http.MethodGet, path: "/healthz", wantCode: http.StatusOK},
		{name: "a path below a public path given without a trailing slash is authorized",
			method: http.MethodGet, path: "/healthz/secrets", wantCode: http.StatusUnauthorized, wantAsked: true, wantDecision: "deny"},
		{name: "a path that merely starts like a public prefix is authorized",
			method: http.MethodGet, path: "/oauthx/token", wantCode: http.StatusUnauthorized, wantAsked: true, wantDecision: "deny"},
		{name: "an allowed request reaches the handler with the attributes of the request",
			token: "good-token", method: http.MethodGet, path: "/api/v1/namespaces/dev/pods",
			wantCode: http.StatusOK, wantAsked: true, wantDecision: "allow",
			wantAttrs: &authz.Attributes{User: "alice", Groups: alice.Groups, ResourceRequest: true, Verb: "list", Resource: "pods", Namespace: "dev"}},
		{name: "a denied authenticated user is 403 naming user, verb, resource, name and namespace",
			token: "good-token", method: http.MethodDelete, path: "/api/v1/namespaces/dev/pods/web-1",
			wantCode: http.StatusForbidden, wantAsked: true, wantDecision: "deny",
			wantInMsg: []string{"user alice", "delete", "pods", "web-1", "namespace dev"}},
		{name: "a denied request in a workspace names the group, the resource and the workspace",
			token: "good-token", method: http.MethodPost, path: "/kapis/iam.superkube.io/v1beta1/workspaces/acme/members",
			wantCode: http.StatusForbidden, wantAsked: true, wantDecision: "deny",
			wantInMsg: []string{"user alice", "create", "members.iam.superkube.io", "workspace acme"}},
		{name: "a denied non-resource request names the path",
			token: "good-token", method: http.MethodPost, path: "/debug/pprof",
			wantCode: http.StatusForbidden, wantAsked: true, wantDecision: "deny",
			wantInMsg: []string{"user alice", "post", "/debug/pprof"}},
		{name: "a denied anonymous user is 401, to log in first",
			method: http.MethodGet, path: "/api/v1/namespaces/dev/pods",
			wantCode: http.StatusUnauthorized, wantAsked: true, wantDecision: "deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := &authorizer{allow: func(a *authz.Attributes) bool {
				return a.User == "alice" && (a.Verb == "get" || a.Verb == "list")
			}}
			m := &decisions{}
			note := &request.AuditNote{}
			inner := &reached{}
			h := filters.WithAuthorization(inner, z, public, m, nil)
			h = filters.WithAuthentication(h, testTokens(), nil)
			h = filters.WithRequestInfo(h)
			req := httptest.NewRequest(tt.method, tt.path, nil)
			req = req.WithContext(request.WithAuditNote(req.Context(), note))
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tt.wantCode {
				t.Fatalf("code = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if inner.ran != (tt.wantCode == http.StatusOK) {
				t.Errorf("handler ran = %v with code %d", inner.ran, rec.Code)
			}
			if got := z.calls(); (got == 1) != tt.wantAsked || got > 1 {
				t.Errorf("authorizer asked %d times, want asked = %v (once)", got, tt.wantAsked)
			}
			wantAllow, wantDeny := 0, 0
			switch tt.wantDecision {
			case "allow":
				wantAllow = 1
			case "deny":
				wantDeny = 1
			}
			if m.allow != wantAllow || m.deny != wantDeny {
				t.Errorf("metrics observed %d allow, %d deny; want %d, %d", m.allow, m.deny, wantAllow, wantDeny)
			}
			if note.Decision != tt.wantDecision {
				t.Errorf("audit note decision = %q, want %q", note.Decision, tt.wantDecision)
			}
			if tt.wantAsked && note.Reason == "" {
				t.Error("the audit note lacks the authorizer's reason")
			}
			if tt.wantAttrs != nil {
				got := z.asked[0]
				w := *tt.wantAttrs
				if got.User != w.User || !slices.Equal(got.Groups, w.Groups) || got.ResourceRequest != w.ResourceRequest ||
					got.Verb != w.Verb || got.Resource != w.Resource || got.Namespace != w.Namespace {
					t.Errorf("attributes = %+v, want %+v", got, w)
				}
			}
			switch tt.wantCode {
			case http.StatusForbidden:
				st := status(t, rec)
				if st.Reason != metav1.StatusReasonForbidden {
					t.Errorf("Status reason = %s, want Forbidden", st.Reason)
				}
				for _, s := range tt.wantInMsg {
					if !strings.Contains(st.Message, s) {
						t.Errorf("message %q does not name %q", st.Message, s)
					}
				}
			case http.StatusUnauthorized:
				if st := status(t, rec); st.Reason != metav1.StatusReasonUnauthorized {
					t.Errorf("Status reason = %s, want Unauthorized", st.Reason)
				}
			}
		})
	}
}

func TestWithAuthorizationWithoutUserOrInfo(t *testing.T) {
	z := &authorizer{allow: func(*authz.Attributes) bool { return true }}
	tests := []struct {
		name string
		wrap func(http.Handler) http.Handler
	}{
		{"a request without request info is a 500 Status, not a decision", func(h http.Handler) http.Handler {
			return filters.WithAuthentication(h, testTokens(), nil)
		}},
		{"a request without a user is a 500 Status, not a decision", filters.WithRequestInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inner := &reached{}
			h := tt.wrap(filters.WithAuthorization(inner, z, nil, nil, nil))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/pods", nil))
			if inner.ran || rec.Code != http.StatusInternalServerError {
				t.Fatalf("code = %d, handler ran = %v: want 500 without the handler", rec.Code, inner.ran)
			}
			status(t, rec)
			if z.calls() != 0 {
				t.Error("the authorizer was asked without user or request info")
			}
		})
	}
}

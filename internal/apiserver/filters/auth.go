package filters

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/clientidentity"
)

// TokenAuthenticator authenticates bearer tokens.
type TokenAuthenticator interface {
	AuthenticateToken(ctx context.Context, raw string) (*authn.Result, error)
}

// BasicAuthenticator authenticates HTTP basic credentials.
type BasicAuthenticator interface {
	AuthenticateBasic(ctx context.Context, r *http.Request, username, password string) (*authn.Result, error)
}

type passwordChangeKey struct{}

// WithAuthentication puts the caller in the context: from a bearer token
// (also accepted as a WebSocket sub-protocol, for browsers), from HTTP basic
// credentials when basic is set, or the anonymous user when there are none.
// Credentials that do not authenticate are 401; credentials that cannot be
// checked (the token store is down) are 503 with Retry-After.
func WithAuthentication(h http.Handler, tokens TokenAuthenticator, basic BasicAuthenticator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		var res *authn.Result
		var err error
		raw, fromProtocol := bearerToken(r)
		switch {
		case raw != "":
			res, err = tokens.AuthenticateToken(ctx, raw)
			if fromProtocol && err == nil {
				clientidentity.RemoveTokenProtocol(r.Header)
			}
		case basic != nil && hasBasic(r):
			u, p, _ := r.BasicAuth()
			res, err = basic.AuthenticateBasic(ctx, r, u, p)
		default:
			res = &authn.Result{User: authn.Anonymous}
		}
		if err != nil {
			if !errors.Is(err, authn.ErrUnauthenticated) {
				// The credentials could not be checked (the token store or
				// the user cache does not answer): nothing is let through,
				// and the client is told to retry rather than to log in
				// again, which would not help.
				logr.FromContextOrDiscard(ctx).Error(err, "Authentication failed")
				w.Header().Set("Retry-After", "1")
				responsewriters.WriteStatus(w, apierrors.NewServiceUnavailable("the credentials cannot be checked right now (the token store does not answer); retry shortly"))
				return
			}
			logr.FromContextOrDiscard(ctx).V(4).Info("Refused credentials", "reason", err.Error())
			w.Header().Set("WWW-Authenticate", `Bearer realm="superkube"`)
			responsewriters.WriteStatus(w, apierrors.NewUnauthorized("the credentials are invalid, expired or revoked"))
			return
		}
		// A bearer token travels no further than this filter. (Basic
		// credentials stay: the OAuth token endpoint authenticates clients with them.)
		if raw != "" && !fromProtocol {
			r.Header.Del("Authorization")
		}
		ctx = request.WithUser(ctx, res.User)
		ctx = authn.WithResult(ctx, res)
		if res.PasswordChangeRequired {
			ctx = context.WithValue(ctx, passwordChangeKey{}, true)
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:]), false
	}
	// The header may come as several lines (RFC 6455, 11.3.4); all count.
	for _, p := range clientidentity.Protocols(r.Header) {
		if enc, ok := strings.CutPrefix(p, clientidentity.TokenProtocolPrefix); ok {
			if dec, err := decodeRawURL(enc); err == nil {
				return dec, true
			}
		}
	}
	return "", false
}

func hasBasic(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	return len(h) > 6 && strings.EqualFold(h[:6], "basic ")
}

// PasswordChangeAllowed says which requests a user who must change the
// initial password may still make.
type PasswordChangeAllowed func(r *http.Request, u user.Info) bool

// WithPasswordChangeEnforcement lets users flagged to change their initial
// password make only the requests allowed says; everything else is 403.
func WithPasswordChangeEnforcement(h http.Handler, allowed PasswordChangeAllowed) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if must, _ := r.Context().Value(passwordChangeKey{}).(bool); must {
			u, _ := request.UserFrom(r.Context())
			if !allowed(r, u) {
				responsewriters.WriteStatus(w, apistatus.New(http.StatusForbidden, "PasswordChangeRequired",
					"the initial password must be changed before anything else (PUT /kapis/iam.superkube.io/v1beta1/users/"+u.GetName()+"/password)"))
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// Authorizer decides requests.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// Decisions counts authorization decisions for metrics.
type Decisions interface {
	Observe(allowed bool)
}

// Mapper turns a request into the attributes to authorize, or says that
// its handler authorizes it.
type Mapper interface {
	Map(u user.Info, info *request.Info) (a *authz.Attributes, delegate bool)
}

// WithAuthorization refuses with 403 what the caller may not do. Paths
// under publicPrefixes need no authorization (health, OAuth, discovery);
// requests the mapper delegates are authorized by their handlers.
func WithAuthorization(h http.Handler, z Authorizer, publicPrefixes []string, metrics Decisions, mapper Mapper) http.Handler {
	if mapper == nil {
		mapper = Rules(nil)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range publicPrefixes {
			if r.URL.Path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(r.URL.Path, p)) {
				h.ServeHTTP(w, r)
				return
			}
		}
		ctx := r.Context()
		info, _ := request.InfoFrom(ctx)
		u, ok := request.UserFrom(ctx)
		if info == nil || !ok {
			responsewriters.WriteStatus(w, errors.New("authorization without request info or user"))
			return
		}
		a, delegate := mapper.Map(u, info)
		if delegate && u.GetName() != user.Anonymous {
			request.AuditNoteFrom(ctx).Decision = "delegated"
			h.ServeHTTP(w, r)
			return
		}
		d := z.Authorize(a)
		if metrics != nil {
			metrics.Observe(d.Allowed)
		}
		note := request.AuditNoteFrom(ctx)
		note.Reason = d.Reason
		logr.FromContextOrDiscard(ctx).V(4).Info("Authorization", "user", u.GetName(), "allowed", d.Allowed, "reason", d.Reason)
		if !d.Allowed {
			note.Decision = "deny"
			if d.Err != nil {
				responsewriters.WriteStatus(w, d.Err)
				return
			}
			if u.GetName() == user.Anonymous {
				responsewriters.WriteStatus(w, apierrors.NewUnauthorized("log in first"))
				return
			}
			responsewriters.WriteStatus(w, forbidden(u.GetName(), info))
			return
		}
		note.Decision = "allow"
		h.ServeHTTP(w, r)
	})
}

// AttributesFor turns the request info and caller into authorization attributes.
func AttributesFor(u user.Info, info *request.Info) *authz.Attributes {
	return &authz.Attributes{
		User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: info.IsResourceRequest,
		Verb: info.Verb, APIGroup: info.APIGroup, Resource: info.Resource, Subresource: info.Subresource,
		Name: info.Name, Cluster: info.Cluster, Workspace: info.Workspace, Namespace: info.Namespace, Path: info.Path,
	}
}

func forbidden(name string, info *request.Info) error {
	what := info.Verb + " " + info.Path
	if info.IsResourceRequest {
		res := info.Resource
		if info.Subresource != "" {
			res += "/" + info.Subresource
		}
		what = info.Verb + " " + res
		if info.APIGroup != "" {
			what = info.Verb + " " + res + "." + info.APIGroup
		}
		if info.Name != "" {
			what += " " + info.Name
		}
		switch {
		case info.Namespace != "":
			what += " in namespace " + info.Namespace
		case info.Workspace != "":
			what += " in workspace " + info.Workspace
		}
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden,
		Reason: metav1.StatusReasonForbidden, Message: "user " + name + " may not " + what,
		Details: &metav1.StatusDetails{Group: info.APIGroup, Kind: info.Resource, Name: info.Name}}}
}

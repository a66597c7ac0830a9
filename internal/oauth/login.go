package oauth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/lru"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
)

// ErrLoginFailed is the one answer to every failed password login: wrong
// password, unknown user, disabled or locked account. The reason goes to the
// login record and the audit log only.
var ErrLoginFailed = errors.New("invalid username or password, or the account may not log in now")

// errRateLimited is returned when a source tries to log in too often.
var errRateLimited = errors.New("too many login attempts from this address; try again later")

// loginAttempt describes where an attempt came from.
type loginAttempt struct {
	username, sourceIP, userAgent string
	kind                          iamv1beta1.LoginRecordType
	provider                      string
}

// passwordLogin checks a user name and password against the local users and
// the password providers (LDAP), records the attempt and returns the user.
// Unknown users cost the same bcrypt comparison as known ones.
func (s *Server) passwordLogin(ctx context.Context, at loginAttempt, plain string) (*iamv1beta1.User, error) {
	if !s.limiter.allow(at.sourceIP) {
		return nil, errRateLimited
	}
	name := strings.ToLower(strings.TrimSpace(at.username))
	u := &iamv1beta1.User{}
	err := s.users.Get(ctx, client.ObjectKey{Name: name}, u)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, err
	}
	found := err == nil
	var guard *attemptGuard
	if found {
		if guard, err = s.beginAttempt(ctx, u); err != nil {
			return nil, err
		}
	}
	locked := guard != nil && !guard.allowed

	hash := s.dummyHash
	if found && !locked {
		h, err := s.hash(ctx, u)
		if err != nil {
			return nil, err
		}
		if password.IsHash(h) {
			hash = h
		}
	}
	ok := password.Matches(hash, plain) && found && hash != s.dummyHash
	reason := ""
	var external *idp.Identity
	if !ok && !locked {
		reason = "wrong password"
		// Users without a local password (or unknown ones) may come from LDAP.
		if id, pname, perr := s.tryPasswordProviders(ctx, name, plain); perr == nil {
			mapped, merr := s.mapIdentity(ctx, pname, id)
			if merr != nil {
				s.log(ctx).Info("Mapping an LDAP identity failed", "provider", pname, "reason", merr.Error())
				return nil, ErrLoginFailed
			}
			u, found, ok, reason, external = mapped, true, true, "", id
			at.kind, at.provider = iamv1beta1.LoginLDAP, pname
		} else if !errors.Is(perr, idp.ErrInvalidCredentials) && !errors.Is(perr, errNoProviders) {
			s.log(ctx).Error(perr, "A password provider could not be asked")
		}
	}
	if locked {
		// Ask the providers all the same, discarding the answer: a locked
		// user must take as long as an unknown one, or the time would tell
		// that the user exists.
		_, _, _ = s.tryPasswordProviders(ctx, name, plain)
	}
	if !found {
		s.log(ctx).V(2).Info("Login for an unknown user", "sourceIP", at.sourceIP)
		return nil, ErrLoginFailed
	}
	switch {
	case locked:
		ok, reason = false, reasonLocked
	case ok && u.Spec.Disabled:
		ok, reason = false, "the account is disabled"
	}
	if ok && external != nil {
		if err := s.syncGroupRoles(ctx, at.provider, u, external.Groups); err != nil {
			return nil, fmt.Errorf("updating the roles of the groups of user %s at %s: %w", u.Name, at.provider, err)
		}
	}
	s.record(ctx, u.Name, at, ok, reason)
	if !ok {
		return nil, ErrLoginFailed
	}
	s.succeeded(ctx, guard)
	return u, nil
}

var errNoProviders = errors.New("no password providers")

func (s *Server) tryPasswordProviders(ctx context.Context, username, plain string) (*idp.Identity, string, error) {
	if len(s.passwordProviders) == 0 {
		return nil, "", errNoProviders
	}
	last := idp.ErrInvalidCredentials
	for _, p := range s.passwordProviders {
		id, err := p.Authenticate(ctx, username, plain)
		if err == nil {
			return id, p.Name(), nil
		}
		if !errors.Is(err, idp.ErrInvalidCredentials) {
			last = fmt.Errorf("provider %s: %w", p.Name(), err)
		}
	}
	return nil, "", last
}

func (s *Server) log(ctx context.Context) logr.Logger { return ctrl.LoggerFrom(ctx) }

// mapIdentity turns an external identity into a platform user, by the
// provider's mapping method: auto creates the user on first login, lookup
// requires it. A user created by one provider cannot be taken over through
// another provider, nor a local account (one with a password) by an
// external identity of the same name: lookup only accepts a user linked to
// this identity, or one without a password and without a link to another
// provider (a user an administrator made for external logins).
func (s *Server) mapIdentity(ctx context.Context, provider string, id *idp.Identity) (*iamv1beta1.User, error) {
	name := normalizeName(id.Username)
	if name == "" {
		return nil, fmt.Errorf("the identity has no usable user name (%q)", id.Username)
	}
	method := idp.MappingLookup
	if p, ok := s.providerMethods[provider]; ok {
		method = p
	}
	annotation := IdentityAnnotation(provider)
	u := &iamv1beta1.User{}
	err := s.users.Get(ctx, client.ObjectKey{Name: name}, u)
	switch {
	case err == nil:
		if got := u.Annotations[annotation]; got != "" && got != id.UID {
			return nil, fmt.Errorf("user %s is linked to another %s identity", name, provider)
		}
		local, err := s.hasPassword(ctx, u)
		if err != nil {
			return nil, err
		}
		if u.Annotations[annotation] == "" && (method == idp.MappingAuto || local || linkedElsewhere(u)) {
			return nil, fmt.Errorf("user %s exists and is not linked to provider %s; an administrator must link it", name, provider)
		}
		return u, nil
	case !apierrors.IsNotFound(err):
		return nil, err
	case method != idp.MappingAuto:
		return nil, fmt.Errorf("no user %s, and provider %s only looks users up", name, provider)
	}
	u = &iamv1beta1.User{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{annotation: id.UID}},
		Spec:       iamv1beta1.UserSpec{Email: id.Email, DisplayName: truncate(id.DisplayName, 128)},
	}
	if err := s.writer.Create(ctx, u); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating user %s: %w", name, err)
	}
	return u, nil
}

// liveHashTimeout bounds the read of a password hash from kube-apiserver.
const liveHashTimeout = 3 * time.Second

// hash returns the hash of the user's password from the cache or, when the
// cache has none, from kube-apiserver. A replica's caches of users and of
// their password Secrets are filled by separate watches, so a new user (or,
// after an outage, any user changed meanwhile) may be known before its
// hash: a login then is not a wrong password, which the lockout would count
// (a fault test saw a new user locked out that way). The user exists, so
// the extra read tells nobody anything. When kube-apiserver cannot answer,
// the cache's answer stands.
func (s *Server) hash(ctx context.Context, u *iamv1beta1.User) (string, error) {
	h, err := s.passwords.Hash(ctx, u)
	if err != nil || h != "" || s.livePasswords == nil {
		return h, err
	}
	live, cancel := context.WithTimeout(ctx, liveHashTimeout)
	defer cancel()
	h, err = s.livePasswords.Hash(live, u)
	switch {
	case err != nil:
		s.recordMetrics.liveHashReads.WithLabelValues("error").Inc()
	case h == "":
		s.recordMetrics.liveHashReads.WithLabelValues("none").Inc()
	default:
		s.recordMetrics.liveHashReads.WithLabelValues("found").Inc()
	}
	if err != nil {
		s.log(ctx).V(1).Info("Reading a password hash from kube-apiserver failed; the cache has none", "user", u.Name, "reason", err.Error())
		return "", nil
	}
	return h, nil
}

// hasPassword says whether the user is a local account: one with a
// password, stored or still waiting in the spec to be moved.
func (s *Server) hasPassword(ctx context.Context, u *iamv1beta1.User) (bool, error) {
	if u.Spec.Password != "" {
		return true, nil
	}
	h, err := s.passwords.Hash(ctx, u)
	return h != "", err
}

// linkedElsewhere says whether the user is linked to an identity at some
// provider; callers have checked that it is not the one asking.
func linkedElsewhere(u *iamv1beta1.User) bool {
	for k := range u.Annotations {
		if strings.HasPrefix(k, identityAnnotationPrefix) {
			return true
		}
	}
	return false
}

const identityAnnotationPrefix = "iam.superkube.io/identity-"

// IdentityAnnotation links a user to its identity at a provider.
func IdentityAnnotation(provider string) string { return identityAnnotationPrefix + provider }

// normalizeName makes a DNS-1123 label from an external user name.
func normalizeName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '.' || r == '_' || r == '@':
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 63 {
		out = strings.TrimRight(out[:63], "-")
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// sourceLimiter limits attempts per source address.
type sourceLimiter struct {
	mu      sync.Mutex
	perMin  float64
	burst   int
	buckets *lru.Cache
}

func newSourceLimiter(perMinute float64, burst int) *sourceLimiter {
	return &sourceLimiter{perMin: perMinute, burst: burst, buckets: lru.New(65536)}
}

func (l *sourceLimiter) allow(source string) bool {
	if l.perMin <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.buckets.Get(source)
	if !ok {
		v = rate.NewLimiter(rate.Limit(l.perMin/60), l.burst)
		l.buckets.Add(source, v)
	}
	return v.(*rate.Limiter).Allow()
}

// randomID returns 128 random bits in hex.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// SourceIP is the address of the client: as the client-address filter
// determined it (forwarding headers only from trusted proxies), or else
// the connection's peer.
func SourceIP(r *http.Request) string {
	if ip := request.ClientIPFrom(r.Context()); ip != "" {
		return ip
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i > 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

// BasicAuthenticator accepts HTTP basic credentials on API requests, with
// the same checks and records as a password login. It is off unless
// configured: a token is preferable to sending the password every time.
type BasicAuthenticator struct{ Server *Server }

// AuthenticateBasic implements filters.BasicAuthenticator.
func (b *BasicAuthenticator) AuthenticateBasic(ctx context.Context, r *http.Request, username, plain string) (*authn.Result, error) {
	u, err := b.Server.passwordLogin(ctx, loginAttempt{username: username, sourceIP: SourceIP(r), userAgent: r.UserAgent(),
		kind: iamv1beta1.LoginBasicAuth}, plain)
	if err != nil {
		if errors.Is(err, ErrLoginFailed) || errors.Is(err, errRateLimited) {
			return nil, fmt.Errorf("%w: %w", authn.ErrUnauthenticated, err)
		}
		return nil, err
	}
	return &authn.Result{User: authn.Identity(u), PasswordChangeRequired: u.Spec.PasswordChangeRequired}, nil
}

package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// APIServer calls ke-apiserver as the console's OAuth client: the token
// endpoint (password, refresh_token and authorization_code grants, with the
// client's id and secret in the form), userinfo, logout and the password
// change of the IAM API.
type APIServer struct {
	// URL is where the console reaches ke-apiserver.
	URL *url.URL
	// ClientID and ClientSecret authenticate the console at the token endpoint.
	ClientID, ClientSecret string
	// HTTP sends the requests; it trusts ke-apiserver's serving certificate.
	HTTP *http.Client
}

// Tokens is the token endpoint's answer.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	IDToken      string `json:"id_token"`
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int64 `json:"expires_in"`
}

// UserInfo is ke-apiserver's userinfo answer.
type UserInfo struct {
	Username               string   `json:"preferred_username"`
	Name                   string   `json:"name"`
	Email                  string   `json:"email"`
	Groups                 []string `json:"groups"`
	PasswordChangeRequired bool     `json:"password_change_required"`
}

// ErrUnavailable wraps failures to reach ke-apiserver at all.
var ErrUnavailable = errors.New("ke-apiserver cannot be reached")

// Error is an answer of ke-apiserver other than success: its code, the
// Kubernetes Status it sent and, for the token endpoint, the OAuth error.
type Error struct {
	Code int
	// OAuthError is RFC 6749's error code, such as invalid_grant.
	OAuthError string
	Status     metav1.Status
	// RetryAfter is the Retry-After header of a 429.
	RetryAfter string
}

func (e *Error) Error() string {
	if e.OAuthError != "" {
		return fmt.Sprintf("ke-apiserver answered %d %s", e.Code, e.OAuthError)
	}
	return fmt.Sprintf("ke-apiserver answered %d %s", e.Code, e.Status.Reason)
}

// APIStatus returns the Status to pass on to the browser: ke-apiserver's,
// completed where it lacks fields.
func (e *Error) APIStatus() *apierrors.StatusError {
	st := e.Status
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	st.Status = metav1.StatusFailure
	st.Code = int32(e.Code) //nolint:gosec // HTTP codes fit
	if st.Message == "" {
		st.Message = "ke-apiserver answered " + http.StatusText(e.Code)
	}
	if st.Reason == "" {
		st.Reason = apierrors.NewGenericServerResponse(e.Code, "", schema.GroupResource{}, "", "", 0, false).ErrStatus.Reason
	}
	return &apierrors.StatusError{ErrStatus: st}
}

// maxAnswer bounds what is read of ke-apiserver's answers.
const maxAnswer = 1 << 20

// PasswordGrant logs a user in with a password.
func (a *APIServer) PasswordGrant(ctx context.Context, username, password string) (*Tokens, error) {
	return a.token(ctx, url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}, "scope": {Scope}})
}

// RefreshGrant exchanges a refresh token for new tokens (the refresh token
// rotates).
func (a *APIServer) RefreshGrant(ctx context.Context, refreshToken string) (*Tokens, error) {
	return a.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

// CodeGrant redeems an authorization code with its PKCE verifier.
func (a *APIServer) CodeGrant(ctx context.Context, code, redirectURI, verifier string) (*Tokens, error) {
	return a.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}})
}

// Scope is what the console asks tokens for.
const Scope = "openid profile email"

func (a *APIServer) token(ctx context.Context, form url.Values) (*Tokens, error) {
	form.Set("client_id", a.ClientID)
	form.Set("client_secret", a.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint("/oauth/token"), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	var t Tokens
	if err := a.do(req, &t); err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		return nil, errors.New("ke-apiserver's token endpoint answered without an access token")
	}
	return &t, nil
}

// UserInfo returns the user of an access token.
func (a *APIServer) UserInfo(ctx context.Context, accessToken string) (*UserInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.endpoint("/oauth/userinfo"), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	var u UserInfo
	if err := a.do(req, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Logout revokes the ke-apiserver session of the access token: every token
// issued with it, the refresh token included.
func (a *APIServer) Logout(ctx context.Context, accessToken string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.endpoint("/oauth/logout"), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	return a.do(req, nil)
}

// ChangePassword sends a PasswordChange body (currentPassword, password) for
// the user. ke-apiserver revokes every token of the user when it succeeds.
func (a *APIServer) ChangePassword(ctx context.Context, accessToken, username string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut,
		a.endpoint("/kapis/iam.superkube.io/v1beta1/users/"+url.PathEscape(username)+"/password"), strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Content-Type", "application/json")
	return a.do(req, nil)
}

func (a *APIServer) endpoint(p string) string {
	u := *a.URL
	u.Path = strings.TrimSuffix(u.Path, "/") + p
	u.RawPath, u.RawQuery = "", ""
	return u.String()
}

// do sends req and decodes a 2xx answer into out; anything else is an
// *Error, and a failure to get an answer wraps ErrUnavailable.
func (a *APIServer) do(req *http.Request, out any) error {
	resp, err := a.HTTP.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return ctxErr
		}
		return fmt.Errorf("%w: %s %s: %w", ErrUnavailable, req.Method, req.URL.Path, stripURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%w: reading the answer to %s %s: %w", ErrUnavailable, req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Code: resp.StatusCode, RetryAfter: resp.Header.Get("Retry-After")}
		var body struct {
			metav1.Status
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &body) == nil {
			e.OAuthError = body.Error
			if body.Kind == "Status" {
				e.Status = body.Status
			}
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding ke-apiserver's answer to %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// stripURL drops the URL from a client error, which the caller names
// already.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// claims are the fields the console reads from ke-apiserver's JWTs.
type claims struct {
	Expiry int64  `json:"exp"`
	Nonce  string `json:"nonce"`
}

// peekClaims reads the claims of a JWT without checking its signature. The
// console only reads tokens it got straight from ke-apiserver's token
// endpoint over TLS it verified, which OpenID Connect Core (3.1.3.7)
// accepts in place of the signature.
func peekClaims(raw string) (claims, error) {
	var c claims
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return c, errors.New("not a JWT")
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(data, &c)
}

func (c claims) expiry() time.Time {
	if c.Expiry <= 0 {
		return time.Time{}
	}
	return time.Unix(c.Expiry, 0)
}

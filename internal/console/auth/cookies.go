package auth

import (
	"net/http"
	"time"
)

// Names of the cookies and header that the console and its SPA share.
const (
	// SessionCookie holds the session ID (HttpOnly, SameSite=Lax).
	SessionCookie = "ke-session"
	// CSRFCookie holds the value that unsafe requests echo in CSRFHeader;
	// the SPA reads it (it is not HttpOnly; SameSite=Strict).
	CSRFCookie = "ke-csrf"
	// CSRFHeader carries the CSRF value on POST, PUT, PATCH and DELETE.
	CSRFHeader = "X-CSRF-Token"
	// LoginCookie names a pending login through an identity provider.
	LoginCookie = "ke-login"
)

// Cookies writes the console's cookies for its base path.
type Cookies struct {
	// Path is the base path.
	Path string
	// Secure is set when the browser reaches the console over https.
	Secure bool
}

// cookie builds one of the console's cookies. maxAge is in seconds: 0
// makes a browser-session cookie, a negative value expires it.
func (c Cookies) cookie(name, value, path string, maxAge int, httpOnly bool, sameSite http.SameSite) *http.Cookie {
	// Secure follows the scheme of the console's public URL (https unless an
	// operator serves it over plain http), and only the CSRF cookie, which
	// the SPA must read, is not HttpOnly.
	return &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: httpOnly, Secure: c.Secure, SameSite: sameSite} //nolint:gosec // Secure and HttpOnly as explained above
}

// SetSession sets the session cookie, to last until expires (a browser
// session cookie when expires is zero).
func (c Cookies) SetSession(w http.ResponseWriter, id string, expires time.Time, now time.Time) {
	maxAge := 0
	if !expires.IsZero() {
		maxAge = max(1, int(expires.Sub(now).Seconds()))
	}
	http.SetCookie(w, c.cookie(SessionCookie, id, c.Path, maxAge, true, http.SameSiteLaxMode))
}

// ClearSession expires the session cookie.
func (c Cookies) ClearSession(h http.Header) {
	h.Add("Set-Cookie", c.cookie(SessionCookie, "", c.Path, -1, true, http.SameSiteLaxMode).String())
}

// SetCSRF sets the CSRF cookie.
func (c Cookies) SetCSRF(w http.ResponseWriter, value string) {
	http.SetCookie(w, c.cookie(CSRFCookie, value, c.Path, 0, false, http.SameSiteStrictMode))
}

// loginPath is where the login cookie is sent: the callback only.
func (c Cookies) loginPath() string { return c.Path + "oauth/callback" }

// SetLogin sets the cookie of a pending login.
func (c Cookies) SetLogin(w http.ResponseWriter, id string, ttl time.Duration) {
	http.SetCookie(w, c.cookie(LoginCookie, id, c.loginPath(), int(ttl.Seconds()), true, http.SameSiteLaxMode))
}

// ClearLogin expires the cookie of a pending login.
func (c Cookies) ClearLogin(w http.ResponseWriter) {
	http.SetCookie(w, c.cookie(LoginCookie, "", c.loginPath(), -1, true, http.SameSiteLaxMode))
}

// cookieValue returns the value of the request's cookie, "" without one.
func cookieValue(r *http.Request, name string) string {
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

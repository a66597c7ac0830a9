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

// SetSession sets the session cookie, to last until expires (a browser
// session cookie when expires is zero).
func (c Cookies) SetSession(w http.ResponseWriter, id string, expires time.Time, now time.Time) {
	ck := &http.Cookie{Name: SessionCookie, Value: id, Path: c.Path, HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		ck.MaxAge = max(1, int(expires.Sub(now).Seconds()))
	}
	http.SetCookie(w, ck)
}

// ClearSession expires the session cookie.
func (c Cookies) ClearSession(h http.Header) {
	h.Add("Set-Cookie", (&http.Cookie{Name: SessionCookie, Value: "", Path: c.Path, MaxAge: -1, HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode}).String())
}

// SetCSRF sets the CSRF cookie.
func (c Cookies) SetCSRF(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: value, Path: c.Path, Secure: c.Secure, SameSite: http.SameSiteStrictMode})
}

// loginPath is where the login cookie is sent: the callback only.
func (c Cookies) loginPath() string { return c.Path + "oauth/callback" }

// SetLogin sets the cookie of a pending login.
func (c Cookies) SetLogin(w http.ResponseWriter, id string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: id, Path: c.loginPath(), MaxAge: int(ttl.Seconds()), HttpOnly: true,
		Secure: c.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearLogin expires the cookie of a pending login.
func (c Cookies) ClearLogin(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: LoginCookie, Value: "", Path: c.loginPath(), MaxAge: -1, HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode})
}

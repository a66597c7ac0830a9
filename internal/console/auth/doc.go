// Package auth holds ke-console's sessions with ke-apiserver: logins with a
// password or through an identity provider (the authorization code flow with
// PKCE, as ke-apiserver's trusted client), the session cookie, the refresh of
// access tokens before they expire, logout and password changes. The
// browser never sees a token: it holds a session cookie, and the console
// adds the session's access token to what it forwards.
//
// Endpoints, below the console's base path:
//
//	POST auth/login      {"username","password"} -> 200 Info, session cookie set
//	GET  auth/session    -> 200 Info, or 401
//	POST auth/logout     -> 200 Status; the ke-apiserver session is revoked
//	POST auth/password   {"currentPassword","password"} -> 200 Info
//	GET  auth/idp/{name} -> 302 to ke-apiserver's authorize endpoint
//	GET  oauth/callback  -> 302 to the base path, or to login?error=<code>
//
// Errors are Kubernetes Status objects.
package auth

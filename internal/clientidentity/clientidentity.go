// Package clientidentity removes, from a request about to be forwarded,
// every header by which the client could choose who the next server
// thinks it is: credentials, impersonation, the headers of an
// authenticating front proxy, a token offered as a WebSocket sub-protocol,
// and the forwarding headers that name its address. Both of the
// platform's proxies use it: ke-apiserver's to kube-apiserver (which then
// sets the caller's identity by impersonation) and ke-console's to
// ke-apiserver (which then sets the session's token). It is
// security-critical: written once, tested here.
package clientidentity

import (
	"net/http"
	"strings"
)

// TokenProtocolPrefix starts the WebSocket sub-protocol that carries a
// bearer token, as Kubernetes clients send it:
// base64url.bearer.authorization.k8s.io.<token, base64url without padding>.
const TokenProtocolPrefix = "base64url.bearer.authorization.k8s.io." //nolint:gosec // a protocol name, not a credential

// credentialHeaders carry credentials whole.
var credentialHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// identityPrefixes start the headers that name an identity: Kubernetes
// impersonation and an authenticating proxy's (--requestheader-*).
var identityPrefixes = []string{"Impersonate-", "X-Remote-"}

// ForwardingHeaders are the headers by which a client could choose the
// source address that audit logs show.
var ForwardingHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-Ip"}

// Remove deletes every header that carries a credential or names an
// identity, and a token offered as a WebSocket sub-protocol (the other
// sub-protocols stay).
func Remove(h http.Header) {
	for _, k := range credentialHeaders {
		h.Del(k)
	}
	for k := range h {
		for _, p := range identityPrefixes {
			if hasPrefixFold(k, p) {
				delete(h, k)
			}
		}
	}
	RemoveTokenProtocol(h)
}

// RemoveForwarding deletes every forwarding header the client sent; the
// proxy then names the client's address as it determined it.
func RemoveForwarding(h http.Header) {
	for _, k := range ForwardingHeaders {
		h.Del(k)
	}
}

// Protocols lists the WebSocket sub-protocols the client offers, across
// every Sec-WebSocket-Protocol line (RFC 6455, 11.3.4), in order.
func Protocols(h http.Header) []string {
	var out []string
	for _, line := range h.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(line, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// RemoveTokenProtocol drops the token sub-protocol from
// Sec-WebSocket-Protocol, and the header when nothing else is left in it.
func RemoveTokenProtocol(h http.Header) {
	offered := Protocols(h)
	if len(offered) == 0 {
		return
	}
	keep := make([]string, 0, len(offered))
	for _, p := range offered {
		if !strings.HasPrefix(p, TokenProtocolPrefix) {
			keep = append(keep, p)
		}
	}
	if len(keep) == len(offered) {
		return // no token: left as sent
	}
	if len(keep) == 0 {
		h.Del("Sec-WebSocket-Protocol")
		return
	}
	h.Set("Sec-WebSocket-Protocol", strings.Join(keep, ", "))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

package proxy

import (
	"net/http"
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apiserver/pkg/authentication/user"
)

// The impersonation headers kube-apiserver reads, in canonical form.
var (
	headerUser        = http.CanonicalHeaderKey(authenticationv1.ImpersonateUserHeader)
	headerUID         = http.CanonicalHeaderKey(authenticationv1.ImpersonateUIDHeader)
	headerGroup       = http.CanonicalHeaderKey(authenticationv1.ImpersonateGroupHeader)
	headerExtraPrefix = authenticationv1.ImpersonateUserExtraHeaderPrefix
)

// impersonate sets the headers that make kube-apiserver act as u.
func impersonate(h http.Header, u user.Info) {
	h[headerUser] = []string{u.GetName()}
	if uid := u.GetUID(); uid != "" {
		h[headerUID] = []string{uid}
	}
	if groups := u.GetGroups(); len(groups) > 0 {
		h[headerGroup] = slices.Clone(groups)
	}
	for k, vs := range u.GetExtra() {
		if len(vs) > 0 {
			h[http.CanonicalHeaderKey(headerExtraPrefix+escapeExtraKey(k))] = slices.Clone(vs)
		}
	}
}

// escapeExtraKey percent-encodes what may not appear in a header name, as
// kube-apiserver expects of Impersonate-Extra-<key> (it unescapes the key).
func escapeExtraKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '%' || !isTokenByte(c) {
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// isTokenByte reports whether c may appear in an HTTP token (RFC 9110, 5.6.2).
func isTokenByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

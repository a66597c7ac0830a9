package filters

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

// WithClientIP puts the client's address in the context, for login
// records, rate limits, the audit log and the proxy to kube-apiserver. It
// is the connection's peer, unless the peer is one of the trusted proxies
// (such as ke-console): then X-Forwarded-For is read from the right, and
// the first address that is not a trusted proxy's is the client. Without
// trusted proxies, forwarding headers are ignored: a client cannot choose
// the address it is known by.
func WithClientIP(h http.Handler, trusted []netip.Prefix) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(request.WithClientIP(r.Context(), ClientIP(r, trusted))))
	})
}

// ClientIP is the address of the client of r, trusting X-Forwarded-For
// only as far as it was written by trusted proxies.
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	client := addr
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// Whatever is left of a malformed entry came from the client.
			break
		}
		client = hop.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client.String()
}

func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	addr = addr.Unmap()
	for _, p := range trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads CIDRs (or single addresses) of trusted proxies.
func ParseTrustedProxies(values []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(values))
	for _, v := range values {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, &request.Error{Field: "trustedProxies", Value: v, Message: "is neither a CIDR nor an IP address"}
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

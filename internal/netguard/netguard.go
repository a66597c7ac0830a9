// Package netguard keeps connections made on a tenant's behalf off the
// platform's internal networks: a dialer that checks every address it is
// about to connect to, after DNS resolution, so that neither a name
// resolving to an internal address (DNS rebinding) nor a redirect reaches
// one. Users' notification configs and workspaces' chart repositories
// connect through it; what platform administrators configure does not.
package netguard

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blocked are the networks a user's config may not reach, with what
// they are. IPv4-mapped IPv6 addresses are checked as their IPv4 address.
var blocked = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private network"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private network"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private network"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("fc00::/7"), "private network"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
	// NAT64's local-use prefix; the well-known one is checked below by
	// the IPv4 address it embeds.
	{netip.MustParsePrefix("64:ff9b:1::/48"), "private network"},
	// IPv4-compatible addresses (deprecated).
	{netip.MustParsePrefix("::/96"), "reserved"},
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Classify says why ip is not a public address (loopback, private
// network, link-local, unspecified, multicast, shared address space
// (CGNAT), reserved ...), or "" when it is one.
func Classify(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() && nat64.Contains(ip) {
		b := ip.As16()
		if class := Classify(netip.AddrFrom4([4]byte(b[12:]))); class != "" {
			return class
		}
		return ""
	}
	for _, b := range blocked {
		if b.prefix.Contains(ip) {
			return b.class
		}
	}
	return ""
}

// AddressError is a connection refused because its address is not
// allowed.
type AddressError struct {
	// Address is the IP address (or, for another network than TCP, what
	// was dialled); Class says what it is.
	Address string
	Class   string
	// For says whose connection it was (a user's notification config, a
	// workspace's repository).
	For string
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("the address %s is not allowed for %s (%s)", e.Address, e.For, e.Class)
}

// ParseCIDRs reads CIDRs (or single addresses).
func ParseCIDRs(values []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(values))
	for _, v := range values {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			if p.Addr().Is4In6() {
				if p.Bits() < 96 {
					return nil, fmt.Errorf("%q is not a CIDR of IPv4-mapped addresses", v)
				}
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an IP address", v)
		}
		a = a.WithZone("").Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Policy checks the addresses of the connections made for someone.
type Policy struct {
	// Allowed are networks the platform lets these connections reach
	// although they are not public.
	Allowed []netip.Prefix
	// Roots verify TLS servers in DialTLS; nil is the system's (tests set it).
	Roots *x509.CertPool
	// For names whose connections they are, in errors ("a user's
	// notification config").
	For string
}

// Check returns an *AddressError when ip may not be reached.
func (p Policy) Check(ip netip.Addr) error {
	class := Classify(ip)
	if class == "" {
		return nil
	}
	ip = ip.WithZone("").Unmap()
	for _, a := range p.Allowed {
		if a.Contains(ip) {
			return nil
		}
	}
	return &AddressError{Address: ip.String(), Class: class, For: p.For}
}

// Control is the dialer's check of each address it connects to, after
// the name was resolved (a net.Dialer's Control).
func (p Policy) Control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return &AddressError{Address: address, Class: "not TCP", For: p.For}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &AddressError{Address: address, Class: "not an IP address", For: p.For}
	}
	return p.Check(ap.Addr())
}

// Dialer connects to allowed addresses only.
func (p Policy) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second, Control: p.Control}
}

// DialContext is the dialer's DialContext, refusing other networks than
// TCP (a Unix socket) before anything is dialled: an http.Transport's
// DialContext.
func (p Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &AddressError{Address: address, Class: "not TCP", For: p.For}
	}
	return p.Dialer().DialContext(ctx, network, address)
}

// DialTLS dials with implicit TLS to serverName.
func (p Policy) DialTLS(serverName string) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		switch network {
		case "tcp", "tcp4", "tcp6":
		default:
			return nil, &AddressError{Address: address, Class: "not TCP", For: p.For}
		}
		d := &tls.Dialer{NetDialer: p.Dialer(), Config: &tls.Config{ServerName: serverName, MinVersion: tls.VersionTLS12, RootCAs: p.Roots}}
		return d.DialContext(ctx, network, address)
	}
}

// AsAddressError finds an *AddressError in err's chain.
func AsAddressError(err error) *AddressError {
	var ae *AddressError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

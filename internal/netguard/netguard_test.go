package netguard

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, c := range []struct{ ip, class string }{
		// Public.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"172.32.0.1", ""},
		{"100.128.0.1", ""},
		{"2606:4700:4700::1111", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		// Loopback.
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		// Private networks (RFC 1918, RFC 4193).
		{"10.0.0.5", "private network"},
		{"172.16.0.1", "private network"},
		{"172.31.255.255", "private network"},
		{"192.168.1.1", "private network"},
		{"fc00::1", "private network"},
		{"fd12:3456:789a::1", "private network"},
		{"::ffff:10.0.0.5", "private network"},
		{"::ffff:192.168.0.1", "private network"},
		{"64:ff9b::a00:5", "private network"},
		{"64:ff9b:1::1", "private network"},
		// Link-local, cloud metadata included.
		{"169.254.169.254", "link-local"},
		{"169.254.0.1", "link-local"},
		{"::ffff:169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"febf::1", "link-local"},
		{"fec0::1", "site-local"},
		// Unspecified.
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"::ffff:0.0.0.0", "unspecified"},
		// Multicast.
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		// CGNAT.
		{"100.64.0.1", "shared address space (CGNAT)"},
		{"100.127.255.254", "shared address space (CGNAT)"},
		{"::ffff:100.64.0.1", "shared address space (CGNAT)"},
		// Reserved.
		{"255.255.255.255", "reserved"},
		{"240.0.0.1", "reserved"},
		{"198.18.0.1", "reserved"},
		{"::10.0.0.5", "reserved"},
	} {
		if got := Classify(netip.MustParseAddr(c.ip)); got != c.class {
			t.Errorf("%s: %q, want %q", c.ip, got, c.class)
		}
	}
	if Classify(netip.Addr{}) == "" {
		t.Error("the zero address is public")
	}
}

func TestAllowedCIDRsLetInternalAddressesThrough(t *testing.T) {
	allowed, err := ParseCIDRs([]string{"10.1.0.0/16", "192.168.5.5", " fd00:1::/32 ", "::ffff:172.16.0.0/120"})
	if err != nil {
		t.Fatal(err)
	}
	p := Policy{Allowed: allowed, For: "a test"}
	for ip, ok := range map[string]bool{
		"10.1.2.3": true, "::ffff:10.1.2.3": true, "10.2.0.1": false,
		"192.168.5.5": true, "192.168.5.6": false,
		"fd00:1::5": true, "fd00:2::5": false,
		"172.16.0.9": true, "172.16.1.1": false,
		"127.0.0.1": false, "8.8.8.8": true,
	} {
		err := p.Check(netip.MustParseAddr(ip))
		if (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", ip, err, ok)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "::ffff:0:0/90"} {
		if _, err := ParseCIDRs([]string{bad}); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestTheDialerRefusesInternalAddressesAfterResolution(t *testing.T) {
	p := Policy{For: "a user's notification config"}
	// localhost is a name: the check is on the address it resolves to.
	for _, addr := range []string{"localhost:1", "127.0.0.1:1", "[::1]:1", "[::ffff:169.254.169.254]:80", "10.0.0.5:25"} {
		_, err := p.DialContext(context.Background(), "tcp", addr)
		var ae *AddressError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "is not allowed for a user's notification config") {
			t.Errorf("%s: %v, want an AddressError", addr, err)
		}
	}
	if _, err := p.DialContext(context.Background(), "unix", "/run/docker.sock"); AsAddressError(err) == nil {
		t.Errorf("a Unix socket: %v", err)
	}
	e := &AddressError{Address: "10.0.0.5", Class: "private network", For: "a user's notification config"}
	if e.Error() != "the address 10.0.0.5 is not allowed for a user's notification config (private network)" {
		t.Error(e.Error())
	}
}

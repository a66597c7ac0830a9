package filters_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

func TestClientIP(t *testing.T) {
	trusted, err := filters.ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.10"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		remoteAddr string
		forwarded  []string
		trusted    bool
		want       string
	}{
		{name: "without trusted proxies, the peer is the client whatever it forwards",
			remoteAddr: "198.51.100.4:5000", forwarded: []string{"203.0.113.7"}, want: "198.51.100.4"},
		{name: "an untrusted peer cannot name another address",
			remoteAddr: "198.51.100.4:5000", forwarded: []string{"203.0.113.7"}, trusted: true, want: "198.51.100.4"},
		{name: "a trusted proxy names the client",
			remoteAddr: "10.1.2.3:5000", forwarded: []string{"203.0.113.7"}, trusted: true, want: "203.0.113.7"},
		{name: "what the client prepended before the trusted proxy is ignored",
			remoteAddr: "10.1.2.3:5000", forwarded: []string{"198.18.0.1, 203.0.113.7"}, trusted: true, want: "203.0.113.7"},
		{name: "a chain of trusted proxies is walked to the first untrusted address",
			remoteAddr: "192.0.2.10:5000", forwarded: []string{"203.0.113.7, 10.9.9.9"}, trusted: true, want: "203.0.113.7"},
		{name: "several header lines count as one list",
			remoteAddr: "10.1.2.3:5000", forwarded: []string{"198.18.0.1", "203.0.113.7"}, trusted: true, want: "203.0.113.7"},
		{name: "a malformed entry stops the walk at the last address a trusted proxy wrote",
			remoteAddr: "10.1.2.3:5000", forwarded: []string{"203.0.113.7, not-an-ip, 10.2.2.2"}, trusted: true, want: "10.2.2.2"},
		{name: "a trusted proxy that forwards nothing is the client",
			remoteAddr: "10.1.2.3:5000", trusted: true, want: "10.1.2.3"},
		{name: "IPv6 peers have brackets and port removed",
			remoteAddr: "[2001:db8::1]:443", forwarded: []string{"203.0.113.7"}, want: "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var list = trusted
			if !tt.trusted {
				list = nil
			}
			var got string
			h := filters.WithClientIP(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				got = request.ClientIPFrom(r.Context())
			}), list)
			req := httptest.NewRequest(http.MethodGet, "/oauth/token", nil)
			req.RemoteAddr = tt.remoteAddr
			for _, v := range tt.forwarded {
				req.Header.Add("X-Forwarded-For", v)
			}
			req.Header.Set("X-Real-Ip", "198.18.0.99")
			h.ServeHTTP(httptest.NewRecorder(), req)
			if got != tt.want {
				t.Errorf("client address %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	if _, err := filters.ParseTrustedProxies([]string{"10.0.0.0/8", "::1", "fd00::/8"}); err != nil {
		t.Errorf("valid CIDRs and addresses: %v", err)
	}
	if _, err := filters.ParseTrustedProxies([]string{"console.example"}); err == nil {
		t.Error("a host name was accepted")
	}
}

func TestTheAuditLogShowsTheClientAddressOfATrustedProxy(t *testing.T) {
	trusted, _ := filters.ParseTrustedProxies([]string{"10.0.0.0/8"})
	s := &sink{}
	h := filters.WithClientIP(filters.WithAudit(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), s, time.Now), trusted)
	for remote, want := range map[string]string{"10.1.2.3:5000": "203.0.113.7", "198.51.100.4:5000": "198.51.100.4"} {
		req := httptest.NewRequest(http.MethodDelete, "/api/v1/namespaces/dev", nil)
		req.RemoteAddr = remote
		req.Header.Set("X-Forwarded-For", "203.0.113.7")
		h.ServeHTTP(httptest.NewRecorder(), req)
		ev := s.all()
		if ev[len(ev)-1].SourceIP != want {
			t.Errorf("from %s: source IP %q, want %q", remote, ev[len(ev)-1].SourceIP, want)
		}
	}
}

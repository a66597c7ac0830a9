package proxy

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// auditEvent is what these tests read of kube-apiserver's audit events.
type auditEvent struct {
	UserAgent        string   `json:"userAgent"`
	SourceIPs        []string `json:"sourceIPs"`
	ImpersonatedUser struct {
		Username string `json:"username"`
	} `json:"impersonatedUser"`
}

// kubeAuditEvents returns kube-apiserver's audit events of a user agent.
func kubeAuditEvents(t *testing.T, userAgent string) []auditEvent {
	t.Helper()
	f, err := os.Open(st.kubeAudit)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []auditEvent
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev auditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err == nil && ev.UserAgent == userAgent {
			out = append(out, ev)
		}
	}
	return out
}

func TestAClientCannotChooseTheSourceAddressKubeAPIServerAudits(t *testing.T) {
	world(t)
	tok := api.Token(t, viewer)
	const agent = "forwarding-headers-test/1"
	got := whoami(t, "", tok, "User-Agent", agent,
		"X-Forwarded-For", "203.0.113.7", "X-Real-Ip", "203.0.113.8", "Forwarded", "for=203.0.113.9;proto=http",
		"X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "http")
	if got.Username != viewer {
		t.Fatalf("kube-apiserver sees %q", got.Username)
	}
	var events []auditEvent
	eventually(t, "kube-apiserver audits the request", func() error {
		if events = kubeAuditEvents(t, agent); len(events) == 0 {
			return fmt.Errorf("no audit event with user agent %s", agent)
		}
		return nil
	})
	for _, ev := range events {
		if ev.ImpersonatedUser.Username != viewer {
			t.Errorf("the audit event names %q", ev.ImpersonatedUser.Username)
		}
		for _, ip := range ev.SourceIPs {
			if strings.HasPrefix(ip, "203.0.113.") {
				t.Errorf("kube-apiserver audits the address %s the client sent (source addresses %v)", ip, ev.SourceIPs)
			}
		}
		if !slices.Contains(ev.SourceIPs, "127.0.0.1") {
			t.Errorf("source addresses %v, want the client's 127.0.0.1", ev.SourceIPs)
		}
	}
}

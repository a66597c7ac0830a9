package channel

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/netguard"
	"github.com/superkube/super-kubenetes/internal/testutil/mailpit"
)

// A user's webhook at 127.0.0.1 is refused, permanently, naming the
// field and never the URL's token; a platform one goes through; an
// allowed network lets the user's through; a redirect to an address that
// is not allowed is refused too.
func TestAUsersConfigReachesPublicAddressesOnly(t *testing.T) {
	var hits atomic.Int32
	url := service(t, "ok", func(*testing.T, *http.Request, map[string]any) { hits.Add(1) })
	secretURL := url + "/hook?token=s3cr3t-token"
	n := note(t)
	user := &Conn{Type: nv1.ChannelWebhook, URL: secretURL, Token: "bearer-s3cr3t", Restricted: true}
	err := (&Sender{}).Send(context.Background(), user, n)
	e := AsError(err)
	if e == nil || !e.Disallowed || !e.Permanent || e.Field != "credentials.url" || hits.Load() != 0 ||
		!strings.Contains(e.Reason, "the address 127.0.0.1 is not allowed for a user's notification config (loopback)") {
		t.Fatalf("%#v (hits %d)", e, hits.Load())
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the error leaks a credential: %v", err)
	}
	platform := &Conn{Type: nv1.ChannelWebhook, URL: secretURL}
	if err := (&Sender{}).Send(context.Background(), platform, n); err != nil || hits.Load() != 1 {
		t.Fatalf("platform: %v (hits %d)", err, hits.Load())
	}
	allowed, _ := netguard.ParseCIDRs([]string{"127.0.0.1/32"})
	s := &Sender{UserAllowedCIDRs: allowed}
	if err := s.Send(context.Background(), user, n); err != nil || hits.Load() != 2 {
		t.Fatalf("allowed: %v (hits %d)", err, hits.Load())
	}
	// 127.0.0.1 is allowed, the redirect's 127.0.0.2 is not.
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.2:1/internal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)
	err = s.Send(context.Background(), &Conn{Type: nv1.ChannelSlack, URL: redirect.URL + "/x", Restricted: true}, n)
	if e := AsError(err); e == nil || !e.Disallowed || !strings.Contains(e.Reason, "127.0.0.2") {
		t.Fatalf("redirect: %v", err)
	}
}

// A user's SMTP host at an internal address (or a Unix socket) is refused
// before anything is sent, naming spec.email.host.
func TestAUsersSMTPHostReachesPublicAddressesOnly(t *testing.T) {
	n := note(t)
	n.To = "someone@example.com"
	for _, host := range []string{"127.0.0.1", "localhost", "169.254.169.254", "[::ffff:10.0.0.5]", "unix:///var/run/docker.sock"} {
		for _, mode := range []nv1.TLSMode{nv1.TLSNone, nv1.TLSStartTLS, nv1.TLSImplicit} {
			c := &Conn{Type: nv1.ChannelEmail, Restricted: true, Email: &Email{Host: host, Port: 25, From: "a@example.com", TLS: mode,
				Username: "u", Password: "pw-s3cr3t"}}
			err := (&Sender{SMTPTimeout: 2 * time.Second}).Send(context.Background(), c, n)
			e := AsError(err)
			if e == nil || !e.Disallowed || !e.Permanent || e.Field != "spec.email.host" || !strings.Contains(e.Reason, "is not allowed for a user's notification config") {
				t.Errorf("%s %s: %#v", host, mode, e)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("the error leaks the password: %v", err)
			}
		}
	}
}

// A user's SMTP server at an allowed address is reached through the
// checking dialer: in plain SMTP (Mailpit) and with implicit TLS, where
// the dialer makes the TLS connection and the login goes over it.
func TestAUsersSMTPServerAtAnAllowedAddress(t *testing.T) {
	allowed, _ := netguard.ParseCIDRs([]string{"127.0.0.0/8"})
	n := note(t)
	n.To = "someone@example.com"
	mp := mailpit.StartT(t)
	c := &Conn{Type: nv1.ChannelEmail, Restricted: true, Email: &Email{Host: "127.0.0.1", Port: mp.SMTPPort, From: "a@example.com", TLS: nv1.TLSNone}}
	if err := (&Sender{UserAllowedCIDRs: allowed}).Send(context.Background(), c, n); err != nil {
		t.Fatalf("plain: %v", err)
	}
	if _, err := mp.WaitMessages(context.Background(), 1, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS() // for its certificate, valid for 127.0.0.1
	srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	ln, err := tls.Listen("tcp", "127.0.0.1:0", srv.TLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan string, 1)
	go fakeSMTP(ln, got)
	c.Email = &Email{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, From: "a@example.com", TLS: nv1.TLSImplicit, Username: "u", Password: "p"}
	if err := (&Sender{UserAllowedCIDRs: allowed, tlsRoots: roots, SMTPTimeout: 5 * time.Second}).Send(context.Background(), c, n); err != nil {
		t.Fatalf("implicit TLS: %v", err)
	}
	if auth := <-got; auth != "AUTH PLAIN AHUAcA==" {
		t.Errorf("login %q, want PLAIN u/p over the TLS connection", auth)
	}
}

// fakeSMTP serves one SMTP conversation on each connection (over TLS),
// offering AUTH PLAIN only, and reports the AUTH line.
func fakeSMTP(ln net.Listener, got chan<- string) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			rd := bufio.NewReader(conn)
			say := func(s string) { _, _ = io.WriteString(conn, s+"\r\n") }
			say("220 fake ESMTP")
			data := false
			for {
				line, err := rd.ReadString('\n')
				if err != nil {
					return
				}
				line = strings.TrimRight(line, "\r\n")
				if data {
					if line == "." {
						data = false
						say("250 queued")
					}
					continue
				}
				switch cmd := strings.ToUpper(strings.SplitN(line, " ", 2)[0]); cmd {
				case "EHLO", "HELO":
					say("250-fake")
					say("250 AUTH PLAIN")
				case "AUTH":
					got <- line
					say("235 ok")
				case "DATA":
					data = true
					say("354 go on")
				case "QUIT":
					say("221 bye")
					return
				default:
					say("250 ok")
				}
			}
		}()
	}
}

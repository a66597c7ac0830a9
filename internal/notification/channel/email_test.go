package channel

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/testutil/mailpit"
)

// Several messages go through one SMTP connection; a bad recipient fails
// alone, naming the field.
func TestSendEmailsThroughOneConnection(t *testing.T) {
	mp := mailpit.StartT(t)
	conn := &Conn{Type: nv1.ChannelEmail, Email: &Email{Host: mp.SMTPHost, Port: mp.SMTPPort, From: "alerts@example.com", TLS: nv1.TLSNone,
		Username: "u", Password: "p4ss-secret"}}
	var ns []*Notification
	for _, to := range []string{"a@example.com", "not an address", "b@example.com"} {
		n := note(t)
		n.To = to
		ns = append(ns, n)
	}
	errs := (&Sender{}).SendEmails(context.Background(), conn, ns)
	if errs[0] != nil || errs[2] != nil || AsError(errs[1]).Field != "to" || !AsError(errs[1]).Permanent {
		t.Fatalf("errors %v", errs)
	}
	msgs, err := mp.WaitMessages(context.Background(), 2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mp.Message(context.Background(), msgs[0].ID)
	if err != nil || !strings.HasPrefix(m.Subject, "[告警]") || m.HTML == "" || m.Text == "" || m.Username != "u" {
		t.Errorf("message %+v: %v", m, err)
	}
}

func TestAnSMTPHostThatRefusesIsATemporaryErrorOnTheHost(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conn := &Conn{Type: nv1.ChannelEmail, Email: &Email{Host: "127.0.0.1", Port: port, From: "alerts@example.com", Username: "u", Password: "p4ss-secret"}}
	n := note(t)
	n.To = "a@example.com"
	err := (&Sender{}).Send(context.Background(), conn, n)
	e := AsError(err)
	if err == nil || e.Field != "spec.email.host" || e.Permanent || strings.Contains(err.Error(), "p4ss-secret") {
		t.Fatalf("%v", err)
	}
}

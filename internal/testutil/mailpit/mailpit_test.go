package mailpit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wneessen/go-mail"
)

// An e-mail in Korean, sent with the SMTP library the notification sender
// will use and logged in as a sender configured for a real server would
// be, is read back from Mailpit's API unchanged; deleting all empties the
// mailbox.
func TestAKoreanMailSentOverSMTPIsReadBackThroughTheAPI(t *testing.T) {
	s := StartT(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	const (
		subject = "[경고] 파드 web-1의 메모리 사용량이 90%를 넘었습니다"
		body    = "안녕하세요,\n프로젝트 데모의 파드 web-1이 메모리 한도에 가깝습니다.\nSuper Kubenetes 알림"
	)
	m := mail.NewMsg()
	if err := m.FromFormat("Super Kubenetes 알림", "alerts@superkube.example"); err != nil {
		t.Fatal(err)
	}
	if err := m.AddToFormat("김운영", "ops@superkube.example"); err != nil {
		t.Fatal(err)
	}
	m.Subject(subject)
	m.SetBodyString(mail.TypeTextPlain, body)
	c, err := mail.NewClient(s.SMTPHost, mail.WithPort(s.SMTPPort), mail.WithTLSPolicy(mail.NoTLS),
		mail.WithSMTPAuth(mail.SMTPAuthPlainNoEnc), mail.WithUsername("notifier"), mail.WithPassword("any"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		t.Fatalf("sending: %v", err)
	}

	list, err := s.WaitMessages(ctx, 1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d messages, want 1", len(list))
	}
	sum := list[0]
	if sum.Subject != subject {
		t.Errorf("subject %q, want %q", sum.Subject, subject)
	}
	if sum.From == nil || sum.From.Name != "Super Kubenetes 알림" || sum.From.Address != "alerts@superkube.example" {
		t.Errorf("from %+v", sum.From)
	}
	if len(sum.To) != 1 || sum.To[0].Name != "김운영" || sum.To[0].Address != "ops@superkube.example" {
		t.Errorf("to %+v", sum.To)
	}
	if sum.Username != "notifier" {
		t.Errorf("SMTP login %q, want notifier", sum.Username)
	}
	msg, err := s.Message(ctx, sum.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimRight(strings.ReplaceAll(msg.Text, "\r\n", "\n"), "\n"); got != body {
		t.Errorf("body %q, want %q", got, body)
	}
	if msg.Subject != subject {
		t.Errorf("message subject %q, want %q", msg.Subject, subject)
	}

	if err := s.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Messages(ctx); err != nil || len(list) != 0 {
		t.Errorf("after deleting all: %d messages, %v", len(list), err)
	}
}

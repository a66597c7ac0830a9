package channel

import (
	"context"
	"errors"
	"net"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
)

func (s *Sender) email(ctx context.Context, c *Conn, n *Notification) error {
	e := c.Email
	if e == nil {
		return &Error{Field: "spec.email", Reason: "an email config needs spec.email", Permanent: true}
	}
	if _, err := mail.ParseAddress(n.To); err != nil {
		return &Error{Field: "to", Reason: "not an e-mail address", Permanent: true}
	}
	timeout := s.SMTPTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(e.Port), gomail.WithTimeout(timeout)}
	switch e.TLS {
	case notificationv2beta2.TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case notificationv2beta2.TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if e.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if e.TLS == notificationv2beta2.TLSNone {
			// Without TLS (a local sink) the login is sent in the clear, as
			// the config says; autodiscovery would refuse every mechanism.
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(e.Username), gomail.WithPassword(e.Password))
	}
	client, err := gomail.NewClient(e.Host, opts...)
	if err != nil {
		return &Error{Field: "spec.email.host", Reason: "cannot use the SMTP server: " + redact(err.Error(), e.Password), Permanent: true}
	}
	msg := gomail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return &Error{Field: "spec.email.from", Reason: "not an e-mail address", Permanent: true}
	}
	if err := msg.To(n.To); err != nil {
		return &Error{Field: "to", Reason: "not an e-mail address", Permanent: true}
	}
	msg.Subject(n.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, n.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, n.HTML)
	msg.SetDate()
	msg.SetMessageID()
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return smtpError(err, e)
	}
	return nil
}

// smtpError says which field an SMTP failure is about.
func smtpError(err error, e *Email) *Error {
	text := redact(err.Error(), e.Password)
	var se *gomail.SendError
	if errors.As(err, &se) {
		perm := !se.IsTemp()
		switch {
		case se.Reason == gomail.ErrSMTPRcptTo:
			return &Error{Field: "to", Reason: "the SMTP server refused the recipient: " + text, Permanent: perm}
		case se.Reason == gomail.ErrSMTPMailFrom:
			return &Error{Field: "spec.email.from", Reason: "the SMTP server refused the sender: " + text, Permanent: perm}
		}
	}
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	lower := strings.ToLower(text)
	switch {
	case errors.As(err, &de):
		return &Error{Field: "spec.email.host", Reason: "the SMTP host " + e.Host + " is not found"}
	case errors.As(err, &oe) && oe.Op == "dial", errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return &Error{Field: "spec.email.host", Reason: "the SMTP server " + net.JoinHostPort(e.Host, itoa(e.Port)) + " does not answer: " + text}
	case strings.Contains(lower, "auth"):
		return &Error{Field: "credentials.password", Reason: "the SMTP server refused the login of " + e.Username + ": " + text}
	case strings.Contains(lower, "tls") || strings.Contains(lower, "certificate"):
		return &Error{Field: "spec.email.tls", Reason: "TLS with the SMTP server failed: " + text}
	case strings.HasPrefix(lower, "dial failed"):
		return &Error{Field: "spec.email.host", Reason: "the SMTP server " + net.JoinHostPort(e.Host, itoa(e.Port)) + " does not answer properly: " + text}
	}
	return &Error{Field: "spec.email", Reason: "sending failed: " + text}
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

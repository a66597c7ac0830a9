package channel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
)

func (s *Sender) email(ctx context.Context, c *Conn, n *Notification) error {
	return s.SendEmails(ctx, c, []*Notification{n})[0]
}

// SendEmails sends several messages through one SMTP connection, and
// returns the error of each (all the same when the connection fails).
func (s *Sender) SendEmails(ctx context.Context, c *Conn, ns []*Notification) []error {
	errs := make([]error, len(ns))
	fail := func(err error) []error {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
		return errs
	}
	e := c.Email
	if e == nil {
		return fail(&Error{Field: "spec.email", Reason: "an email config needs spec.email", Permanent: true})
	}
	client, err := s.smtpClient(e, c.Restricted)
	if err != nil {
		return fail(err)
	}
	msgs := make([]*gomail.Msg, len(ns))
	pending := 0
	for i, n := range ns {
		if msgs[i], errs[i] = message(e, n); errs[i] == nil {
			pending++
		}
	}
	if pending == 0 {
		return errs
	}
	if err := client.DialWithContext(ctx); err != nil {
		return fail(smtpError(fmt.Errorf("dial failed: %w", err), e))
	}
	defer func() { _ = client.Close() }()
	for i, m := range msgs {
		if errs[i] != nil {
			continue
		}
		if err := client.Send(m); err != nil {
			errs[i] = smtpError(err, e)
		}
	}
	return errs
}

// smtpClient is the client of an SMTP server; restricted (a user's
// config) connects through the address check.
func (s *Sender) smtpClient(e *Email, restricted bool) (*gomail.Client, error) {
	timeout := s.SMTPTimeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(e.Port), gomail.WithTimeout(timeout)}
	switch {
	case e.TLS == notificationv2beta2.TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if restricted {
			opts = append(opts, gomail.WithDialContextFunc(s.policy().DialContext))
		}
	case e.TLS == notificationv2beta2.TLSImplicit && restricted:
		// go-mail does not wrap a dial function's connection in TLS: the
		// dial function does, and go-mail, seeing a TLS connection (and
		// no STARTTLS offered), treats it as encrypted. The dial function
		// never returns anything but a TLS connection.
		opts = append(opts, gomail.WithDialContextFunc(s.policy().DialTLS(e.Host)), gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case e.TLS == notificationv2beta2.TLSImplicit:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case restricted:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory), gomail.WithDialContextFunc(s.policy().DialContext))
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
		return nil, &Error{Field: "spec.email.host", Reason: "cannot use the SMTP server: " + redact(err.Error(), e.Password), Permanent: true}
	}
	return client, nil
}

// message is the e-mail of a notification.
func message(e *Email, n *Notification) (*gomail.Msg, error) {
	if _, err := mail.ParseAddress(n.To); err != nil {
		return nil, &Error{Field: "to", Reason: "not an e-mail address", Permanent: true}
	}
	msg := gomail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return nil, &Error{Field: "spec.email.from", Reason: "not an e-mail address", Permanent: true}
	}
	if err := msg.To(n.To); err != nil {
		return nil, &Error{Field: "to", Reason: "not an e-mail address", Permanent: true}
	}
	msg.Subject(n.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, n.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, n.HTML)
	msg.SetDate()
	msg.SetMessageID()
	return msg, nil
}

// smtpError says which field an SMTP failure is about.
func smtpError(err error, e *Email) *Error {
	if ae := asAddressError(err); ae != nil {
		return disallowed("spec.email.host", ae)
	}
	text := redact(err.Error(), e.Password)
	var se *gomail.SendError
	if errors.As(err, &se) {
		perm := !se.IsTemp()
		switch se.Reason {
		case gomail.ErrSMTPRcptTo:
			return &Error{Field: "to", Reason: "the SMTP server refused the recipient: " + text, Permanent: perm}
		case gomail.ErrSMTPMailFrom:
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

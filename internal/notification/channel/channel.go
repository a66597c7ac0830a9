// Package channel delivers a rendered notification through one channel:
// e-mail over SMTP (github.com/wneessen/go-mail), a JSON webhook, or a
// chat service's incoming webhook in the format it documents (Slack,
// Microsoft Teams, DingTalk, Feishu, WeCom). Errors name the field of the
// channel's configuration that is wrong and say whether trying again may
// help; they never carry a credential (a password, a URL with its token).
package channel

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/notification/alert"
	"github.com/superkube/super-kubenetes/internal/notification/templates"
)

// Conn is a channel's connection with its credentials resolved.
type Conn struct {
	Type  notificationv2beta2.ChannelType
	Email *Email
	// URL is the webhook's or chat service's URL (it may hold a token).
	URL string
	// Token is the webhook's bearer token, or the DingTalk and Feishu
	// signing secret.
	Token string
	// Restricted is set for a user's config: its connections may reach
	// public addresses only, and the networks of the Sender's
	// UserAllowedCIDRs.
	Restricted bool
}

// Email is an SMTP server.
type Email struct {
	Host     string
	Port     int
	From     string
	Username string
	Password string
	TLS      notificationv2beta2.TLSMode
}

// Notification is what is sent: the rendered message and the alerts it is
// about (a webhook gets them as JSON).
type Notification struct {
	templates.Message
	Status   string
	Receiver string
	Alerts   []alert.Alert
	// To is the recipient: an e-mail address, or a chat target (a Slack
	// channel) where the service takes one.
	To string
}

// Error is a failed delivery.
type Error struct {
	// Field is the path of what is wrong: spec.email.host,
	// credentials.password, spec.url.urlSecret, to ...
	Field string
	// Reason says what happened, without credentials.
	Reason string
	// Permanent is true when trying again cannot help (a refused
	// recipient, a bad request).
	Permanent bool
	// Disallowed is true when the platform does not let the config reach
	// the address (a user's config at an internal address); it is
	// permanent too.
	Disallowed bool
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

// AsError returns err as an *Error (wrapping anything else as temporary).
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Reason: err.Error()}
}

// Sender sends notifications.
type Sender struct {
	// HTTP calls webhooks and chat services; nil is a client with a 15s timeout.
	HTTP *http.Client
	// SMTPTimeout bounds an SMTP conversation; zero is 15s.
	SMTPTimeout time.Duration
	// Now is the clock of the DingTalk and Feishu signatures; nil is time.Now.
	Now func() time.Time
	// UserAllowedCIDRs are networks that users' configs (Conn.Restricted)
	// may reach although they are not public; by default users' configs
	// reach public addresses only.
	UserAllowedCIDRs []netip.Prefix

	once       sync.Once
	restricted *http.Client
	// tlsRoots verify the SMTP servers of users' configs with implicit
	// TLS; nil is the system's (tests set it).
	tlsRoots *x509.CertPool
}

func (s *Sender) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Sender) http() *http.Client {
	if s.HTTP != nil {
		return s.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Timeout: 15 * time.Second}

func (s *Sender) policy() netguard.Policy {
	return netguard.Policy{Allowed: s.UserAllowedCIDRs, Roots: s.tlsRoots, For: usersConfig}
}

// client is the HTTP client of c: for a user's config one whose every
// connection, redirects included, goes through the address check, and
// never through a proxy (whose address is not the destination's).
func (s *Sender) client(c *Conn) *http.Client {
	if !c.Restricted {
		return s.http()
	}
	s.once.Do(func() {
		base, timeout := http.DefaultTransport.(*http.Transport), 15*time.Second
		if s.HTTP != nil {
			if t, ok := s.HTTP.Transport.(*http.Transport); ok {
				base = t
			}
			if s.HTTP.Timeout > 0 {
				timeout = s.HTTP.Timeout
			}
		}
		tr := base.Clone()
		tr.Proxy = nil
		tr.DialContext = s.policy().DialContext
		tr.DialTLSContext = nil
		s.restricted = &http.Client{Timeout: timeout, Transport: tr}
	})
	return s.restricted
}

// disallowed is the error of a refused address.
func disallowed(field string, ae *AddressError) *Error {
	return &Error{Field: field, Reason: ae.Error(), Permanent: true, Disallowed: true}
}

// Send delivers n through c.
func (s *Sender) Send(ctx context.Context, c *Conn, n *Notification) error {
	switch c.Type {
	case notificationv2beta2.ChannelEmail:
		return s.email(ctx, c, n)
	case notificationv2beta2.ChannelWebhook:
		return s.webhook(ctx, c, n)
	case notificationv2beta2.ChannelSlack:
		return s.slack(ctx, c, n)
	case notificationv2beta2.ChannelTeams:
		return s.teams(ctx, c, n)
	case notificationv2beta2.ChannelDingTalk:
		return s.dingtalk(ctx, c, n)
	case notificationv2beta2.ChannelFeishu:
		return s.feishu(ctx, c, n)
	case notificationv2beta2.ChannelWeCom:
		return s.wecom(ctx, c, n)
	}
	return &Error{Field: "spec.type", Reason: fmt.Sprintf("unknown channel type %q", c.Type), Permanent: true}
}

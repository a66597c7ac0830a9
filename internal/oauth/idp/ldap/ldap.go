// Package ldap is the LDAP identity provider: it checks a user name and
// password against a directory (OpenLDAP, Active Directory, 389-ds ...) by
// searching for the user's entry as a service account, then binding as that
// entry with the password, and reads the user's groups.
package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
)

// Defaults of Config.
const (
	DefaultUserSearchFilter     = "(objectClass=inetOrgPerson)"
	DefaultLoginAttribute       = "uid"
	DefaultMailAttribute        = "mail"
	DefaultDisplayNameAttribute = "cn"
	DefaultGroupSearchFilter    = "(objectClass=groupOfNames)"
	DefaultGroupMemberAttribute = "member"
	DefaultGroupNameAttribute   = "cn"
	DefaultTimeout              = 10 * time.Second
)

// Config configures an LDAP identity provider. It is part of ke-apiserver's
// configuration file.
type Config struct {
	// Name identifies the provider on the login page and in identities.
	Name string `json:"name"`
	// MappingMethod says how a directory user becomes a platform user;
	// lookup by default.
	MappingMethod idp.MappingMethod `json:"mappingMethod,omitempty"`

	// Host is the directory's "host:port".
	Host string `json:"host"`
	// StartTLS upgrades the connection to TLS before anything is sent.
	// Without it, passwords cross the network in clear text.
	StartTLS bool `json:"startTLS,omitempty"`
	// InsecureSkipVerify accepts any server certificate (StartTLS only).
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
	// RootCA is a PEM file of the certificate authorities that sign the
	// server's certificate (StartTLS only); the system's by default.
	RootCA string `json:"rootCA,omitempty"`

	// BindDN and BindPassword are the service account that searches the
	// directory for users and groups.
	BindDN       string `json:"bindDN"`
	BindPassword string `json:"bindPassword"`

	// UserSearchBase is where users are searched, with its whole subtree.
	UserSearchBase string `json:"userSearchBase"`
	// UserSearchFilter selects user entries; (objectClass=inetOrgPerson) by
	// default. The login attribute's condition is added to it.
	UserSearchFilter string `json:"userSearchFilter,omitempty"`
	// LoginAttribute holds the name users log in with; uid by default.
	LoginAttribute string `json:"loginAttribute,omitempty"`
	// MailAttribute holds the user's e-mail address; mail by default.
	MailAttribute string `json:"mailAttribute,omitempty"`
	// DisplayNameAttribute holds the user's full name; cn by default.
	DisplayNameAttribute string `json:"displayNameAttribute,omitempty"`

	// GroupSearchBase is where groups are searched, with its whole subtree.
	// Empty means that groups are not looked up.
	GroupSearchBase string `json:"groupSearchBase,omitempty"`
	// GroupSearchFilter selects group entries; (objectClass=groupOfNames) by
	// default, (objectClass=posixGroup) for RFC 2307 groups.
	GroupSearchFilter string `json:"groupSearchFilter,omitempty"`
	// GroupMemberAttribute lists a group's members; member by default,
	// memberUid for posixGroup.
	GroupMemberAttribute string `json:"groupMemberAttribute,omitempty"`
	// GroupMemberIsDN says whether members are named by their DN (member of
	// groupOfNames) or by their login name (memberUid of posixGroup). Unset,
	// it is false for memberUid and true for any other member attribute.
	GroupMemberIsDN *bool `json:"groupMemberIsDN,omitempty"`
	// GroupNameAttribute holds a group's name; cn by default.
	GroupNameAttribute string `json:"groupNameAttribute,omitempty"`

	// Timeout bounds one login: connecting, binding and searching; 10s by
	// default.
	Timeout metav1.Duration `json:"timeout,omitempty"`
}

// Provider is an LDAP identity provider. It opens a connection for each
// login and is safe for concurrent use.
type Provider struct {
	cfg        Config // with defaults
	tlsConfig  *tls.Config
	memberIsDN bool
}

var _ idp.PasswordProvider = (*Provider)(nil)

// New checks the configuration, fills in the defaults and returns the
// provider. It does not contact the directory.
func New(cfg Config) (*Provider, error) {
	cfg = withDefaults(cfg)
	if errs := validate(cfg); len(errs) > 0 {
		return nil, fmt.Errorf("ldap identity provider %q: %w", cfg.Name, kerrors.NewAggregate(errs))
	}
	p := &Provider{cfg: cfg, memberIsDN: *cfg.GroupMemberIsDN}
	if cfg.StartTLS {
		tc, err := tlsConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("ldap identity provider %q: %w", cfg.Name, err)
		}
		p.tlsConfig = tc
	}
	return p, nil
}

// Name is the provider's name from the configuration.
func (p *Provider) Name() string { return p.cfg.Name }

// MappingMethod says how a directory user becomes a platform user.
func (p *Provider) MappingMethod() idp.MappingMethod { return p.cfg.MappingMethod }

// Authenticate finds the user's entry as the service account, binds as that
// entry with the password and reads the user's groups. A user that is not
// found, found more than once, or whose password is refused gets
// idp.ErrInvalidCredentials; any other error means the directory could not
// be asked, or the provider is misconfigured.
func (p *Provider) Authenticate(ctx context.Context, username, password string) (*idp.Identity, error) {
	// A simple bind with a DN and an empty password is an unauthenticated
	// bind, which some directories accept as a success.
	if username == "" || password == "" {
		return nil, idp.ErrInvalidCredentials
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout.Duration)
	defer cancel()

	s, err := p.open(ctx)
	if err != nil {
		return nil, err
	}
	defer s.close()

	if err := s.bindServiceAccount(); err != nil {
		return nil, err
	}
	entry, err := s.findUser(username)
	if err != nil {
		return nil, err
	}
	if err := s.conn.Bind(entry.DN, password); err != nil {
		if goldap.IsErrorAnyOf(err, goldap.LDAPResultInvalidCredentials, goldap.LDAPResultInappropriateAuthentication) {
			return nil, idp.ErrInvalidCredentials
		}
		return nil, s.fail(fmt.Sprintf("binding as %s", entry.DN), err)
	}

	id := &idp.Identity{
		Provider:    p.cfg.Name,
		UID:         entry.DN,
		Username:    loginName(entry, p.cfg.LoginAttribute, username),
		Email:       entry.GetEqualFoldAttributeValue(p.cfg.MailAttribute),
		DisplayName: entry.GetEqualFoldAttributeValue(p.cfg.DisplayNameAttribute),
	}
	if id.Groups, err = s.groups(entry.DN, id.Username); err != nil {
		return nil, err
	}
	return id, nil
}

// session is one connection to the directory for one login.
type session struct {
	p    *Provider
	ctx  context.Context
	conn *goldap.Conn
	// stop detaches the connection from the context.
	stop func() bool
}

// open connects to the directory, and upgrades the connection to TLS when
// configured. The connection fails as soon as ctx is done.
func (p *Provider) open(ctx context.Context) (*session, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", p.cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("ldap server %s: connecting: %w", p.cfg.Host, err)
	}
	// A deadline in the past makes pending reads and writes fail, which
	// makes the LDAP client fail the pending request.
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(time.Unix(1, 0)) })
	conn := goldap.NewConn(raw, false)
	conn.Start()
	// The context ends every request in time; the client's own request
	// timeout is only a backstop, later, so that errors name the context.
	conn.SetTimeout(p.cfg.Timeout.Duration + time.Second)
	s := &session{p: p, ctx: ctx, conn: conn, stop: stop}
	if p.tlsConfig != nil {
		if err := conn.StartTLS(p.tlsConfig.Clone()); err != nil {
			s.close()
			return nil, s.fail("starting TLS", err)
		}
	}
	return s, nil
}

func (s *session) close() {
	s.stop()
	_ = s.conn.Close()
}

// fail describes an error of the directory or the connection, naming the
// server, and the context's error when that is the cause.
func (s *session) fail(doing string, err error) error {
	if ctxErr := s.ctx.Err(); ctxErr != nil {
		return fmt.Errorf("ldap server %s: %s: %w (%w)", s.p.cfg.Host, doing, ctxErr, err)
	}
	return fmt.Errorf("ldap server %s: %s: %w", s.p.cfg.Host, doing, err)
}

func (s *session) bindServiceAccount() error {
	err := s.conn.Bind(s.p.cfg.BindDN, s.p.cfg.BindPassword)
	if goldap.IsErrorAnyOf(err, goldap.LDAPResultInvalidCredentials, goldap.LDAPResultInappropriateAuthentication) {
		return fmt.Errorf("ldap server %s: the service account was refused: check bindDN %q and bindPassword: %w", s.p.cfg.Host, s.p.cfg.BindDN, err)
	}
	if err != nil {
		return s.fail("binding as the service account "+s.p.cfg.BindDN, err)
	}
	return nil
}

// findUser returns the one entry of the user, or idp.ErrInvalidCredentials.
func (s *session) findUser(username string) (*goldap.Entry, error) {
	cfg := s.p.cfg
	filter := fmt.Sprintf("(&%s(%s=%s))", cfg.UserSearchFilter, cfg.LoginAttribute, goldap.EscapeFilter(username))
	// A size limit of 2 is enough to tell one entry from several.
	req := goldap.NewSearchRequest(cfg.UserSearchBase, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		2, s.timeLimit(), false, filter,
		[]string{cfg.LoginAttribute, cfg.MailAttribute, cfg.DisplayNameAttribute}, nil)
	res, err := s.conn.Search(req)
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultSizeLimitExceeded):
		return nil, idp.ErrInvalidCredentials
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		return nil, fmt.Errorf("ldap server %s: userSearchBase %q does not exist or the service account cannot see it: %w", cfg.Host, cfg.UserSearchBase, err)
	case err != nil:
		return nil, s.fail("searching for the user", err)
	}
	if len(res.Entries) != 1 {
		return nil, idp.ErrInvalidCredentials
	}
	return res.Entries[0], nil
}

// groups returns the sorted names of the user's groups, searched as the
// service account, since users often cannot read groups themselves.
func (s *session) groups(userDN, login string) ([]string, error) {
	cfg := s.p.cfg
	if cfg.GroupSearchBase == "" {
		return nil, nil
	}
	if err := s.bindServiceAccount(); err != nil {
		return nil, err
	}
	member := login
	if s.p.memberIsDN {
		member = userDN
	}
	filter := fmt.Sprintf("(&%s(%s=%s))", cfg.GroupSearchFilter, cfg.GroupMemberAttribute, goldap.EscapeFilter(member))
	req := goldap.NewSearchRequest(cfg.GroupSearchBase, goldap.ScopeWholeSubtree, goldap.NeverDerefAliases,
		0, s.timeLimit(), false, filter, []string{cfg.GroupNameAttribute}, nil)
	res, err := s.conn.Search(req)
	switch {
	case goldap.IsErrorWithCode(err, goldap.LDAPResultNoSuchObject):
		return nil, fmt.Errorf("ldap server %s: groupSearchBase %q does not exist or the service account cannot see it: %w", cfg.Host, cfg.GroupSearchBase, err)
	case err != nil:
		return nil, s.fail("searching for the user's groups", err)
	}
	var names []string
	for _, e := range res.Entries {
		if n := e.GetEqualFoldAttributeValue(cfg.GroupNameAttribute); n != "" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// timeLimit is the search time limit for the server, in whole seconds, from
// what is left of the login's time.
func (s *session) timeLimit() int {
	deadline, ok := s.ctx.Deadline()
	if !ok {
		return 0
	}
	return max(1, int(math.Ceil(time.Until(deadline).Seconds())))
}

// loginName is the user's name as the directory spells it: the value of the
// login attribute that matches what the user typed, or the first one.
func loginName(e *goldap.Entry, attr, typed string) string {
	values := e.GetEqualFoldAttributeValues(attr)
	for _, v := range values {
		if strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(typed)) {
			return v
		}
	}
	if len(values) > 0 {
		return values[0]
	}
	return typed
}

func withDefaults(cfg Config) Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def((*string)(&cfg.MappingMethod), string(idp.MappingLookup))
	def(&cfg.UserSearchFilter, DefaultUserSearchFilter)
	def(&cfg.LoginAttribute, DefaultLoginAttribute)
	def(&cfg.MailAttribute, DefaultMailAttribute)
	def(&cfg.DisplayNameAttribute, DefaultDisplayNameAttribute)
	def(&cfg.GroupSearchFilter, DefaultGroupSearchFilter)
	def(&cfg.GroupMemberAttribute, DefaultGroupMemberAttribute)
	def(&cfg.GroupNameAttribute, DefaultGroupNameAttribute)
	if cfg.GroupMemberIsDN == nil {
		isDN := !strings.EqualFold(cfg.GroupMemberAttribute, "memberUid")
		cfg.GroupMemberIsDN = &isDN
	}
	if cfg.Timeout.Duration == 0 {
		cfg.Timeout.Duration = DefaultTimeout
	}
	return cfg
}

// isAttribute tells whether s is an attribute description (RFC 4512): a
// name or an OID, with options such as ";lang-en". Anything else could
// change the meaning of the filters the attribute is put into.
func isAttribute(s string) bool {
	const digits = "0123456789"
	keychars := func(s string) bool {
		return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"+digits) == ""
	}
	parts := strings.Split(s, ";")
	for _, option := range parts[1:] {
		if !keychars(option) {
			return false
		}
	}
	typ := parts[0]
	switch {
	case typ == "":
		return false
	case strings.ContainsRune(digits, rune(typ[0])):
		// A numeric OID such as 0.9.2342.19200300.100.1.1.
		arcs := strings.Split(typ, ".")
		return len(arcs) > 1 && !slices.ContainsFunc(arcs, func(a string) bool {
			return a == "" || strings.Trim(a, digits) != ""
		})
	default:
		return keychars(typ) && typ[0] != '-'
	}
}

// validate checks a configuration with defaults, naming the fields as in the
// configuration file.
func validate(cfg Config) []error {
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if cfg.MappingMethod != idp.MappingAuto && cfg.MappingMethod != idp.MappingLookup {
		errs = append(errs, fmt.Errorf("mappingMethod %q is not one of %q, %q", cfg.MappingMethod, idp.MappingAuto, idp.MappingLookup))
	}

	if cfg.Host == "" {
		errs = append(errs, errors.New("host is required, as \"host:port\""))
	} else if h, port, err := net.SplitHostPort(cfg.Host); err != nil || h == "" || port == "" {
		errs = append(errs, fmt.Errorf("host %q is not \"host:port\"", cfg.Host))
	}
	if !cfg.StartTLS {
		if cfg.InsecureSkipVerify {
			errs = append(errs, errors.New("insecureSkipVerify has no effect without startTLS"))
		}
		if cfg.RootCA != "" {
			errs = append(errs, errors.New("rootCA has no effect without startTLS"))
		}
	} else if cfg.InsecureSkipVerify && cfg.RootCA != "" {
		errs = append(errs, errors.New("rootCA and insecureSkipVerify exclude each other"))
	}

	if cfg.BindDN == "" {
		errs = append(errs, errors.New("bindDN is required: the service account that searches for users"))
	} else if _, err := goldap.ParseDN(cfg.BindDN); err != nil {
		errs = append(errs, fmt.Errorf("bindDN %q is not a DN: %w", cfg.BindDN, err))
	}
	if cfg.BindPassword == "" {
		// An empty password would make an unauthenticated bind.
		errs = append(errs, errors.New("bindPassword is required"))
	}

	if cfg.UserSearchBase == "" {
		errs = append(errs, errors.New("userSearchBase is required"))
	} else if _, err := goldap.ParseDN(cfg.UserSearchBase); err != nil {
		errs = append(errs, fmt.Errorf("userSearchBase %q is not a DN: %w", cfg.UserSearchBase, err))
	}
	if cfg.GroupSearchBase != "" {
		if _, err := goldap.ParseDN(cfg.GroupSearchBase); err != nil {
			errs = append(errs, fmt.Errorf("groupSearchBase %q is not a DN: %w", cfg.GroupSearchBase, err))
		}
	}
	for _, f := range []struct{ field, value string }{
		{"userSearchFilter", cfg.UserSearchFilter},
		{"groupSearchFilter", cfg.GroupSearchFilter},
	} {
		if _, err := goldap.CompileFilter(f.value); err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not an LDAP filter such as \"(objectClass=person)\": %w", f.field, f.value, err))
		}
	}
	for _, f := range []struct{ field, value string }{
		{"loginAttribute", cfg.LoginAttribute},
		{"mailAttribute", cfg.MailAttribute},
		{"displayNameAttribute", cfg.DisplayNameAttribute},
		{"groupMemberAttribute", cfg.GroupMemberAttribute},
		{"groupNameAttribute", cfg.GroupNameAttribute},
	} {
		if !isAttribute(f.value) {
			errs = append(errs, fmt.Errorf("%s %q is not an attribute name", f.field, f.value))
		}
	}
	if cfg.Timeout.Duration < 0 {
		errs = append(errs, fmt.Errorf("timeout %s must be positive", cfg.Timeout.Duration))
	}
	return errs
}

// tlsConfig is the client TLS configuration for StartTLS.
func tlsConfig(cfg Config) (*tls.Config, error) {
	host, _, err := net.SplitHostPort(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("host %q: %w", cfg.Host, err)
	}
	tc := &tls.Config{
		ServerName: host,
		MinVersion: tls.VersionTLS12,
		// The operator's explicit choice, refused by validate unless StartTLS is on.
		InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // G402: opt-in for test directories
	}
	if cfg.RootCA != "" {
		data, err := os.ReadFile(cfg.RootCA)
		if err != nil {
			return nil, fmt.Errorf("rootCA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("rootCA %s holds no PEM certificate", cfg.RootCA)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

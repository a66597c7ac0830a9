package ldap_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/ldap"
	"github.com/superkube/super-kubenetes/internal/testutil/slapd"
)

// directory is shared by the package's tests, which only read it.
var directory *slapd.Server

func TestMain(m *testing.M) { slapd.Run(m, &directory, entries) }

const (
	serviceDN       = "cn=ke-apiserver,ou=services,dc=example,dc=org"
	servicePassword = "service-secret"
	aliceDN         = "uid=alice,ou=people,dc=example,dc=org"
	alicePassword   = "alice-secret"
)

const entries = `
dn: ou=services,dc=example,dc=org
objectClass: organizationalUnit
ou: services

dn: cn=ke-apiserver,ou=services,dc=example,dc=org
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: ke-apiserver
userPassword: service-secret

dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: uid=alice,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: alice
cn: Alice Liddell
sn: Liddell
mail: alice@example.org
userPassword: alice-secret

dn: uid=bob,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: bob
cn: Bob Builder
sn: Builder
mail: bob@example.org
userPassword: bob-secret

dn: uid=(weird)*name,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: (weird)*name
cn: Weird Name
sn: Name
userPassword: weird-secret

dn: uid=zoë,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: zoë
cn: Zoë
sn: Zoë
userPassword: zoe-secret

dn: uid=twin,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
uid: twin
cn: Twin One
sn: One
userPassword: twin-secret

dn: ou=staff,dc=example,dc=org
objectClass: organizationalUnit
ou: staff

dn: uid=twin,ou=staff,dc=example,dc=org
objectClass: inetOrgPerson
uid: twin
cn: Twin Two
sn: Two
userPassword: twin-secret

# The only user under ou=contractors, so that a filter that matches any user
# there would log in as dave.
dn: ou=contractors,dc=example,dc=org
objectClass: organizationalUnit
ou: contractors

dn: uid=dave,ou=contractors,dc=example,dc=org
objectClass: inetOrgPerson
uid: dave
cn: Dave
sn: Dave
userPassword: dave-secret

dn: ou=groups,dc=example,dc=org
objectClass: organizationalUnit
ou: groups

dn: cn=developers,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: developers
member: uid=alice,ou=people,dc=example,dc=org
member: uid=dave,ou=contractors,dc=example,dc=org

dn: cn=admins,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: admins
member: UID=Alice,OU=People,DC=example,DC=org

dn: cn=auditors,ou=groups,dc=example,dc=org
objectClass: groupOfNames
cn: auditors
member: uid=dave,ou=contractors,dc=example,dc=org

dn: ou=posix,dc=example,dc=org
objectClass: organizationalUnit
ou: posix

dn: cn=wheel,ou=posix,dc=example,dc=org
objectClass: posixGroup
cn: wheel
gidNumber: 10
memberUid: alice
memberUid: bob

dn: cn=users,ou=posix,dc=example,dc=org
objectClass: posixGroup
cn: users
gidNumber: 100
memberUid: alice
`

// config is a working configuration for the test directory, changed by mods.
func config(mods ...func(*ldap.Config)) ldap.Config {
	cfg := ldap.Config{
		Name:            "corp",
		Host:            directory.Addr(),
		BindDN:          serviceDN,
		BindPassword:    servicePassword,
		UserSearchBase:  "dc=example,dc=org",
		GroupSearchBase: "ou=groups,dc=example,dc=org",
	}
	for _, m := range mods {
		m(&cfg)
	}
	return cfg
}

func newProvider(t *testing.T, mods ...func(*ldap.Config)) *ldap.Provider {
	t.Helper()
	p, err := ldap.New(config(mods...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// closedAddr is a loopback address that nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestAUserInTheDirectoryLogsInAndGetsTheirEmailDisplayNameAndGroups(t *testing.T) {
	p := newProvider(t)
	got, err := p.Authenticate(context.Background(), "alice", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	want := &idp.Identity{
		Provider:    "corp",
		UID:         aliceDN,
		Username:    "alice",
		Email:       "alice@example.org",
		DisplayName: "Alice Liddell",
		Groups:      []string{"admins", "developers"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got identity %+v, want %+v", got, want)
	}
}

func TestTheUserNameIsReturnedAsTheDirectorySpellsIt(t *testing.T) {
	got, err := newProvider(t).Authenticate(context.Background(), "ALICE", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	if got.Username != "alice" {
		t.Fatalf("got user name %q, want the directory's %q", got.Username, "alice")
	}
}

func TestAUserInNoGroupHasNoGroups(t *testing.T) {
	got, err := newProvider(t).Authenticate(context.Background(), "bob", "bob-secret")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 0 {
		t.Fatalf("got groups %v, want none", got.Groups)
	}
}

func TestPosixGroupsAreFoundByTheUsersLoginName(t *testing.T) {
	p := newProvider(t, func(c *ldap.Config) {
		c.GroupSearchBase = "ou=posix,dc=example,dc=org"
		c.GroupSearchFilter = "(objectClass=posixGroup)"
		c.GroupMemberAttribute = "memberUid"
	})
	got, err := p.Authenticate(context.Background(), "alice", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"users", "wheel"}; !reflect.DeepEqual(got.Groups, want) {
		t.Fatalf("got groups %v, want %v", got.Groups, want)
	}
}

func TestGroupsAreNotLookedUpWithoutAGroupSearchBase(t *testing.T) {
	p := newProvider(t, func(c *ldap.Config) { c.GroupSearchBase = "" })
	got, err := p.Authenticate(context.Background(), "alice", alicePassword)
	if err != nil {
		t.Fatal(err)
	}
	if got.Groups != nil {
		t.Fatalf("got groups %v, want none", got.Groups)
	}
}

// assertInvalidCredentials checks that err is exactly the shared error value,
// so that callers cannot tell an unknown user from a wrong password.
func assertInvalidCredentials(t *testing.T, id *idp.Identity, err error) {
	t.Helper()
	if err != idp.ErrInvalidCredentials { // the very value, not a wrapper
		t.Fatalf("got identity %+v and error %v, want idp.ErrInvalidCredentials itself", id, err)
	}
	if id != nil {
		t.Fatalf("got identity %+v with the error", id)
	}
}

func TestAWrongPasswordIsInvalidCredentials(t *testing.T) {
	id, err := newProvider(t).Authenticate(context.Background(), "alice", "bob-secret")
	assertInvalidCredentials(t, id, err)
}

func TestAnUnknownUserIsInvalidCredentials(t *testing.T) {
	id, err := newProvider(t).Authenticate(context.Background(), "mallory", alicePassword)
	assertInvalidCredentials(t, id, err)
}

func TestAnEmptyUserNameIsInvalidCredentials(t *testing.T) {
	id, err := newProvider(t).Authenticate(context.Background(), "", alicePassword)
	assertInvalidCredentials(t, id, err)
}

func TestAUserFoundTwiceIsInvalidCredentials(t *testing.T) {
	id, err := newProvider(t).Authenticate(context.Background(), "twin", "twin-secret")
	assertInvalidCredentials(t, id, err)
}

func TestAnEmptyPasswordIsRefusedWithoutABind(t *testing.T) {
	// The test directory accepts unauthenticated binds, like some in the
	// wild: a DN with an empty password is a successful anonymous bind.
	conn, err := goldap.DialURL(directory.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.UnauthenticatedBind(aliceDN); err != nil {
		t.Fatalf("the directory should accept an unauthenticated bind for this test to mean something: %v", err)
	}

	t.Run("against the directory", func(t *testing.T) {
		id, err := newProvider(t).Authenticate(context.Background(), "alice", "")
		assertInvalidCredentials(t, id, err)
	})
	t.Run("without even connecting", func(t *testing.T) {
		p := newProvider(t, func(c *ldap.Config) { c.Host = closedAddr(t) })
		id, err := p.Authenticate(context.Background(), "alice", "")
		assertInvalidCredentials(t, id, err)
	})
}

func TestAFilterInjectionUserNameDoesNotMatchAnyone(t *testing.T) {
	// dave is the only user under ou=contractors: any of these names would
	// log in as him with his password if it reached the filter unescaped.
	p := newProvider(t, func(c *ldap.Config) { c.UserSearchBase = "ou=contractors,dc=example,dc=org" })
	if _, err := p.Authenticate(context.Background(), "dave", "dave-secret"); err != nil {
		t.Fatalf("dave himself must log in for this test to mean something: %v", err)
	}
	for _, name := range []string{
		"*",
		"*)(uid=*",
		"*)(|(uid=*",
		"dav*",
		"dave)(objectClass=*",
		"x)(|(uid=dave)",
		"dave\x00",
		`dave\29`,
	} {
		t.Run(name, func(t *testing.T) {
			id, err := p.Authenticate(context.Background(), name, "dave-secret")
			assertInvalidCredentials(t, id, err)
		})
	}
}

func TestUserNamesWithFilterCharactersLogInByTheirExactName(t *testing.T) {
	p := newProvider(t)
	for _, tt := range []struct{ name, password string }{
		{"(weird)*name", "weird-secret"},
		{"zoë", "zoe-secret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Authenticate(context.Background(), tt.name, tt.password)
			if err != nil {
				t.Fatal(err)
			}
			if got.Username != tt.name {
				t.Fatalf("got user name %q, want %q", got.Username, tt.name)
			}
		})
	}
}

// assertNotCredentials checks that err says the directory could not be
// asked, names what it should and leaks no password.
func assertNotCredentials(t *testing.T, err error, mentions ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("got no error")
	}
	t.Logf("error: %v", err)
	if errors.Is(err, idp.ErrInvalidCredentials) {
		t.Fatalf("got %v, want an error other than invalid credentials", err)
	}
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
	for _, secret := range []string{alicePassword, servicePassword, "wrong-service-secret"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains a password", err)
		}
	}
}

func TestADirectoryThatCannotBeReachedGivesAnErrorNamingTheHost(t *testing.T) {
	addr := closedAddr(t)
	p := newProvider(t, func(c *ldap.Config) { c.Host = addr })
	id, err := p.Authenticate(context.Background(), "alice", alicePassword)
	if id != nil {
		t.Fatalf("got identity %+v", id)
	}
	assertNotCredentials(t, err, addr)
}

func TestADirectoryThatDoesNotAnswerIsGivenUpOn(t *testing.T) {
	// A server that accepts connections and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	conns.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	})
	defer conns.Wait()
	defer l.Close()

	p := newProvider(t, func(c *ldap.Config) {
		c.Host = l.Addr().String()
		c.Timeout = metav1.Duration{Duration: 300 * time.Millisecond}
	})
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{
			name: "after the configured timeout",
			ctx:  func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) },
			want: context.DeadlineExceeded,
		},
		{
			name: "when the caller cancels",
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			},
			want: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			start := time.Now()
			_, err := p.Authenticate(ctx, "alice", alicePassword)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("gave up after %s", took)
			}
			assertNotCredentials(t, err, l.Addr().String())
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want an error wrapping %v", err, tt.want)
			}
		})
	}
}

func TestAWrongServiceAccountPasswordIsAClearConfigurationError(t *testing.T) {
	p := newProvider(t, func(c *ldap.Config) { c.BindPassword = "wrong-service-secret" })
	_, err := p.Authenticate(context.Background(), "alice", alicePassword)
	assertNotCredentials(t, err, "service account", "bindDN", serviceDN, directory.Addr())
}

func TestAMissingSearchBaseIsAConfigurationError(t *testing.T) {
	for _, tt := range []struct {
		name  string
		mod   func(*ldap.Config)
		field string
	}{
		{"a missing user search base", func(c *ldap.Config) { c.UserSearchBase = "ou=nowhere,dc=example,dc=org" }, "userSearchBase"},
		{"a missing group search base", func(c *ldap.Config) { c.GroupSearchBase = "ou=nowhere,dc=example,dc=org" }, "groupSearchBase"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newProvider(t, tt.mod).Authenticate(context.Background(), "alice", alicePassword)
			assertNotCredentials(t, err, tt.field, "ou=nowhere")
		})
	}
}

func TestStartTLSChecksTheServerCertificate(t *testing.T) {
	t.Run("a server certificate signed by rootCA is trusted", func(t *testing.T) {
		p := newProvider(t, func(c *ldap.Config) {
			c.StartTLS = true
			c.RootCA = directory.CAFile()
		})
		if _, err := p.Authenticate(context.Background(), "alice", alicePassword); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("an unknown certificate authority is a connection error", func(t *testing.T) {
		p := newProvider(t, func(c *ldap.Config) { c.StartTLS = true })
		_, err := p.Authenticate(context.Background(), "alice", alicePassword)
		assertNotCredentials(t, err, "TLS", directory.Addr())
	})
	t.Run("insecureSkipVerify accepts any certificate", func(t *testing.T) {
		p := newProvider(t, func(c *ldap.Config) {
			c.StartTLS = true
			c.InsecureSkipVerify = true
		})
		if _, err := p.Authenticate(context.Background(), "alice", alicePassword); err != nil {
			t.Fatal(err)
		}
	})
}

func TestConcurrentLoginsEachGetTheirOwnAnswer(t *testing.T) {
	p := newProvider(t)
	users := []struct {
		name, password, email string
		wantErr               error
	}{
		{"alice", alicePassword, "alice@example.org", nil},
		{"bob", "bob-secret", "bob@example.org", nil},
		{"alice", "wrong", "", idp.ErrInvalidCredentials},
		{"nobody", "secret", "", idp.ErrInvalidCredentials},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		u := users[i%len(users)]
		wg.Go(func() {
			id, err := p.Authenticate(context.Background(), u.name, u.password)
			switch {
			case !errors.Is(err, u.wantErr) || (err == nil) != (u.wantErr == nil):
				errs <- fmt.Errorf("%s: got error %v, want %v", u.name, err, u.wantErr)
			case err == nil && id.Email != u.email:
				errs <- fmt.Errorf("%s: got e-mail %q, want %q", u.name, id.Email, u.email)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestTheProviderNamesItselfAndMapsByLookupByDefault(t *testing.T) {
	p := newProvider(t)
	if p.Name() != "corp" {
		t.Errorf("got name %q, want corp", p.Name())
	}
	if p.MappingMethod() != idp.MappingLookup {
		t.Errorf("got mapping method %q, want %q", p.MappingMethod(), idp.MappingLookup)
	}
	auto := newProvider(t, func(c *ldap.Config) { c.MappingMethod = idp.MappingAuto })
	if auto.MappingMethod() != idp.MappingAuto {
		t.Errorf("got mapping method %q, want %q", auto.MappingMethod(), idp.MappingAuto)
	}
}

func TestNewChecksTheConfiguration(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The host is never contacted: New does not connect.
	valid := func(mods ...func(*ldap.Config)) ldap.Config {
		cfg := ldap.Config{
			Name:           "corp",
			Host:           "ldap.example.org:389",
			BindDN:         "cn=reader,dc=example,dc=org",
			BindPassword:   "pw",
			UserSearchBase: "ou=people,dc=example,dc=org",
		}
		for _, m := range mods {
			m(&cfg)
		}
		return cfg
	}
	tests := []struct {
		name    string
		cfg     ldap.Config
		wantErr []string // parts of the error; none means valid
	}{
		{name: "a minimal configuration is valid", cfg: valid()},
		{name: "a full configuration is valid", cfg: valid(func(c *ldap.Config) {
			c.MappingMethod = idp.MappingAuto
			c.StartTLS = true
			c.RootCA = directory.CAFile()
			c.UserSearchFilter = "(&(objectClass=person)(!(nsAccountLock=TRUE)))"
			c.LoginAttribute = "sAMAccountName"
			c.MailAttribute = "userPrincipalName"
			c.DisplayNameAttribute = "displayName;lang-en"
			c.GroupSearchBase = "ou=groups,dc=example,dc=org"
			c.GroupSearchFilter = "(objectClass=posixGroup)"
			c.GroupMemberAttribute = "memberUid"
			isDN := false
			c.GroupMemberIsDN = &isDN
			c.GroupNameAttribute = "2.5.4.3"
			c.Timeout = metav1.Duration{Duration: time.Minute}
		})},
		{name: "an empty configuration names every required field", cfg: ldap.Config{},
			wantErr: []string{"name is required", "host is required", "bindDN is required", "bindPassword is required", "userSearchBase is required"}},
		{name: "an unknown mapping method is refused", cfg: valid(func(c *ldap.Config) { c.MappingMethod = "create" }),
			wantErr: []string{`mappingMethod "create"`}},
		{name: "a host without a port is refused", cfg: valid(func(c *ldap.Config) { c.Host = "ldap.example.org" }),
			wantErr: []string{`host "ldap.example.org" is not "host:port"`}},
		{name: "a URL as host is refused", cfg: valid(func(c *ldap.Config) { c.Host = "ldap://ldap.example.org:389" }),
			wantErr: []string{"host"}},
		{name: "a bind DN that is not a DN is refused", cfg: valid(func(c *ldap.Config) { c.BindDN = "reader" }),
			wantErr: []string{`bindDN "reader" is not a DN`}},
		{name: "a user search base that is not a DN is refused", cfg: valid(func(c *ldap.Config) { c.UserSearchBase = "people" }),
			wantErr: []string{`userSearchBase "people" is not a DN`}},
		{name: "a group search base that is not a DN is refused", cfg: valid(func(c *ldap.Config) { c.GroupSearchBase = "groups" }),
			wantErr: []string{`groupSearchBase "groups" is not a DN`}},
		{name: "a user search filter without parentheses is refused", cfg: valid(func(c *ldap.Config) { c.UserSearchFilter = "objectClass=person" }),
			wantErr: []string{`userSearchFilter "objectClass=person" is not an LDAP filter`}},
		{name: "an unbalanced group search filter is refused", cfg: valid(func(c *ldap.Config) { c.GroupSearchFilter = "(&(objectClass=groupOfNames)" }),
			wantErr: []string{"groupSearchFilter"}},
		{name: "a login attribute that would change the filter is refused", cfg: valid(func(c *ldap.Config) { c.LoginAttribute = "uid=*)(cn" }),
			wantErr: []string{"loginAttribute"}},
		{name: "an attribute with an empty option is refused", cfg: valid(func(c *ldap.Config) { c.MailAttribute = "mail;" }),
			wantErr: []string{"mailAttribute"}},
		{name: "an OID with an empty arc is refused", cfg: valid(func(c *ldap.Config) { c.GroupNameAttribute = "2..3" }),
			wantErr: []string{"groupNameAttribute"}},
		{name: "an attribute starting with a hyphen is refused", cfg: valid(func(c *ldap.Config) { c.GroupMemberAttribute = "-member" }),
			wantErr: []string{"groupMemberAttribute"}},
		{name: "a display name attribute with a space is refused", cfg: valid(func(c *ldap.Config) { c.DisplayNameAttribute = "display name" }),
			wantErr: []string{"displayNameAttribute"}},
		{name: "a negative timeout is refused", cfg: valid(func(c *ldap.Config) { c.Timeout = metav1.Duration{Duration: -time.Second} }),
			wantErr: []string{"timeout -1s must be positive"}},
		{name: "insecureSkipVerify without startTLS is refused", cfg: valid(func(c *ldap.Config) { c.InsecureSkipVerify = true }),
			wantErr: []string{"insecureSkipVerify has no effect without startTLS"}},
		{name: "rootCA without startTLS is refused", cfg: valid(func(c *ldap.Config) { c.RootCA = directory.CAFile() }),
			wantErr: []string{"rootCA has no effect without startTLS"}},
		{name: "rootCA together with insecureSkipVerify is refused", cfg: valid(func(c *ldap.Config) {
			c.StartTLS, c.InsecureSkipVerify, c.RootCA = true, true, directory.CAFile()
		}), wantErr: []string{"exclude each other"}},
		{name: "a rootCA file that does not exist is refused", cfg: valid(func(c *ldap.Config) {
			c.StartTLS, c.RootCA = true, filepath.Join(dir, "missing.pem")
		}), wantErr: []string{"rootCA", "missing.pem"}},
		{name: "a rootCA file without a certificate is refused", cfg: valid(func(c *ldap.Config) {
			c.StartTLS, c.RootCA = true, notPEM
		}), wantErr: []string{"rootCA", "holds no PEM certificate"}},
		{name: "the errors name the provider but never the bind password", cfg: valid(func(c *ldap.Config) {
			c.BindPassword = "very-secret"
			c.Host = ""
		}), wantErr: []string{`ldap identity provider "corp"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ldap.New(tt.cfg)
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if p == nil {
					t.Fatal("got no provider")
				}
				return
			}
			if err == nil {
				t.Fatalf("got no error, want one mentioning %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.cfg.BindPassword != "" && strings.Contains(err.Error(), tt.cfg.BindPassword) {
				t.Errorf("error %q contains the bind password", err)
			}
		})
	}
}

func TestTheConfigurationIsReadFromYAML(t *testing.T) {
	const doc = `
name: corp
mappingMethod: auto
host: ldap.example.org:389
startTLS: true
insecureSkipVerify: true
bindDN: cn=reader,dc=example,dc=org
bindPassword: pw
userSearchBase: ou=people,dc=example,dc=org
userSearchFilter: (objectClass=person)
loginAttribute: sAMAccountName
groupSearchBase: ou=groups,dc=example,dc=org
groupSearchFilter: (objectClass=posixGroup)
groupMemberAttribute: memberUid
groupMemberIsDN: false
timeout: 5s
`
	var got ldap.Config
	if err := yaml.UnmarshalStrict([]byte(doc), &got); err != nil {
		t.Fatal(err)
	}
	isDN := false
	want := ldap.Config{
		Name:                 "corp",
		MappingMethod:        idp.MappingAuto,
		Host:                 "ldap.example.org:389",
		StartTLS:             true,
		InsecureSkipVerify:   true,
		BindDN:               "cn=reader,dc=example,dc=org",
		BindPassword:         "pw",
		UserSearchBase:       "ou=people,dc=example,dc=org",
		UserSearchFilter:     "(objectClass=person)",
		LoginAttribute:       "sAMAccountName",
		GroupSearchBase:      "ou=groups,dc=example,dc=org",
		GroupSearchFilter:    "(objectClass=posixGroup)",
		GroupMemberAttribute: "memberUid",
		GroupMemberIsDN:      &isDN,
		Timeout:              metav1.Duration{Duration: 5 * time.Second},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if _, err := ldap.New(got); err != nil {
		t.Fatal(err)
	}
}

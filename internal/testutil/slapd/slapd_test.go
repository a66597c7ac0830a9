package slapd

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

var server *Server

func TestMain(m *testing.M) { Run(m, &server) }

func dial(t *testing.T, s *Server) *goldap.Conn {
	t.Helper()
	conn, err := goldap.DialURL(s.URL(), goldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestAddedEntriesCanBindAndBeFound(t *testing.T) {
	// A new folder each time, for -count.
	ou := "harness-" + randomHex(4)
	err := server.AddEntries(strings.ReplaceAll(`
# People
dn: ou=harness,dc=example,dc=org
objectClass: organizationalUnit
ou: harness

dn: uid=walter,ou=harness,dc=example,dc=org
changetype: add
objectClass: inetOrgPerson
uid: walter
cn: Walter
  the Folded
sn: Folded
description:: w6nDqMOq
userPassword: walters-secret
`, "harness", ou))
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, server)
	if err := conn.Bind("uid=walter,ou="+ou+",dc=example,dc=org", "walters-secret"); err != nil {
		t.Fatalf("binding as the added user: %v", err)
	}
	res, err := conn.Search(goldap.NewSearchRequest("ou="+ou+","+server.BaseDN(), goldap.ScopeWholeSubtree,
		goldap.NeverDerefAliases, 0, 0, false, "(uid=walter)", []string{"cn", "description"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 1 {
		t.Fatalf("found %d entries, want 1", len(res.Entries))
	}
	if got := res.Entries[0].GetAttributeValue("cn"); got != "Walter the Folded" {
		t.Errorf("cn is %q, want the unfolded %q", got, "Walter the Folded")
	}
	if got := res.Entries[0].GetAttributeValue("description"); got != "éèê" {
		t.Errorf("description is %q, want the decoded %q", got, "éèê")
	}
}

func TestAnonymousClientsCannotReadTheDirectory(t *testing.T) {
	conn := dial(t, server)
	res, err := conn.Search(goldap.NewSearchRequest(server.BaseDN(), goldap.ScopeWholeSubtree,
		goldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", nil, nil))
	if err == nil && len(res.Entries) > 0 {
		t.Fatalf("an anonymous search found %d entries", len(res.Entries))
	}
}

func TestStartTLSIsOfferedWithACertificateSignedByTheCAFile(t *testing.T) {
	pemData, err := os.ReadFile(server.CAFile())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("the CA file holds no certificate")
	}
	conn := dial(t, server)
	if err := conn.StartTLS(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatalf("StartTLS: %v", err)
	}
	if err := conn.Bind(server.AdminDN(), server.AdminPassword()); err != nil {
		t.Fatal(err)
	}
}

func TestAStoppedServerNoLongerAnswers(t *testing.T) {
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("a second Stop: %v", err)
	}
	if _, err := os.Stat(s.dir); !os.IsNotExist(err) {
		t.Errorf("the server's folder is still there: %v", err)
	}
	if conn, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections", s.Addr())
	}
}

func TestLDIFTextsBecomeAddRequests(t *testing.T) {
	tests := []struct {
		name    string
		ldif    string
		entries int
		wantErr string
	}{
		{name: "an empty text holds no entries", ldif: "\n\n", entries: 0},
		{name: "a version line and comments are skipped", ldif: "version: 1\n# c\n  continued\ndn: o=x\no: x\n", entries: 1},
		{name: "repeated attributes become one attribute with several values", ldif: "dn: o=x\no: x\no: y\n\ndn: o=y\no: y\n", entries: 2},
		{name: "a record must start with its dn", ldif: "o: x\ndn: o=x\n", wantErr: "not dn"},
		{name: "a record needs attributes", ldif: "dn: o=x\n", wantErr: "no attributes"},
		{name: "only additions are supported", ldif: "dn: o=x\nchangetype: delete\n", wantErr: "only add"},
		{name: "a line without a colon is an error", ldif: "dn: o=x\nbroken\n", wantErr: "line 2"},
		{name: "invalid base64 is an error", ldif: "dn: o=x\no:: ***\n", wantErr: "base64"},
		{name: "values from URLs are refused", ldif: "dn: o=x\njpegPhoto:< file:///etc/passwd\n", wantErr: "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reqs, err := parseLDIF(tt.ldif)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) != tt.entries {
				t.Fatalf("got %d entries, want %d", len(reqs), tt.entries)
			}
		})
	}
}

func TestRepeatedAttributesAreMerged(t *testing.T) {
	reqs, err := parseLDIF("dn: cn=g,o=x\nobjectClass: groupOfNames\nmember: cn=a\nMember: cn=b\ncn: g\n")
	if err != nil {
		t.Fatal(err)
	}
	var members []string
	for _, a := range reqs[0].Attributes {
		if strings.EqualFold(a.Type, "member") {
			members = append(members, a.Vals...)
		}
	}
	if strings.Join(members, ";") != "cn=a;cn=b" || len(reqs[0].Attributes) != 3 {
		t.Fatalf("got attributes %+v, want member with both values", reqs[0].Attributes)
	}
}

package pki

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
)

func TestALeafIsSignedByItsCAAndServesItsHosts(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadOrCreateCA(dir, "ca", "test-ca")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ca.Ensure(dir, Leaf{Name: "server", CommonName: "server", Hosts: []string{"127.0.0.1", "localhost"}})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := readCert(p.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("certificate does not verify for %s: %v", host, err)
		}
	}
	if st, _ := os.Stat(p.KeyFile); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
}

func TestEnsureKeepsAMatchingCertificateAndReplacesAChangedOne(t *testing.T) {
	dir := t.TempDir()
	ca, err := LoadOrCreateCA(dir, "ca", "test-ca")
	if err != nil {
		t.Fatal(err)
	}
	leaf := Leaf{Name: "client", CommonName: "alice", Organization: []string{"team"}, Client: true}
	p, err := ca.Ensure(dir, leaf)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p.CertFile)
	if _, err := ca.Ensure(dir, leaf); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p.CertFile)
	if string(first) != string(second) {
		t.Error("an unchanged leaf was re-issued")
	}
	leaf.Organization = []string{"other-team"}
	if _, err := ca.Ensure(dir, leaf); err != nil {
		t.Fatal(err)
	}
	third, _ := os.ReadFile(p.CertFile)
	if string(third) == string(first) {
		t.Error("a leaf with a new organization was not re-issued")
	}
}

func TestTheCAIsLoadedAgainNotRecreated(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateCA(dir, "ca", "test-ca")
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateCA(dir, "ca", "test-ca")
	if err != nil {
		t.Fatal(err)
	}
	if !a.Cert.Equal(b.Cert) {
		t.Error("a second load created a new CA")
	}
	if _, err := os.Stat(filepath.Join(dir, "ca.key")); err != nil {
		t.Error(err)
	}
}

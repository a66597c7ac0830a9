// Package slapd starts a private OpenLDAP server (slapd from the Debian
// packages slapd and ldap-utils) on a free loopback port for tests of code
// that talks to a directory. Each server has its own configuration, data
// folder and self-signed TLS certificate in a temporary folder, so that it
// never touches a system instance. Start one server per test package from
// TestMain with Run.
package slapd

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// Where the Debian packages put the schemas and the database modules.
const (
	schemaDir = "/etc/ldap/schema"
	moduleDir = "/usr/lib/ldap"
)

const (
	baseDN  = "dc=example,dc=org"
	adminDN = "cn=admin," + baseDN
	// startupTimeout bounds how long Start waits for the server to answer.
	startupTimeout = 30 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// portAttempts is how often Start picks another port when the one it
	// chose was taken in the meantime.
	portAttempts = 3
)

// Server is a running slapd.
type Server struct {
	cmd           *exec.Cmd
	exited        chan struct{} // closed once cmd.Wait has returned
	waitErr       error         // cmd.Wait's result, read after exited is closed
	stderr        *tailBuffer
	dir           string
	addr          string
	adminPassword string
	caFile        string
	stopOnce      sync.Once
	stopErr       error
}

// Start starts a server with the suffix dc=example,dc=org (see BaseDN) and
// its base entry, and waits until it answers a bind as the administrator.
func Start() (*Server, error) {
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	for _, f := range []string{
		filepath.Join(schemaDir, "core.schema"),
		filepath.Join(moduleDir, "back_mdb.so"),
	} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("slapd is installed but %s is missing: install the Debian packages slapd and ldap-utils (.ci/run does): %w", f, err)
		}
	}

	dir, err := os.MkdirTemp("", "slapd-")
	if err != nil {
		return nil, fmt.Errorf("creating the slapd folder: %w", err)
	}
	s := &Server{dir: dir, adminPassword: randomHex(16)}
	if err := s.writeFiles(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}

	for attempt := 1; ; attempt++ {
		err = s.start(bin)
		if err == nil {
			break
		}
		if attempt < portAttempts && strings.Contains(s.stderr.String(), "Address already in use") {
			continue
		}
		_ = os.RemoveAll(dir)
		return nil, err
	}

	if err := s.AddEntries(fmt.Sprintf("dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n", baseDN)); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("adding the base entry: %w", err)
	}
	return s, nil
}

// Run starts a server, adds the given LDIF texts to it in order, points *srv
// at it, runs the package's tests and stops the server. It exits the test
// binary: call it from TestMain. A server that cannot be started fails the
// tests rather than skipping them.
func Run(m *testing.M, srv **Server, ldif ...string) {
	s, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "slapd:", err)
		os.Exit(1)
	}
	for _, l := range ldif {
		if err := s.AddEntries(l); err != nil {
			fmt.Fprintln(os.Stderr, "slapd: adding the test entries:", err)
			_ = s.Stop()
			os.Exit(1)
		}
	}
	*srv = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "slapd: stopping:", err)
	}
	os.Exit(code)
}

// Addr is the server's plain LDAP address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.addr }

// URL is the server's address as an ldap:// URL.
func (s *Server) URL() string { return "ldap://" + s.addr }

// BaseDN is the server's suffix; its entry exists.
func (s *Server) BaseDN() string { return baseDN }

// AdminDN is the root DN, which no access control applies to.
func (s *Server) AdminDN() string { return adminDN }

// AdminPassword is the root DN's password, generated for each server.
func (s *Server) AdminPassword() string { return s.adminPassword }

// CAFile is the PEM file of the certificate authority that signed the
// server's certificate (for 127.0.0.1 and localhost), for StartTLS.
func (s *Server) CAFile() string { return s.caFile }

// AddEntries adds the entries of an LDIF text (RFC 2849 content records, or
// change records with "changetype: add"), in order, as the administrator.
func (s *Server) AddEntries(ldif string) error {
	reqs, err := parseLDIF(ldif)
	if err != nil {
		return err
	}
	conn, err := s.dialAdmin()
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, r := range reqs {
		if err := conn.Add(r); err != nil {
			return fmt.Errorf("adding %s: %w", r.DN, err)
		}
	}
	return nil
}

// Stop stops the server and removes its folder. It may be called more than
// once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = errors.Join(s.kill(), os.RemoveAll(s.dir))
	})
	return s.stopErr
}

func findBinary() (string, error) {
	if p, err := exec.LookPath("slapd"); err == nil {
		return p, nil
	}
	// /usr/sbin is not on every user's PATH.
	const debianPath = "/usr/sbin/slapd"
	if _, err := os.Stat(debianPath); err == nil {
		return debianPath, nil
	}
	return "", errors.New("slapd not found: install the Debian packages slapd and ldap-utils (.ci/run does)")
}

const confTemplate = `# Generated for one test run.
include {{.SchemaDir}}/core.schema
include {{.SchemaDir}}/cosine.schema
include {{.SchemaDir}}/nis.schema
include {{.SchemaDir}}/inetorgperson.schema

modulepath {{.ModuleDir}}
moduleload back_mdb

pidfile {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args

TLSCertificateFile {{.Dir}}/server.crt
TLSCertificateKeyFile {{.Dir}}/server.key

# Unauthenticated binds (a DN with an empty password) succeed, as on the
# directories that allow them, so that tests show that clients refuse them.
allow bind_anon_dn

database mdb
maxsize 33554432
suffix "{{.BaseDN}}"
rootdn "{{.AdminDN}}"
rootpw {{.AdminPassword}}
directory {{.Dir}}/data

# As in a real directory: passwords are only good for binding, and only
# authenticated users (such as a service account) can read entries.
access to attrs=userPassword
	by self write
	by anonymous auth
	by * none
access to *
	by users read
	by * none
`

// writeFiles writes slapd.conf, the TLS files and the data folder.
func (s *Server) writeFiles() error {
	if err := os.Mkdir(filepath.Join(s.dir, "data"), 0o700); err != nil {
		return fmt.Errorf("creating the slapd data folder: %w", err)
	}
	if err := s.writeCertificates(); err != nil {
		return err
	}
	tmpl, err := template.New("slapd.conf").Parse(confTemplate)
	if err != nil {
		return fmt.Errorf("parsing the slapd.conf template: %w", err)
	}
	var conf bytes.Buffer
	err = tmpl.Execute(&conf, map[string]string{
		"SchemaDir":     schemaDir,
		"ModuleDir":     moduleDir,
		"Dir":           s.dir,
		"BaseDN":        baseDN,
		"AdminDN":       adminDN,
		"AdminPassword": s.adminPassword,
	})
	if err != nil {
		return fmt.Errorf("rendering slapd.conf: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "slapd.conf"), conf.Bytes(), 0o600); err != nil {
		return fmt.Errorf("writing slapd.conf: %w", err)
	}
	return nil
}

// start runs slapd on a free port and waits until it answers.
func (s *Server) start(bin string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	s.stderr = &tailBuffer{}
	// -d none keeps slapd in the foreground and prints only its start and
	// stop messages and configuration errors.
	cmd := exec.Command(bin, "-f", filepath.Join(s.dir, "slapd.conf"), "-h", s.URL()+"/", "-d", "none")
	cmd.Stdout = s.stderr
	cmd.Stderr = s.stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	deadline := time.Now().Add(startupTimeout)
	for {
		conn, err := s.dialAdmin()
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("slapd exited before answering (%w): %s", s.waitErr, s.stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			killErr := s.kill()
			return errors.Join(fmt.Errorf("slapd did not answer a bind on %s within %s: %w; output: %s", s.addr, startupTimeout, err, s.stderr.String()), killErr)
		}
	}
}

// kill stops the process: SIGTERM, then SIGKILL if it lingers.
func (s *Server) kill() error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stopping slapd: %w", err)
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("killing slapd: %w", err)
	}
	<-s.exited
	return nil
}

func (s *Server) dialAdmin() (*goldap.Conn, error) {
	conn, err := goldap.DialURL(s.URL(), goldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return nil, fmt.Errorf("connecting to slapd: %w", err)
	}
	conn.SetTimeout(10 * time.Second)
	if err := conn.Bind(adminDN, s.adminPassword); err != nil {
		conn.Close()
		return nil, fmt.Errorf("binding to slapd as %s: %w", adminDN, err)
	}
	return conn, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// writeCertificates writes a CA and a server certificate for the loopback
// address, signed by it.
func (s *Server) writeCertificates() error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating the CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "slapd test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("creating the CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return fmt.Errorf("parsing the CA certificate: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generating the server key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("creating the server certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("encoding the server key: %w", err)
	}

	s.caFile = filepath.Join(s.dir, "ca.crt")
	files := []struct {
		name, typ string
		der       []byte
	}{
		{s.caFile, "CERTIFICATE", caDER},
		{filepath.Join(s.dir, "server.crt"), "CERTIFICATE", der},
		{filepath.Join(s.dir, "server.key"), "PRIVATE KEY", keyDER},
	}
	for _, f := range files {
		data := pem.EncodeToMemory(&pem.Block{Type: f.typ, Bytes: f.der})
		if err := os.WriteFile(f.name, data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", f.name, err)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails, as documented
	return hex.EncodeToString(b)
}

// parseLDIF reads the records of an LDIF text as add requests. It supports
// what tests write: comments, folded lines, base64 values ("attr:: ...") and
// optional "changetype: add" lines.
func parseLDIF(text string) ([]*goldap.AddRequest, error) {
	var (
		reqs   []*goldap.AddRequest
		record [][2]string // attribute, value; the first is the dn
		first  int         // line number of the record's first line
	)
	flush := func() error {
		if len(record) == 0 {
			return nil
		}
		req, err := addRequest(record)
		if err != nil {
			return fmt.Errorf("LDIF record at line %d: %w", first, err)
		}
		reqs = append(reqs, req)
		record = nil
		return nil
	}

	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var logical []string // unfolded lines, "" between records
	var lineNos []int
	for i, l := range lines {
		continues := strings.HasPrefix(l, " ") && len(logical) > 0 && logical[len(logical)-1] != ""
		switch {
		case continues && logical[len(logical)-1] == "#":
			// The continuation of a comment.
		case continues:
			logical[len(logical)-1] += l[1:]
		case strings.HasPrefix(l, "#"):
			logical = append(logical, "#")
			lineNos = append(lineNos, i+1)
		default:
			logical = append(logical, strings.TrimRight(l, " \t"))
			lineNos = append(lineNos, i+1)
		}
	}

	for i, l := range logical {
		switch l {
		case "":
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		case "#":
			continue
		}
		name, value, err := parseLine(l)
		if err != nil {
			return nil, fmt.Errorf("LDIF line %d: %w", lineNos[i], err)
		}
		if len(record) == 0 {
			if strings.EqualFold(name, "version") {
				continue
			}
			first = lineNos[i]
		}
		record = append(record, [2]string{name, value})
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return reqs, nil
}

// parseLine splits "attr: value" or "attr:: base64".
func parseLine(l string) (name, value string, err error) {
	name, rest, ok := strings.Cut(l, ":")
	if !ok || name == "" {
		return "", "", fmt.Errorf("%q is not \"attribute: value\"", l)
	}
	switch {
	case strings.HasPrefix(rest, ":"):
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest[1:]))
		if err != nil {
			return "", "", fmt.Errorf("base64 value of %s: %w", name, err)
		}
		return name, string(raw), nil
	case strings.HasPrefix(rest, "<"):
		return "", "", fmt.Errorf("values from URLs (%s:<) are not supported", name)
	default:
		return name, strings.TrimLeft(rest, " "), nil
	}
}

func addRequest(record [][2]string) (*goldap.AddRequest, error) {
	if !strings.EqualFold(record[0][0], "dn") {
		return nil, fmt.Errorf("starts with %q, not dn", record[0][0])
	}
	req := goldap.NewAddRequest(record[0][1], nil)
	index := map[string]int{} // lower-case attribute → position in req.Attributes
	for _, av := range record[1:] {
		name, value := av[0], av[1]
		if strings.EqualFold(name, "changetype") {
			if !strings.EqualFold(value, "add") {
				return nil, fmt.Errorf("changetype %q is not supported, only add", value)
			}
			continue
		}
		key := strings.ToLower(name)
		if i, ok := index[key]; ok {
			req.Attributes[i].Vals = append(req.Attributes[i].Vals, value)
			continue
		}
		index[key] = len(req.Attributes)
		req.Attribute(name, []string{value})
	}
	if len(req.Attributes) == 0 {
		return nil, fmt.Errorf("%s has no attributes", req.DN)
	}
	return req, nil
}

// tailBuffer keeps the last part of a process's output, safe for the
// goroutines of exec.Cmd to write while tests read it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 16 << 10

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > tailSize {
		b.buf = b.buf[len(b.buf)-tailSize:]
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

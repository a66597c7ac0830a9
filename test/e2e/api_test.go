//go:build e2e

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// apiClient reaches the ke-apiserver of a devCluster, trusting the
// cluster's CA, and logs users in as the console does.
type apiClient struct {
	t *testing.T
	// url is ke-apiserver's address; caFile the cluster's CA.
	url, caFile string
	http        *http.Client
	secret      string
}

// api returns a client of the cluster's ke-apiserver.
func (d *devCluster) api(t *testing.T) *apiClient {
	t.Helper()
	a := &apiClient{t: t, url: "https://127.0.0.1:" + strings.TrimPrefix(d.ports[len(d.ports)-1], "--ke-apiserver-port="),
		caFile: filepath.Join(d.dataDir, "pki", "ca.crt")}
	ca, err := os.ReadFile(a.caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	a.http = &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	secret, err := os.ReadFile(filepath.Join(d.dataDir, "ke-apiserver", "console-client-secret"))
	if err != nil {
		t.Fatal(err)
	}
	a.secret = string(secret)
	return a
}

// tryLogin logs user in with the password grant and returns the access
// token, or "" and the answer's code.
func (a *apiClient) tryLogin(user, pass string) (string, int) {
	req, _ := http.NewRequest(http.MethodPost, a.url+"/oauth/token", strings.NewReader(url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("ke-console", a.secret)
	var body map[string]any
	code := call(a.t, a.http, req, &body)
	tok, _ := body["access_token"].(string)
	return tok, code
}

// login logs user in, failing the test unless it may.
func (a *apiClient) login(user, pass string) string {
	a.t.Helper()
	tok, code := a.tryLogin(user, pass)
	if code != http.StatusOK || tok == "" {
		a.t.Fatalf("login of %s: %d", user, code)
	}
	return tok
}

// initialAdminPassword is the generated password ke-dev prints.
func (d *devCluster) initialAdminPassword(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`Initial administrator: user admin, password (\S+)`).FindStringSubmatch(d.out.String())
	if m == nil {
		t.Fatalf("no initial password in the output:\n%s", d.out)
	}
	return m[1]
}

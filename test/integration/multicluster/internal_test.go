package multicluster

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// relay sits between ke-controller-manager and ke-apiserver's
// /internal/clusters/{cluster}/ path (the controllers' way to member
// clusters) and counts, per cluster, the reads and writes it passes on,
// so that a test can tell that a member in line is only read. Everything
// else (the bearer token, the refusal of the host, forwarding to the member
// as the member kubeconfig's identity) is ke-apiserver's own.
type relay struct {
	*httptest.Server
	URL, CAFile string
	// Token is the controllers' bearer token, in TokenFile (given to both
	// ke-apiserver and ke-controller-manager).
	Token, TokenFile string

	mu       sync.Mutex
	clusters map[string]*counts
	forward  http.Handler
}

// counts are the requests one cluster's path served.
type counts struct{ reads, writes int }

// newRelay makes the token file and a relay that does not forward yet;
// forwardTo starts it.
func newRelay(dir string) (*relay, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	rl := &relay{Token: hex.EncodeToString(raw), clusters: map[string]*counts{}}
	rl.TokenFile = filepath.Join(dir, "controller-token")
	if err := os.WriteFile(rl.TokenFile, []byte(rl.Token+"\n"), 0o600); err != nil {
		return nil, err
	}
	rl.Server = httptest.NewUnstartedServer(http.HandlerFunc(rl.serve))
	rl.StartTLS()
	rl.URL = rl.Server.URL
	rl.CAFile = filepath.Join(dir, "relay-ca.crt")
	if err := os.WriteFile(rl.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rl.Certificate().Raw}), 0o600); err != nil {
		rl.Close()
		return nil, err
	}
	return rl, nil
}

// forwardTo passes the internal path on to ke-apiserver at target.
func (rl *relay) forwardTo(target string, tlsConfig *tls.Config) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	proxy := &httputil.ReverseProxy{Transport: &http.Transport{TLSClientConfig: tlsConfig}, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = u.Host
	}}
	rl.mu.Lock()
	rl.forward = proxy
	rl.mu.Unlock()
	return nil
}

func (rl *relay) serve(w http.ResponseWriter, r *http.Request) {
	rl.mu.Lock()
	forward := rl.forward
	if rest, ok := strings.CutPrefix(r.URL.Path, "/internal/clusters/"); ok && forward != nil {
		cluster, _, _ := strings.Cut(rest, "/")
		n := rl.clusters[cluster]
		if n == nil {
			n = &counts{}
			rl.clusters[cluster] = n
		}
		if r.Method == http.MethodGet {
			n.reads++
		} else {
			n.writes++
		}
	}
	rl.mu.Unlock()
	if forward == nil {
		http.Error(w, "ke-apiserver is not up yet", http.StatusServiceUnavailable)
		return
	}
	forward.ServeHTTP(w, r)
}

// requests returns how many reads and writes the cluster's path served.
func (rl *relay) requests(cluster string) counts {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	if n := rl.clusters[cluster]; n != nil {
		return *n
	}
	return counts{}
}

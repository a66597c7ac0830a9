package multicluster

import (
	"crypto/rand"
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

	"k8s.io/client-go/rest"
)

// internalPath stands in for ke-apiserver's /internal/clusters/{cluster}/
// path, the controllers' way to member clusters: with the right bearer
// token it forwards any cluster's request, but the host's (404), to the
// member's kube-apiserver as the member kubeconfig's identity (here the
// test member's administrator), like ke-apiserver does for a Direct or
// Agent cluster.
type internalPath struct {
	*httptest.Server
	URL, CAFile, TokenFile string

	mu       sync.Mutex
	clusters map[string]*counts
}

// counts are the requests one cluster's path served.
type counts struct{ reads, writes int }

func startInternalPath(dir string, memberConfig *rest.Config) (*internalPath, error) {
	target, err := url.Parse(memberConfig.Host)
	if err != nil {
		return nil, err
	}
	transport, err := rest.TransportFor(memberConfig)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	token := hex.EncodeToString(raw)
	ip := &internalPath{clusters: map[string]*counts{}}
	proxy := &httputil.ReverseProxy{Transport: transport, Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.URL.Path, r.Out.URL.RawPath = r.In.URL.Path, ""
		r.Out.Header.Del("Authorization")
	}}
	ip.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/internal/clusters/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		cluster, path, _ := strings.Cut(rest, "/")
		if cluster == "" || cluster == "host" || !strings.HasPrefix(path, "api") {
			http.NotFound(w, r)
			return
		}
		ip.mu.Lock()
		n := ip.clusters[cluster]
		if n == nil {
			n = &counts{}
			ip.clusters[cluster] = n
		}
		if r.Method == http.MethodGet {
			n.reads++
		} else {
			n.writes++
		}
		ip.mu.Unlock()
		r.URL.Path = "/" + path
		proxy.ServeHTTP(w, r)
	}))
	ip.StartTLS()
	ip.URL = ip.Server.URL
	ip.CAFile = filepath.Join(dir, "internal-ca.crt")
	if err := os.WriteFile(ip.CAFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ip.Certificate().Raw}), 0o600); err != nil {
		ip.Close()
		return nil, err
	}
	ip.TokenFile = filepath.Join(dir, "controller-token")
	if err := os.WriteFile(ip.TokenFile, []byte(token+"\n"), 0o600); err != nil {
		ip.Close()
		return nil, err
	}
	return ip, nil
}

// requests returns how many reads and writes the cluster's path served.
func (ip *internalPath) requests(cluster string) counts {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if n := ip.clusters[cluster]; n != nil {
		return *n
	}
	return counts{}
}

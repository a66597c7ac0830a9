package peers

import (
	"bufio"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

type tunnels map[string]bool

func (t tunnels) Connected(c string) bool { return t[c] }

func TestForwardsToTheReplicaThatHoldsTheTunnel(t *testing.T) {
	// The peer that holds the tunnel of "edge": it answers with what it got,
	// and echoes an upgraded connection's first line.
	peer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
			_ = brw.Flush()
			line, _ := brw.ReadString('\n')
			_, _ = brw.WriteString("echo " + line)
			_ = brw.Flush()
			return
		}
		_, _ = io.WriteString(w, "peer "+r.URL.RequestURI()+" by "+r.Header.Get(HopHeader)+" as "+r.Header.Get("Authorization"))
	}))
	t.Cleanup(peer.Close)
	dead := httptest.NewTLSServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	agent := func(name, server string, connected bool) *clusterv1alpha1.Cluster {
		return &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:   clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent}},
			Status: clusterv1alpha1.ClusterStatus{Agent: &clusterv1alpha1.AgentStatus{Connected: connected, Server: server}}}
	}
	self := "https://self.test:9443"
	reader := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(
		agent("edge", peer.URL, true), agent("mine", self, true), agent("closed", peer.URL, false), agent("gone", deadURL, true),
		agent("here", peer.URL, true),
		&clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "direct"}, Spec: clusterv1alpha1.ClusterSpec{Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect}}},
	).Build()
	f, err := New(Options{Clusters: reader, Tunnels: tunnels{"here": true}, Self: self,
		CA: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: peer.Certificate().Raw}), ServerName: "example.com", Log: logr.Discard()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "local "+r.URL.Path)
	})))
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name, path, hop string
		code            int
		want            string
	}{
		{"a cluster another replica holds", "/clusters/edge/api/v1/pods?watch=1", "", 200, "peer /clusters/edge/api/v1/pods?watch=1 by " + self + " as Bearer tok"},
		{"the controllers' path too", "/internal/clusters/edge/api/v1/namespaces", "", 200, "peer /internal/clusters/edge/api/v1/namespaces by " + self},
		{"a cluster this replica holds", "/clusters/mine/api/v1/pods", "", 200, "local"},
		{"a tunnel this replica has, whatever the status says", "/clusters/here/api/v1/pods", "", 200, "local"},
		{"a closed tunnel", "/clusters/closed/api/v1/pods", "", 200, "local"},
		{"a Direct cluster", "/clusters/direct/api/v1/pods", "", 200, "local"},
		{"an unknown cluster", "/clusters/nowhere/api/v1/pods", "", 200, "local"},
		{"another path", "/kapis/tenant.superkube.io/v1beta1/clusters", "", 200, "local"},
		{"a request a replica forwarded is never forwarded again", "/clusters/edge/api/v1/pods", "https://other.test", 200, "local"},
		{"a replica that does not answer", "/clusters/gone/api/v1/pods", "", 503, "the ke-apiserver replica that holds its tunnel did not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tc.path, nil)
			req.Header.Set("Authorization", "Bearer tok")
			if tc.hop != "" {
				req.Header.Set(HopHeader, tc.hop)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.want) {
				t.Fatalf("got %d %q, want %d with %q", resp.StatusCode, body, tc.code, tc.want)
			}
		})
	}

	t.Run("an upgrade passes through", func(t *testing.T) {
		conn, err := (&net.Dialer{}).Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = io.WriteString(conn, "GET /clusters/edge/api/v1/namespaces/a/pods/b/exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("got %d", resp.StatusCode)
		}
		_, _ = io.WriteString(conn, "hello\n")
		line, _ := br.ReadString('\n')
		if line != "echo hello\n" {
			t.Fatalf("read %q through the upgraded connection", line)
		}
	})
}

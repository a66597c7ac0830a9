package proxy

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/wsclient"
)

func pod(ns, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
}

// itemNames are the names of a list's items.
func itemNames(r *platform.Response) []string {
	var names []string
	items, _ := r.JSON["items"].([]any)
	for _, it := range items {
		names = append(names, it.(map[string]any)["metadata"].(map[string]any)["name"].(string))
	}
	return names
}

func TestAWorkspaceViewerSeesPodsOnlyInItsProjects(t *testing.T) {
	world(t)
	ctx := context.Background()
	if err := st.k8s.Create(ctx, pod(project, "web-0")); err != nil {
		t.Fatal(err)
	}
	if err := st.k8s.Create(ctx, pod(elsewhere, "hidden-0")); err != nil {
		t.Fatal(err)
	}
	tok := api.Token(t, viewer)

	for _, prefix := range []string{"", "/clusters/host"} {
		t.Run("the viewer lists the project's pods at "+prefix+"/api", func(t *testing.T) {
			// The native RBAC mirror of the workspace binding comes shortly after it.
			eventually(t, "the list", func() error {
				r := api.Do(t, http.MethodGet, prefix+"/api/v1/namespaces/"+project+"/pods", tok, nil)
				if r.Code != http.StatusOK {
					return fmt.Errorf("%d %s", r.Code, r.Body)
				}
				if r.Str("kind") != "PodList" || !slices.Contains(itemNames(r), "web-0") {
					return fmt.Errorf("%s", r.Body)
				}
				return nil
			})
		})
	}

	t.Run("the viewer reads discovery, as kubectl does first", func(t *testing.T) {
		for path, kind := range map[string]string{"/api": "APIVersions", "/apis": "APIGroupList", "/api/v1": "APIResourceList"} {
			r := api.Do(t, http.MethodGet, path, tok, nil, "Accept", "application/json")
			if r.Code != http.StatusOK || r.Str("kind") != kind {
				t.Fatalf("%s: %d %.200s", path, r.Code, r.Body)
			}
		}
	})
	t.Run("ke-apiserver itself refuses another namespace", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, "/api/v1/namespaces/"+elsewhere+"/pods", tok, nil)
		platform.ExpectStatus(t, r, http.StatusForbidden)
		// kube-apiserver would say `pods is forbidden: User "viewer" cannot list ...`.
		if want := "user viewer may not list pods in namespace " + elsewhere; r.Str("message") != want {
			t.Fatalf("message %q, want %q", r.Str("message"), want)
		}
	})
	t.Run("the viewer may not delete in its project", func(t *testing.T) {
		platform.ExpectStatus(t, api.Do(t, http.MethodDelete, "/api/v1/namespaces/"+project+"/pods/web-0", tok, nil), http.StatusForbidden)
	})
	t.Run("an anonymous caller is asked to log in", func(t *testing.T) {
		platform.ExpectStatus(t, api.Do(t, http.MethodGet, "/api/v1/namespaces/"+project+"/pods", "", nil), http.StatusUnauthorized)
	})
}

func TestTheRequestReachesKubeAPIServerAsTheCaller(t *testing.T) {
	world(t)
	tok := api.Token(t, viewer)
	u := userObject(t, viewer)
	wantGroups := append(slices.Clone(u.Status.Groups), user.AllAuthenticated)
	check := func(t *testing.T, got identity) {
		t.Helper()
		if got.Username != viewer || got.UID != string(u.UID) {
			t.Fatalf("kube-apiserver sees %q (uid %q), want %q (uid %q)", got.Username, got.UID, viewer, u.UID)
		}
		if !sameSet(got.Groups, wantGroups) {
			t.Fatalf("kube-apiserver sees groups %v, want %v", got.Groups, wantGroups)
		}
		if len(got.Extra) > 0 {
			t.Fatalf("kube-apiserver sees extra %v, want none", got.Extra)
		}
	}

	t.Run("kube-apiserver sees the caller's name, uid and groups", func(t *testing.T) {
		check(t, whoami(t, "", tok))
	})
	t.Run("impersonation headers from the client are ignored", func(t *testing.T) {
		check(t, whoami(t, "", tok,
			"Impersonate-User", "admin", "Impersonate-Group", "system:masters", "Impersonate-Uid", "0",
			"Impersonate-Extra-Scopes", "everything", "X-Remote-User", "admin", "X-Remote-Group", "system:masters"))
	})
	t.Run("an Authorization header that ke-apiserver did not use is not forwarded", func(t *testing.T) {
		// The token travels as a WebSocket sub-protocol, so that another
		// Authorization header reaches the proxy.
		check(t, whoami(t, "", "",
			"Sec-WebSocket-Protocol", "base64url.bearer.authorization.k8s.io."+base64.RawURLEncoding.EncodeToString([]byte(tok)),
			"Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("admin:"+Password)),
			"Impersonate-User", "admin"))
	})
	t.Run("the host cluster's prefix reaches the same kube-apiserver as the caller", func(t *testing.T) {
		check(t, whoami(t, "/clusters/host", tok))
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func TestAWatchStreamsEventsAsObjectsChange(t *testing.T) {
	world(t)
	tok := api.Token(t, viewer)
	ctx := context.Background()
	var rv string
	eventually(t, "the viewer lists config maps", func() error {
		r := api.Do(t, http.MethodGet, "/api/v1/namespaces/"+project+"/configmaps", tok, nil)
		if r.Code != http.StatusOK {
			return fmt.Errorf("%d %s", r.Code, r.Body)
		}
		rv = r.JSON["metadata"].(map[string]any)["resourceVersion"].(string)
		return nil
	})
	create := func(name string) {
		t.Helper()
		if err := st.k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: project, Name: name}}); err != nil {
			t.Fatal(err)
		}
	}
	path := "/api/v1/namespaces/" + project + "/configmaps?watch=true&resourceVersion=" + rv

	t.Run("over HTTP, each event arrives while the watch stays open", func(t *testing.T) {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(wctx, http.MethodGet, st.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := st.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		dec := json.NewDecoder(resp.Body)
		// The second object is created only after the first event came: a
		// proxy that buffered would never deliver it.
		for _, name := range []string{"watched-1", "watched-2"} {
			create(name)
			var ev struct {
				Type   string `json:"type"`
				Object struct {
					Metadata metav1.ObjectMeta `json:"metadata"`
				} `json:"object"`
			}
			if err := dec.Decode(&ev); err != nil {
				t.Fatalf("reading the event of %s: %v", name, err)
			}
			if ev.Type != "ADDED" || ev.Object.Metadata.Name != name {
				t.Fatalf("event %s %s, want ADDED %s", ev.Type, ev.Object.Metadata.Name, name)
			}
		}
	})

	t.Run("over a WebSocket, with the token as a sub-protocol as browsers send it", func(t *testing.T) {
		ws := dialWebSocket(t, path, tok)
		defer ws.Close()
		create("watched-3")
		for {
			msg := ws.read(t)
			var ev struct {
				Type   string `json:"type"`
				Object struct {
					Metadata metav1.ObjectMeta `json:"metadata"`
				} `json:"object"`
			}
			if err := json.Unmarshal(msg, &ev); err != nil {
				t.Fatalf("%v: %q", err, msg)
			}
			// The watch starts at rv: the earlier objects come first.
			if ev.Object.Metadata.Name == "watched-3" {
				if ev.Type != "ADDED" {
					t.Fatalf("event %s", ev.Type)
				}
				return
			}
		}
	})
}

// wsConn is a client WebSocket, enough to read a watch.
type wsConn struct{ *wsclient.Conn }

// dialWebSocket opens a WebSocket to ke-apiserver with the token as a
// subprotocol, as browsers send it.
func dialWebSocket(t *testing.T, path, tok string) *wsConn {
	t.Helper()
	h := http.Header{"Origin": {st.url}, "Sec-WebSocket-Protocol": {"base64url.bearer.authorization.k8s.io." + base64.RawURLEncoding.EncodeToString([]byte(tok))}}
	conn, err := wsclient.Dial(st.tlsConfig, strings.TrimPrefix(st.url, "https://"), path, h, 30*time.Second)
	if err != nil {
		t.Fatalf("want 101: %v", err)
	}
	return &wsConn{conn}
}

// read returns the next data message.
func (w *wsConn) read(t *testing.T) []byte {
	t.Helper()
	msg, err := w.Read()
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestABigListStreamsThroughUnchanged(t *testing.T) {
	adminTok := api.Admin(t)
	ctx := context.Background()
	const ns, n = "big-list", 1000
	if err := st.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	data := strings.Repeat("x", 2048)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				errs <- st.k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("cm-%04d", i)}, Data: map[string]string{"data": data}})
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	// Both lists at the same resource version are the same bytes when the
	// proxy neither decodes nor re-encodes.
	rv := api.Do(t, http.MethodGet, "/api/v1/namespaces/"+ns+"/configmaps?limit=1", adminTok, nil).JSON["metadata"].(map[string]any)["resourceVersion"].(string)
	path := "/api/v1/namespaces/" + ns + "/configmaps?resourceVersion=" + rv + "&resourceVersionMatch=Exact"
	kubeURL := strings.TrimSuffix(st.env.Config.Host, "/")
	// get returns the answer's headers, its Content-Length and its body.
	get := func(t *testing.T, base string, c *http.Client, bearer, encoding string) (http.Header, int64, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Accept-Encoding", encoding)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", base, resp.StatusCode, body)
		}
		return resp.Header, resp.ContentLength, body
	}

	t.Run("uncompressed, the proxied list is the same bytes as kube-apiserver's", func(t *testing.T) {
		_, directLength, directBody := get(t, kubeURL, st.kube, "", "identity")
		_, proxiedLength, proxiedBody := get(t, st.url, st.http, adminTok, "identity")
		if !bytes.Equal(directBody, proxiedBody) {
			t.Fatalf("the bodies differ: %d bytes direct, %d proxied", len(directBody), len(proxiedBody))
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(proxiedBody, &list); err != nil || len(list.Items) != n {
			t.Fatalf("%d items (%v), want %d", len(list.Items), err, n)
		}
		// kube-apiserver streams a big list without a length; the proxy too.
		if directLength != proxiedLength {
			t.Fatalf("Content-Length %d direct, %d proxied", directLength, proxiedLength)
		}
		t.Logf("%d items, %d bytes, Content-Length %d", len(list.Items), len(proxiedBody), proxiedLength)
	})
	t.Run("compressed, the proxy passes kube-apiserver's gzip through", func(t *testing.T) {
		direct, _, directBody := get(t, kubeURL, st.kube, "", "gzip")
		proxied, _, proxiedBody := get(t, st.url, st.http, adminTok, "gzip")
		if direct.Get("Content-Encoding") != "gzip" || proxied.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q direct, %q proxied", direct.Get("Content-Encoding"), proxied.Get("Content-Encoding"))
		}
		if !bytes.Equal(gunzip(t, directBody), gunzip(t, proxiedBody)) {
			t.Fatal("the uncompressed bodies differ")
		}
		t.Logf("%d bytes compressed", len(proxiedBody))
	})
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClusterPaths(t *testing.T) {
	world(t)
	tok := api.Token(t, viewer)
	adminTok := api.Admin(t)
	ctx := context.Background()

	t.Run("an unknown cluster is a NotFound Status", func(t *testing.T) {
		r := api.Do(t, http.MethodGet, "/clusters/nowhere/api/v1/namespaces/"+project+"/pods", adminTok, nil)
		platform.ExpectStatus(t, r, http.StatusNotFound)
		if r.Str("reason") != string(metav1.StatusReasonNotFound) || !strings.Contains(r.Str("message"), `"nowhere"`) {
			t.Fatalf("%s", r.Body)
		}
	})

	// A Direct cluster whose kubeconfig leads back to the same kube-apiserver.
	kc := clientcmdapi.NewConfig()
	rc := st.env.Config
	kc.Clusters["member"] = &clientcmdapi.Cluster{Server: rc.Host, CertificateAuthorityData: rc.CAData}
	kc.AuthInfos["member"] = &clientcmdapi.AuthInfo{ClientCertificateData: rc.CertData, ClientKeyData: rc.KeyData, Token: rc.BearerToken}
	kc.Contexts["member"] = &clientcmdapi.Context{Cluster: "member", AuthInfo: "member"}
	kc.CurrentContext = "member"
	data, err := clientcmd.Write(*kc)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "superkube-system", Name: "member-kubeconfig"}, Data: map[string][]byte{"kubeconfig": data}},
		&clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "member"}, Spec: clusterv1alpha1.ClusterSpec{
			Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect, KubeconfigSecretRef: &clusterv1alpha1.SecretRef{Name: "member-kubeconfig"}}}},
		&clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "broken"}, Spec: clusterv1alpha1.ClusterSpec{
			Connection: clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionDirect, KubeconfigSecretRef: &clusterv1alpha1.SecretRef{Name: "no-such-secret"}}}},
	} {
		if err := st.k8s.Create(ctx, o); err != nil {
			t.Fatalf("creating %s: %v", o.GetName(), err)
		}
	}

	t.Run("a Direct cluster is reached with its kubeconfig, as the caller", func(t *testing.T) {
		eventually(t, "the member lists the project's pods", func() error {
			r := api.Do(t, http.MethodGet, "/clusters/member/api/v1/namespaces/"+project+"/pods", tok, nil)
			if r.Code != http.StatusOK || r.Str("kind") != "PodList" {
				return fmt.Errorf("%d %s", r.Code, r.Body)
			}
			return nil
		})
		if got := whoami(t, "/clusters/member", tok, "Impersonate-User", "admin"); got.Username != viewer {
			t.Fatalf("the member's kube-apiserver sees %q", got.Username)
		}
	})
	t.Run("a Direct cluster without its Secret is a ServiceUnavailable Status", func(t *testing.T) {
		var r *platform.Response
		eventually(t, "the broken cluster is known", func() error {
			r = api.Do(t, http.MethodGet, "/clusters/broken/api/v1/namespaces/"+project+"/pods", adminTok, nil)
			if r.Code == http.StatusNotFound {
				return fmt.Errorf("%s", r.Body)
			}
			return nil
		})
		platform.ExpectStatus(t, r, http.StatusServiceUnavailable)
		if !strings.Contains(r.Str("message"), "no-such-secret does not exist") {
			t.Fatalf("%s", r.Body)
		}
	})
}

package apiserver

import (
	"bufio"
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/testutil/redisserver"
	"github.com/superkube/super-kubenetes/internal/testutil/wsclient"
)

// Streams ended by a revocation in the replica end at once; those ended by
// the periodic recheck (another replica's revocation, a user disabled
// with kubectl) within its interval (5s) and the cache's delay.
const (
	endsAtOnce       = 3 * time.Second
	endsAfterRecheck = 15 * time.Second
)

// workspaceViewer creates a user who views workspace wsa, and waits until
// kube-apiserver lets it list the pods of wsa-web through the proxy.
func workspaceViewer(t *testing.T, name string) string {
	t.Helper()
	world(t)
	newUser(t, name)
	b := &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-wsa-viewer", Labels: map[string]string{tenantv1beta1.WorkspaceLabel: "wsa", iamv1beta1.UserRefLabel: name}},
		RoleRef:    iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: "wsa-viewer"},
		Subjects:   []iamv1beta1.Subject{{Kind: rbacv1.UserKind, Name: name}},
	}
	if err := st.k8s.Create(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	tok := api.Token(t, name)
	eventually(t, name+" lists pods through the proxy", func() error {
		if r := api.Do(t, http.MethodGet, "/api/v1/namespaces/wsa-web/pods", tok, nil); r.Code != http.StatusOK {
			return errf("%d %s", r.Code, r.Body)
		}
		return nil
	})
	return tok
}

// openStream is a long-lived answer being read to its end.
type openStream struct {
	ended chan struct{}
}

// streamHTTP opens a streaming GET on base (ke-apiserver or a replica)
// with client and reads it in the background until it ends.
func streamHTTP(t *testing.T, c *http.Client, base, path, tok string) *openStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.Do(req) //nolint:bodyclose // the goroutine that reads the stream closes it
	if err != nil {
		t.Fatal(err)
	}
	body := resp.Body
	if resp.StatusCode != http.StatusOK {
		body.Close()
		t.Fatalf("%s: %d", path, resp.StatusCode)
	}
	s := &openStream{ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		defer body.Close()
		sc := bufio.NewScanner(body)
		for sc.Scan() {
		}
	}()
	return s
}

// streamWebSocket opens a WebSocket (an upgraded connection, as exec and
// attach are) and reads it in the background until it ends.
func streamWebSocket(t *testing.T, path, tok string) *openStream {
	t.Helper()
	tlsCfg := st.http.Transport.(*http.Transport).TLSClientConfig
	h := http.Header{"Origin": {st.url}, "Sec-WebSocket-Protocol": {"base64url.bearer.authorization.k8s.io." + base64.RawURLEncoding.EncodeToString([]byte(tok))}}
	conn, err := wsclient.Dial(tlsCfg, strings.TrimPrefix(st.url, "https://"), path, h, 2*time.Minute)
	if err != nil {
		t.Fatalf("want 101: %v", err)
	}
	s := &openStream{ended: make(chan struct{})}
	go func() {
		defer close(s.ended)
		defer conn.Close()
		for {
			if _, err := conn.Read(); err != nil {
				return
			}
		}
	}()
	return s
}

// stillOpen fails the test if the stream ended within d.
func (s *openStream) stillOpen(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-s.ended:
		t.Fatal("the stream ended before its credentials were revoked")
	case <-time.After(d):
	}
}

// endsWithin fails the test unless the stream ends within d of now.
func (s *openStream) endsWithin(t *testing.T, d time.Duration) {
	t.Helper()
	start := time.Now()
	select {
	case <-s.ended:
		t.Logf("the stream ended %s after the revocation", time.Since(start).Round(time.Millisecond))
	case <-time.After(d):
		t.Fatalf("the stream is still open %s after its credentials were revoked", d)
	}
}

// streamClient has no overall timeout, so that only the server ends streams.
func streamClient() *http.Client { return &http.Client{Transport: st.http.Transport} }

func TestStreamsEndWhenTheirCredentialsNoLongerHold(t *testing.T) {
	t.Run("a list engine event stream ends at logout", func(t *testing.T) {
		tok := workspaceViewer(t, "stream-sse")
		s := streamHTTP(t, streamClient(), st.url, engine+"/namespaces/wsa-web/pods?watch=true", tok)
		s.stillOpen(t, time.Second)
		if r := api.Do(t, http.MethodPost, "/oauth/logout", tok, nil); r.Code != http.StatusOK {
			t.Fatalf("logout: %d %s", r.Code, r.Body)
		}
		s.endsWithin(t, endsAtOnce)
	})

	t.Run("a proxied watch ends when the user changes the password", func(t *testing.T) {
		tok := workspaceViewer(t, "stream-watch")
		s := streamHTTP(t, streamClient(), st.url, "/api/v1/namespaces/wsa-web/pods?watch=true", tok)
		s.stillOpen(t, time.Second)
		r := api.DoJSON(t, http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/stream-watch/password", tok,
			map[string]string{"currentPassword": Password, "password": "Another-Passw0rd!"})
		if r.Code != http.StatusOK {
			t.Fatalf("password change: %d %s", r.Code, r.Body)
		}
		s.endsWithin(t, endsAtOnce)
	})

	t.Run("a proxied watch ends when an administrator disables the user", func(t *testing.T) {
		tok := workspaceViewer(t, "stream-disabled")
		s := streamHTTP(t, streamClient(), st.url, "/api/v1/namespaces/wsa-web/pods?watch=true", tok)
		s.stillOpen(t, time.Second)
		if r := api.Do(t, http.MethodPost, "/kapis/iam.superkube.io/v1beta1/users/stream-disabled/disable", api.Admin(t), nil); r.Code != http.StatusOK {
			t.Fatalf("disable: %d %s", r.Code, r.Body)
		}
		s.endsWithin(t, endsAtOnce)
	})

	t.Run("an upgraded connection ends at logout", func(t *testing.T) {
		// A watch over a WebSocket goes through the same upgrade as exec,
		// attach and port-forward (which need a kubelet).
		tok := workspaceViewer(t, "stream-upgrade")
		s := streamWebSocket(t, "/api/v1/namespaces/wsa-web/pods?watch=true", tok)
		s.stillOpen(t, time.Second)
		if r := api.Do(t, http.MethodPost, "/oauth/logout", tok, nil); r.Code != http.StatusOK {
			t.Fatalf("logout: %d %s", r.Code, r.Body)
		}
		s.endsWithin(t, endsAtOnce)
	})

	t.Run("a stream ends when its user is disabled behind ke-apiserver's back", func(t *testing.T) {
		tok := workspaceViewer(t, "stream-kubectl")
		s := streamHTTP(t, streamClient(), st.url, engine+"/namespaces/wsa-web/pods?watch=true", tok)
		s.stillOpen(t, time.Second)
		u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "stream-kubectl"}}
		if err := st.k8s.Patch(t.Context(), u, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"disabled":true}}`))); err != nil {
			t.Fatal(err)
		}
		s.endsWithin(t, endsAfterRecheck)
	})
}

func TestAStreamEndsWhenAnotherReplicaRevokesItsToken(t *testing.T) {
	redis := redisserver.StartT(t)
	workspaceViewer(t, "stream-replicated")
	withRedis := func(cfg *app.Config) { cfg.RedisURL = redis.URL(0) }
	first, second := startReplica(t, withRedis), startReplica(t, withRedis)
	r := first.login(t, "stream-replicated")
	tok := r.Str("access_token")
	if r.Code != http.StatusOK || tok == "" {
		t.Fatalf("login: %d %s", r.Code, r.Body)
	}
	s := streamHTTP(t, first.srv.Client(), first.srv.URL, engine+"/namespaces/wsa-web/pods?watch=true", tok)
	s.stillOpen(t, time.Second)
	if r := second.send(t, http.MethodPost, "/oauth/logout", tok, nil); r.Code != http.StatusOK {
		t.Fatalf("logout on the second replica: %d %s", r.Code, r.Body)
	}
	s.endsWithin(t, endsAfterRecheck)
}

// Package faults tests what users see while a part of the platform is
// away, against real processes: kube-apiserver stopped (SIGSTOP), killed
// and started again, and ke-controller-manager's reconcilers stopped.
// ke-apiserver runs with an identity of its own, bound to the ClusterRole
// config/rbac/apiserver grants it (impersonation included), as installed;
// its upstream timeout is 2 s.
//
// The tests take kube-apiserver away from the whole package's stack, so
// they run one after the other and each leaves kube-apiserver ready.
package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

const (
	consoleSecret = "console-secret-for-tests"
	// Password is the password of every user the tests create.
	Password = "Test-Passw0rd!"
	// root is a platform administrator the tests create.
	root = "root"
	// requestTimeout is ke-apiserver's kubernetes.requestTimeout here.
	requestTimeout = 2 * time.Second
)

var st *stack

type stack struct {
	env *envtest.Environment
	k8s client.Client
	url string
	// http reaches ke-apiserver.
	http *http.Client
	// controllers runs ke-controller-manager's reconcilers until cancelled.
	controllers context.CancelFunc
}

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "ke-faults-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	s := &stack{}
	api, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	s.url = api.URL
	if s.env, err = envtest.Start(envtest.Options{}); err != nil {
		return 1, err
	}
	defer s.env.Stop()
	if s.k8s, err = client.New(s.env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.startControllers(); err != nil {
		return 1, err
	}
	defer func() { s.controllers() }()

	identity, err := s.apiserverIdentity(ctx)
	if err != nil {
		return 1, err
	}
	cfg := api.Config(s.env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Kubernetes.RequestTimeout = metav1.Duration{Duration: requestTimeout}
	_, stop, err := api.Start(ctx, cfg, identity)
	if err != nil {
		return 1, err
	}
	defer stop()
	tlsCfg, err := api.TLSConfig()
	if err != nil {
		return 1, err
	}
	s.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true}}
	st = s
	return m.Run(), nil
}

// apiserverIdentity makes the user ke-apiserver reaches kube-apiserver as,
// with the ClusterRole `make generate` writes for it.
func (s *stack) apiserverIdentity(ctx context.Context) (*rest.Config, error) {
	root, err := envtest.RepoRoot()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(root, "config", "rbac", "apiserver", "role.yaml"))
	if err != nil {
		return nil, err
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.Unmarshal(data, role); err != nil {
		return nil, err
	}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role.Name},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "ke-apiserver"}}}
	for _, o := range []client.Object{role, binding} {
		if err := s.k8s.Create(ctx, o); err != nil {
			return nil, err
		}
	}
	return s.env.AddUser("ke-apiserver")
}

// startControllers starts ke-controller-manager's reconcilers.
func (s *stack) startControllers() error {
	ctx, cancel := context.WithCancel(context.Background())
	s.controllers = cancel
	if err := platform.StartControllers(ctx, s.env.Config); err != nil {
		cancel()
		return err
	}
	return nil
}

// stopControllers stops ke-controller-manager's reconcilers; the function
// it returns starts them again, as does the test's end.
func stopControllers(t *testing.T) (start func()) {
	t.Helper()
	st.controllers()
	// The manager's caches and workers stop with the context; give them a
	// moment, so that nothing reconciles after this returns.
	time.Sleep(500 * time.Millisecond)
	var once sync.Once
	start = func() {
		once.Do(func() {
			if err := st.startControllers(); err != nil {
				t.Errorf("starting the reconcilers again: %v", err)
			}
		})
	}
	t.Cleanup(start)
	return start
}

// kubeReady waits until kube-apiserver is ready.
func kubeReady(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := st.env.WaitAPIServerReady(ctx); err != nil {
		t.Fatal(err)
	}
}

var usersOnce sync.Once

// users makes root (a platform administrator) and the other users.
func users(t *testing.T, names ...string) {
	t.Helper()
	usersOnce.Do(func() {
		platform.NewUser(t, st.k8s, root, Password)
		if err := st.k8s.Create(context.Background(), &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: root + "-admin"},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: builtin.PlatformAdmin},
			Subjects: []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: root}}}); err != nil {
			t.Fatal(err)
		}
		// kube-apiserver allows root what ke-apiserver does once the
		// binding is mirrored into native RBAC.
		platform.Eventually(t, "root may list namespaces through the proxy", time.Minute, func() error {
			if r := do(t, http.MethodGet, "/api/v1/namespaces", token(t, root), nil); r.code != http.StatusOK {
				return fmt.Errorf("%d %s", r.code, r.body)
			}
			return nil
		})
	})
	for _, n := range names {
		platform.NewUser(t, st.k8s, n, Password)
	}
}

var (
	tokensMu sync.Mutex
	tokens   = map[string]string{}
)

// token logs a user in once and returns the access token.
func token(t *testing.T, user string) string {
	t.Helper()
	tokensMu.Lock()
	defer tokensMu.Unlock()
	if tok := tokens[user]; tok != "" {
		return tok
	}
	req, err := http.NewRequest(http.MethodPost, st.url+"/oauth/token",
		strings.NewReader(url.Values{"grant_type": {"password"}, "username": {user}, "password": {Password}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(app.ConsoleClientID, consoleSecret)
	resp, err := st.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || json.Unmarshal(data, &out) != nil || out.AccessToken == "" {
		t.Fatalf("login of %s: %d %s", user, resp.StatusCode, data)
	}
	tokens[user] = out.AccessToken
	return out.AccessToken
}

// response is an answer with its decoded JSON body.
type response struct {
	code   int
	header http.Header
	body   []byte
	json   map[string]any
	took   time.Duration
}

func (r *response) str(key string) string {
	v, _ := r.json[key].(string)
	return v
}

// do sends a request to ke-apiserver; body may be nil, or a value sent as JSON.
func do(t *testing.T, method, path, bearer string, body any) *response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, st.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	start := time.Now()
	resp, err := st.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &response{code: resp.StatusCode, header: resp.Header, body: data, took: time.Since(start)}
	_ = json.Unmarshal(data, &r.json)
	return r
}

// get sends a GET to ke-apiserver with another client, for requests that
// may fail to connect (answers err instead of failing the test).
func get(path, bearer string, timeout time.Duration) (*response, error) {
	req, err := http.NewRequest(http.MethodGet, st.url+path, nil)
	if err != nil {
		return nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	c := *st.http
	c.Timeout = timeout
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	r := &response{code: resp.StatusCode, header: resp.Header, body: data, took: time.Since(start)}
	_ = json.Unmarshal(data, &r.json)
	return r, nil
}

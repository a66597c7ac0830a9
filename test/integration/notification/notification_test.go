// Package notification tests the notification chain end to end, as ke-dev
// wires it: a real Alertmanager, configured by ke-dev's code, posts its
// notifications over TLS with the token of a file to a real ke-apiserver
// (on a real kube-apiserver, with ke-controller-manager's reconcilers),
// whose sender delivers them to a real Mailpit and records them in a real
// VictoriaLogs; the notification API is called as the platform's users.
package notification

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/common/model"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	devam "github.com/superkube/super-kubenetes/internal/dev/alertmanager"
	devplatform "github.com/superkube/super-kubenetes/internal/dev/platform"
	notificationhandlers "github.com/superkube/super-kubenetes/internal/handlers/notification"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/alertmanager"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/mailpit"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	vltest "github.com/superkube/super-kubenetes/internal/testutil/victorialogs"
)

const (
	consoleSecret = "console-secret-for-tests"
	password      = "Test-Passw0rd!"
	webhookToken  = "alertmanager-webhook-token-for-the-tests-0123456789"
	prefix        = notificationhandlers.Prefix
)

var (
	api   *platform.Client
	k8s   client.Client
	am    *alertmanager.Server
	mail  *mailpit.Server
	store *vltest.Server
)

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
	dir, err := os.MkdirTemp("", "notification-test-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(dir)
	env, err := envtest.Start(envtest.Options{})
	if err != nil {
		return 1, err
	}
	defer env.Stop()
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := platform.StartControllers(ctx, env.Config); err != nil {
		return 1, err
	}
	if store, err = vltest.Start(); err != nil {
		return 1, err
	}
	defer store.Stop()
	if mail, err = mailpit.Start(); err != nil {
		return 1, err
	}
	defer mail.Stop()
	apiServer, err := platform.Listen(dir)
	if err != nil {
		return 1, err
	}
	cfg := apiServer.Config(env.Config)
	cfg.OAuthClients = []oauth.Client{{ID: app.ConsoleClientID, Secret: consoleSecret, Trusted: true, RedirectURIs: []string{"https://console.test/oauth/callback"}}}
	cfg.Logging.VictoriaLogsURL = store.URL()
	tokenFile := filepath.Join(dir, "notification-webhook-token")
	if err := os.WriteFile(tokenFile, []byte(webhookToken+"\n"), 0o600); err != nil {
		return 1, err
	}
	cfg.Notification.WebhookTokenFile = tokenFile
	// ke-apiserver runs with its own identity and the RBAC generated for it
	// (config/rbac/apiserver), bound as ke-dev and the chart bind it.
	rc, err := asKeAPIServer(ctx, env.Config)
	if err != nil {
		return 1, err
	}
	_, stop, err := apiServer.Start(ctx, cfg, rc)
	if err != nil {
		return 1, err
	}
	defer stop()
	tlsCfg, err := apiServer.TLSConfig()
	if err != nil {
		return 1, err
	}
	api = &platform.Client{URL: apiServer.URL, HTTP: &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}},
		K8s: k8s, ConsoleSecret: consoleSecret, Password: password}
	// Alertmanager as ke-dev configures it, with shorter waits.
	amCfg := devam.RoutingFor(&devam.Config{Platform: &devam.PlatformWebhook{URL: apiServer.URL + notificationhandlers.WebhookPath, TokenFile: tokenFile, CAFile: apiServer.CertFile}})
	amCfg.Route.GroupWait, amCfg.Route.GroupInterval = model.Duration(time.Second), model.Duration(2*time.Second)
	if am, err = alertmanager.Start(amCfg); err != nil {
		return 1, err
	}
	defer am.Stop()
	return m.Run(), nil
}

// asKeAPIServer applies ke-apiserver's generated RBAC, binds it to the
// user ke-apiserver, and returns a configuration that acts as that user.
func asKeAPIServer(ctx context.Context, admin *rest.Config) (*rest.Config, error) {
	objs, err := devplatform.ReadManifests(filepath.Join("..", "..", "..", "config", "rbac", "apiserver", "*.yaml"))
	if err != nil || len(objs) == 0 {
		return nil, fmt.Errorf("ke-apiserver's RBAC: %d objects, %v", len(objs), err)
	}
	if err := devplatform.Apply(ctx, k8s, objs); err != nil {
		return nil, err
	}
	subject := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "ke-apiserver"}}
	for _, o := range []client.Object{
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ke-apiserver"}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "ke-apiserver"}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: platform.SystemNamespace, Name: "ke-apiserver"}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "ke-apiserver"}},
	} {
		if err := k8s.Create(ctx, o); err != nil {
			return nil, err
		}
	}
	rc := rest.CopyConfig(admin)
	rc.Impersonate = rest.ImpersonationConfig{UserName: "ke-apiserver"}
	return rc, nil
}

func emailConfig(name, host string, port int) map[string]any {
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"type": "email",
		"email": map[string]any{"host": host, "port": port, "from": "alerts@example.com", "tls": "None", "username": "sender"}},
		"credentials": map[string]any{"password": "smtp-password-never-shown"}}
}

// An alert posted to Alertmanager goes through ke-apiserver's webhook (its
// own token, TLS) and arrives by e-mail; the delivery is listed by the API
// and kept in the log store; the credentials never appear in an answer.
func TestAnAlertArrivesByEmailThroughKeAPIServer(t *testing.T) {
	admin := api.Admin(t)
	r := api.DoJSON(t, http.MethodPost, prefix+"/configs", admin, emailConfig("e2e-mail", mail.SMTPHost, mail.SMTPPort))
	if r.Code != http.StatusCreated || strings.Contains(string(r.Body), "smtp-password") {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	r = api.DoJSON(t, http.MethodPost, prefix+"/receivers", admin, map[string]any{"metadata": map[string]any{"name": "e2e-ops"},
		"spec": map[string]any{"type": "email", "config": "e2e-mail", "emails": []string{"ops@example.com"}}})
	if r.Code != http.StatusCreated {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	if r := api.Do(t, http.MethodGet, prefix+"/configs/e2e-mail", admin, nil); r.Code != http.StatusOK || strings.Contains(string(r.Body), "smtp-password") {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	// The receiver is in ke-apiserver's cache before the alert fires.
	platform.Eventually(t, "the receiver listed", 10*time.Second, func() error {
		if r := api.Do(t, http.MethodGet, prefix+"/receivers?names=e2e-ops", admin, nil); r.JSON["totalItems"] != float64(1) {
			return fmt.Errorf("%s", r.Body)
		}
		return nil
	})
	posted := time.Now()
	if err := am.PostAlerts(context.Background(), alertmanager.Alert{Labels: map[string]string{"alertname": "E2EDiskFull", "namespace": "e2e", "severity": "critical"},
		Annotations: map[string]string{"summary": "the disk is full"}}); err != nil {
		t.Fatal(err)
	}
	var got time.Duration
	platform.Eventually(t, "the e-mail", time.Minute, func() error {
		msgs, err := mail.Messages(context.Background())
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if strings.Contains(m.Subject, "E2EDiskFull") && m.To[0].Address == "ops@example.com" {
				got = time.Since(posted)
				if m.Username != "sender" {
					return fmt.Errorf("the SMTP login was %q", m.Username)
				}
				return nil
			}
		}
		d := api.Do(t, http.MethodGet, prefix+"/deliveries", admin, nil)
		logs, _ := filepath.Glob(filepath.Join(os.TempDir(), "alertmanager-test-*", "*.log"))
		var amlog []byte
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			amlog = append(amlog, b...)
		}
		return fmt.Errorf("%d messages, none about E2EDiskFull; deliveries %s; alertmanager: %s", len(msgs), d.Body, amlog)
	})
	if got == 0 {
		return
	}
	t.Logf("Alertmanager → ke-apiserver → Mailpit: %s after the alert was posted (group_wait 1s)", got.Round(time.Millisecond))
	// The API lists the delivery; the log store keeps it.
	platform.Eventually(t, "the delivery listed", 10*time.Second, func() error {
		r := api.Do(t, http.MethodGet, prefix+"/deliveries?receiver=e2e-ops", admin, nil)
		items, _ := r.JSON["items"].([]any)
		if len(items) == 0 || items[0].(map[string]any)["result"] != records.Sent {
			return fmt.Errorf("%s", r.Body)
		}
		return nil
	})
	platform.Eventually(t, "the record in VictoriaLogs", 20*time.Second, func() error {
		n := 0
		err := store.Client(records.Tenant).Records(context.Background(), `receiver:="e2e-ops" result:="sent"`, victorialogs.Range{Start: posted.Add(-time.Minute)},
			func(victorialogs.Record) error { n++; return nil })
		if err != nil || n == 0 {
			return fmt.Errorf("%d records: %v", n, err)
		}
		return nil
	})
}

// The webhook refuses a platform user's token and a wrong one.
func TestTheWebhookTakesOnlyAlertmanagersToken(t *testing.T) {
	admin := api.Admin(t)
	for _, tok := range []string{admin, "wrong"} {
		r := api.Do(t, http.MethodPost, notificationhandlers.WebhookPath, tok, strings.NewReader(`{"version":"4","status":"firing","alerts":[]}`))
		if r.Code != http.StatusUnauthorized {
			t.Errorf("%d %s", r.Code, r.Body)
		}
	}
	r := api.Do(t, http.MethodPost, notificationhandlers.WebhookPath, webhookToken, strings.NewReader(`{"version":"4","status":"firing","alerts":[]}`))
	if r.Code != http.StatusOK {
		t.Errorf("%d %s", r.Code, r.Body)
	}
}

// A test message through a config whose SMTP host does not answer is a
// 502 naming spec.email.host; a regular user may not test the platform's
// configs.
func TestVerificationOfAnSMTPHostThatDoesNotAnswer(t *testing.T) {
	admin := api.Admin(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	if r := api.DoJSON(t, http.MethodPost, prefix+"/configs", admin, emailConfig("e2e-dead", "127.0.0.1", port)); r.Code != http.StatusCreated {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	platform.Eventually(t, "the config cached", 10*time.Second, func() error {
		if r := api.Do(t, http.MethodGet, prefix+"/configs/e2e-dead", admin, nil); r.Code != http.StatusOK {
			return fmt.Errorf("%d", r.Code)
		}
		return nil
	})
	r := api.DoJSON(t, http.MethodPost, prefix+"/configs/e2e-dead/verification", admin, map[string]string{"to": "ops@example.com"})
	platform.ExpectStatus(t, r, http.StatusBadGateway)
	if !strings.Contains(string(r.Body), `"field":"spec.email.host"`) || strings.Contains(string(r.Body), "smtp-password") {
		t.Errorf("%s", r.Body)
	}
	platform.NewUser(t, k8s, "e2e-regular", password)
	user := api.Token(t, "e2e-regular")
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/configs/e2e-dead/verification", user, map[string]string{"to": "x@example.com"}), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/configs", user, nil), http.StatusForbidden)
	if r := api.Do(t, http.MethodGet, prefix+"/users/e2e-regular/configs", user, nil); r.Code != http.StatusOK {
		t.Errorf("%d %s", r.Code, r.Body)
	}
}

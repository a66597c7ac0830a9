package notification_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/netguard"

	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/handlers/notification"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/notification/channel"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
	"github.com/superkube/super-kubenetes/internal/testutil/mailpit"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

var env *servicetest.Env

func TestMain(m *testing.M) { servicetest.Run(m, &env, nil) }

type api struct {
	t   *testing.T
	mux *http.ServeMux
}

func newAPI(t *testing.T) *api {
	return newAPIWith(t, &channel.Sender{SMTPTimeout: 2 * time.Second})
}

// newAPIWith is newAPI with its channels.
func newAPIWith(t *testing.T, channels *channel.Sender) *api {
	ring := records.NewRing(100)
	snd := &sender.Sender{Reader: env.Cache, Secrets: env.Client, SecretNamespace: servicetest.SystemNamespace, Authorizer: env.Authorizer,
		Records: ring, Log: testr.New(t), Channels: channels}
	t.Cleanup(snd.Stop)
	h := &notification.Handler{Reader: env.Cache, Client: env.Client, SecretNamespace: servicetest.SystemNamespace, Authorizer: env.Authorizer,
		Sender: snd, Records: ring}
	mux := http.NewServeMux()
	h.Install(mux)
	return &api{t: t, mux: mux}
}

// do sends a request as caller and decodes the answer into out (when not
// nil); it returns the code and the raw body.
func (a *api) do(caller, method, path string, body any, out any) (int, string) {
	a.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req := httptest.NewRequest(method, notification.Prefix+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req = req.WithContext(request.WithUser(req.Context(), &user.DefaultInfo{Name: caller, Groups: []string{user.AllAuthenticated}}))
	w := httptest.NewRecorder()
	a.mux.ServeHTTP(w, req)
	if out != nil && w.Code < 300 {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			a.t.Fatalf("%s %s: %v: %s", method, path, err, w.Body.String())
		}
	}
	return w.Code, w.Body.String()
}

// status checks an error answer: the code, and the field among the causes.
func status(t *testing.T, code int, body string, wantCode int, field string) {
	t.Helper()
	var st metav1.Status
	_ = json.Unmarshal([]byte(body), &st)
	if code != wantCode || st.Kind != "Status" {
		t.Fatalf("%d %s, want %d", code, body, wantCode)
	}
	if field == "" {
		return
	}
	if st.Details != nil {
		for _, c := range st.Details.Causes {
			if c.Field == field {
				return
			}
		}
	}
	t.Fatalf("%s names no field %s", body, field)
}

func emailBody(name, host string, port int, password string) map[string]any {
	b := map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"type": "email",
		"email": map[string]any{"host": host, "port": port, "from": "superkube@example.com", "tls": "None",
			// A config can never point at another Secret.
			"passwordSecret": map[string]any{"name": "user-root-password", "key": "password"}}}}
	if password != "" {
		b["credentials"] = map[string]any{"password": password}
	}
	return b
}

func TestConfigCredentialsGoToASecretAndNeverIntoAnswers(t *testing.T) {
	a := newAPI(t)
	var c nv1.Config
	code, body := a.do(servicetest.Root, http.MethodPost, "/configs", emailBody("smtp-secret", "smtp.example.com", 587, "hunter2-very-secret"), &c)
	if code != http.StatusCreated || strings.Contains(body, "hunter2") {
		t.Fatalf("%d %s", code, body)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &c) })
	ref := c.Spec.Email.PasswordSecret
	if ref == nil || ref.Name != notification.SecretName("smtp-secret") || ref.Key != "password" {
		t.Fatalf("passwordSecret %+v", ref)
	}
	var sec corev1.Secret
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: servicetest.SystemNamespace, Name: ref.Name}, &sec); err != nil {
		t.Fatal(err)
	}
	if string(sec.Data["password"]) != "hunter2-very-secret" || len(sec.OwnerReferences) != 1 || sec.OwnerReferences[0].UID != c.UID {
		t.Errorf("secret %+v", sec)
	}
	env.Cached(t, &c)
	for _, path := range []string{"/configs", "/configs/smtp-secret"} {
		if code, body := a.do(servicetest.Root, http.MethodGet, path, nil, nil); code != http.StatusOK || strings.Contains(body, "hunter2") {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
	// An update without credentials keeps them; with new ones replaces them.
	upd := emailBody("smtp-secret", "smtp2.example.com", 587, "")
	if code, body := a.do(servicetest.Root, http.MethodPut, "/configs/smtp-secret", upd, &c); code != http.StatusOK || c.Spec.Email.PasswordSecret == nil || c.Spec.Email.Host != "smtp2.example.com" {
		t.Fatalf("%d %s", code, body)
	}
}

func TestInvalidConfigsNameTheField(t *testing.T) {
	a := newAPI(t)
	code, body := a.do(servicetest.Root, http.MethodPost, "/configs", map[string]any{"metadata": map[string]any{"name": "hook"}, "spec": map[string]any{"type": "slack"}}, nil)
	status(t, code, body, http.StatusUnprocessableEntity, "credentials.url")
	code, body = a.do(servicetest.Root, http.MethodPost, "/configs", map[string]any{"metadata": map[string]any{"name": "hook"}, "spec": map[string]any{"type": "slack"},
		"credentials": map[string]any{"url": "ftp://secret-token@x"}}, nil)
	status(t, code, body, http.StatusUnprocessableEntity, "credentials.url")
	if strings.Contains(body, "secret-token") {
		t.Errorf("the URL is quoted: %s", body)
	}
	code, body = a.do(servicetest.Root, http.MethodPost, "/configs", emailBody("bad-port", "h", 0, ""), nil)
	status(t, code, body, http.StatusUnprocessableEntity, "spec.email.port")
	code, body = a.do(servicetest.Root, http.MethodPost, "/receivers", map[string]any{"metadata": map[string]any{"name": "r"},
		"spec": map[string]any{"type": "email", "config": "nope", "emails": []string{"not-an-address"}}}, nil)
	status(t, code, body, http.StatusUnprocessableEntity, "spec.config")
	status(t, code, body, http.StatusUnprocessableEntity, "spec.emails[0]")
}

// A user manages their own objects; other users' and the platform's are
// out of reach.
func TestUsersOwnNotifications(t *testing.T) {
	a := newAPI(t)
	env.Create(t, servicetest.User("carol"), servicetest.User("dave"))
	var c nv1.Config
	if code, body := a.do(servicetest.Root, http.MethodPost, "/configs", emailBody("shared-smtp", "smtp.example.com", 25, ""), &c); code != http.StatusCreated {
		t.Fatalf("%d %s", code, body)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &c) })
	env.Cached(t, &c)
	var r nv1.Receiver
	code, body := a.do("carol", http.MethodPost, "/users/carol/receivers", map[string]any{"metadata": map[string]any{"name": "carol-mail"},
		"spec": map[string]any{"type": "email", "config": "shared-smtp", "users": []string{"carol"}, "language": "ko"}}, &r)
	if code != http.StatusCreated || r.Labels[nv1.UserLabel] != "carol" {
		t.Fatalf("%d %s", code, body)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &r) })
	env.Cached(t, &r)
	// Sending to another user is refused.
	code, body = a.do("carol", http.MethodPost, "/users/carol/receivers", map[string]any{"metadata": map[string]any{"name": "carol-spy"},
		"spec": map[string]any{"type": "email", "config": "shared-smtp", "users": []string{"dave"}}}, nil)
	status(t, code, body, http.StatusUnprocessableEntity, "spec.users[0]")
	var list struct {
		Items      []nv1.Receiver `json:"items"`
		TotalItems int            `json:"totalItems"`
	}
	if code, body := a.do("carol", http.MethodGet, "/users/carol/receivers", nil, &list); code != http.StatusOK || list.TotalItems != 1 || list.Items[0].Name != "carol-mail" {
		t.Fatalf("%d %s", code, body)
	}
	// Not at platform level, not in dave's.
	code, body = a.do("carol", http.MethodGet, "/receivers", nil, nil)
	status(t, code, body, http.StatusForbidden, "")
	code, body = a.do("dave", http.MethodGet, "/users/carol/receivers/carol-mail", nil, nil)
	status(t, code, body, http.StatusForbidden, "")
	// Dave's path does not reach carol's object.
	code, body = a.do("dave", http.MethodGet, "/users/dave/receivers/carol-mail", nil, nil)
	status(t, code, body, http.StatusNotFound, "")
	// The platform's list does not show it; an admin reaches it under carol.
	if code, body := a.do(servicetest.Root, http.MethodGet, "/receivers?name=carol", nil, &list); code != http.StatusOK || list.TotalItems != 0 {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := a.do(servicetest.Root, http.MethodDelete, "/users/carol/receivers/carol-mail", nil, nil); code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
}

// A test message through a config: 200 with the delivery when it is sent,
// a Status naming spec.email.host when the SMTP host does not answer.
func TestVerification(t *testing.T) {
	a := newAPI(t)
	mp := mailpit.StartT(t)
	// A port where nothing listens, and one that accepts but never speaks.
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	t.Cleanup(func() { silent.Close() })
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	for name, port := range map[string]int{"verify-ok": mp.SMTPPort, "verify-refused": closedPort, "verify-silent": silent.Addr().(*net.TCPAddr).Port} {
		var c nv1.Config
		if code, body := a.do(servicetest.Root, http.MethodPost, "/configs", emailBody(name, "127.0.0.1", port, ""), &c); code != http.StatusCreated {
			t.Fatalf("%d %s", code, body)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &c) })
		env.Cached(t, &c)
	}
	var d records.Delivery
	code, body := a.do(servicetest.Root, http.MethodPost, "/configs/verify-ok/verification", map[string]any{"to": "someone@example.com", "language": "zh"}, &d)
	if code != http.StatusOK || d.Result != records.Sent || d.Recipient != "someone@example.com" || !d.Verification {
		t.Fatalf("%d %s", code, body)
	}
	msgs, err := mp.WaitMessages(context.Background(), 1, 10*time.Second)
	if err != nil || !strings.HasPrefix(msgs[0].Subject, "[测试]") {
		t.Fatalf("%v %+v", err, msgs)
	}
	// Without "to", the caller's own address.
	if code, body := a.do(servicetest.Root, http.MethodPost, "/configs/verify-ok/verification", nil, &d); code != http.StatusOK || d.Recipient != "root@example.com" {
		t.Fatalf("%d %s", code, body)
	}
	for _, name := range []string{"verify-refused", "verify-silent"} {
		start := time.Now()
		code, body = a.do(servicetest.Root, http.MethodPost, "/configs/"+name+"/verification", map[string]any{"to": "someone@example.com"}, nil)
		status(t, code, body, http.StatusBadGateway, "spec.email.host")
		t.Logf("%s: %s after %s", name, body, time.Since(start).Round(time.Millisecond))
	}
	// The delivery log lists them, the newest first.
	var list struct {
		Items      []records.Delivery `json:"items"`
		TotalItems int                `json:"totalItems"`
	}
	if code, body := a.do(servicetest.Root, http.MethodGet, "/deliveries?result=failed", nil, &list); code != http.StatusOK || list.TotalItems != 2 || list.Items[0].Receiver != "verify-silent" || list.Items[0].Field != "spec.email.host" {
		t.Fatalf("%d %s", code, body)
	}
}

func templateRules(t *testing.T, names ...string) []rbacv1.PolicyRule {
	t.Helper()
	var out []rbacv1.PolicyRule
	for _, tp := range builtin.Templates() {
		if slices.Contains(names, tp.Name) {
			out = append(out, tp.Rules...)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no template %v", names)
	}
	return out
}

// The role templates global-view-notifications and
// global-manage-notifications reach the platform's objects: a viewer
// lists configs and deliveries, a manager creates and tests them.
func TestTheNotificationRoleTemplates(t *testing.T) {
	a := newAPI(t)
	env.Create(t, servicetest.User("nviewer"), servicetest.User("nmanager"),
		servicetest.GlobalRole("notification-viewer", templateRules(t, "global-view-notifications")...),
		servicetest.GlobalRole("notification-manager", templateRules(t, "global-view-notifications", "global-manage-notifications")...),
		servicetest.GlobalMember("nviewer", "notification-viewer"), servicetest.GlobalMember("nmanager", "notification-manager"))
	mp := mailpit.StartT(t)
	var c nv1.Config
	if code, body := a.do("nmanager", http.MethodPost, "/configs", emailBody("templ-mail", "127.0.0.1", mp.SMTPPort, ""), &c); code != http.StatusCreated {
		t.Fatalf("%d %s", code, body)
	}
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &c) })
	env.Cached(t, &c)
	if code, body := a.do("nmanager", http.MethodPost, "/configs/templ-mail/verification", map[string]any{"to": "m@example.com"}, nil); code != http.StatusOK {
		t.Fatalf("%d %s", code, body)
	}
	for _, path := range []string{"/configs", "/receivers", "/routers", "/silences", "/deliveries"} {
		if code, body := a.do("nviewer", http.MethodGet, path, nil, nil); code != http.StatusOK {
			t.Errorf("viewer GET %s: %d %s", path, code, body)
		}
	}
	code, body := a.do("nviewer", http.MethodPost, "/configs/templ-mail/verification", map[string]any{"to": "v@example.com"}, nil)
	status(t, code, body, http.StatusForbidden, "")
	code, body = a.do("nviewer", http.MethodDelete, "/configs/templ-mail", nil, nil)
	status(t, code, body, http.StatusForbidden, "")
}

// A user's own webhook config at 127.0.0.1 is refused (422 naming
// credentials.url, the URL's token never quoted) while a platform config
// at the same address sends; an operator's allowed network lets the
// user's through.
func TestAUsersConfigMayNotReachInternalAddresses(t *testing.T) {
	a := newAPI(t)
	env.Create(t, servicetest.User("erin"))
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	hook := srv.URL + "/hook?token=s3cr3t-token"
	cfg := func(name string) map[string]any {
		return map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{"type": "webhook"},
			"credentials": map[string]any{"url": hook, "token": "bearer-s3cr3t"}}
	}
	for path, name := range map[string]string{"/users/erin/configs": "erin-hook", "/configs": "platform-hook"} {
		var c nv1.Config
		caller := "erin"
		if path == "/configs" {
			caller = servicetest.Root
		}
		if code, body := a.do(caller, http.MethodPost, path, cfg(name), &c); code != http.StatusCreated {
			t.Fatalf("%d %s", code, body)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &c) })
		env.Cached(t, &c)
	}
	code, body := a.do("erin", http.MethodPost, "/users/erin/configs/erin-hook/verification", nil, nil)
	status(t, code, body, http.StatusUnprocessableEntity, "credentials.url")
	if !strings.Contains(body, "the address 127.0.0.1 is not allowed for a user's notification config (loopback)") || strings.Contains(body, "s3cr3t") || hits.Load() != 0 {
		t.Fatalf("%s (hits %d)", body, hits.Load())
	}
	var d records.Delivery
	if code, body := a.do(servicetest.Root, http.MethodPost, "/configs/platform-hook/verification", nil, &d); code != http.StatusOK || d.Result != records.Sent || hits.Load() != 1 {
		t.Fatalf("platform: %d %s (hits %d)", code, body, hits.Load())
	}
	// The user's delivery log shows the refusal.
	var list struct {
		Items []records.Delivery `json:"items"`
	}
	if code, body := a.do("erin", http.MethodGet, "/users/erin/deliveries?result=failed", nil, &list); code != http.StatusOK || len(list.Items) != 1 ||
		list.Items[0].Field != "credentials.url" || !strings.Contains(list.Items[0].Reason, "not allowed") || list.Items[0].Attempts != 1 {
		t.Fatalf("%d %s", code, body)
	}
	// With 127.0.0.0/8 allowed for users, it goes through.
	allowed, err := netguard.ParseCIDRs([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	a = newAPIWith(t, &channel.Sender{UserAllowedCIDRs: allowed})
	if code, body := a.do("erin", http.MethodPost, "/users/erin/configs/erin-hook/verification", nil, &d); code != http.StatusOK || d.Result != records.Sent || hits.Load() != 2 {
		t.Fatalf("allowed: %d %s (hits %d)", code, body, hits.Load())
	}
}

// A user's SMTP host at an internal address is refused, naming
// spec.email.host; the platform's at the same address sends.
func TestAUsersSMTPHostMayNotBeInternal(t *testing.T) {
	a := newAPI(t)
	env.Create(t, servicetest.User("frank"))
	mp := mailpit.StartT(t)
	for path, name := range map[string]string{"/users/frank/configs": "frank-mail", "/configs": "platform-mail"} {
		var c nv1.Config
		caller := "frank"
		if path == "/configs" {
			caller = servicetest.Root
		}
		if code, body := a.do(caller, http.MethodPost, path, emailBody(name, "127.0.0.1", mp.SMTPPort, ""), &c); code != http.StatusCreated {
			t.Fatalf("%d %s", code, body)
		}
		t.Cleanup(func() { _ = env.Client.Delete(context.Background(), &c) })
		env.Cached(t, &c)
	}
	code, body := a.do("frank", http.MethodPost, "/users/frank/configs/frank-mail/verification", map[string]any{"to": "frank@example.com"}, nil)
	status(t, code, body, http.StatusUnprocessableEntity, "spec.email.host")
	if !strings.Contains(body, "the address 127.0.0.1 is not allowed") {
		t.Fatal(body)
	}
	if code, body := a.do(servicetest.Root, http.MethodPost, "/configs/platform-mail/verification", map[string]any{"to": "ops@example.com"}, nil); code != http.StatusOK {
		t.Fatalf("platform: %d %s", code, body)
	}
	if msgs, err := mp.WaitMessages(context.Background(), 1, 10*time.Second); err != nil || len(msgs) != 1 {
		t.Fatalf("%v %d messages, want only the platform's", err, len(msgs))
	}
}

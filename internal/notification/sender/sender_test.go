package sender_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/go-openapi/strfmt"
	amalert "github.com/prometheus/alertmanager/api/v2/client/alert"
	"github.com/prometheus/alertmanager/api/v2/models"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
	notificationhandlers "github.com/superkube/super-kubenetes/internal/handlers/notification"
	"github.com/superkube/super-kubenetes/internal/notification/alert"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
	"github.com/superkube/super-kubenetes/internal/testutil/alertmanager"
	"github.com/superkube/super-kubenetes/internal/testutil/mailpit"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
	"github.com/superkube/super-kubenetes/internal/testutil/tcpforward"
)

var env *servicetest.Env

func TestMain(m *testing.M) { servicetest.Run(m, &env, nil) }

const token = "0123456789abcdef0123456789abcdef-test"

// harness is a real Alertmanager whose webhook receiver posts to the
// sender's webhook endpoint, and a real Mailpit.
type harness struct {
	t       *testing.T
	name    string
	mail    *mailpit.Server
	am      *alertmanager.Server
	snd     *sender.Sender
	records *records.Ring
}

func start(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, name: strings.ToLower(strings.TrimPrefix(t.Name(), "Test")), mail: mailpit.StartT(t), records: records.NewRing(1000)}
	h.snd = &sender.Sender{Reader: env.Cache, Secrets: env.Client, Status: env.Client, SecretNamespace: servicetest.SystemNamespace, Authorizer: env.Authorizer,
		Records: h.records, Log: testr.New(t), Backoff: 200 * time.Millisecond, MaxBackoff: time.Second, MaxAttempts: 8}
	t.Cleanup(h.snd.Stop)
	// ke-apiserver starts the informers of what the sender reads before
	// it serves; so does the test.
	for _, l := range []client.ObjectList{&nv1.ReceiverList{}, &nv1.RouterList{}, &nv1.SilenceList{}, &nv1.ConfigList{}, &corev1.NamespaceList{}, &iamv1beta1.UserList{}} {
		if err := env.Cache.List(context.Background(), l); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(&notificationhandlers.Webhook{Token: token, Sender: h.snd, Log: testr.New(t)})
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.am = alertmanager.StartT(t, &amconfig.Config{
		Route: amconfig.Route{Receiver: "superkube", GroupBy: []string{"alertname", "namespace", "rule_group"},
			GroupWait: model.Duration(200 * time.Millisecond), GroupInterval: model.Duration(time.Second), RepeatInterval: model.Duration(time.Hour)},
		Receivers: []amconfig.Receiver{{Name: "superkube", WebhookConfigs: []amconfig.WebhookConfig{{URL: srv.URL + notificationhandlers.WebhookPath, SendResolved: true,
			HTTPConfig: &amconfig.HTTPConfig{Authorization: &amconfig.Authorization{CredentialsFile: file}}}}}},
	})
	return h
}

// create makes objects that the test's cleanup deletes.
func (h *harness) create(objs ...client.Object) {
	h.t.Helper()
	env.Create(h.t, objs...)
	h.t.Cleanup(func() {
		for _, o := range objs {
			_ = env.Client.Delete(context.Background(), o)
		}
	})
}

// emailConfig is a platform config sending to addr (host:port) in plain SMTP.
func (h *harness) emailConfig(name, addr string) *nv1.Config {
	host, port, _ := strings.Cut(addr, ":")
	p, _ := strconv.Atoi(port)
	return &nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: nv1.ConfigSpec{Type: nv1.ChannelEmail,
		Email: &nv1.EmailConfig{Host: host, Port: int32(p), From: "superkube@example.com", TLS: nv1.TLSNone}}}
}

// receiver is an e-mail receiver of the test's alerts (label test=<name>).
func (h *harness) receiver(name, owner, config string, emails, users []string) *nv1.Receiver {
	r := &nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: nv1.ReceiverSpec{Type: nv1.ChannelEmail, Config: config,
		Emails: emails, Users: users, AlertSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"test": h.name}}}}
	if owner != "" {
		r.Labels = map[string]string{nv1.UserLabel: owner}
	}
	return r
}

// fire posts alerts of the test (label test=<name>) to Alertmanager;
// endsAt in the past resolves them.
func (h *harness) fire(endsAt time.Time, labels ...map[string]string) {
	h.t.Helper()
	var body models.PostableAlerts
	for _, l := range labels {
		l["test"] = h.name
		a := &models.PostableAlert{Alert: models.Alert{Labels: l}, Annotations: models.LabelSet{"summary": "something broke"}}
		if !endsAt.IsZero() {
			a.StartsAt = strfmt.DateTime(endsAt.Add(-time.Minute))
			a.EndsAt = strfmt.DateTime(endsAt)
		}
		body = append(body, a)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.am.API.Alert.PostAlerts(amalert.NewPostAlertsParamsWithContext(ctx).WithAlerts(body)); err != nil {
		h.t.Fatal(err)
	}
}

// mailTo waits for a message to addr whose subject contains want.
func (h *harness) mailTo(addr, want string, timeout time.Duration) (*mailpit.Message, time.Time) {
	h.t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		msgs, _ := h.mail.Messages(ctx)
		for _, m := range msgs {
			if strings.Contains(m.Subject, want) && slices.ContainsFunc(m.To, func(a mailpit.Address) bool { return a.Address == addr }) {
				full, err := h.mail.Message(ctx, m.ID)
				if err != nil {
					h.t.Fatal(err)
				}
				return full, time.Now()
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	msgs, _ := h.mail.Messages(ctx)
	var got []string
	for _, m := range msgs {
		got = append(got, fmt.Sprintf("%v: %s", m.To, m.Subject))
	}
	h.t.Fatalf("no message to %s with %q within %s; got %v; records %+v", addr, want, timeout, got, h.list())
	return nil, time.Time{}
}

func (h *harness) list() []records.Delivery {
	l, _ := h.records.List(context.Background(), records.Filter{})
	return l
}

// listAtLeast waits for n delivery records: a record is written after the
// SMTP server accepted the message, so the mail can be seen first.
func (h *harness) listAtLeast(n int) []records.Delivery {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		l := h.list()
		if len(l) >= n || time.Now().After(deadline) {
			if len(l) < n {
				h.t.Fatalf("%d delivery records, want at least %d: %+v", len(l), n, l)
			}
			return l
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// An alert posted to Alertmanager arrives as an e-mail; its resolution as
// a second one. The delay from the post to the mail is logged.
func TestFireAndResolveArriveByEmail(t *testing.T) {
	h := start(t)
	h.create(h.emailConfig("fire-mail", h.mail.SMTPAddr), h.receiver("fire-ops", "", "fire-mail", []string{"ops@example.com"}, nil))
	posted := time.Now()
	h.fire(time.Time{}, map[string]string{"alertname": "DiskAlmostFull", "namespace": "nowhere", "severity": "warning"})
	m, at := h.mailTo("ops@example.com", "[FIRING] DiskAlmostFull (nowhere)", 30*time.Second)
	first := h.listAtLeast(1)
	t.Logf("fire → e-mail: %s (Alertmanager group_wait 200ms); of which webhook → SMTP accept %dms", at.Sub(posted).Round(time.Millisecond), first[len(first)-1].LatencyMillis)
	if !strings.Contains(m.Text, "something broke") || !strings.Contains(m.HTML, "DiskAlmostFull") || m.From.Address != "superkube@example.com" {
		t.Errorf("message %+v", m)
	}
	posted = time.Now()
	h.fire(time.Now().Add(-time.Second), map[string]string{"alertname": "DiskAlmostFull", "namespace": "nowhere", "severity": "warning"})
	_, at = h.mailTo("ops@example.com", "[RESOLVED] DiskAlmostFull", 30*time.Second)
	t.Logf("resolve → e-mail: %s (group_interval 1s)", at.Sub(posted).Round(time.Millisecond))
	recs := h.listAtLeast(2)
	if len(recs) < 2 || recs[0].Result != records.Sent || recs[0].AlertStatus != "resolved" || recs[0].Channel != "email" || recs[0].Recipient != "ops@example.com" {
		t.Errorf("records %+v", recs)
	}
}

// A platform notification silence stops the delivery of what it matches;
// an alert it does not match still arrives.
func TestANotificationSilenceStopsDelivery(t *testing.T) {
	h := start(t)
	h.create(h.emailConfig("silence-mail", h.mail.SMTPAddr), h.receiver("silence-ops", "", "silence-mail", []string{"ops@example.com"}, nil),
		&nv1.Silence{ObjectMeta: metav1.ObjectMeta{Name: "silence-noisy"}, Spec: nv1.SilenceSpec{
			AlertSelector: metav1.LabelSelector{MatchLabels: map[string]string{"alertname": "Noisy"}}, Comment: "known"}})
	h.fire(time.Time{}, map[string]string{"alertname": "Noisy", "namespace": "a"}, map[string]string{"alertname": "Useful", "namespace": "a"})
	h.mailTo("ops@example.com", "Useful", 30*time.Second)
	time.Sleep(1500 * time.Millisecond)
	msgs, _ := h.mail.Messages(context.Background())
	for _, m := range msgs {
		if strings.Contains(m.Subject, "Noisy") {
			t.Fatalf("a silenced alert was delivered: %s", m.Subject)
		}
	}
}

// Users' own receivers get the alerts of the namespaces they may read
// only: an alert of workspace A never reaches workspace B's user, and the
// other way round. A Korean user gets the message in Korean.
func TestRoutingByWorkspaceAndLanguage(t *testing.T) {
	h := start(t)
	objs := []client.Object{h.emailConfig("ws-mail", h.mail.SMTPAddr)}
	objs = append(objs, servicetest.Workspace("ws-a", "")...)
	objs = append(objs, servicetest.Workspace("ws-b", "")...)
	objs = append(objs, servicetest.Project("ws-a", "proj-a", "")...)
	objs = append(objs, servicetest.Project("ws-b", "proj-b", "")...)
	alice, bob := servicetest.User("alice"), servicetest.User("bob")
	bob.Spec.Lang = "ko"
	objs = append(objs, alice, bob, servicetest.ProjectMember("proj-a", "alice", "viewer"), servicetest.ProjectMember("proj-b", "bob", "viewer"),
		h.receiver("alice-mail", "alice", "ws-mail", nil, []string{"alice"}), h.receiver("bob-mail", "bob", "ws-mail", nil, []string{"bob"}))
	h.create(objs...)
	h.fire(time.Time{}, map[string]string{"alertname": "PodCrashLooping", "namespace": "proj-a"}, map[string]string{"alertname": "PodCrashLooping", "namespace": "proj-b"},
		map[string]string{"alertname": "NodeNotReady", "node": "n1"})
	h.mailTo("alice@example.com", "[FIRING] PodCrashLooping (proj-a)", 30*time.Second)
	m, _ := h.mailTo("bob@example.com", "[발생] PodCrashLooping (proj-b)", 30*time.Second)
	if !strings.Contains(m.Text, "시작") || !strings.Contains(m.HTML, `lang="ko"`) {
		t.Errorf("bob's message is not in Korean: %s", m.Text)
	}
	time.Sleep(1500 * time.Millisecond)
	msgs, _ := h.mail.Messages(context.Background())
	for _, s := range msgs {
		to := s.To[0].Address
		if to == "alice@example.com" && !strings.Contains(s.Subject, "proj-a") || to == "bob@example.com" && !strings.Contains(s.Subject, "proj-b") {
			t.Errorf("%s got %q", to, s.Subject)
		}
	}
	if len(msgs) != 2 {
		t.Errorf("%d messages, want 2 (a node alert reaches no project member)", len(msgs))
	}
	for _, d := range h.listAtLeast(2) {
		if d.User == "" || d.Result != records.Sent {
			t.Errorf("record %+v", d)
		}
	}
}

// While the SMTP server is away the delivery is retried with backoff;
// when it is back the mail arrives and the record counts the attempts. A
// webhook receiver that fails at the same time does not hold it up.
func TestRetryAfterTheSMTPServerWasDown(t *testing.T) {
	h := start(t)
	fwd := tcpforward.StartT(t, h.mail.SMTPAddr)
	fwd.Down()
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	t.Cleanup(dead.Close)
	h.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: servicetest.SystemNamespace, Name: "retry-hook",
		Labels: map[string]string{sender.ConfigSecretLabel: "retry-hook"}}, StringData: map[string]string{"url": dead.URL}},
		&nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: "retry-hook"}, Spec: nv1.ConfigSpec{Type: nv1.ChannelWebhook, URL: &nv1.URLConfig{URLSecret: nv1.SecretKeyRef{Name: "retry-hook", Key: "url"}}}},
		&nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: "retry-hook"}, Spec: nv1.ReceiverSpec{Type: nv1.ChannelWebhook, Config: "retry-hook",
			AlertSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"test": h.name}}}},
		h.emailConfig("retry-mail", fwd.Addr()), h.receiver("retry-ops", "", "retry-mail", []string{"ops@example.com"}, nil))
	h.fire(time.Time{}, map[string]string{"alertname": "APIDown", "namespace": "x"})
	time.Sleep(2 * time.Second)
	if msgs, _ := h.mail.Messages(context.Background()); len(msgs) != 0 {
		t.Fatalf("%d messages while the SMTP server was down", len(msgs))
	}
	fwd.Up()
	h.mailTo("ops@example.com", "APIDown", 30*time.Second)
	var rec *records.Delivery
	for i := 0; i < 100 && rec == nil; i++ {
		for _, d := range h.list() {
			if d.Receiver == "retry-ops" {
				rec = &d
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rec == nil || rec.Result != records.Sent || rec.Attempts < 2 {
		t.Fatalf("record %+v, want sent after several attempts", rec)
	}
	t.Logf("sent after %d attempts, %dms after the webhook", rec.Attempts, rec.LatencyMillis)
}

// The webhook refuses a caller without Alertmanager's token.
func TestTheWebhookNeedsTheToken(t *testing.T) {
	snd := &sender.Sender{Reader: env.Cache, Authorizer: env.Authorizer}
	t.Cleanup(snd.Stop)
	srv := httptest.NewServer(&notificationhandlers.Webhook{Token: token, Sender: snd})
	t.Cleanup(srv.Close)
	for _, auth := range []string{"", "Bearer wrong", "Basic " + token} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(`{"version":"4","alerts":[]}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, resp.StatusCode)
		}
	}
}

// handle gives the sender a notification directly, as the webhook would.
func (h *harness) handle(alerts ...map[string]string) sender.Accepted {
	h.t.Helper()
	p := &alert.Payload{Version: "4", Status: alert.Firing}
	for _, l := range alerts {
		l["test"] = h.name
		p.Alerts = append(p.Alerts, alert.Alert{Status: alert.Firing, Labels: l, StartsAt: time.Now(), Fingerprint: alert.Fingerprint(l)})
	}
	acc, err := h.snd.Handle(context.Background(), p, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return acc
}

// A receiver that a router names gets only what the router matches; one
// that no router names gets everything. The same alert with the same
// status is not sent twice to a recipient.
func TestRoutersNarrowTheirReceiversAndDuplicatesAreDropped(t *testing.T) {
	h := start(t)
	h.create(h.emailConfig("route-mail", h.mail.SMTPAddr),
		h.receiver("route-pager", "", "route-mail", []string{"pager@example.com"}, nil),
		h.receiver("route-all", "", "route-mail", []string{"all@example.com"}, nil),
		&nv1.Router{ObjectMeta: metav1.ObjectMeta{Name: "route-critical"}, Spec: nv1.RouterSpec{
			AlertSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"severity": "critical"}}, Receivers: []string{"route-pager"}}})
	acc := h.handle(map[string]string{"alertname": "Minor", "severity": "warning"}, map[string]string{"alertname": "Major", "severity": "critical"})
	if acc.Messages != 2 {
		t.Fatalf("%+v, want 2 messages (pager: Major; all: both)", acc)
	}
	m, _ := h.mailTo("pager@example.com", "Major", 30*time.Second)
	if strings.Contains(m.Text, "Minor") {
		t.Errorf("the pager got the warning: %s", m.Text)
	}
	m, _ = h.mailTo("all@example.com", "+1", 30*time.Second)
	if !strings.Contains(m.Text, "Minor") || !strings.Contains(m.Text, "Major") {
		t.Errorf("the unrouted receiver did not get both: %s", m.Text)
	}
	// Alertmanager repeats the same group: nothing new is sent.
	acc = h.handle(map[string]string{"alertname": "Minor", "severity": "warning"}, map[string]string{"alertname": "Major", "severity": "critical"})
	if acc.Messages != 0 || acc.Duplicates != 3 {
		t.Fatalf("%+v, want 0 messages and 3 duplicates", acc)
	}
}

// A receiver's Ready condition says why its deliveries fail, naming the
// field, and turns True when one goes through.
func TestAReceiversStatusSaysWhyDeliveriesFail(t *testing.T) {
	h := start(t)
	r := h.receiver("status-ops", "", "status-mail", []string{"ops@example.com"}, nil)
	h.create(r)
	h.handle(map[string]string{"alertname": "NoConfigYet"})
	ready := func() *metav1.Condition {
		var got nv1.Receiver
		if err := env.Client.Get(context.Background(), client.ObjectKey{Name: r.Name}, &got); err != nil {
			t.Fatal(err)
		}
		for i := range got.Status.Conditions {
			if got.Status.Conditions[i].Type == nv1.ReadyCondition {
				return &got.Status.Conditions[i]
			}
		}
		return nil
	}
	wait := func(status metav1.ConditionStatus, reason string) *metav1.Condition {
		t.Helper()
		for range 200 {
			if c := ready(); c != nil && c.Status == status && c.Reason == reason {
				return c
			}
			time.Sleep(25 * time.Millisecond)
		}
		t.Fatalf("Ready %+v, want %s %s", ready(), status, reason)
		return nil
	}
	c := wait(metav1.ConditionFalse, nv1.ReasonConfigNotFound)
	if !strings.Contains(c.Message, "spec.config") {
		t.Errorf("message %q names no field", c.Message)
	}
	h.create(h.emailConfig("status-mail", h.mail.SMTPAddr))
	h.handle(map[string]string{"alertname": "NowConfigured"})
	wait(metav1.ConditionTrue, nv1.ReasonResolved)
}

// An idle receiver's workers stop and its queue goes; the next message
// starts them again.
func TestIdleQueuesGoAndComeBack(t *testing.T) {
	saved := sender.IdleTimeout
	sender.IdleTimeout = 200 * time.Millisecond
	t.Cleanup(func() { sender.IdleTimeout = saved })
	h := start(t)
	h.create(h.emailConfig("idle-mail", h.mail.SMTPAddr), h.receiver("idle-ops", "", "idle-mail", []string{"idle@example.com"}, nil))
	h.handle(map[string]string{"alertname": "First"})
	h.mailTo("idle@example.com", "First", 30*time.Second)
	if n := h.snd.Queues(); n != 1 {
		t.Fatalf("%d queues, want 1", n)
	}
	deadline := time.Now().Add(10 * time.Second)
	for h.snd.Queues() != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := h.snd.Queues(); n != 0 {
		t.Fatalf("%d queues after idling, want 0", n)
	}
	h.handle(map[string]string{"alertname": "Second"})
	h.mailTo("idle@example.com", "Second", 30*time.Second)
}

// A user's webhook config at 127.0.0.1 is refused at delivery: the record
// says failed, with the field and the reason, after one attempt (it is
// not retried); the platform's config at the same address delivers.
func TestAUsersConfigMayNotReachInternalAddresses(t *testing.T) {
	h := start(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	hook := func(name, owner string) []client.Object {
		var l map[string]string
		if owner != "" {
			l = map[string]string{nv1.UserLabel: owner}
		}
		return []client.Object{
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: servicetest.SystemNamespace, Name: name,
				Labels: map[string]string{sender.ConfigSecretLabel: name}}, StringData: map[string]string{"url": srv.URL + "/hook?token=s3cr3t"}},
			&nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Spec: nv1.ConfigSpec{Type: nv1.ChannelWebhook, URL: &nv1.URLConfig{URLSecret: nv1.SecretKeyRef{Name: name, Key: "url"}}}},
			&nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Spec: nv1.ReceiverSpec{Type: nv1.ChannelWebhook, Config: name,
				AlertSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"test": h.name}}}},
		}
	}
	objs := append(hook("gina-hook", "gina"), hook("ops-hook", "")...)
	objs = append(objs, servicetest.Workspace("ws-g", "")...)
	objs = append(objs, servicetest.Project("ws-g", "proj-g", "")...)
	objs = append(objs, servicetest.User("gina"), servicetest.ProjectMember("proj-g", "gina", "viewer"))
	h.create(objs...)
	if acc := h.handle(map[string]string{"alertname": "PodCrashLooping", "namespace": "proj-g"}); acc.Messages != 2 {
		t.Fatalf("%+v, want 2 messages", acc)
	}
	byReceiver := map[string]records.Delivery{}
	for i := 0; i < 400 && len(byReceiver) < 2; i++ {
		for _, d := range h.list() {
			byReceiver[d.Receiver] = d
		}
		time.Sleep(25 * time.Millisecond)
	}
	user, platform := byReceiver["gina-hook"], byReceiver["ops-hook"]
	if user.Result != records.Failed || user.Attempts != 1 || user.Field != "credentials.url" || user.User != "gina" ||
		user.Reason != "the address 127.0.0.1 is not allowed for a user's notification config (loopback)" {
		t.Errorf("user's record %+v", user)
	}
	if platform.Result != records.Sent || hits.Load() != 1 {
		t.Errorf("platform's record %+v, %d requests", platform, hits.Load())
	}
}

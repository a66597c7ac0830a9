package channel

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/notification/alert"
	"github.com/superkube/super-kubenetes/internal/notification/templates"
)

// service is an HTTP test server standing for a chat service: it checks
// each request with check and answers with answer.
func service(t *testing.T, answer string, check func(t *testing.T, r *http.Request, body map[string]any)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s with Content-Type %q, want a JSON POST", r.Method, r.Header.Get("Content-Type"))
		}
		data, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(data, &body); err != nil {
			t.Errorf("body %s: %v", data, err)
		}
		check(t, r, body)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func note(t *testing.T) *Notification {
	t.Helper()
	a := alert.Alert{Status: alert.Firing, Labels: map[string]string{"alertname": "KubePodCrashLooping", "namespace": "shop"},
		Annotations: map[string]string{"summary": "web-1 restarts"}, StartsAt: time.Now(), Fingerprint: "abc"}
	m, err := templates.Builtin().Render("zh", templates.NewData("ops", []alert.Alert{a}))
	if err != nil {
		t.Fatal(err)
	}
	return &Notification{Message: m, Status: alert.Firing, Receiver: "ops", Alerts: []alert.Alert{a}, To: "#alerts"}
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func TestWebhookPostsTheAlertsAsJSONWithTheBearerToken(t *testing.T) {
	u := service(t, "", func(t *testing.T, r *http.Request, b map[string]any) {
		if r.Header.Get("Authorization") != "Bearer s3cret" {
			t.Errorf("Authorization %q", r.Header.Get("Authorization"))
		}
		alerts, _ := b["alerts"].([]any)
		if b["version"] != WebhookVersion || b["status"] != "firing" || b["receiver"] != "ops" || len(alerts) != 1 ||
			get(alerts[0].(map[string]any), "labels", "alertname") != "KubePodCrashLooping" || b["title"] == "" || b["language"] != "zh" {
			t.Errorf("body %v", b)
		}
	})
	if err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelWebhook, URL: u + "/hook", Token: "s3cret"}, note(t)); err != nil {
		t.Fatal(err)
	}
}

// Slack incoming webhooks: text (fallback) and blocks of header and
// section with mrkdwn.
func TestSlackPayload(t *testing.T) {
	u := service(t, "ok", func(t *testing.T, _ *http.Request, b map[string]any) {
		blocks, _ := b["blocks"].([]any)
		if b["text"] == "" || len(blocks) != 2 || b["channel"] != "#alerts" {
			t.Fatalf("body %v", b)
		}
		h, s := blocks[0].(map[string]any), blocks[1].(map[string]any)
		if h["type"] != "header" || get(h, "text", "type") != "plain_text" || s["type"] != "section" || get(s, "text", "type") != "mrkdwn" {
			t.Errorf("blocks %v", blocks)
		}
		if txt, _ := get(s, "text", "text").(string); strings.Contains(txt, "**") || !strings.Contains(txt, "*") {
			t.Errorf("section text %q is not Slack mrkdwn", txt)
		}
	})
	if err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelSlack, URL: u}, note(t)); err != nil {
		t.Fatal(err)
	}
}

// Teams (Workflows / connectors): a message whose attachment is an
// Adaptive Card.
func TestTeamsPayload(t *testing.T) {
	u := service(t, "", func(t *testing.T, _ *http.Request, b map[string]any) {
		att, _ := b["attachments"].([]any)
		if b["type"] != "message" || len(att) != 1 {
			t.Fatalf("body %v", b)
		}
		a := att[0].(map[string]any)
		card, _ := a["content"].(map[string]any)
		body, _ := card["body"].([]any)
		if a["contentType"] != "application/vnd.microsoft.card.adaptive" || card["type"] != "AdaptiveCard" || card["version"] == "" || len(body) == 0 ||
			body[0].(map[string]any)["type"] != "TextBlock" {
			t.Errorf("attachment %v", a)
		}
	})
	if err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelTeams, URL: u}, note(t)); err != nil {
		t.Fatal(err)
	}
}

// DingTalk: msgtype markdown {title, text}; signed with timestamp (ms)
// and sign in the query.
func TestDingTalkPayloadAndSignature(t *testing.T) {
	now := time.UnixMilli(1700000000123)
	u := service(t, `{"errcode":0,"errmsg":"ok"}`, func(t *testing.T, r *http.Request, b map[string]any) {
		q := r.URL.Query()
		if q.Get("access_token") != "tok" || q.Get("timestamp") != "1700000000123" || q.Get("sign") != DingTalkSign("1700000000123", "SECabc") {
			t.Errorf("query %v", q)
		}
		if b["msgtype"] != "markdown" || get(b, "markdown", "title") == "" || get(b, "markdown", "text") == "" {
			t.Errorf("body %v", b)
		}
	})
	s := &Sender{Now: func() time.Time { return now }}
	if err := s.Send(context.Background(), &Conn{Type: nv1.ChannelDingTalk, URL: u + "/robot/send?access_token=tok", Token: "SECabc"}, note(t)); err != nil {
		t.Fatal(err)
	}
	// The documented algorithm's answer, computed apart (Python's hmac):
	// base64(HMAC-SHA256(key=secret, "timestamp\nsecret")).
	if got := DingTalkSign("1700000000123", "SECabc"); got != "IqXBU/aLfwMA3S/tDcfRmHx5vWHw9Y1aOgFLBr1Ti9w=" {
		t.Errorf("sign %q", got)
	}
}

func TestDingTalkRefusalIsAnErrorWithoutTheToken(t *testing.T) {
	u := service(t, `{"errcode":310000,"errmsg":"sign not match"}`, func(*testing.T, *http.Request, map[string]any) {})
	err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelDingTalk, URL: u + "/robot/send?access_token=topsecrettoken", Token: "SECabc"}, note(t))
	e := AsError(err)
	if err == nil || !e.Permanent || !strings.Contains(e.Reason, "310000") || strings.Contains(err.Error(), "topsecrettoken") || strings.Contains(err.Error(), "SECabc") {
		t.Fatalf("err %v", err)
	}
}

// Feishu: msg_type post with a title and lines of text tags; signed with
// timestamp (s) and sign in the body.
func TestFeishuPayloadAndSignature(t *testing.T) {
	now := time.Unix(1700000000, 0)
	u := service(t, `{"code":0,"msg":"success","data":{}}`, func(t *testing.T, _ *http.Request, b map[string]any) {
		if b["msg_type"] != "post" || b["timestamp"] != "1700000000" || b["sign"] != FeishuSign("1700000000", "fs") {
			t.Errorf("body %v", b)
		}
		post, _ := get(b, "content", "post", "zh_cn").(map[string]any)
		lines, _ := post["content"].([]any)
		if post["title"] == "" || len(lines) == 0 || lines[0].([]any)[0].(map[string]any)["tag"] != "text" {
			t.Errorf("post %v", post)
		}
	})
	// base64(HMAC-SHA256(key="timestamp\nsecret", "")), computed apart.
	if got := FeishuSign("1700000000", "fs"); got != "KnO01LyLeUz2sHjT1ogyJOBrkgWI59ibq0SodIhTzOk=" {
		t.Errorf("sign %q", got)
	}
	s := &Sender{Now: func() time.Time { return now }}
	if err := s.Send(context.Background(), &Conn{Type: nv1.ChannelFeishu, URL: u + "/open-apis/bot/v2/hook/x", Token: "fs"}, note(t)); err != nil {
		t.Fatal(err)
	}
}

// WeCom: msgtype markdown {content}.
func TestWeComPayload(t *testing.T) {
	u := service(t, `{"errcode":0,"errmsg":"ok"}`, func(t *testing.T, r *http.Request, b map[string]any) {
		c, _ := get(b, "markdown", "content").(string)
		if b["msgtype"] != "markdown" || !strings.Contains(c, "KubePodCrashLooping") || len(c) > 4096 || r.URL.Query().Get("key") != "k" {
			t.Errorf("body %v", b)
		}
	})
	if err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelWeCom, URL: u + "/cgi-bin/webhook/send?key=k"}, note(t)); err != nil {
		t.Fatal(err)
	}
}

func TestAServiceThatDoesNotAnswerIsATemporaryErrorWithoutTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/hook/very-secret-path?token=abc"
	srv.Close()
	err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelSlack, URL: u}, note(t))
	e := AsError(err)
	parsed, _ := url.Parse(u)
	if err == nil || e.Permanent || e.Field != "credentials.url" || strings.Contains(err.Error(), "very-secret-path") || strings.Contains(err.Error(), parsed.RawQuery) {
		t.Fatalf("err %v", err)
	}
}

func TestA4xxIsPermanentA5xxIsNot(t *testing.T) {
	for code, perm := range map[int]bool{400: true, 404: true, 429: false, 500: false, 503: false} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
		err := (&Sender{}).Send(context.Background(), &Conn{Type: nv1.ChannelWebhook, URL: srv.URL}, note(t))
		srv.Close()
		if err == nil || AsError(err).Permanent != perm {
			t.Errorf("%d: err %v, permanent want %v", code, err, perm)
		}
	}
}

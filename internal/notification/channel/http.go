package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/superkube/super-kubenetes/internal/notification/alert"
)

// post sends body as JSON to rawURL and checks the answer: a 2xx, and,
// when check is set, what the service says in the body. The URL, which
// may hold a token, never appears in an error.
func (s *Sender) post(ctx context.Context, c *Conn, rawURL string, header http.Header, body any, check func([]byte) error) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &Error{Field: "credentials.url", Reason: "not an http(s) URL", Permanent: true}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return &Error{Reason: "cannot encode the message", Permanent: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return &Error{Field: "credentials.url", Reason: "not a usable URL", Permanent: true}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "super-kubenetes-notification")
	resp, err := s.client(c).Do(req)
	if err != nil {
		if ae := asAddressError(err); ae != nil {
			return disallowed("credentials.url", ae)
		}
		var ue *url.Error
		reason := "the service at " + u.Host + " does not answer"
		if errors.As(err, &ue) {
			if ue.Timeout() {
				reason += " (timeout)"
			} else if ue.Err != nil {
				reason += ": " + redactURL(ue.Err.Error(), rawURL)
			}
		}
		return &Error{Field: "credentials.url", Reason: reason}
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Field: "credentials.url", Reason: fmt.Sprintf("the service at %s answered %s%s", u.Host, resp.Status, excerpt(answer, rawURL))}
		// 4xx but 408 and 429: the request is wrong, retrying will not help.
		e.Permanent = resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests
		return e
	}
	if check != nil {
		if err := check(answer); err != nil {
			return &Error{Field: "credentials.url", Reason: fmt.Sprintf("the service at %s refused the message: %s", u.Host, redactURL(err.Error(), rawURL)), Permanent: true}
		}
	}
	return nil
}

func excerpt(b []byte, rawURL string) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return ": " + redactURL(string(bytes.TrimSpace(b)), rawURL)
}

// redactURL removes the URL and its query (tokens) from s.
func redactURL(s, rawURL string) string {
	if rawURL == "" {
		return s
	}
	s = stringsReplace(s, rawURL, "[url]")
	if u, err := url.Parse(rawURL); err == nil {
		if u.RawQuery != "" {
			s = stringsReplace(s, u.RawQuery, "[redacted]")
		}
		if u.Path != "" && u.Path != "/" {
			s = stringsReplace(s, u.Path, "[path]")
		}
	}
	return s
}

func stringsReplace(s, old, repl string) string {
	if old == "" {
		return s
	}
	return string(bytes.ReplaceAll([]byte(s), []byte(old), []byte(repl)))
}

func itoa(i int) string { return strconv.Itoa(i) }

// WebhookBody is what a webhook receiver gets: the alerts with their
// labels and annotations, and the rendered message.
type WebhookBody struct {
	Version  string        `json:"version"`
	Receiver string        `json:"receiver"`
	Status   string        `json:"status"`
	Alerts   []alert.Alert `json:"alerts"`
	Title    string        `json:"title"`
	Text     string        `json:"text"`
	Language string        `json:"language"`
}

// WebhookVersion is the version of WebhookBody.
const WebhookVersion = "superkube.io/v1"

func (s *Sender) webhook(ctx context.Context, c *Conn, n *Notification) error {
	h := http.Header{}
	if c.Token != "" {
		h.Set("Authorization", "Bearer "+c.Token)
	}
	return s.post(ctx, c, c.URL, h, WebhookBody{Version: WebhookVersion, Receiver: n.Receiver, Status: n.Status, Alerts: n.Alerts,
		Title: n.Subject, Text: n.Text, Language: n.Language}, nil)
}

// Slack: an incoming webhook takes text (the notification's fallback) and
// blocks (https://api.slack.com/messaging/webhooks); it answers "ok".
func (s *Sender) slack(ctx context.Context, c *Conn, n *Notification) error {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	type block struct {
		Type string `json:"type"`
		Text *text  `json:"text,omitempty"`
	}
	body := struct {
		Channel string  `json:"channel,omitempty"`
		Text    string  `json:"text"`
		Blocks  []block `json:"blocks"`
	}{Channel: n.To, Text: n.Subject, Blocks: []block{
		{Type: "header", Text: &text{Type: "plain_text", Text: truncate(n.Subject, 150)}},
		{Type: "section", Text: &text{Type: "mrkdwn", Text: truncate(slackMarkdown(n.Markdown), 3000)}},
	}}
	return s.post(ctx, c, c.URL, nil, body, nil)
}

// slackMarkdown turns **bold** into Slack's *bold*.
func slackMarkdown(md string) string { return stringsReplace(md, "**", "*") }

// Teams: a Workflows (Power Automate) or connector incoming webhook takes
// a message with an Adaptive Card attachment.
func (s *Sender) teams(ctx context.Context, c *Conn, n *Notification) error {
	type element struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		Wrap   bool   `json:"wrap,omitempty"`
		Size   string `json:"size,omitempty"`
		Weight string `json:"weight,omitempty"`
		Color  string `json:"color,omitempty"`
	}
	color := "Good"
	if n.Status == alert.Firing {
		color = "Attention"
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []element{
			{Type: "TextBlock", Text: n.Subject, Wrap: true, Size: "Medium", Weight: "Bolder", Color: color},
			{Type: "TextBlock", Text: n.Markdown, Wrap: true},
		},
	}
	body := map[string]any{
		"type":        "message",
		"attachments": []map[string]any{{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}},
	}
	return s.post(ctx, c, c.URL, nil, body, nil)
}

// errcodeBody is the answer of DingTalk and WeCom: errcode 0 is success.
func errcodeBody(b []byte) error {
	var a struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(b, &a); err != nil || a.ErrCode == nil {
		return errors.New("the answer is not {errcode, errmsg}")
	}
	if *a.ErrCode != 0 {
		return fmt.Errorf("errcode %d: %s", *a.ErrCode, a.ErrMsg)
	}
	return nil
}

// DingTalk: a group robot takes msgtype markdown {title, text}; with a
// signing secret the URL carries timestamp (ms) and sign, the base64
// HMAC-SHA256 of "timestamp\nsecret" keyed by the secret.
func (s *Sender) dingtalk(ctx context.Context, c *Conn, n *Notification) error {
	target := c.URL
	if c.Token != "" {
		ts := strconv.FormatInt(s.now().UnixMilli(), 10)
		u, err := url.Parse(c.URL)
		if err != nil {
			return &Error{Field: "credentials.url", Reason: "not an http(s) URL", Permanent: true}
		}
		q := u.Query()
		q.Set("timestamp", ts)
		q.Set("sign", DingTalkSign(ts, c.Token))
		u.RawQuery = q.Encode()
		target = u.String()
	}
	body := map[string]any{
		"msgtype":  "markdown",
		"markdown": map[string]string{"title": n.Subject, "text": "### " + n.Subject + "\n\n" + n.Markdown},
		"at":       map[string]any{"isAtAll": false},
	}
	if err := s.post(ctx, c, target, nil, body, errcodeBody); err != nil {
		e := AsError(err)
		e.Reason = redactURL(e.Reason, target)
		return e
	}
	return nil
}

// DingTalkSign is DingTalk's robot signature of a timestamp in ms.
func DingTalkSign(timestamp, secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp + "\n" + secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FeishuSign is Feishu's custom bot signature of a timestamp in seconds:
// the base64 HMAC-SHA256 of nothing, keyed by "timestamp\nsecret".
func FeishuSign(timestamp, secret string) string {
	m := hmac.New(sha256.New, []byte(timestamp+"\n"+secret))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Feishu: a custom bot takes msg_type post (rich text with a title); with
// a signing secret the body carries timestamp (s) and sign. It answers
// {code: 0}.
func (s *Sender) feishu(ctx context.Context, c *Conn, n *Notification) error {
	type tag struct {
		Tag  string `json:"tag"`
		Text string `json:"text"`
	}
	var lines [][]tag
	for _, line := range splitLines(n.Text) {
		lines = append(lines, []tag{{Tag: "text", Text: line}})
	}
	lang := "en_us"
	if n.Language == "zh" {
		lang = "zh_cn"
	}
	body := map[string]any{
		"msg_type": "post",
		"content":  map[string]any{"post": map[string]any{lang: map[string]any{"title": n.Subject, "content": lines}}},
	}
	if c.Token != "" {
		ts := strconv.FormatInt(s.now().Unix(), 10)
		body["timestamp"], body["sign"] = ts, FeishuSign(ts, c.Token)
	}
	return s.post(ctx, c, c.URL, nil, body, func(b []byte) error {
		var a struct {
			Code *int   `json:"code"`
			Msg  string `json:"msg"`
			// Older answers.
			StatusCode *int `json:"StatusCode"`
		}
		if err := json.Unmarshal(b, &a); err != nil {
			return errors.New("the answer is not {code, msg}")
		}
		if a.Code != nil && *a.Code != 0 {
			return fmt.Errorf("code %d: %s", *a.Code, a.Msg)
		}
		return nil
	})
}

// WeCom: a group robot takes msgtype markdown {content}, at most 4096
// bytes; it answers {errcode: 0}.
func (s *Sender) wecom(ctx context.Context, c *Conn, n *Notification) error {
	body := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": truncate("### "+n.Subject+"\n"+n.Markdown, 4096)}}
	return s.post(ctx, c, c.URL, nil, body, errcodeBody)
}

func splitLines(s string) []string {
	var out []string
	for _, l := range bytes.Split([]byte(s), []byte("\n")) {
		out = append(out, string(l))
	}
	return out
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

var _ = time.Second

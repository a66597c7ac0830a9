package ui

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"strconv"
	"strings"
)

// RuntimeConfig is what the single-page app learns from the server when it
// starts, as the JSON of <script id="ke-config" type="application/json">.
type RuntimeConfig struct {
	// BasePath is the path the console is served under, with a slash at
	// both ends ("/" or "/console/").
	BasePath string `json:"basePath"`
	// Title names the console in the browser.
	Title string `json:"title"`
	// Version is ke-console's version.
	Version string `json:"version"`
	// APIServerURL is ke-apiserver's public URL, where the browser is sent
	// to log in at an identity provider.
	APIServerURL string `json:"apiServerURL"`
}

// The configuration also carries, per response, "session": whether the
// request came with a session (Options.OnIndex tells). The app asks who is
// logged in only then, and otherwise shows the login page at once, instead
// of asking and getting a 401 that the browser logs as an error.

// sessionMark stands for true or false in a prepared index.html.
const sessionMark = "\x00session\x00"

// nonceMark stands for the CSP nonce in a prepared index.html; NUL never
// appears in HTML text, so the mark cannot collide with the page.
const nonceMark = "\x00nonce\x00"

// index is index.html prepared for a base path and configuration: only the
// nonce differs between responses.
type index struct{ prepared string }

// prepareIndex injects <base href> right after <head>, the runtime
// configuration before </head>, and a nonce attribute in every <script tag.
func prepareIndex(page []byte, basePath string, cfg RuntimeConfig) (*index, error) {
	if bytes.IndexByte(page, 0) >= 0 {
		return nil, errors.New("index.html contains a NUL byte")
	}
	cfgJSON, err := json.Marshal(cfg) // escapes <, > and &: safe inside <script>
	if err != nil {
		return nil, err
	}
	s := string(page)
	lower := asciiLower(s)
	head := findTag(lower, "<head", 0)
	if head < 0 {
		return nil, errors.New("index.html has no <head>")
	}
	headEnd := strings.IndexByte(lower[head:], '>')
	if headEnd < 0 {
		return nil, errors.New("index.html has an unterminated <head>")
	}
	headEnd += head + 1
	closeHead := strings.Index(lower[headEnd:], "</head>")
	if closeHead < 0 {
		return nil, errors.New("index.html has no </head>")
	}
	closeHead += headEnd

	var b strings.Builder
	b.Grow(len(s) + len(cfgJSON) + 256)
	b.WriteString(addNonces(s[:headEnd], lower[:headEnd]))
	b.WriteString(`<base href="` + html.EscapeString(basePath) + `">`)
	b.WriteString(addNonces(s[headEnd:closeHead], lower[headEnd:closeHead]))
	b.WriteString(`<script nonce="` + nonceMark + `" id="ke-config" type="application/json">`)
	b.Write(cfgJSON[:len(cfgJSON)-1]) // without the closing brace
	b.WriteString(`,"session":` + sessionMark + `}`)
	b.WriteString(`</script>`)
	b.WriteString(addNonces(s[closeHead:], lower[closeHead:]))
	return &index{prepared: b.String()}, nil
}

// render returns the page with the nonce and whether there is a session.
func (i *index) render(nonce string, session bool) []byte {
	return []byte(strings.NewReplacer(nonceMark, nonce, sessionMark, strconv.FormatBool(session)).Replace(i.prepared))
}

// addNonces inserts a nonce attribute after every "<script" tag name in s
// (lower is s in lower case).
func addNonces(s, lower string) string {
	var b strings.Builder
	last := 0
	for at := findTag(lower, "<script", 0); at >= 0; at = findTag(lower, "<script", at+1) {
		end := at + len("<script")
		b.WriteString(s[last:end])
		b.WriteString(` nonce="` + nonceMark + `"`)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// findTag returns the index of the tag name (such as "<head") at or after
// from, followed by '>', '/' or white space, or -1.
func findTag(lower, tag string, from int) int {
	for from <= len(lower) {
		i := strings.Index(lower[from:], tag)
		if i < 0 {
			return -1
		}
		i += from
		if end := i + len(tag); end < len(lower) {
			switch lower[end] {
			case '>', '/', ' ', '\t', '\n', '\r', '\f':
				return i
			}
		}
		from = i + 1
	}
	return -1
}

// asciiLower lower-cases ASCII letters only, so that byte offsets match.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

type nonceKey struct{}

// WithNonce returns ctx carrying the CSP nonce of the response; the
// security-headers filter puts it there and names it in the policy.
func WithNonce(ctx context.Context, nonce string) context.Context {
	return context.WithValue(ctx, nonceKey{}, nonce)
}

// NonceFrom returns the response's CSP nonce, or "" when there is none.
func NonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey{}).(string)
	return n
}

// NewNonce returns 16 random bytes in base64, for a Content-Security-Policy.
func NewNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

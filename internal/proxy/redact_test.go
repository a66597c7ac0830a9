package proxy

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

const hash = "$2a$04$abcdefghijklmnopqrstuuE4X3n4b2k1yT0kq3fjMBOvq2Oa5Q2sO"

// answer is an answer of kube-apiserver to a request about users.
func answer(t *testing.T, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://kube.test/apis/iam.superkube.io/v1beta1/users", nil)
	if err != nil {
		t.Fatal(err)
	}
	req = req.WithContext(withUserRedaction(req.Context()))
	h := http.Header{"Content-Length": {"1234"}}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: req, ContentLength: 1234}
}

// redacted is what the proxy passes on of an answer: its code, headers,
// length and body.
type redacted struct {
	code   int
	header http.Header
	length int64
	body   string
}

// pass runs the proxy's ModifyResponse on resp and reads the result.
func pass(t *testing.T, resp *http.Response) redacted {
	t.Helper()
	defer resp.Body.Close()
	if err := redactResponse(resp); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return redacted{code: resp.StatusCode, header: resp.Header, length: resp.ContentLength, body: string(data)}
}

// redactAnswer makes an answer about users and redacts it.
func redactAnswer(t *testing.T, contentType, body string, mutate ...func(*http.Response)) redacted {
	t.Helper()
	resp := answer(t, contentType, body)
	defer resp.Body.Close()
	for _, m := range mutate {
		m(resp)
	}
	return pass(t, resp)
}

func TestAnswersAboutUsersLoseTheirPasswords(t *testing.T) {
	applied := `{\"spec\":{\"password\":\"` + hash + `\"}}`
	user := `{"apiVersion":"iam.superkube.io/v1beta1","kind":"User","metadata":{"name":"alice","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"` +
		applied + `","superkube.io/display-name":"Alice <A&B>"}},"spec":{"email":"alice@example.com","password":"` + hash + `"},"status":{"state":"Active"}}`
	for _, tc := range []struct {
		name, contentType, body string
	}{
		{"one user", "application/json", user},
		{"a list", "application/json", `{"kind":"UserList","metadata":{"resourceVersion":"12"},"items":[` + user + `,` + user + `]}`},
		{"a table with the objects", "application/json;as=Table;v=v1;g=meta.k8s.io",
			`{"kind":"Table","columnDefinitions":[],"rows":[{"cells":["alice"],"object":` + user + `}]}`},
		{"a table with partial metadata", "application/json;as=Table;v=v1;g=meta.k8s.io",
			`{"kind":"Table","rows":[{"cells":["alice"],"object":{"kind":"PartialObjectMetadata","metadata":{"name":"alice","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"` + applied + `"}}}}]}`},
		{"watch events", "application/json;stream=watch", `{"type":"ADDED","object":` + user + "}\n" + `{"type":"MODIFIED","object":` + user + "}\n"},
		{"an answer without a content type", "", user},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := redactAnswer(t, tc.contentType, tc.body)
			got := r.body
			for _, bad := range []string{hash, "password", "last-applied-configuration"} {
				if strings.Contains(got, bad) {
					t.Fatalf("the answer holds %q: %s", bad, got)
				}
			}
			if !strings.Contains(got, `"alice"`) || (strings.Contains(tc.body, "alice@example.com") &&
				(!strings.Contains(got, "alice@example.com") || !strings.Contains(got, "Alice <A&B>"))) {
				t.Fatalf("the rest of the user is not kept as it was: %s", got)
			}
			if r.header.Get("Content-Length") != "" || r.length != -1 {
				t.Fatal("the old length is kept")
			}
		})
	}
}

func TestNumbersAndOtherAnswersPassUnchanged(t *testing.T) {
	got := redactAnswer(t, "application/json", `{"kind":"Status","code":404,"metadata":{"generation":9007199254740993}}`).body
	if !strings.Contains(got, "9007199254740993") || !strings.Contains(got, `"code":404`) {
		t.Fatalf("numbers changed: %s", got)
	}
	other := func(r *http.Response) {
		r.Request = r.Request.WithContext(context.Background())
		r.Body = io.NopCloser(strings.NewReader(`{"spec":{"password":"x"}}`))
	}
	if got := redactAnswer(t, "application/json", "", other).body; !strings.Contains(got, "password") {
		t.Fatalf("an answer to a request not about users was rewritten: %s", got)
	}
}

func TestAnswersAboutUsersThatCannotBeReadAreRefused(t *testing.T) {
	gzip := func(r *http.Response) { r.Header.Set("Content-Encoding", "gzip") }
	for name, r := range map[string]redacted{
		"protobuf": redactAnswer(t, "application/vnd.kubernetes.protobuf", "\x6b\x38\x73\x00"+hash),
		"cbor":     redactAnswer(t, "application/cbor", hash),
		"yaml":     redactAnswer(t, "application/yaml", "spec:\n  password: "+hash),
		"gzip":     redactAnswer(t, "application/json", "\x1f\x8b"+hash, gzip),
	} {
		t.Run(name, func(t *testing.T) {
			if r.code != http.StatusNotAcceptable || strings.Contains(r.body, hash) || !strings.Contains(r.body, `"kind":"Status"`) {
				t.Fatalf("%d %s", r.code, r.body)
			}
		})
	}
}

func TestAWatchOfUsersIsPassedOnEventByEvent(t *testing.T) {
	pr, pw := io.Pipe()
	resp := answer(t, "application/json;stream=watch", "")
	resp.Body = pr
	if err := redactResponse(resp); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewReader(resp.Body)
	go func() {
		_, _ = io.WriteString(pw, `{"type":"ADDED","object":{"kind":"User","spec":{"password":"`+hash+`"}}}`+"\n")
	}()
	got := make(chan string, 1)
	go func() {
		line, _ := lines.ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if !strings.Contains(line, `"ADDED"`) || strings.Contains(line, hash) {
			t.Fatalf("first event: %s", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first event waited for the end of the stream")
	}
	// The client goes away: the answer from kube-apiserver is closed too.
	_ = resp.Body.Close()
	if _, err := io.WriteString(pw, `{"type":"MODIFIED"}`+"\n"); err == nil {
		// One event may still be in flight; the next write fails.
		if _, err := io.WriteString(pw, `{"type":"MODIFIED"}`+"\n"); err == nil {
			t.Fatal("kube-apiserver's answer is still read after the client left")
		}
	}
}

func TestOnlyPathsAboutUsersAreRedacted(t *testing.T) {
	for path, want := range map[string]bool{
		"/apis/iam.superkube.io/v1beta1/users":              true,
		"/apis/iam.superkube.io/v1beta1/users/alice":        true,
		"/apis/iam.superkube.io/v1beta1/users/alice/status": true,
		"/apis/iam.superkube.io/v1beta1/watch/users":        true,
		"/apis/iam.superkube.io/v1beta1/watch/users/alice":  true,
		"/apis/IAM.superkube.io/v1beta1/Users":              true,
		"/apis/iam.superkube.io/v1beta1/groups":             false,
		"/apis/iam.superkube.io/v1beta1":                    false,
		"/api/v1/namespaces/users/pods":                     false,
		"/apis/apps/v1/users":                               false,
	} {
		if got := isUsersPath(path); got != want {
			t.Errorf("%s: %v, want %v", path, got, want)
		}
	}
}

func TestRequestsAboutUsersAskForUncompressedJSON(t *testing.T) {
	for accept, want := range map[string]string{
		"application/json;as=Table;v=v1;g=meta.k8s.io,application/json": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
		"application/vnd.kubernetes.protobuf,application/json":          "application/json",
		"application/cbor":   "application/json",
		"":                   "application/json",
		"*/*":                "application/json",
		"application/yaml":   "application/json",
		"not a media type;;": "application/json",
	} {
		h := http.Header{"Accept-Encoding": {"gzip"}}
		if accept != "" {
			h.Set("Accept", accept)
		}
		onlyJSON(h)
		if got := h.Get("Accept"); got != want || h.Get("Accept-Encoding") != "" {
			t.Errorf("Accept %q became %q (Accept-Encoding %q)", accept, got, h.Get("Accept-Encoding"))
		}
	}
}

package requestbody_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
)

func request(body, contentType string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func code(err error) int32 {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return 0
	}
	return st.Status().Code
}

func TestDecode(t *testing.T) {
	type login struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	tests := []struct {
		name        string
		body, ctype string
		into        any
		opts        requestbody.Options
		wantCode    int32  // 0: decoded
		wantMessage string // part of the message
		notInMsg    string
	}{
		{"a JSON body is decoded", `{"username":"a"}`, "application/json", &login{}, requestbody.Options{}, 0, "", ""},
		{"a body without a Content-Type is read as JSON", `{"username":"a"}`, "", &login{}, requestbody.Options{}, 0, "", ""},
		{"JSON with parameters is JSON", `{}`, "application/json; charset=utf-8", &login{}, requestbody.Options{}, 0, "", ""},
		{"another media type is 415", `{}`, "text/plain", &login{}, requestbody.Options{}, 415, "must be JSON", ""},
		{"an extra media type may be allowed", `{}`, requestbody.MergePatchType, &login{},
			requestbody.Options{MediaTypes: []string{requestbody.MergePatchType}}, 0, "", ""},
		{"a media type that cannot be parsed is 415", `{}`, "application/json;;", &login{}, requestbody.Options{}, 415, "must be JSON", ""},
		{"an empty body is 400", ``, "application/json", &login{}, requestbody.Options{}, 400, "needs a JSON body", ""},
		{"a body that is not JSON is 400 naming the kind", `{"username":`, "application/json", &login{},
			requestbody.Options{Kind: "login"}, 400, "not a valid login: ", ""},
		{"unknown fields pass unless strict", `{"pasword":"x"}`, "", &login{}, requestbody.Options{}, 0, "", ""},
		{"unknown fields are 400 when strict", `{"pasword":"x"}`, "", &login{}, requestbody.Options{Strict: true}, 400, "unknown field", ""},
		{"a secret body is never quoted", `{"password":"Secret-1", "pasword":"Secret-1"}`, "", &login{},
			requestbody.Options{Kind: "login", Strict: true, Secret: true}, 400, "the body is not a valid login", "pasword"},
		{"an object of another kind is 400", `{"kind":"Secret"}`, "", &corev1.Namespace{}, requestbody.Options{Kind: "Namespace"}, 400, "kind: must be Namespace", ""},
		{"an object of its kind passes", `{"kind":"Namespace"}`, "", &corev1.Namespace{}, requestbody.Options{Kind: "Namespace"}, 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := requestbody.Decode(request(tt.body, tt.ctype), tt.into, tt.opts)
			if got := code(err); got != tt.wantCode || (err == nil) != (tt.wantCode == 0) {
				t.Fatalf("got %v (code %d), want code %d", err, got, tt.wantCode)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMessage) {
				t.Errorf("message %q, want it to say %q", err, tt.wantMessage)
			}
			if tt.notInMsg != "" && err != nil && strings.Contains(err.Error(), tt.notInMsg) {
				t.Errorf("message %q quotes the body (%q)", err, tt.notInMsg)
			}
		})
	}
	t.Run("a body over the limit is 413", func(t *testing.T) {
		r := request(`{"username":"`+strings.Repeat("a", 100)+`"}`, "")
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, 10)
		if err := requestbody.Decode(r, &login{}, requestbody.Options{}); code(err) != http.StatusRequestEntityTooLarge {
			t.Fatalf("got %v, want 413", err)
		}
	})
}

func TestReadMergePatch(t *testing.T) {
	tests := []struct {
		name, body, ctype string
		wantCode          int32
	}{
		{"a merge patch is read", `{"a":1}`, requestbody.MergePatchType, 0},
		{"JSON is taken as a merge patch", `{"a":1}`, "application/json", 0},
		{"no Content-Type is taken as a merge patch", `{"a":1}`, "", 0},
		{"a JSON patch (RFC 6902) is 415", `[{"op":"remove","path":"/a"}]`, "application/json-patch+json", 415},
		{"a strategic merge patch is 415", `{"a":1}`, "application/strategic-merge-patch+json", 415},
		{"an empty patch is 400", "  \n", requestbody.MergePatchType, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			patch, err := requestbody.ReadMergePatch(request(tt.body, tt.ctype))
			if got := code(err); got != tt.wantCode {
				t.Fatalf("got %v (code %d), want code %d", err, got, tt.wantCode)
			}
			if err == nil && string(patch) != tt.body {
				t.Errorf("patch %q, want %q", patch, tt.body)
			}
		})
	}
	t.Run("a read error is 400", func(t *testing.T) {
		r := request("", requestbody.MergePatchType)
		r.Body = io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF))
		if _, err := requestbody.ReadMergePatch(r); code(err) != http.StatusBadRequest {
			t.Fatalf("got %v, want 400", err)
		}
	})
}

package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
)

// Answers about the platform's users are the one thing the proxy decodes:
// as a defence besides keeping password hashes out of the User objects
// (package passwordsecret), it removes spec.password and kubectl's
// last-applied copy (which may hold a password) from every User in them —
// single objects, lists, tables and each event of a watch. Such answers are
// asked of kube-apiserver as uncompressed JSON; any other answer about users
// is refused rather than passed through unread.

// lastApplied is where kubectl apply keeps a copy of the object.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

type redactKey struct{}

// withUserRedaction marks a request whose answer must be redacted.
func withUserRedaction(ctx context.Context) context.Context {
	return context.WithValue(ctx, redactKey{}, true)
}

func redactsUsers(ctx context.Context) bool {
	v, _ := ctx.Value(redactKey{}).(bool)
	return v
}

// isUsersPath reports whether a path (unescaped, without any
// /clusters/{cluster} prefix) is about iam.superkube.io users: the
// collection, one user or its subresources, in the watch form too.
func isUsersPath(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 4 || parts[0] != "apis" || !strings.EqualFold(parts[1], iamv1beta1.GroupName) {
		return false
	}
	rest := parts[3:]
	if rest[0] == "watch" {
		rest = rest[1:]
	}
	return len(rest) > 0 && strings.EqualFold(rest[0], "users")
}

// onlyJSON asks kube-apiserver for an uncompressed JSON answer: the media
// ranges of Accept that are JSON (with their parameters, such as a table)
// are kept, others dropped.
func onlyJSON(h http.Header) {
	h.Del("Accept-Encoding")
	var keep []string
	for _, v := range h.Values("Accept") {
		for _, r := range strings.Split(v, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(r))
			if err == nil && mt == "application/json" {
				keep = append(keep, strings.TrimSpace(r))
			}
		}
	}
	if len(keep) == 0 {
		keep = []string{"application/json"}
	}
	h.Set("Accept", strings.Join(keep, ","))
}

// errUpgradeOfUsers stops an upgraded connection about users, whose
// frames the proxy could not read (ServeHTTP refuses such requests first).
var errUpgradeOfUsers = errors.New("kube-apiserver switched protocols on a request about users")

// redactResponse is the proxy's ModifyResponse: it rewrites the answers of
// requests marked by withUserRedaction.
func redactResponse(resp *http.Response) error {
	if resp.Request == nil || !redactsUsers(resp.Request.Context()) {
		return nil
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return errUpgradeOfUsers
	}
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	enc := resp.Header.Get("Content-Encoding")
	if (mt != "application/json" && mt != "") || (enc != "" && enc != "identity") {
		refuse(resp)
		return nil
	}
	resp.Body = newRedactingBody(resp.Body)
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	return nil
}

// refusal is the answer that replaces one about users that the proxy
// cannot read.
var refusal = apistatus.New(http.StatusNotAcceptable, metav1.StatusReasonNotAcceptable,
	"users are answered through ke-apiserver as uncompressed JSON only").ErrStatus

func refuse(resp *http.Response) {
	_ = resp.Body.Close()
	data, _ := json.Marshal(refusal)
	data = append(data, '\n')
	resp.StatusCode, resp.Status = http.StatusNotAcceptable, "406 Not Acceptable"
	resp.Header = http.Header{"Content-Type": {"application/json"}, "X-Content-Type-Options": {"nosniff"},
		"Content-Length": {strconv.Itoa(len(data))}}
	resp.Body, resp.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
}

// newRedactingBody reads JSON values from upstream one by one (a watch
// sends one per event) and passes each on without the users' passwords.
func newRedactingBody(upstream io.ReadCloser) io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		dec := json.NewDecoder(upstream)
		dec.UseNumber()
		for {
			var v any
			if err := dec.Decode(&v); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				_ = pw.CloseWithError(err)
				_ = upstream.Close()
				return
			}
			redact(v)
			data, err := encodeJSON(v)
			if err == nil {
				_, err = pw.Write(data)
			}
			if err != nil {
				_ = pw.CloseWithError(err)
				_ = upstream.Close()
				return
			}
		}
	}()
	return &redactingBody{PipeReader: pr, upstream: upstream}
}

type redactingBody struct {
	*io.PipeReader
	upstream io.Closer
}

// Close stops the copy: the reader and the answer from kube-apiserver.
func (b *redactingBody) Close() error {
	_ = b.PipeReader.Close()
	return b.upstream.Close()
}

// redact removes spec.password and the last-applied copy from every object
// in v: the answer is about users only, so every object in it is a User
// (or its metadata, in tables and partial metadata).
func redact(v any) {
	switch x := v.(type) {
	case map[string]any:
		if md, ok := x["metadata"].(map[string]any); ok {
			if ann, ok := md["annotations"].(map[string]any); ok {
				delete(ann, lastApplied)
			}
		}
		if spec, ok := x["spec"].(map[string]any); ok {
			delete(spec, "password")
		}
		for _, c := range x {
			redact(c)
		}
	case []any:
		for _, c := range x {
			redact(c)
		}
	}
}

// encodeJSON writes v as kube-apiserver would: without HTML escaping, with
// a newline after it.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

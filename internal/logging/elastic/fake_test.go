package elastic

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// reply is a recorded answer: a status and a file of testdata.
type reply struct {
	status int
	file   string
}

func ok(file string) reply { return reply{http.StatusOK, file} }

// request is what the backend sent: the body parsed (NDJSON as a list).
type request struct {
	Method, Path string
	Query        map[string]string
	Body         any
	Auth         string
}

// store serves recorded answers in order (the last one again when they run
// out) and records the requests.
type store struct {
	t       *testing.T
	flavour Flavour
	mu      sync.Mutex
	replies []reply
	got     []request
}

const (
	testUser     = "superkube"
	testPassword = "s3cret-never-shown"
)

// newStore starts a store that answers replies and a client of it.
func newStore(t *testing.T, flavour Flavour, replies ...reply) (*store, *Client) {
	t.Helper()
	s := &store{t: t, flavour: flavour, replies: replies}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Flavour: flavour, Addresses: []string{srv.URL}, Username: testUser, PasswordFile: pw}, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.now = func() time.Time { return testNow }
	return s, c
}

var testNow = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func (s *store) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := request{Method: r.Method, Path: r.URL.Path, Query: map[string]string{}, Body: parseBody(s.t, r.Header.Get("Content-Type"), raw)}
	for k := range r.URL.Query() {
		req.Query[k] = r.URL.Query().Get(k)
	}
	if u, p, ok := r.BasicAuth(); ok {
		req.Auth = u + ":" + p
	}
	s.mu.Lock()
	s.got = append(s.got, req)
	if len(s.replies) == 0 {
		s.mu.Unlock()
		s.t.Errorf("no answer left for %s %s", r.Method, r.URL.Path)
		http.Error(w, "{}", http.StatusInternalServerError)
		return
	}
	rep := s.replies[0]
	if len(s.replies) > 1 {
		s.replies = s.replies[1:]
	}
	s.mu.Unlock()
	body, err := os.ReadFile(filepath.Join("testdata", rep.file))
	if err != nil {
		s.t.Errorf("testdata: %v", err)
	}
	if s.flavour == Elasticsearch {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(rep.status)
	_, _ = w.Write(body)
}

func parseBody(t *testing.T, contentType string, raw []byte) any {
	if len(raw) == 0 {
		return nil
	}
	if strings.Contains(contentType, "ndjson") {
		var lines []any
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			v, err := decode(sc.Bytes())
			if err != nil {
				t.Errorf("an NDJSON line that is not JSON: %s", sc.Text())
			}
			lines = append(lines, v)
		}
		return lines
	}
	v, err := decode(raw)
	if err != nil {
		t.Errorf("a body that is not JSON: %s", raw)
	}
	return v
}

// decode parses JSON with its numbers as written, so that a large one
// compares exactly.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

// requests are the requests received so far.
func (s *store) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.got...)
}

// wantRequest checks one request: method, path, query and the body's
// meaning (parsed JSON, want written as JSON; "" for no body).
func wantRequest(t *testing.T, got request, method, path string, query map[string]string, want string) {
	t.Helper()
	if got.Method != method || got.Path != path {
		t.Errorf("request %s %s, want %s %s", got.Method, got.Path, method, path)
	}
	if query == nil {
		query = map[string]string{}
	}
	if diff := cmp.Diff(query, got.Query); diff != "" {
		t.Errorf("%s %s: query (-want +got):\n%s", method, path, diff)
	}
	if got.Auth != testUser+":"+testPassword {
		t.Errorf("%s %s: basic credentials %q, want the configured ones", method, path, got.Auth)
	}
	var w any
	if want != "" {
		var err error
		if w, err = decode([]byte(want)); err != nil {
			t.Fatalf("the wanted body is not JSON: %v\n%s", err, want)
		}
	}
	if diff := cmp.Diff(w, got.Body); diff != "" {
		t.Errorf("%s %s: body (-want +got):\n%s", method, path, diff)
	}
}

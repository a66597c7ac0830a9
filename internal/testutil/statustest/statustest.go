// Package statustest reads the Kubernetes Status answers of handlers in
// unit tests.
package statustest

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Failure decodes a response that must be a Kubernetes Status of failure
// whose code is the HTTP code.
func Failure(t *testing.T, rec *httptest.ResponseRecorder) metav1.Status {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %s", ct, rec.Body)
	}
	var st metav1.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("the body is not a Status: %v: %s", err, rec.Body)
	}
	if st.Kind != "Status" || st.APIVersion != "v1" || st.Status != metav1.StatusFailure {
		t.Fatalf("kind/apiVersion/status = %s/%s/%s, want Status/v1/Failure", st.Kind, st.APIVersion, st.Status)
	}
	if int(st.Code) != rec.Code {
		t.Fatalf("Status code %d differs from the HTTP code %d", st.Code, rec.Code)
	}
	return st
}

// LogLines is a logger that keeps what it logs, at every verbosity.
type LogLines struct {
	mu    sync.Mutex
	lines []string
}

// Logger logs into l.
func (l *LogLines) Logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{Verbosity: 10})
}

// String is every line logged.
func (l *LogLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

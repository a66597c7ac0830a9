package sonarqube

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const token = "squ_0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"

// fakeSonar answers as SonarQube's Web API documentation says, from the
// files in testdata; a route is "path?query" (the query as sent, sorted).
type fakeSonar struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	routes map[string]answer
	calls  []string
}

type answer struct {
	code int
	file string
}

func newFake(t *testing.T, routes map[string]answer) *fakeSonar {
	f := &fakeSonar{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path + "?" + r.URL.Query().Encode()
		f.mu.Lock()
		f.calls = append(f.calls, key)
		f.mu.Unlock()
		if u, p, ok := r.BasicAuth(); !ok || u != token || p != "" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		a, ok := f.routes[key]
		if !ok {
			t.Errorf("unexpected request %s", key)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.code)
		if a.file != "" {
			b, err := os.ReadFile(filepath.Join("testdata", a.file))
			if err != nil {
				t.Error(err)
			}
			_, _ = w.Write(b)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSonar) client() *Client { return &Client{URL: f.srv.URL + "/", Token: token} }

const (
	qAnalyses1   = "/api/project_analyses/search?branch=main&p=1&project=demo%3Aweb&ps=100"
	qAnalyses2   = "/api/project_analyses/search?branch=main&p=2&project=demo%3Aweb&ps=100"
	qMeasures    = "/api/measures/component?branch=main&component=demo%3Aweb&metricKeys=bugs%2Cvulnerabilities%2Ccode_smells%2Ccoverage"
	qMeasuresDef = "/api/measures/component?component=demo%3Aweb&metricKeys=bugs%2Cvulnerabilities%2Ccode_smells%2Ccoverage"
)

func TestQualityOfACommit(t *testing.T) {
	f := newFake(t, map[string]answer{
		qAnalyses1: {200, "analyses-page1.json"},
		"/api/qualitygates/project_status?analysisId=AZOh3lY1x8sEKSm0tHcA": {200, "gate-error.json"},
		qMeasures: {200, "measures.json"},
	})
	q, err := f.client().Quality(t.Context(), "demo:web", "main", "9F1C2E3D4B5A69788776655443322110FFEEDDCC")
	if err != nil {
		t.Fatal(err)
	}
	if q.ProjectKey != "demo:web" || q.QualityGate != "ERROR" || q.Coverage != "71.4" {
		t.Errorf("got %+v", q)
	}
	if q.Bugs == nil || *q.Bugs != 3 || q.Vulnerabilities == nil || *q.Vulnerabilities != 0 || q.CodeSmells == nil || *q.CodeSmells != 42 {
		t.Errorf("measures: %v %v %v", q.Bugs, q.Vulnerabilities, q.CodeSmells)
	}
	if want := f.srv.URL + "/dashboard?branch=main&id=demo%3Aweb"; q.URL != want {
		t.Errorf("URL %q, want %q", q.URL, want)
	}
}

func TestAnOlderCommitIsFoundOnALaterPage(t *testing.T) {
	f := newFake(t, map[string]answer{
		qAnalyses1: {200, "analyses-page1.json"},
		qAnalyses2: {200, "analyses-page2.json"},
		"/api/qualitygates/project_status?analysisId=AZNa7fR2q1mXBQk8pFay": {200, "gate-ok.json"},
		qMeasures: {200, "measures.json"},
	})
	q, err := f.client().Quality(t.Context(), "demo:web", "main", "0123456789abcdef0123456789abcdef01234567")
	if err != nil {
		t.Fatal(err)
	}
	if q.QualityGate != "OK" {
		t.Errorf("gate %s", q.QualityGate)
	}
}

func TestNoAnalysisOfTheCommitYet(t *testing.T) {
	f := newFake(t, map[string]answer{
		qAnalyses1: {200, "analyses-page1.json"},
		qAnalyses2: {200, "analyses-page2.json"},
	})
	_, err := f.client().Quality(t.Context(), "demo:web", "main", "feedfacefeedfacefeedfacefeedfacefeedface")
	if !errors.Is(err, ErrNoAnalysis) || errors.Is(err, ErrProjectNotFound) {
		t.Fatalf("got %v, want ErrNoAnalysis", err)
	}
	if !strings.Contains(err.Error(), "feedface") {
		t.Errorf("the error does not name the commit: %v", err)
	}
	if len(f.calls) != 2 {
		t.Errorf("pages read: %v", f.calls)
	}
}

func TestWithoutACommitTheBranchGateIsRead(t *testing.T) {
	f := newFake(t, map[string]answer{
		"/api/qualitygates/project_status?projectKey=demo%3Aweb": {200, "gate-ok.json"},
		qMeasuresDef: {200, "measures.json"},
	})
	q, err := f.client().Quality(t.Context(), "demo:web", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if q.QualityGate != "OK" || q.URL != f.srv.URL+"/dashboard?id=demo%3Aweb" {
		t.Errorf("got %+v", q)
	}
	if !slices.Equal(f.calls, []string{"/api/qualitygates/project_status?projectKey=demo%3Aweb", qMeasuresDef}) {
		t.Errorf("calls %v", f.calls)
	}
}

func TestErrorsAreClear(t *testing.T) {
	missing := "/api/project_analyses/search?p=1&project=demo%3Anope&ps=100"
	cases := map[string]struct {
		token, project string
		routes         map[string]answer
		is             error
		want           string
	}{
		"bad token": {"wrong", "demo:web", nil, ErrUnauthorized, "401 on GET /api/project_analyses/search"},
		"forbidden": {token, "demo:web", map[string]answer{
			"/api/project_analyses/search?p=1&project=demo%3Aweb&ps=100": {403, "insufficient-privileges.json"},
		}, ErrUnauthorized, "the token may not read the project demo:web (403 on GET /api/project_analyses/search): Insufficient privileges"},
		"missing project": {token, "demo:nope", map[string]answer{missing: {404, "project-not-found.json"}}, ErrProjectNotFound, "sonarqube has no such project: demo:nope (404 on GET /api/project_analyses/search): Component key 'demo:nope' not found"},
		"server error": {token, "demo:web", map[string]answer{
			"/api/project_analyses/search?p=1&project=demo%3Aweb&ps=100": {500, ""},
		}, nil, "sonarqube answered 500 Internal Server Error to GET /api/project_analyses/search"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, c.routes)
			cl := f.client()
			cl.Token = c.token
			_, err := cl.Quality(t.Context(), c.project, "", "abc")
			if err == nil || (c.is != nil && !errors.Is(err, c.is)) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %v containing %q", err, c.is, c.want)
			}
			if errors.Is(err, ErrNoAnalysis) {
				t.Fatal("an error reads as no analysis yet")
			}
		})
	}
}

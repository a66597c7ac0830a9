package repo

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	repov1 "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/application/chart"
)

// Static is an HTTP Helm repository of chart archives held in memory: it
// serves index.yaml (made with the Helm SDK's index types, chart URLs
// relative to it) and the archives. ke-dev serves the demo charts with it;
// tests serve theirs.
type Static struct {
	// Username and Password, when set, are required (basic auth).
	Username, Password string

	mu    sync.RWMutex
	index *repov1.IndexFile
	raw   []byte
	files map[string][]byte
}

// NewStatic returns a repository holding the given archives.
func NewStatic(archives ...[]byte) (*Static, error) {
	s := &Static{index: repov1.NewIndexFile(), files: map[string][]byte{}}
	for _, a := range archives {
		if err := s.add(a); err != nil {
			return nil, err
		}
	}
	return s, s.render()
}

// Add adds archives (checked with chart.Load) to the repository.
func (s *Static) Add(archives ...[]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range archives {
		if err := s.add(a); err != nil {
			return err
		}
	}
	return s.render()
}

// AddMetadata lists a chart version without an archive behind it (for
// benchmarks of the sync, which reads only the index).
func (s *Static) AddMetadata(md *helmchart.Metadata, digest string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.index.MustAdd(md, fmt.Sprintf("%s-%s.tgz", md.Name, md.Version), "", digest); err != nil {
		return err
	}
	return nil
}

// Render makes index.yaml again after AddMetadata calls.
func (s *Static) Render() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.render()
}

func (s *Static) add(a []byte) error {
	c, err := chart.Load(a)
	if err != nil {
		return err
	}
	file := fmt.Sprintf("%s-%s.tgz", c.Metadata.Name, c.Metadata.Version)
	if s.index.Has(c.Metadata.Name, c.Metadata.Version) {
		return fmt.Errorf("%s %s is already in the repository", c.Metadata.Name, c.Metadata.Version)
	}
	if err := s.index.MustAdd(c.Metadata, file, "", "sha256:"+c.Digest); err != nil {
		return err
	}
	s.files[file] = a
	return nil
}

func (s *Static) render() error {
	s.index.SortEntries()
	s.index.Generated = time.Now().UTC()
	b, err := yaml.Marshal(s.index)
	if err != nil {
		return err
	}
	s.raw = b
	return nil
}

// ServeHTTP serves /index.yaml and /<chart>-<version>.tgz (under any
// path prefix).
func (s *Static) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if s.Username != "" || s.Password != "" {
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u), []byte(s.Username)) != 1 || subtle.ConstantTimeCompare([]byte(p), []byte(s.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	name := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
	s.mu.RLock()
	defer s.mu.RUnlock()
	switch {
	case name == "index.yaml":
		w.Header().Set("Content-Type", "application/x-yaml")
		_, _ = w.Write(s.raw)
	case s.files[name] != nil:
		w.Header().Set("Content-Type", "application/gzip")
		_, _ = w.Write(s.files[name])
	default:
		http.NotFound(w, r)
	}
}

package prometheus

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Series is one synthetic series: a name, labels and how its value is
// computed at a scrape.
type Series struct {
	Name   string
	Labels map[string]string
	// Value is a gauge's value; with Rate set, the series is a counter
	// that grows by Rate per second from the exporter's start.
	Value float64
	Rate  float64
}

// Exporter serves synthetic series on several paths (one per scrape job),
// in the text exposition format.
type Exporter struct {
	srv   *httptest.Server
	start time.Time
	mu    sync.Mutex
	paths map[string][]Series
}

// NewExporter starts an exporter on loopback.
func NewExporter() *Exporter {
	e := &Exporter{start: time.Now(), paths: map[string][]Series{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	return e
}

// URL is the address of a path's series.
func (e *Exporter) URL(path string) string { return e.srv.URL + path }

// Close stops the exporter.
func (e *Exporter) Close() { e.srv.Close() }

// Set replaces the series of a path.
func (e *Exporter) Set(path string, series []Series) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paths[path] = series
}

// Add adds series to a path.
func (e *Exporter) Add(path string, series ...Series) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paths[path] = append(e.paths[path], series...)
}

func (e *Exporter) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	series := append([]Series(nil), e.paths[r.URL.Path]...)
	// The samples of a metric go together, after its TYPE line.
	sort.SliceStable(series, func(i, j int) bool { return series[i].Name < series[j].Name })
	elapsed := time.Since(e.start).Seconds()
	var b strings.Builder
	typed := map[string]bool{}
	for _, s := range series {
		if !typed[s.Name] {
			typed[s.Name] = true
			kind := "gauge"
			if s.Rate != 0 {
				kind = "counter"
			}
			fmt.Fprintf(&b, "# TYPE %s %s\n", s.Name, kind)
		}
		v := s.Value
		if s.Rate != 0 {
			v += s.Rate * elapsed
		}
		b.WriteString(s.Name)
		writeLabels(&b, s.Labels)
		fmt.Fprintf(&b, " %g\n", v)
	}
	e.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write([]byte(b.String()))
}

func writeLabels(b *strings.Builder, l map[string]string) {
	if len(l) == 0 {
		return
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		v := strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(l[k])
		b.WriteString(k + `="` + v + `"`)
	}
	b.WriteByte('}')
}

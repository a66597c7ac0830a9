package prometheus

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
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
	paths map[string][]rendered
}

// rendered is a series with its name and labels written out once.
type rendered struct {
	Series
	head string
}

// NewExporter starts an exporter on loopback.
func NewExporter() *Exporter {
	e := &Exporter{start: time.Now(), paths: map[string][]rendered{}}
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	return e
}

// URL is the address of a path's series.
func (e *Exporter) URL(path string) string { return e.srv.URL + path }

// Close stops the exporter.
func (e *Exporter) Close() { e.srv.Close() }

// Set replaces the series of a path.
func (e *Exporter) Set(path string, series []Series) {
	r := render(series)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paths[path] = r
}

// Add adds series to a path.
func (e *Exporter) Add(path string, series ...Series) {
	r := render(series)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.paths[path] = render2(append(e.paths[path], r...))
}

// render writes each series' name and labels, and orders the series by
// name: the samples of a metric go together, after its TYPE line.
func render(series []Series) []rendered {
	out := make([]rendered, len(series))
	for i, s := range series {
		var b strings.Builder
		b.WriteString(s.Name)
		writeLabels(&b, s.Labels)
		out[i] = rendered{s, b.String()}
	}
	return render2(out)
}

func render2(r []rendered) []rendered {
	sort.SliceStable(r, func(i, j int) bool { return r[i].Name < r[j].Name })
	return r
}

func (e *Exporter) serve(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	series := e.paths[r.URL.Path]
	e.mu.Unlock()
	elapsed := time.Since(e.start).Seconds()
	out := make([]byte, 0, 64*len(series))
	last := ""
	for _, s := range series {
		if s.Name != last {
			last = s.Name
			kind := "gauge"
			if s.Rate != 0 {
				kind = "counter"
			}
			out = append(out, "# TYPE "+s.Name+" "+kind+"\n"...)
		}
		v := s.Value
		if s.Rate != 0 {
			v += s.Rate * elapsed
		}
		out = append(out, s.head...)
		out = append(out, ' ')
		out = strconv.AppendFloat(out, v, 'g', -1, 64)
		out = append(out, '\n')
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	_, _ = w.Write(out)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)

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
		v := labelEscaper.Replace(l[k])
		b.WriteString(k + `="` + v + `"`)
	}
	b.WriteByte('}')
}

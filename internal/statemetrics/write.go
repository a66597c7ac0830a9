package statemetrics

import (
	"bufio"
	"compress/gzip"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// contentType is Prometheus' text exposition format.
const contentType = "text/plain; version=0.0.4; charset=utf-8"

// ServeHTTP streams the series in Prometheus' text format as they are
// collected, gzipped when the client accepts it. A registry would gather
// every series of every family, sort them and keep them all until the page
// is written (about 150 MiB for 100,000 series of 5,000 pods); streaming
// keeps one series at a time. Prometheus does not need the series sorted.
func (c *Collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", contentType)
	var out io.Writer = w
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
		defer func() { _ = gz.Close() }()
		out = gz
	}
	// The status is sent with the first bytes: an error writing the page
	// means the client went away, and there is nobody left to tell.
	_ = c.WriteText(out)
}

// WriteText writes every series in Prometheus' text format, each family
// under its HELP and TYPE lines.
func (c *Collector) WriteText(w io.Writer) error {
	ch := make(chan prometheus.Metric, 512)
	go func() {
		defer close(ch)
		c.Collect(ch)
	}()
	bw := bufio.NewWriterSize(w, 64<<10)
	var (
		current *prometheus.Desc
		fam     family
		m       dto.Metric
		buf     []byte
	)
	for metric := range ch {
		if d := metric.Desc(); d != current {
			current, fam = d, c.families[d]
			typ := "gauge"
			if fam.counter {
				typ = "counter"
			}
			buf = append(buf[:0], "# HELP "...)
			buf = append(buf, fam.name...)
			buf = append(buf, ' ')
			buf = appendEscaped(buf, fam.help, false)
			buf = append(buf, "\n# TYPE "...)
			buf = append(buf, fam.name...)
			buf = append(buf, ' ')
			buf = append(buf, typ...)
			buf = append(buf, '\n')
			_, _ = bw.Write(buf)
		}
		buf = append(buf[:0], fam.name...)
		var v float64
		if s, ok := metric.(*sample); ok {
			// The collector's own series: no protobuf form needed.
			v = s.value
			buf = appendLabels(buf, fam.labels, s.labels)
		} else {
			m.Reset()
			if err := metric.Write(&m); err != nil {
				continue
			}
			names, values := make([]string, len(m.Label)), make([]string, len(m.Label))
			for i, l := range m.Label {
				names[i], values[i] = l.GetName(), l.GetValue()
			}
			buf = appendLabels(buf, names, values)
			v = m.GetGauge().GetValue()
			if m.Counter != nil {
				v = m.GetCounter().GetValue()
			}
		}
		buf = append(buf, ' ')
		buf = appendFloat(buf, v)
		buf = append(buf, '\n')
		// A failed write (the client went away) sticks in bw; the
		// collector's goroutine is still drained to the end.
		_, _ = bw.Write(buf)
	}
	return bw.Flush()
}

// appendLabels appends {name="value",...}, nothing without labels.
func appendLabels(buf []byte, names, values []string) []byte {
	for i, name := range names {
		if i == 0 {
			buf = append(buf, '{')
		} else {
			buf = append(buf, ',')
		}
		buf = append(buf, name...)
		buf = append(buf, '=', '"')
		buf = appendEscaped(buf, values[i], true)
		buf = append(buf, '"')
	}
	if len(names) > 0 {
		buf = append(buf, '}')
	}
	return buf
}

// appendEscaped escapes a label value (backslash, double quote and new
// line) or a help text (backslash and new line).
func appendEscaped(buf []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == '\\':
			buf = append(buf, '\\', '\\')
		case b == '\n':
			buf = append(buf, '\\', 'n')
		case b == '"' && quote:
			buf = append(buf, '\\', '"')
		default:
			buf = append(buf, b)
		}
	}
	return buf
}

func appendFloat(buf []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		return append(buf, "NaN"...)
	case math.IsInf(v, 1):
		return append(buf, "+Inf"...)
	case math.IsInf(v, -1):
		return append(buf, "-Inf"...)
	}
	return strconv.AppendFloat(buf, v, 'g', -1, 64)
}

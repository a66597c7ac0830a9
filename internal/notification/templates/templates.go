// Package templates renders notification messages from templates in the
// recipient's language (en, ko, zh): a subject, a plain text body, an HTML
// body for e-mail and a Markdown body for chat services. Templates are
// checked when they are loaded, by rendering them against sample alerts: a
// template that does not parse or does not render is an error at load
// time, and a render that fails or comes out empty is an error, never an
// empty message.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"maps"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/superkube/super-kubenetes/internal/notification/alert"
)

// Languages are the languages with templates; the first is the default.
var Languages = []string{"en", "ko", "zh"}

// DefaultLanguage is used when neither the user nor the receiver names one.
const DefaultLanguage = "en"

//go:embed tmpl/*
var builtin embed.FS

// Data is what a template sees.
type Data struct {
	// Status is firing when any alert fires, else resolved.
	Status string
	// Receiver names the receiver the message is for.
	Receiver string
	Alerts   []alert.Alert
	// Firing and Resolved split Alerts by status.
	Firing, Resolved []alert.Alert
	// Test is true for a verification message.
	Test bool
}

// NewData builds the data of a message about alerts.
func NewData(receiver string, alerts []alert.Alert) Data {
	d := Data{Status: alert.Resolved, Receiver: receiver, Alerts: alerts}
	for _, a := range alerts {
		if a.Status == alert.Firing {
			d.Firing = append(d.Firing, a)
			d.Status = alert.Firing
		} else {
			d.Resolved = append(d.Resolved, a)
		}
	}
	return d
}

// Message is a rendered message.
type Message struct {
	Subject  string
	Text     string
	HTML     string
	Markdown string
	Language string
}

// Set holds the templates of every language.
type Set struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

var funcs = map[string]any{
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	// labels lists an alert's labels as name=value, sorted.
	"labels": func(m map[string]string) string {
		keys := slices.Sorted(maps.Keys(m))
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+"="+m[k])
		}
		return strings.Join(parts, ", ")
	},
	"upper": strings.ToUpper,
}

// Builtin loads the templates shipped with the platform. It panics if
// they do not load: that is a bug caught by the package's tests.
func Builtin() *Set {
	s, err := Load(builtin)
	if err != nil {
		panic(err)
	}
	return s
}

// Load reads tmpl/<lang>.tmpl (text/template: subject, text and markdown)
// and tmpl/<lang>.html (html/template: html) of every language from fsys,
// and renders each against sample alerts of both statuses.
func Load(fsys fs.FS) (*Set, error) {
	s := &Set{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	var errs []error
	for _, lang := range Languages {
		tf := "tmpl/" + lang + ".tmpl"
		t, err := texttemplate.New(lang).Funcs(funcs).Option("missingkey=error").ParseFS(fsys, tf)
		if err != nil {
			errs = append(errs, fmt.Errorf("template %s: %w", tf, err))
			continue
		}
		hf := "tmpl/" + lang + ".html"
		h, err := htmltemplate.New(lang).Funcs(funcs).ParseFS(fsys, hf)
		if err != nil {
			errs = append(errs, fmt.Errorf("template %s: %w", hf, err))
			continue
		}
		s.text[lang], s.html[lang] = t, h
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, lang := range Languages {
		for _, d := range samples() {
			if _, err := s.Render(lang, d); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// samples are the data every template must render.
func samples() []Data {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	firing := alert.Alert{Status: alert.Firing, Labels: map[string]string{"alertname": "PodCrashLooping", "namespace": "demo", "severity": "warning", "pod": "web-1"},
		Annotations: map[string]string{"summary": "Pod demo/web-1 is crash looping", "description": "It restarted 5 times in 10 minutes."}, StartsAt: start, Fingerprint: "1"}
	resolved := alert.Alert{Status: alert.Resolved, Labels: map[string]string{"alertname": "NodeNotReady", "node": "n1", "severity": "critical"},
		StartsAt: start, EndsAt: start.Add(time.Hour), Fingerprint: "2"}
	test := NewData("sample", []alert.Alert{firing})
	test.Test = true
	return []Data{NewData("sample", []alert.Alert{firing}), NewData("sample", []alert.Alert{resolved}), NewData("sample", []alert.Alert{firing, resolved}), test}
}

// Language returns lang if it has templates, else the default.
func Language(lang string) string {
	if slices.Contains(Languages, lang) {
		return lang
	}
	return DefaultLanguage
}

// Render renders the message in lang (the default language when lang has
// no templates). Any template that fails, or a subject or body that comes
// out empty, is an error.
func (s *Set) Render(lang string, d Data) (Message, error) {
	lang = Language(lang)
	m := Message{Language: lang}
	t, h := s.text[lang], s.html[lang]
	if t == nil || h == nil {
		return m, fmt.Errorf("no templates for language %q", lang)
	}
	for _, part := range []struct {
		name string
		into *string
	}{{"subject", &m.Subject}, {"text", &m.Text}, {"markdown", &m.Markdown}} {
		var b bytes.Buffer
		if err := t.ExecuteTemplate(&b, part.name, d); err != nil {
			return m, fmt.Errorf("template %s/%s: %w", lang, part.name, err)
		}
		*part.into = strings.TrimSpace(b.String())
		if *part.into == "" {
			return m, fmt.Errorf("template %s/%s rendered nothing", lang, part.name)
		}
	}
	m.Subject = strings.Join(strings.Fields(m.Subject), " ")
	var b bytes.Buffer
	if err := h.ExecuteTemplate(&b, "html", d); err != nil {
		return m, fmt.Errorf("template %s/html: %w", lang, err)
	}
	m.HTML = strings.TrimSpace(b.String())
	if m.HTML == "" {
		return m, fmt.Errorf("template %s/html rendered nothing", lang)
	}
	return m, nil
}

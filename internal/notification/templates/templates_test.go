package templates

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/superkube/super-kubenetes/internal/notification/alert"
)

func TestBuiltinTemplatesRenderInEveryLanguage(t *testing.T) {
	s := Builtin()
	a := alert.Alert{Status: alert.Firing, Labels: map[string]string{"alertname": "KubePodCrashLooping", "namespace": "shop"},
		Annotations: map[string]string{"summary": "<b>web</b> restarts"}, StartsAt: time.Now()}
	want := map[string]string{"en": "[FIRING] KubePodCrashLooping (shop)", "ko": "[발생] KubePodCrashLooping (shop)", "zh": "[告警] KubePodCrashLooping (shop)"}
	for lang, subject := range want {
		m, err := s.Render(lang, NewData("ops", []alert.Alert{a}))
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != subject || m.Language != lang {
			t.Errorf("%s: subject %q, want %q", lang, m.Subject, subject)
		}
		if !strings.Contains(m.HTML, "&lt;b&gt;web&lt;/b&gt;") {
			t.Errorf("%s: the HTML body does not escape the summary: %s", lang, m.HTML)
		}
		if !strings.Contains(m.Text, "<b>web</b> restarts") || !strings.Contains(m.Markdown, "KubePodCrashLooping") {
			t.Errorf("%s: bodies %q / %q", lang, m.Text, m.Markdown)
		}
	}
	if m, _ := s.Render("fr", NewData("ops", []alert.Alert{a})); m.Language != "en" {
		t.Errorf("an unknown language rendered in %q, want en", m.Language)
	}
}

func TestARenderWithoutAlertsIsAnErrorNotAnEmptyMessage(t *testing.T) {
	if _, err := Builtin().Render("en", NewData("ops", nil)); err == nil {
		t.Fatal("no error")
	}
}

func TestATemplateThatDoesNotRenderIsRefusedAtLoad(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, l := range Languages {
		b, _ := builtin.ReadFile("tmpl/" + l + ".tmpl")
		h, _ := builtin.ReadFile("tmpl/" + l + ".html")
		fsys["tmpl/"+l+".tmpl"] = &fstest.MapFile{Data: b}
		fsys["tmpl/"+l+".html"] = &fstest.MapFile{Data: h}
	}
	if _, err := Load(fsys); err != nil {
		t.Fatalf("the builtin templates do not load from a copy: %v", err)
	}
	// Parses, but fails at render: .Nope is no field of Data.
	fsys["tmpl/ko.tmpl"] = &fstest.MapFile{Data: []byte(`{{define "subject"}}{{.Nope}}{{end}}{{define "text"}}x{{end}}{{define "markdown"}}x{{end}}`)}
	_, err := Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "ko/subject") {
		t.Fatalf("err %v, want one naming ko/subject", err)
	}
	// Renders nothing.
	fsys["tmpl/ko.tmpl"] = &fstest.MapFile{Data: []byte(`{{define "subject"}} {{end}}{{define "text"}}x{{end}}{{define "markdown"}}x{{end}}`)}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "rendered nothing") {
		t.Fatalf("err %v, want rendered nothing", err)
	}
}

package config

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	png := "data:image/png;base64,iVBORw0KGgo="
	tests := []struct {
		name        string
		title, logo string
		wantField   string
	}{
		{"empty settings are the defaults", "", "", ""},
		{"a title of 64 characters is fine", strings.Repeat("가", 64), "", ""},
		{"a title of 65 characters is too long", strings.Repeat("a", 65), "", "title"},
		{"a title with a control character is refused", "a\tb", "", "title"},
		{"a base64 image data URL is fine", "", png, ""},
		{"a data URL with parameters is fine", "", "data:image/svg+xml;charset=utf-8;base64,PHN2Zy8+", ""},
		{"an https URL is fine", "", "https://cdn.example.com/logo.svg", ""},
		{"an http URL is refused", "", "http://cdn.example.com/logo.svg", "logo"},
		{"a javascript URL is refused", "", "javascript:alert(1)", "logo"},
		{"a relative URL is refused", "", "/logo.png", "logo"},
		{"an https URL with credentials is refused", "", "https://u:p@example.com/l.png", "logo"},
		{"an https URL with spaces is refused", "", "https://example.com/a b.png", "logo"},
		{"a data URL of another type is refused", "", "data:text/html;base64,PGI+", "logo"},
		{"a data URL that is not base64 is refused", "", "data:image/svg+xml,<svg/>", "logo"},
		{"a data URL with broken base64 is refused", "", "data:image/png;base64,%%%", "logo"},
		{"a logo of up to 256 KiB is fine", "", "data:image/png;base64," + strings.Repeat("A", (MaxLogoBytes-len("data:image/png;base64,"))/4*4), ""},
		{"a logo over 256 KiB is refused", "", "data:image/png;base64," + strings.Repeat("A", MaxLogoBytes), "logo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Validate(&PlatformSettings{Title: tt.title, Logo: tt.logo})
			if tt.wantField == "" {
				if len(errs) != 0 {
					t.Fatalf("want no errors, got %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Field != tt.wantField {
				t.Fatalf("want one error on %s, got %v", tt.wantField, errs)
			}
			if len(errs.ToAggregate().Error()) > 300 {
				t.Fatalf("the message echoes the value: %.100s...", errs.ToAggregate().Error())
			}
		})
	}
}

package app

import (
	"errors"
	"strings"
	"testing"
)

func TestMulticlusterSettings(t *testing.T) {
	for _, tc := range []struct {
		name    string
		m       Multicluster
		wantErr string
	}{
		{"off by default", Multicluster{}, ""},
		{"URL and token", Multicluster{APIServerURL: "https://ke-apiserver:9443", TokenFile: "/var/run/token"}, ""},
		{"an http URL is refused", Multicluster{APIServerURL: "http://ke-apiserver", TokenFile: "/t"}, "multicluster.apiServerURL"},
		{"a URL needs a token", Multicluster{APIServerURL: "https://ke-apiserver"}, "multicluster.tokenFile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Multicluster = tc.m
			err := errors.Join(c.Validate()...)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

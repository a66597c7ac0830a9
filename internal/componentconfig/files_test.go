package componentconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTheRedisURLFileGivesTheURLAndNoErrorShowsIt(t *testing.T) {
	dir := t.TempDir()
	file, empty := filepath.Join(dir, "redis-url"), filepath.Join(dir, "empty")
	if err := os.WriteFile(file, []byte("  redis://:pw@127.0.0.1:6379/0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if url, err := RedisURLFile(file, false); err != nil || url != "redis://:pw@127.0.0.1:6379/0" {
		t.Fatalf("%q, %v", url, err)
	}
	for _, tc := range []struct {
		name       string
		file       string
		urlFlagSet bool
		want       string
	}{
		{"with --redis-url too", file, true, "--redis-url and --redis-url-file are both set"},
		{"a missing file", filepath.Join(dir, "missing"), false, "--redis-url-file: open " + dir},
		{"an empty file", empty, false, "--redis-url-file " + empty + " is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RedisURLFile(tc.file, tc.urlFlagSet)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ":pw@") {
				t.Fatalf("error %v, want one saying %q without the password", err, tc.want)
			}
		})
	}
}

func TestPrintWritesTheConfigurationAsYAML(t *testing.T) {
	var out strings.Builder
	cfg := testFile.Default()
	cfg.Users = []string{"a"}
	if err := Print(&out, cfg); err != nil {
		t.Fatal(err)
	}
	want := "address: :9443\napiVersion: config.superkube.io/v1alpha1\nkind: TestConfiguration\nnested:\n  count: 3\n  enabled: true\ntimeout: 10s\nusers:\n- a\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

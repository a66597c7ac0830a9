package mailpit

import (
	"path/filepath"
	"slices"
	"testing"
)

func TestArgsKeepMailpitOnLoopbackAndQuiet(t *testing.T) {
	c := &Config{Port: 18025, SMTPPort: 11025, DataDir: "/data/mailpit"}
	args := Args("127.0.0.1:18025", c.SMTPAddr(), c.DataDir)
	for _, want := range []string{
		"--listen=127.0.0.1:18025",
		"--smtp=127.0.0.1:11025",
		"--database=" + filepath.Join("/data/mailpit", "mailpit.db"),
		// It must never ask GitHub for a release.
		"--disable-version-check",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("args %v lack %s", args, want)
		}
	}
	if c.URL() != "http://127.0.0.1:18025" {
		t.Errorf("URL %s", c.URL())
	}
}

func TestWithoutADataFolderTheMessagesAreTemporary(t *testing.T) {
	for _, a := range Args("127.0.0.1:1", "127.0.0.1:2", "") {
		if len(a) > 10 && a[:11] == "--database=" {
			t.Errorf("a database without a data folder: %s", a)
		}
	}
}

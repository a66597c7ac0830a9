package tokenfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	long := strings.Repeat("a", MinLength)
	if err := os.WriteFile(good, []byte(" "+long+" \nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, err := Read(good, "test"); err != nil || tok != long {
		t.Fatalf("got %q, %v", tok, err)
	}
	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte("abc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(short, "audit webhook"); err == nil || !strings.Contains(err.Error(), "audit webhook token") || strings.Contains(err.Error(), "abc") {
		t.Fatalf("a short token: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "none"), "test"); err == nil {
		t.Fatal("a missing file was read")
	}
}

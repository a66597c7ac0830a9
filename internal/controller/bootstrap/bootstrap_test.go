package bootstrap

import (
	"strings"
	"testing"
	"unicode"
)

func TestReadiness(t *testing.T) {
	elected := make(chan struct{})
	b := &Bootstrap{Elected: elected}
	if err := b.Ready(nil); err != nil {
		t.Fatalf("a standby replica is not ready: %v", err)
	}
	close(elected)
	if err := b.Ready(nil); err == nil {
		t.Fatal("the leader is ready before bootstrapping")
	}
	b.done.Store(true)
	if err := b.Ready(nil); err != nil || !b.Completed() {
		t.Fatalf("the leader is not ready after bootstrapping: %v", err)
	}
}

func TestGeneratedPasswordsMixEveryClass(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := Generate(20)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 20 || seen[p] {
			t.Fatalf("a bad or repeated password %q", p)
		}
		seen[p] = true
		var lower, upper, digit, other bool
		for _, r := range p {
			switch {
			case unicode.IsLower(r):
				lower = true
			case unicode.IsUpper(r):
				upper = true
			case unicode.IsDigit(r):
				digit = true
			case strings.ContainsRune("!#%+-=?@_", r):
				other = true
			}
		}
		if !lower || !upper || !digit || !other {
			t.Fatalf("%q lacks a character class", p)
		}
	}
}

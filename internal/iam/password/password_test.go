package password

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestAHashMatchesItsPasswordOnly(t *testing.T) {
	h, err := Hash("P@ssw0rd!", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !IsHash(h) {
		t.Fatalf("%q is not recognised as a hash", h)
	}
	if !Matches(h, "P@ssw0rd!") || Matches(h, "p@ssw0rd!") {
		t.Fatal("the hash matches the wrong passwords")
	}
}

func TestIsHash(t *testing.T) {
	h, _ := Hash("x", bcrypt.MinCost)
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"a bcrypt hash is a hash", h, true},
		{"a plaintext is not a hash", "P@ssw0rd!", false},
		{"a plaintext that looks like a hash prefix is not a hash", "$2a$ not really", false},
		{"the empty string is not a hash", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsHash(tt.in); got != tt.want {
				t.Fatalf("IsHash(%q) = %v", tt.in, got)
			}
		})
	}
}

func TestAPasswordOverBcryptsLimitIsRefused(t *testing.T) {
	if _, err := Hash(strings.Repeat("a", 73), bcrypt.MinCost); !errors.Is(err, ErrTooLong) {
		t.Fatalf("got %v, want ErrTooLong", err)
	}
}

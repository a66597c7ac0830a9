// Package password hashes and checks user passwords with bcrypt.
package password

import (
	"errors"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// ErrTooLong is returned for passwords longer than bcrypt accepts.
var ErrTooLong = errors.New("the password is longer than 72 bytes")

// Hash returns the bcrypt hash of a plaintext password. A cost below
// bcrypt's minimum uses bcrypt's default.
func Hash(plain string, cost int) (string, error) {
	if len(plain) > 72 {
		return "", ErrTooLong
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		cost = bcrypt.DefaultCost
	}
	h, err := bcrypt.GenerateFromPassword([]byte(plain), cost)
	if err != nil {
		return "", err
	}
	return string(h), nil
}

// IsHash reports whether s is a bcrypt hash (and so not a plaintext).
func IsHash(s string) bool {
	if !strings.HasPrefix(s, "$2a$") && !strings.HasPrefix(s, "$2b$") && !strings.HasPrefix(s, "$2y$") {
		return false
	}
	_, err := bcrypt.Cost([]byte(s))
	return err == nil
}

// Matches reports whether plain is the password of hash, in constant time
// with respect to the password.
func Matches(hash, plain string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(plain)) == nil
}

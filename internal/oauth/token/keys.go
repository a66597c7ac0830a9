// Package token issues and verifies the JWTs of ke-apiserver: access,
// refresh and ID tokens signed RS256 with a key id, so that keys can be
// rotated, and published as a JWKS for kube-apiserver and other relying
// parties.
package token

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/go-jose/go-jose/v4"
)

// KeySet holds the signing key and every key tokens are verified with
// (the signing key and older ones kept during a rotation).
type KeySet struct {
	signing *rsa.PrivateKey
	kid     string
	verify  map[string]*rsa.PublicKey
	jwks    jose.JSONWebKeySet
}

// LoadKeys reads the PEM signing key and, optionally, the PEM public or
// private keys of earlier signing keys that tokens may still carry. When the
// signing key file does not exist and generate is true, a 2048-bit RSA key
// is generated and written there (mode 0600).
func LoadKeys(signingKeyFile string, previousKeyFiles []string, generate bool) (*KeySet, error) {
	key, err := readPrivateKey(signingKeyFile)
	if errors.Is(err, fs.ErrNotExist) && generate {
		key, err = generateKey(signingKeyFile)
	}
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", signingKeyFile, err)
	}
	ks := NewKeySet(key)
	for _, f := range previousKeyFiles {
		pub, err := readPublicKey(f)
		if err != nil {
			return nil, fmt.Errorf("verification key %s: %w", f, err)
		}
		ks.addVerificationKey(pub)
	}
	return ks, nil
}

// NewKeySet makes a key set that signs with key.
func NewKeySet(key *rsa.PrivateKey) *KeySet {
	ks := &KeySet{signing: key, verify: map[string]*rsa.PublicKey{}}
	ks.kid = ks.addVerificationKey(&key.PublicKey)
	return ks
}

// GenerateKeySet makes a key set with a new key, for tests.
func GenerateKeySet() (*KeySet, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return NewKeySet(key), nil
}

func (ks *KeySet) addVerificationKey(pub *rsa.PublicKey) string {
	kid := KeyID(pub)
	if _, ok := ks.verify[kid]; ok {
		return kid
	}
	ks.verify[kid] = pub
	ks.jwks.Keys = append(ks.jwks.Keys, jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"})
	return kid
}

// KeyID is the key id of a public key: a hash of its DER encoding.
func KeyID(pub *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// JWKS is the public key set to publish.
func (ks *KeySet) JWKS() jose.JSONWebKeySet { return ks.jwks }

// SigningKeyID is the key id new tokens carry.
func (ks *KeySet) SigningKeyID() string { return ks.kid }

func readPrivateKey(file string) (*rsa.PrivateKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var k any
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key (RS256 needs one)")
	}
	if rk.N.BitLen() < 2048 {
		return nil, fmt.Errorf("an RSA key of %d bits is too weak; use 2048 or more", rk.N.BitLen())
	}
	return rk, nil
}

func readPublicKey(file string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if block.Type == "PUBLIC KEY" {
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		if pub, ok := k.(*rsa.PublicKey); ok {
			return pub, nil
		}
		return nil, errors.New("not an RSA key")
	}
	priv, err := readPrivateKey(file)
	if err != nil {
		return nil, err
	}
	return &priv.PublicKey, nil
}

func generateKey(file string) (*rsa.PrivateKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

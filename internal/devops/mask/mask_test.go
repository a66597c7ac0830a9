package mask

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"testing"
)

func TestValuesAndTheirBase64FormsAreMasked(t *testing.T) {
	secret := []byte("s3cr3t-T0ken")
	m := New([][]byte{secret, []byte("ab")})
	in := "token=s3cr3t-T0ken b64=" + base64.StdEncoding.EncodeToString(secret) + " short=ab"
	got := m.String(in)
	if strings.Contains(got, "s3cr3t") || strings.Contains(got, base64.StdEncoding.EncodeToString(secret)) {
		t.Fatalf("not masked: %q", got)
	}
	if want := "token=**** b64=**** short=ab"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestAValueSplitAcrossWritesIsMasked(t *testing.T) {
	var out bytes.Buffer
	w := New([][]byte{[]byte("hunter2-password")}).Writer(&out)
	for _, p := range []string{"login with hun", "ter2-pass", "word now\nnext line hunter2-", "password"} {
		if _, err := io.WriteString(w, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "login with **** now\nnext line ****"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestMultiLineValuesAreMaskedLineByLine(t *testing.T) {
	key := "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQC\n-----END KEY-----\n"
	got := New([][]byte{[]byte(key)}).String("cat key: AAAAB3NzaC1yc2EAAAADAQABAAABAQC")
	if strings.Contains(got, "AAAAB3") {
		t.Fatalf("not masked: %q", got)
	}
}

func TestReaderMasks(t *testing.T) {
	r := New([][]byte{[]byte("topsecret")}).Reader(io.NopCloser(strings.NewReader("a topsecret b\nc")))
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); got != "a **** b\nc" {
		t.Fatalf("got %q", got)
	}
}

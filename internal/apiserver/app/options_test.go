package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestTheRedisURLComesFromAFileThatPsDoesNotShow(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "redis-url")
	if err := os.WriteFile(file, []byte("redis://:pw@127.0.0.1:16379/0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	complete := func(args ...string) (Config, error) {
		o := NewOptions()
		fs := pflag.NewFlagSet("ke-apiserver", pflag.ContinueOnError)
		o.AddFlags(fs)
		base := []string{"--print-config", "--issuer=https://127.0.0.1:9443", "--signing-key-file=" + filepath.Join(dir, "signing.key")}
		if err := fs.Parse(append(base, args...)); err != nil {
			t.Fatal(err)
		}
		c, err := o.Complete()
		if err != nil {
			return Config{}, err
		}
		return c.Config, nil
	}
	cfg, err := complete("--redis-url-file=" + file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RedisURL != "redis://:pw@127.0.0.1:16379/0" {
		t.Fatalf("RedisURL %q", cfg.RedisURL)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--redis-url-file=" + file, "--redis-url=redis://other:6379"}, "--redis-url and --redis-url-file are both set"},
		{[]string{"--redis-url-file=/nonexistent/redis-url"}, "--redis-url-file: open /nonexistent/redis-url"},
	} {
		_, err := complete(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%v: error %v, want one saying %q without the password", tc.args, err, tc.want)
		}
	}
}

func TestTheFlagsOverrideTheFileAndPrintConfigNeedsNoCluster(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte(`apiVersion: config.superkube.io/v1alpha1
kind: APIServerConfiguration
issuer: https://file.example.com
signingKeyFile: /etc/ke-apiserver/signing.key
systemNamespace: platform
admission: {exemptUsers: [from-file]}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	o := NewOptions()
	fs := pflag.NewFlagSet("ke-apiserver", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse([]string{"--config=" + file, "--print-config", "--issuer=https://flag.example.com", "--admission-exempt-users=a,b", "--cert-dir=" + dir}); err != nil {
		t.Fatal(err)
	}
	c, err := o.Complete()
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "https://flag.example.com" || strings.Join(c.Admission.ExemptUsers, ",") != "a,b" {
		t.Errorf("the flags did not override the file: %+v", c.Config)
	}
	if c.SystemNamespace != "platform" || c.SigningKeyFile != "/etc/ke-apiserver/signing.key" || c.BindAddress != ":9443" {
		t.Errorf("the file's fields or the defaults were lost: %+v", c.Config)
	}
	if c.REST != nil || c.CertDir != dir {
		t.Errorf("REST %v, CertDir %q", c.REST, c.CertDir)
	}
}

func TestAnInvalidConfigurationIsNeverCompleted(t *testing.T) {
	cfg := DefaultConfig()
	if _, err := cfg.Complete(nil); err == nil || !strings.Contains(err.Error(), "signingKeyFile must be set") {
		t.Fatalf("%v", err)
	}
}

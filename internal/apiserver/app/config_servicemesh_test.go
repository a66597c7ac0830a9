package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// The file's servicemesh.jaeger.url and the --jaeger-url flag set where
// the tracing API reads; a URL that is not http(s) is refused.
func TestTheJaegerURLComesFromTheFileOrTheFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(file, []byte(`apiVersion: config.superkube.io/v1alpha1
kind: APIServerConfiguration
issuer: https://file.example.com
signingKeyFile: /etc/ke-apiserver/signing.key
servicemesh: {jaeger: {url: "http://jaeger-query:16686", timeout: 3s}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	complete := func(args ...string) (CompletedConfig, error) {
		o := NewOptions()
		fs := pflag.NewFlagSet("ke-apiserver", pflag.ContinueOnError)
		o.AddFlags(fs)
		if err := fs.Parse(append([]string{"--config=" + file, "--print-config", "--cert-dir=" + dir}, args...)); err != nil {
			t.Fatal(err)
		}
		return o.Complete()
	}
	c, err := complete()
	if err != nil {
		t.Fatal(err)
	}
	if j := c.ServiceMesh.Jaeger; j.URL != "http://jaeger-query:16686" || j.Timeout.Seconds() != 3 {
		t.Errorf("from the file: %+v", j)
	}
	if c, err = complete("--jaeger-url=http://127.0.0.1:16686"); err != nil || c.ServiceMesh.Jaeger.URL != "http://127.0.0.1:16686" {
		t.Errorf("from the flag: %+v %v", c.ServiceMesh.Jaeger, err)
	}
	if _, err := complete("--jaeger-url=jaeger:16686"); err == nil || !strings.Contains(err.Error(), "servicemesh.jaeger.url") {
		t.Errorf("a URL without a scheme: %v", err)
	}
}

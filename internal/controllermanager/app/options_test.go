package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// complete parses args as ke-controller-manager does and completes them.
func complete(t *testing.T, args ...string) (CompletedConfig, error) {
	t.Helper()
	o := NewOptions()
	fs := pflag.NewFlagSet("ke-controller-manager", pflag.ContinueOnError)
	o.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o.Complete()
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`

func TestTheFlagsThatWereSetOverrideTheFile(t *testing.T) {
	file := writeFile(t, "config.yaml", `apiVersion: config.superkube.io/v1alpha1
kind: ControllerManagerConfiguration
systemNamespace: platform
concurrency: 8
kubeAPIQPS: 50
loginRecords: {maxPerUser: 20}
`)
	c, err := complete(t, "--config="+file, "--kubeconfig="+writeFile(t, "kubeconfig", kubeconfig), "--concurrency=2", "--leader-elect=false")
	if err != nil {
		t.Fatal(err)
	}
	if c.Concurrency != 2 || c.LeaderElection.Enabled {
		t.Errorf("the flags did not override the file: %+v", c.Config)
	}
	if c.SystemNamespace != "platform" || c.KubeAPIQPS != 50 || c.LoginRecords.MaxPerUser != 20 {
		t.Errorf("the file's fields were lost: %+v", c.Config)
	}
	if c.KubeAPIBurst != 200 || c.LoginRecords.MaxAge != DefaultConfig().LoginRecords.MaxAge {
		t.Errorf("the defaults of what neither sets were lost: %+v", c.Config)
	}
	if c.LeaderElection.Namespace != "platform" {
		t.Errorf("the lease is not in the system namespace: %q", c.LeaderElection.Namespace)
	}
	if c.REST == nil || c.REST.Host != "https://127.0.0.1:6443" {
		t.Errorf("the client configuration is not --kubeconfig's: %+v", c.REST)
	}
}

func TestAnInvalidConfigurationNamesEveryProblemAndWhereItCameFrom(t *testing.T) {
	file := writeFile(t, "config.yaml", "apiVersion: config.superkube.io/v1alpha1\nkind: ControllerManagerConfiguration\nconcurrency: 0\n")
	_, err := complete(t, "--config="+file, "--kube-api-qps=0", "-v=11")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{file, "concurrency must be at least 1", "kubeAPIQPS and kubeAPIBurst must be positive", "-v must be between 0 and 10"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

func TestOnlyCompleteMakesACompletedConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Authentication.BcryptCost = 3
	if _, err := cfg.Complete(nil); err == nil || !strings.Contains(err.Error(), "authentication.bcryptCost") {
		t.Fatalf("an invalid configuration was completed: %v", err)
	}
}

func TestTheStateMetricsListenOn8085UnlessTheFlagSaysOtherwise(t *testing.T) {
	kc := "--kubeconfig=" + writeFile(t, "kubeconfig", kubeconfig)
	c, err := complete(t, kc)
	if err != nil {
		t.Fatal(err)
	}
	if c.StateMetricsBindAddress != ":8085" {
		t.Errorf("the default address is %q", c.StateMetricsBindAddress)
	}
	for _, addr := range []string{"0", "127.0.0.1:18085"} {
		c, err := complete(t, kc, "--state-metrics-bind-address="+addr)
		if err != nil {
			t.Fatal(err)
		}
		if c.StateMetricsBindAddress != addr {
			t.Errorf("--state-metrics-bind-address=%s gave %q", addr, c.StateMetricsBindAddress)
		}
	}
	if _, err := complete(t, kc, "--state-metrics-bind-address=8085"); err == nil || !strings.Contains(err.Error(), "stateMetricsBindAddress must be host:port or 0") {
		t.Errorf("an address without a port was accepted: %v", err)
	}
}

func TestEachKindOfRecordHasItsRetentionAndABadOneIsNamed(t *testing.T) {
	file := writeFile(t, "config.yaml", `apiVersion: config.superkube.io/v1alpha1
kind: ControllerManagerConfiguration
logRetention: {containerLogs: 72h, audit: "0"}
`)
	c, err := complete(t, "--config="+file, "--kubeconfig="+writeFile(t, "kubeconfig", kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	r := c.LogRetention
	if r.ContainerLogs.Duration != 72*time.Hour || r.Audit.Duration != 0 || r.Events != DefaultConfig().LogRetention.Events || r.Interval.Duration != time.Hour {
		t.Errorf("retention %+v", r)
	}
	bad := writeFile(t, "bad.yaml", "apiVersion: config.superkube.io/v1alpha1\nkind: ControllerManagerConfiguration\nlogRetention: {events: 5m, interval: 1s}\n")
	_, err = complete(t, "--config="+bad, "--kubeconfig="+writeFile(t, "kubeconfig", kubeconfig))
	for _, want := range []string{"logRetention.events must be 0", "logRetention.interval must be at least 1m"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

func TestTheAlertRulesAreConfiguredByFileAndFlags(t *testing.T) {
	c, err := complete(t, "--alerting-rules-dir=/var/lib/rules", "--alerting-prometheus-url=http://127.0.0.1:9090",
		"--kubeconfig="+writeFile(t, "kubeconfig", kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	if a := c.Alerting; a.RulesDir != "/var/lib/rules" || a.PrometheusURL != "http://127.0.0.1:9090" || !a.PrometheusRules ||
		a.ReloadDelay.Duration != 500*time.Millisecond {
		t.Errorf("alerting %+v", a)
	}
	bad := writeFile(t, "bad.yaml", "apiVersion: config.superkube.io/v1alpha1\nkind: ControllerManagerConfiguration\n"+
		"alerting: {rulesDir: rules, reloadDelay: 2m}\n")
	_, err = complete(t, "--config="+bad, "--kubeconfig="+writeFile(t, "kubeconfig", kubeconfig))
	for _, want := range []string{"alerting.prometheusURL must be an http(s) URL", "alerting.rulesDir must be an absolute path", "alerting.reloadDelay"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not say %q: %v", want, err)
		}
	}
}

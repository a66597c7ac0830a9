package componentconfig

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

// bound returns overrides of testConfig on a new flag set, parsed from args.
func bound(t *testing.T, args ...string) (*Overrides[testConfig], *pflag.FlagSet) {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o := NewOverrides(fs, testFile.Default())
	o.String("address", func(c *testConfig) *string { return &c.Address }, "Address")
	o.Duration("timeout", func(c *testConfig) *time.Duration { return &c.Timeout.Duration }, "Timeout")
	o.Bool("enabled", func(c *testConfig) *bool { return &c.Nested.Enabled }, "Enabled")
	o.Int("count", func(c *testConfig) *int { return &c.Nested.Count }, "Count")
	o.StringSlice("users", func(c *testConfig) *[]string { return &c.Users }, "Users")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return o, fs
}

func TestOnlyTheFlagsThatWereSetOverrideTheFile(t *testing.T) {
	o, _ := bound(t, "--count=9", "--enabled=false", "--users=a,b")
	cfg := testConfig{Address: "from-file", Timeout: testFile.Default().Timeout, Nested: testNested{Enabled: true, Count: 1}}
	o.Apply(&cfg)
	if cfg.Address != "from-file" || cfg.Timeout.Duration != 10*time.Second {
		t.Errorf("a flag that was not set changed the configuration: %+v", cfg)
	}
	if cfg.Nested.Count != 9 || cfg.Nested.Enabled || !slices.Equal(cfg.Users, []string{"a", "b"}) {
		t.Errorf("a flag that was set did not override the configuration: %+v", cfg)
	}
}

func TestAFlagSetToItsDefaultStillOverridesTheFile(t *testing.T) {
	o, _ := bound(t, "--address=:9443")
	cfg := testConfig{Address: "from-file"}
	o.Apply(&cfg)
	if cfg.Address != ":9443" {
		t.Errorf("address %q", cfg.Address)
	}
}

func TestTheFlagsDefaultsAreTheConfigurationsDefaults(t *testing.T) {
	_, fs := bound(t)
	for name, want := range map[string]string{"address": ":9443", "timeout": "10s", "enabled": "true", "count": "3", "users": "[]"} {
		if got := fs.Lookup(name).DefValue; got != want {
			t.Errorf("--%s defaults to %q, want %q", name, got, want)
		}
	}
	if usage := fs.FlagUsages(); !strings.Contains(usage, "--address string") || !strings.Contains(usage, "(default \":9443\")") {
		t.Errorf("the help does not show the flag and its default:\n%s", usage)
	}
}

func TestAFloatFlagOverridesItsField(t *testing.T) {
	type limits struct{ QPS float32 }
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o := NewOverrides(fs, limits{QPS: 100})
	o.Float32("qps", func(l *limits) *float32 { return &l.QPS }, "QPS")
	if err := fs.Parse([]string{"--qps=2.5"}); err != nil {
		t.Fatal(err)
	}
	l := limits{QPS: 50}
	o.Apply(&l)
	if l.QPS != 2.5 || !o.Changed("qps") {
		t.Errorf("%+v", l)
	}
}

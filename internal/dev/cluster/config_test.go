package cluster

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	return Config{DataDir: "d", Nodes: 3, NodeCPU: "32", NodeMemory: "128Gi", NodePods: "110", Ports: DefaultPorts()}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"the defaults are valid", func(*Config) {}, ""},
		{"an empty data folder is refused", func(c *Config) { c.DataDir = "" }, "--data-dir"},
		{"a negative node count is refused", func(c *Config) { c.Nodes = -1 }, "--nodes"},
		{"a capacity that is not a quantity is refused", func(c *Config) { c.NodeMemory = "lots" }, "--node-memory"},
		{"a port out of range is refused", func(c *Config) { c.Ports.Scheduler = 70000 }, "kube-scheduler"},
		{"two components on one port are refused", func(c *Config) { c.Ports.Kubelet = c.Ports.APIServer }, "given to both"},
		{"metrics-server's port is checked when it runs", func(c *Config) {
			c.MetricsServerDir = "ms"
			c.Ports.MetricsServer = c.Ports.Kubelet
		}, "given to both"},
		{"a negative scrape interval is refused", func(c *Config) { c.ScrapeInterval = -time.Second }, "scrape interval"},
		{"a node prefix that makes valid names is taken", func(c *Config) { c.NodePrefix = "member-1-node-" }, ""},
		{"a node prefix that makes invalid names is refused", func(c *Config) { c.NodePrefix = "Member_1-" }, "node prefix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			errs := c.Validate()
			if tt.want == "" {
				if len(errs) > 0 {
					t.Fatalf("want no error, got %v", errs)
				}
				return
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tt.want) {
				t.Fatalf("want one error naming %q, got %v", tt.want, errs)
			}
		})
	}
}

func TestATakenPortIsNamed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c := validConfig()
	c.Ports.APIServer = l.Addr().(*net.TCPAddr).Port
	errs := c.CheckPorts()
	want := "port " + strconv.Itoa(c.Ports.APIServer) + " for kube-apiserver is already in use"
	found := false
	for _, e := range errs {
		found = found || strings.Contains(e.Error(), want)
	}
	if !found {
		t.Fatalf("want %q among %v", want, errs)
	}
}

func TestAMissingBinaryIsNamed(t *testing.T) {
	c := validConfig()
	c.BinDir, c.KwokDir = t.TempDir(), t.TempDir()
	errs := c.CheckBinaries()
	if len(errs) != 6 {
		t.Fatalf("want 6 missing binaries, got %v", errs)
	}
	if !strings.Contains(errs[1].Error(), "kube-apiserver binary not found") || !strings.Contains(errs[1].Error(), "make tools") {
		t.Fatalf("unclear error: %v", errs[1])
	}
}

func TestMetricsServerReadsAtMostEveryTenSeconds(t *testing.T) {
	for _, tt := range []struct{ interval, want time.Duration }{
		{0, DefaultScrapeInterval},
		{5 * time.Second, 10 * time.Second},
		{30 * time.Second, 30 * time.Second},
	} {
		c := validConfig()
		c.ScrapeInterval = tt.interval
		if got := c.metricsServerResolution(); got != tt.want {
			t.Errorf("scrape interval %s: metrics-server reads every %s, want %s", tt.interval, got, tt.want)
		}
	}
}

func TestNodeNames(t *testing.T) {
	c := validConfig()
	if got := c.NodeName(2); got != "ke-node-2" {
		t.Errorf("the host's node 2 is %q, want ke-node-2", got)
	}
	c.NodePrefix = "member-1-node-"
	if got := c.NodeName(0); got != "member-1-node-0" {
		t.Errorf("a member's node 0 is %q, want member-1-node-0", got)
	}
}

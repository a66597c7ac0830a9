package alertmanager

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
)

// The configuration ke-dev writes, with and without a webhook, is one that
// the Alertmanager it runs accepts: amtool (Debian's package, beside
// prometheus-alertmanager) checks it with the same parser.
func TestTheConfigurationIsOneThatAlertmanagerAccepts(t *testing.T) {
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Fatal("amtool is not installed: apt-get install prometheus-alertmanager (.ci/run does)")
	}
	for _, url := range []string{"", "https://127.0.0.1:9443/kapis/alerting.superkube.io/v2beta1/webhook"} {
		t.Run("webhook "+url, func(t *testing.T) {
			file, err := WriteConfig(t.TempDir(), Routing(url))
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(amtool, "check-config", file).CombinedOutput()
			if err != nil {
				t.Fatalf("amtool check-config: %v\n%s", err, out)
			}
			want := "1 receivers"
			if url != "" {
				want = "2 receivers"
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("amtool does not count %q:\n%s", want, out)
			}
		})
	}
}

// With the platform's sender, Alertmanager 0.25 accepts the webhook with
// its token file (authorization credentials_file) and CA, and every alert
// goes to it, grouped by alert, namespace and rule group.
func TestThePlatformSenderGetsEveryAlertWithItsToken(t *testing.T) {
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		t.Fatal("amtool is not installed: apt-get install prometheus-alertmanager (.ci/run does)")
	}
	dir := t.TempDir()
	token, ca := filepath.Join(dir, "token"), filepath.Join(dir, "ca.crt")
	for _, f := range []string{token, ca} {
		if err := os.WriteFile(f, []byte("x\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := &Config{WebhookURL: "http://127.0.0.1:1/hook", Platform: &PlatformWebhook{URL: "https://127.0.0.1:9443/kapis/notification.superkube.io/v2beta2/alertmanager/webhook", TokenFile: token, CAFile: ca}}
	c := RoutingFor(cfg)
	file, err := WriteConfig(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(amtool, "check-config", file).CombinedOutput(); err != nil {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(file)
	for _, want := range []string{"credentials_file: " + token, "ca_file: " + ca, "- rule_group"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the configuration lacks %q:\n%s", want, data)
		}
	}
	if c.Route.Receiver != WebhookReceiver || len(c.Receivers[1].WebhookConfigs) != 2 || c.Receivers[1].WebhookConfigs[0].URL != cfg.Platform.URL {
		t.Errorf("%+v", c)
	}
}

func TestEveryAlertGoesToTheWebhookWhenThereIsOne(t *testing.T) {
	tests := []struct {
		name, url, receiver string
	}{
		{"without a webhook, alerts are kept and sent nowhere", "", NullReceiver},
		{"with a webhook, the root route sends every alert to it", "http://127.0.0.1:1/hook", WebhookReceiver},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Routing(tt.url).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			var c amconfig.Config
			if err := yaml.Unmarshal(data, &c); err != nil {
				t.Fatal(err)
			}
			if c.Route.Receiver != tt.receiver {
				t.Errorf("root receiver %q, want %q", c.Route.Receiver, tt.receiver)
			}
			i := slices.IndexFunc(c.Receivers, func(r amconfig.Receiver) bool { return r.Name == tt.receiver })
			if i < 0 {
				t.Fatalf("no receiver %q in %+v", tt.receiver, c.Receivers)
			}
			if tt.url != "" {
				w := c.Receivers[i].WebhookConfigs
				if len(w) != 1 || w[0].URL != tt.url || !w[0].SendResolved {
					t.Errorf("webhooks %+v, want %s with resolved alerts", w, tt.url)
				}
			}
		})
	}
}

func TestArgsKeepAlertmanagerOnLoopbackAndInItsFolder(t *testing.T) {
	c := &Config{Port: 19093, DataDir: "/data/am"}
	args := c.Args("/data/am/alertmanager.yml")
	for _, want := range []string{
		"--config.file=/data/am/alertmanager.yml",
		"--storage.path=" + filepath.Join("/data/am", "data"),
		"--web.listen-address=127.0.0.1:19093",
		// No gossip port on every interface.
		"--cluster.listen-address=",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("args %v lack %s", args, want)
		}
	}
}

package amconfig

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func valid() *Config {
	return &Config{
		Route: Route{Receiver: "null", Routes: []Route{{Receiver: "ops", Matchers: []string{`namespace="demo"`}}}},
		Receivers: []Receiver{
			{Name: "null"},
			{Name: "ops", WebhookConfigs: []WebhookConfig{{URL: "http://127.0.0.1:1/hook"}}},
		},
	}
}

func TestValidateRefusesWhatAlertmanagerWouldRefuse(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		says   string
	}{
		{"a valid configuration passes", func(*Config) {}, ""},
		{"a root route without a receiver is refused", func(c *Config) { c.Route.Receiver = "" }, "no receiver"},
		{"a route to a receiver that does not exist is refused", func(c *Config) { c.Route.Routes[0].Receiver = "team" }, `route.routes[0]: the receiver "team" does not exist`},
		{"a receiver name used twice is refused", func(c *Config) { c.Receivers[1].Name = "null" }, "used twice"},
		{"a receiver without a name is refused", func(c *Config) { c.Receivers[0].Name = "" }, "no name"},
		{"a webhook without a url is refused", func(c *Config) { c.Receivers[1].WebhookConfigs[0].URL = "" }, "no url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(c)
			err := c.Validate()
			switch {
			case tt.says == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.says != "" && (err == nil || !strings.Contains(err.Error(), tt.says)):
				t.Errorf("error %v, want one that says %q", err, tt.says)
			}
		})
	}
}

func TestDurationsAreWrittenAsAlertmanagerReadsThem(t *testing.T) {
	c := valid()
	c.Route.GroupWait = model.Duration(1500 * time.Millisecond)
	c.Route.RepeatInterval = model.Duration(4 * time.Hour)
	data, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"group_wait: 1s500ms\n", "repeat_interval: 4h\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("no %q in\n%s", want, data)
		}
	}
	if strings.Contains(string(data), "group_interval") {
		t.Errorf("an unset duration is written:\n%s", data)
	}
}

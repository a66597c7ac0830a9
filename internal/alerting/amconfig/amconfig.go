// Package amconfig writes Alertmanager's configuration file: the routing
// tree that sends each alert to its receivers, and the receivers. It holds
// only the part of the format the platform writes, so that the file stays
// readable by the oldest Alertmanager the platform supports (Debian's 0.25).
package amconfig

import (
	"errors"
	"fmt"

	"github.com/prometheus/common/model"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"sigs.k8s.io/yaml"
)

// Config is an Alertmanager configuration file.
type Config struct {
	Global *Global `json:"global,omitempty"`
	// Route is the root of the routing tree; its receiver takes every alert
	// that no child route takes.
	Route        Route         `json:"route"`
	InhibitRules []InhibitRule `json:"inhibit_rules,omitempty"`
	Receivers    []Receiver    `json:"receivers"`
}

// Global holds the defaults of every receiver.
type Global struct {
	// ResolveTimeout resolves an alert that its sender stopped repeating
	// without an end time.
	ResolveTimeout model.Duration `json:"resolve_timeout,omitempty"`
}

// Route matches alerts and sends them, grouped, to a receiver.
type Route struct {
	Receiver string `json:"receiver,omitempty"`
	// GroupBy are the labels whose values make a group (one notification
	// per group); "..." groups by every label.
	GroupBy []string `json:"group_by,omitempty"`
	// Matchers select the alerts of the route, each as `label="value"`,
	// `label=~"regex"`, `label!="value"` or `label!~"regex"`.
	Matchers []string `json:"matchers,omitempty"`
	// Continue lets the following sibling routes match an alert this one
	// matched.
	Continue bool `json:"continue,omitempty"`
	// GroupWait is how long a new group waits for more alerts before its
	// first notification; GroupInterval how long before it notifies of
	// alerts added to it; RepeatInterval how long before it repeats a
	// notification that changed nothing.
	GroupWait      model.Duration `json:"group_wait,omitempty"`
	GroupInterval  model.Duration `json:"group_interval,omitempty"`
	RepeatInterval model.Duration `json:"repeat_interval,omitempty"`
	Routes         []Route        `json:"routes,omitempty"`
}

// InhibitRule mutes the alerts that match TargetMatchers while an alert
// that matches SourceMatchers fires with the same values of Equal.
type InhibitRule struct {
	SourceMatchers []string `json:"source_matchers"`
	TargetMatchers []string `json:"target_matchers"`
	Equal          []string `json:"equal,omitempty"`
}

// Receiver is a named set of notifiers. A receiver without any drops the
// alerts routed to it.
type Receiver struct {
	Name           string          `json:"name"`
	WebhookConfigs []WebhookConfig `json:"webhook_configs,omitempty"`
}

// WebhookConfig posts each notification as JSON (Alertmanager's webhook
// payload, version 4) to URL.
type WebhookConfig struct {
	URL string `json:"url"`
	// SendResolved also notifies when the alerts of a group are resolved.
	SendResolved bool `json:"send_resolved"`
	// MaxAlerts caps the alerts of one notification; 0 sends them all.
	MaxAlerts  int         `json:"max_alerts,omitempty"`
	HTTPConfig *HTTPConfig `json:"http_config,omitempty"`
}

// HTTPConfig says how a webhook is called.
type HTTPConfig struct {
	// BearerTokenFile holds the token sent as `Authorization: Bearer`.
	BearerTokenFile string `json:"bearer_token_file,omitempty"`
	// Authorization sends a credential of a type (Bearer by default) read
	// from a file, the newer form of BearerTokenFile.
	Authorization *Authorization `json:"authorization,omitempty"`
	TLSConfig     *TLSConfig     `json:"tls_config,omitempty"`
}

// Authorization is the Authorization header of a webhook's requests.
type Authorization struct {
	// Type defaults to Bearer.
	Type            string `json:"type,omitempty"`
	CredentialsFile string `json:"credentials_file,omitempty"`
}

// TLSConfig says which certificates a webhook's server is trusted by.
type TLSConfig struct {
	CAFile string `json:"ca_file,omitempty"`
}

// Validate checks what Alertmanager would refuse about the receivers: a
// name used twice, a route to a receiver that does not exist, a root
// without a receiver.
func (c *Config) Validate() error {
	var errs []error
	names := map[string]bool{}
	for i, r := range c.Receivers {
		switch {
		case r.Name == "":
			errs = append(errs, fmt.Errorf("receivers[%d]: no name", i))
		case names[r.Name]:
			errs = append(errs, fmt.Errorf("receivers[%d]: the name %q is used twice", i, r.Name))
		}
		names[r.Name] = true
		for j, w := range r.WebhookConfigs {
			if w.URL == "" {
				errs = append(errs, fmt.Errorf("receivers[%d].webhook_configs[%d]: no url", i, j))
			}
		}
	}
	if c.Route.Receiver == "" {
		errs = append(errs, errors.New("route: the root route has no receiver"))
	}
	var walk func(path string, r *Route)
	walk = func(path string, r *Route) {
		if r.Receiver != "" && !names[r.Receiver] {
			errs = append(errs, fmt.Errorf("%s: the receiver %q does not exist", path, r.Receiver))
		}
		for i := range r.Routes {
			walk(fmt.Sprintf("%s.routes[%d]", path, i), &r.Routes[i])
		}
	}
	walk("route", &c.Route)
	return kerrors.NewAggregate(errs)
}

// Marshal validates the configuration and writes it as YAML.
func (c *Config) Marshal() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return yaml.Marshal(c)
}

// Package alertmanager runs Alertmanager for the local cluster: it writes a
// configuration (Routing) and starts Debian's prometheus-alertmanager on
// loopback, with its silences and notification log in the cluster's data
// folder. Prometheus sends it the alerts of its rules.
package alertmanager

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/superkube/super-kubenetes/internal/alerting/amconfig"
	"github.com/superkube/super-kubenetes/internal/dev/process"
)

const (
	// DefaultPort is Alertmanager's usual port.
	DefaultPort = 9093
	// Binary is Debian's name of the program; Binaries lists the names
	// looked for in $PATH.
	Binary = "prometheus-alertmanager"
	// NullReceiver drops what is routed to it.
	NullReceiver = "null"
	// WebhookReceiver posts what is routed to it to Config.WebhookURL.
	WebhookReceiver = "platform"
	// ConfigFile is the configuration's name in the data folder.
	ConfigFile = "alertmanager.yml"
)

// Binaries are the names of the program: Debian's, then upstream's.
var Binaries = []string{Binary, "alertmanager"}

// Config says which Alertmanager runs, where and how.
type Config struct {
	// Path is the program; empty looks for Binaries in $PATH.
	Path string
	Port int
	// DataDir keeps the configuration, the silences and the notification
	// log.
	DataDir string
	// WebhookURL receives every notification (Alertmanager's webhook
	// payload); empty routes every alert to NullReceiver.
	WebhookURL string
	// Platform is ke-apiserver's notification sender, which receives every
	// notification too; nil when ke-apiserver does not run.
	Platform *PlatformWebhook
}

// PlatformWebhook is ke-apiserver's notification endpoint: its URL, the
// file of the bearer token Alertmanager sends (authorization
// credentials_file), and the CA of ke-apiserver's serving certificate.
type PlatformWebhook struct {
	URL, TokenFile, CAFile string
}

// URL is where Alertmanager answers (its API is under /api/v2).
func (c *Config) URL() string { return "http://" + c.Addr() }

// Addr is Alertmanager's host:port, as Prometheus's configuration names it.
func (c *Config) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)) }

// LookPath returns the program to run.
func (c *Config) LookPath() (string, error) {
	if c.Path != "" {
		return c.Path, nil
	}
	for _, b := range Binaries {
		if p, err := exec.LookPath(b); err == nil {
			return p, nil
		}
	}
	return "", errors.New(Binary + " is not installed (on Debian or Ubuntu: apt-get install prometheus-alertmanager)")
}

// Routing is the configuration ke-dev writes: every alert goes to the
// platform's webhook when there is one, to NullReceiver otherwise, grouped
// by alert and namespace. The alerting API will add its routes to it.
func Routing(webhookURL string) *amconfig.Config {
	c := &amconfig.Config{
		Route: amconfig.Route{
			Receiver:       NullReceiver,
			GroupBy:        []string{"alertname", "namespace"},
			GroupWait:      model.Duration(10 * time.Second),
			GroupInterval:  model.Duration(time.Minute),
			RepeatInterval: model.Duration(4 * time.Hour),
		},
		Receivers: []amconfig.Receiver{{Name: NullReceiver}},
	}
	if webhookURL != "" {
		c.Route.Receiver = WebhookReceiver
		c.Receivers = append(c.Receivers, amconfig.Receiver{
			Name:           WebhookReceiver,
			WebhookConfigs: []amconfig.WebhookConfig{{URL: webhookURL, SendResolved: true}},
		})
	}
	return c
}

// RoutingFor is the configuration of cfg: Routing's, and when the
// platform's sender runs, every alert goes to it too, grouped by alert,
// namespace and rule group, with resolved notifications, after a short
// wait (a local cluster wants to see its alerts soon).
func RoutingFor(cfg *Config) *amconfig.Config {
	c := Routing(cfg.WebhookURL)
	p := cfg.Platform
	if p == nil {
		return c
	}
	c.Route.Receiver = WebhookReceiver
	c.Route.GroupBy = []string{"alertname", "namespace", "rule_group"}
	c.Route.GroupWait = model.Duration(5 * time.Second)
	c.Route.GroupInterval = model.Duration(30 * time.Second)
	hook := amconfig.WebhookConfig{URL: p.URL, SendResolved: true, HTTPConfig: &amconfig.HTTPConfig{
		Authorization: &amconfig.Authorization{Type: "Bearer", CredentialsFile: p.TokenFile}}}
	if p.CAFile != "" {
		hook.HTTPConfig.TLSConfig = &amconfig.TLSConfig{CAFile: p.CAFile}
	}
	for i := range c.Receivers {
		if c.Receivers[i].Name == WebhookReceiver {
			c.Receivers[i].WebhookConfigs = append([]amconfig.WebhookConfig{hook}, c.Receivers[i].WebhookConfigs...)
			return c
		}
	}
	c.Receivers = append(c.Receivers, amconfig.Receiver{Name: WebhookReceiver, WebhookConfigs: []amconfig.WebhookConfig{hook}})
	return c
}

// Args are the program's flags.
func (c *Config) Args(configFile string) []string {
	return []string{
		"--config.file=" + configFile,
		"--storage.path=" + filepath.Join(c.DataDir, "data"),
		"--web.listen-address=" + c.Addr(),
		"--web.external-url=" + c.URL() + "/",
		// One instance: no gossip with peers (its port would bind every
		// interface).
		"--cluster.listen-address=",
		"--log.level=warn",
	}
}

// WriteConfig writes the configuration file into the data folder and
// returns its absolute path.
func WriteConfig(dataDir string, cfg *amconfig.Config) (string, error) {
	data, err := cfg.Marshal()
	if err != nil {
		return "", fmt.Errorf("alertmanager configuration: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", err
	}
	file, err := filepath.Abs(filepath.Join(dataDir, ConfigFile))
	if err != nil {
		return "", err
	}
	return file, os.WriteFile(file, data, 0o600)
}

// Launcher starts a supervised program (cluster.Cluster does).
type Launcher interface {
	Launch(ctx context.Context, name, path string, args []string, ready func(context.Context) error) error
}

// Start writes the configuration and runs Alertmanager until the cluster
// stops.
func Start(ctx context.Context, l Launcher, cfg *Config) error {
	path, err := cfg.LookPath()
	if err != nil {
		return err
	}
	file, err := WriteConfig(cfg.DataDir, RoutingFor(cfg))
	if err != nil {
		return err
	}
	ready := cfg.URL() + "/-/ready"
	return l.Launch(ctx, "alertmanager", path, cfg.Args(file), func(ctx context.Context) error { return process.HTTPOK(ctx, ready, nil) })
}

// URLFile is where ke-dev writes Alertmanager's URL, in its data folder, for
// the platform's configuration and the tests.
func URLFile(dataDir string) string { return filepath.Join(dataDir, "url") }

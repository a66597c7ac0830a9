package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/superkube/super-kubenetes/internal/dev/alertmanager"
	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/mailpit"
)

// alertingStatus says how Alertmanager and the mail sink run: their
// addresses, or why they do not.
type alertingStatus struct {
	// Alertmanager is its URL; AlertmanagerMissing why it does not run.
	Alertmanager, AlertmanagerDir, AlertmanagerMissing string
	// Mailpit is its HTTP API's URL, SMTP its SMTP server's host:port;
	// MailpitMissing why it does not run.
	Mailpit, SMTP, MailpitDir, MailpitMissing string
	// WebhookSink is ke-dev's webhook sink's URL, WebhookSinkFile where it
	// keeps what it receives.
	WebhookSink, WebhookSinkFile string
}

// startAlerting runs Alertmanager (which Prometheus, started later, sends
// its alerts to) and Mailpit (the SMTP sink that e-mail notifications go
// to), and writes their addresses in their data folders
// (alertmanager.URLFile, mailpit.URLFile and mailpit.SMTPFile) for the
// platform's configuration and the tests. A program that is not installed
// or built is reported in the summary, not an error.
func (o *Options) startAlerting(ctx context.Context, c *cluster.Cluster) (*alertingStatus, error) {
	st := &alertingStatus{}
	if o.NoAlerting {
		st.AlertmanagerMissing, st.MailpitMissing = "not started (--no-alerting)", "not started (--no-alerting)"
		return st, nil
	}
	if _, err := o.Alertmanager.LookPath(); err != nil {
		st.AlertmanagerMissing = err.Error()
	} else {
		am := &o.Alertmanager
		if cluster.PortFree(am.Port) != nil {
			return nil, fmt.Errorf("port %d for alertmanager is already in use on 127.0.0.1 (stop what holds it or choose another port with --alertmanager-port)", am.Port)
		}
		if am.DataDir == "" {
			am.DataDir = filepath.Join(o.Cluster.DataDir, "alertmanager")
		}
		if err := alertmanager.Start(ctx, c, am); err != nil {
			return nil, fmt.Errorf("starting alertmanager: %w", err)
		}
		if err := os.WriteFile(alertmanager.URLFile(am.DataDir), []byte(am.URL()+"\n"), 0o644); err != nil {
			return nil, err
		}
		st.Alertmanager, st.AlertmanagerDir = am.URL(), am.DataDir
	}
	if _, err := o.Mail.LookPath(); err != nil {
		st.MailpitMissing = err.Error()
		return st, nil //nolint:nilerr // reported in the summary
	}
	m := &o.Mail
	for _, p := range []struct {
		port int
		flag string
	}{{m.Port, "--mailpit-port"}, {m.SMTPPort, "--mailpit-smtp-port"}} {
		if cluster.PortFree(p.port) != nil {
			return nil, fmt.Errorf("port %d for mailpit is already in use on 127.0.0.1 (stop what holds it or choose another port with %s)", p.port, p.flag)
		}
	}
	if m.DataDir == "" {
		m.DataDir = filepath.Join(o.Cluster.DataDir, "mailpit")
	}
	if err := mailpit.Start(ctx, c, m); err != nil {
		return nil, fmt.Errorf("starting mailpit: %w", err)
	}
	if err := os.WriteFile(mailpit.URLFile(m.DataDir), []byte(m.URL()+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(mailpit.SMTPFile(m.DataDir), []byte(m.SMTPAddr()+"\n"), 0o644); err != nil {
		return nil, err
	}
	st.Mailpit, st.SMTP, st.MailpitDir = m.URL(), m.SMTPAddr(), m.DataDir
	return st, nil
}

package platform

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	notificationhandlers "github.com/superkube/super-kubenetes/internal/handlers/notification"
)

// NotificationWebhookTokenFile is where the token is kept with which
// Alertmanager posts its notifications to ke-apiserver.
func NotificationWebhookTokenFile(dataDir string) string {
	return filepath.Join(dataDir, "ke-apiserver", "notification-webhook-token")
}

// NotificationWebhook creates the notification webhook's token once and
// returns ke-apiserver's notification endpoint and the token's file.
func (c *Config) NotificationWebhook(dataDir string) (url, tokenFile string, err error) {
	tokenFile = NotificationWebhookTokenFile(dataDir)
	if err := ensureSecret(tokenFile); err != nil {
		return "", "", err
	}
	return c.APIServerURL() + notificationhandlers.WebhookPath, tokenFile, nil
}

// Names of the notification objects ke-dev makes.
const (
	DevMailConfig      = "dev-mailpit"
	DevMailReceiver    = "dev-admin-email"
	DevWebhookConfig   = "dev-webhook"
	DevWebhookReceiver = "dev-webhook"
	// DevAdminEmail is where the administrator's alerts go in Mailpit.
	DevAdminEmail = "admin@superkube.local"
)

// defaultNotifications makes, once, a platform e-mail Config to Mailpit
// (plain SMTP) with a Receiver sending every alert to the administrator,
// and a webhook Config and Receiver to ke-dev's webhook sink. Objects that
// exist are left as they are (the developer may have changed them).
func defaultNotifications(ctx context.Context, cl client.Client, cfg Config) error {
	var objs []client.Object
	if cfg.SMTPAddr != "" {
		host, port, err := net.SplitHostPort(cfg.SMTPAddr)
		if err != nil {
			return fmt.Errorf("mailpit's SMTP address %q: %w", cfg.SMTPAddr, err)
		}
		p, _ := strconv.Atoi(port)
		objs = append(objs,
			&nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: DevMailConfig}, Spec: nv1.ConfigSpec{Type: nv1.ChannelEmail,
				Email: &nv1.EmailConfig{Host: host, Port: int32(p), From: "alerts@superkube.local", TLS: nv1.TLSNone}}}, //nolint:gosec // a port
			&nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: DevMailReceiver}, Spec: nv1.ReceiverSpec{Type: nv1.ChannelEmail, Config: DevMailConfig,
				Emails: []string{DevAdminEmail}, Users: []string{bootstrap.AdminUser}}})
	}
	if cfg.WebhookSinkURL != "" {
		secret := notificationhandlers.SecretName(DevWebhookConfig)
		objs = append(objs,
			&nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: DevWebhookConfig}, Spec: nv1.ConfigSpec{Type: nv1.ChannelWebhook,
				URL: &nv1.URLConfig{URLSecret: nv1.SecretKeyRef{Name: secret, Key: "url"}}}},
			&nv1.Receiver{ObjectMeta: metav1.ObjectMeta{Name: DevWebhookReceiver}, Spec: nv1.ReceiverSpec{Type: nv1.ChannelWebhook, Config: DevWebhookConfig}})
	}
	for _, o := range objs {
		if err := cl.Create(ctx, o); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating the %T %s: %w", o, o.GetName(), err)
		}
		if c, ok := o.(*nv1.Config); ok && c.Spec.Type == nv1.ChannelWebhook {
			if err := cl.Get(ctx, client.ObjectKeyFromObject(c), c); err != nil {
				return err
			}
			sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cfg.SystemNamespace, Name: c.Spec.URL.URLSecret.Name,
				OwnerReferences: []metav1.OwnerReference{{APIVersion: nv1.GroupVersion.String(), Kind: "Config", Name: c.Name, UID: c.UID}}},
				StringData: map[string]string{"url": cfg.WebhookSinkURL}}
			if err := cl.Create(ctx, sec); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("creating the webhook sink's Secret: %w", err)
			}
		}
	}
	return nil
}

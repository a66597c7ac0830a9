package platform

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// ke-dev makes the Mailpit config, the administrator's receiver and the
// webhook sink's config (its URL in a Secret) once, and leaves them alone
// afterwards.
func TestDefaultNotifications(t *testing.T) {
	ctx := context.Background()
	cl := fake.NewClientBuilder().WithScheme(scheme.New()).Build()
	cfg := Config{SystemNamespace: "superkube-system", SMTPAddr: "127.0.0.1:1025", WebhookSinkURL: "http://127.0.0.1:9097/notifications"}
	if err := defaultNotifications(ctx, cl, cfg); err != nil {
		t.Fatal(err)
	}
	var mail nv1.Config
	if err := cl.Get(ctx, client.ObjectKey{Name: DevMailConfig}, &mail); err != nil {
		t.Fatal(err)
	}
	if e := mail.Spec.Email; e == nil || e.Host != "127.0.0.1" || e.Port != 1025 || e.TLS != nv1.TLSNone || mail.Labels[nv1.UserLabel] != "" {
		t.Errorf("mail config %+v", mail)
	}
	var r nv1.Receiver
	if err := cl.Get(ctx, client.ObjectKey{Name: DevMailReceiver}, &r); err != nil || r.Spec.Config != DevMailConfig || r.Spec.Emails[0] != DevAdminEmail {
		t.Errorf("receiver %+v: %v", r, err)
	}
	var hook nv1.Config
	if err := cl.Get(ctx, client.ObjectKey{Name: DevWebhookConfig}, &hook); err != nil || hook.Spec.URL == nil {
		t.Fatalf("webhook config %+v: %v", hook, err)
	}
	var sec corev1.Secret
	if err := cl.Get(ctx, client.ObjectKey{Namespace: "superkube-system", Name: hook.Spec.URL.URLSecret.Name}, &sec); err != nil ||
		sec.StringData["url"] != cfg.WebhookSinkURL || sec.OwnerReferences[0].Name != DevWebhookConfig {
		t.Errorf("secret %+v: %v", sec, err)
	}
	// A developer's change stays.
	mail.Spec.Email.Host = "smtp.example.com"
	if err := cl.Update(ctx, &mail); err != nil {
		t.Fatal(err)
	}
	if err := defaultNotifications(ctx, cl, cfg); err != nil {
		t.Fatal(err)
	}
	if err := cl.Get(ctx, client.ObjectKey{Name: DevMailConfig}, &mail); err != nil || mail.Spec.Email.Host != "smtp.example.com" {
		t.Errorf("the change was undone: %+v %v", mail.Spec.Email, err)
	}
}

package chart

import (
	"context"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
)

// With a token Secret, ke-apiserver takes Alertmanager's notifications
// with the token mounted from it; its RBAC lets it read and write the
// notification objects.
func TestTheChartGivesKeAPIServerAlertmanagersToken(t *testing.T) {
	h := newHelm(t, "sk-notification", "skn")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com",
		"notification": map[string]any{"webhookTokenSecret": "alertmanager-token"}}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	if got := h.apiserverConfig().Notification.WebhookTokenFile; got != "/etc/ke-apiserver/notification-webhook/token" {
		t.Errorf("webhookTokenFile %q", got)
	}
	if got := mountedSecret(h.deployment("apiserver"), "/etc/ke-apiserver/notification-webhook"); got != "alertmanager-token" {
		t.Errorf("the token's mount comes from %q, want the Secret alertmanager-token", got)
	}
	for _, verb := range []string{"list", "watch", "create", "update", "delete"} {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:               "system:serviceaccount:sk-notification:" + h.name("apiserver"),
			Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:sk-notification", "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: "notification.superkube.io", Resource: "receivers"}}}
		if err := env.Client.Create(context.Background(), sar); err != nil {
			t.Fatal(err)
		}
		if !sar.Status.Allowed {
			t.Errorf("ke-apiserver may not %s receivers", verb)
		}
	}
}

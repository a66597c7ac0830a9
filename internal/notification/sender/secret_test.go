package sender_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/notification/channel"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// A Config uses only a Secret that belongs to it (owned by it, or labelled
// with its name). One that names another Secret of the system namespace —
// someone allowed to write Configs but not to read Secrets pointing a
// config at the platform's keys — gets a permanent error naming the field,
// and the Secret's value goes nowhere.
func TestAConfigUsesOnlyItsOwnSecret(t *testing.T) {
	const ns = "superkube-system"
	cfg := func(name string, uid types.UID, secret string) *nv1.Config {
		return &nv1.Config{ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid},
			Spec: nv1.ConfigSpec{Type: nv1.ChannelWebhook, URL: &nv1.URLConfig{URLSecret: nv1.SecretKeyRef{Name: secret, Key: "url"}}}}
	}
	owned := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "owned",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: nv1.GroupVersion.String(), Kind: "Config", Name: "hook", UID: "uid-hook"}}},
		Data: map[string][]byte{"url": []byte("https://hooks.example.com/owned")}}
	labelled := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "labelled",
		Labels: map[string]string{sender.ConfigSecretLabel: "gitops"}},
		Data: map[string][]byte{"url": []byte("https://hooks.example.com/labelled")}}
	platform := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ke-apiserver-signing-key"},
		Data: map[string][]byte{"url": []byte("PRIVATE KEY")}}
	s := &sender.Sender{Reader: fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(owned, labelled, platform).Build(), SecretNamespace: ns}

	for _, tc := range []struct {
		name string
		cfg  *nv1.Config
		want string // the URL, or "" for a refusal
	}{
		{"owned by the config", cfg("hook", "uid-hook", "owned"), "https://hooks.example.com/owned"},
		{"labelled with the config's name", cfg("gitops", "uid-gitops", "labelled"), "https://hooks.example.com/labelled"},
		{"owned by another config of the same name (a recreated one)", cfg("hook", "uid-new", "owned"), ""},
		{"labelled for another config", cfg("other", "uid-other", "labelled"), ""},
		{"the platform's own Secret", cfg("steal", "uid-steal", "ke-apiserver-signing-key"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := s.ConfigConn(context.Background(), tc.cfg)
			if tc.want != "" {
				if err != nil || conn.URL != tc.want {
					t.Fatalf("got %v, %v; want the URL %s", conn, err, tc.want)
				}
				return
			}
			var ce *channel.Error
			if !errors.As(err, &ce) || ce.Field != "spec.url.urlSecret" || !ce.Permanent || !strings.Contains(ce.Reason, "does not belong") {
				t.Fatalf("got %v, %v; want a permanent error on spec.url.urlSecret", conn, err)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || (conn != nil && conn.URL != "") {
				t.Fatal("the Secret's value came out")
			}
		})
	}
}

package devops

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
)

// maxWebhookBytes bounds a delivery.
const maxWebhookBytes = 4 << 20

// Webhook receives Gitea's push deliveries for one pipeline
// (?namespace=&pipeline=): a delivery signed with the pipeline's webhook
// secret (X-Gitea-Signature, HMAC-SHA256 of the body) starts a run named
// from its delivery id (X-Gitea-Delivery), so a delivery sent twice
// starts one run. A bad signature is refused with 401 and logged.
type Webhook struct {
	// Client reads pipelines and secrets and creates runs with
	// ke-apiserver's identity.
	Client client.Client
	Log    logr.Logger
}

// pushEvent is the part of Gitea's push payload the run needs.
type pushEvent struct {
	Ref   string `json:"ref"`
	After string `json:"after"`
}

func (wh *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns, name := r.URL.Query().Get("namespace"), r.URL.Query().Get("pipeline")
	log := wh.Log.WithValues("namespace", ns, "pipeline", name, "delivery", r.Header.Get("X-Gitea-Delivery"), "remote", r.RemoteAddr)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBytes+1))
	if err != nil || len(body) > maxWebhookBytes {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, "the delivery is too large or unreadable"))
		return
	}
	p := &devopsv1alpha3.Pipeline{}
	refuse := func(why string) {
		log.Info("refused a webhook delivery", "reason", why)
		responsewriters.WriteStatus(w, apistatus.Unauthorized("the delivery's signature does not match the pipeline's webhook secret"))
	}
	if err := wh.Client.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: name}, p); err != nil || p.Spec.Triggers.Webhook == nil {
		// The same answer as a bad signature: nobody learns which pipelines exist.
		refuse("no such pipeline with a webhook trigger")
		return
	}
	s := &corev1.Secret{}
	if err := wh.Client.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: p.Spec.Triggers.Webhook.SecretRef}, s); err != nil {
		refuse("the webhook secret cannot be read")
		return
	}
	if !Verify(body, s.Data[devopsv1alpha3.WebhookSecretKey], r.Header.Get("X-Gitea-Signature")) {
		refuse("bad signature")
		return
	}
	delivery := r.Header.Get("X-Gitea-Delivery")
	if delivery == "" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("X-Gitea-Delivery", "the delivery has no X-Gitea-Delivery id"))
		return
	}
	if ev := r.Header.Get("X-Gitea-Event"); ev != "" && ev != "push" {
		responsewriters.WriteJSON(w, http.StatusAccepted, apistatus.Success("event "+ev+" starts no run"))
		return
	}
	var push pushEvent
	if err := json.Unmarshal(body, &push); err != nil {
		responsewriters.WriteStatus(w, apistatus.BadRequest("body", "the delivery is not a push event"))
		return
	}
	branch, ok := strings.CutPrefix(push.Ref, "refs/heads/")
	if !ok || strings.Trim(push.After, "0") == "" {
		responsewriters.WriteJSON(w, http.StatusAccepted, apistatus.Success("a tag or a deleted branch starts no run"))
		return
	}
	if p.Spec.Disabled {
		responsewriters.WriteJSON(w, http.StatusAccepted, apistatus.Success("the pipeline is disabled"))
		return
	}
	run := newRun(ns, name, devopsv1alpha3.TriggerWebhook, delivery, p.Annotations[devopsv1alpha3.CreatorAnnotation])
	run.Spec.Revision = devopsv1alpha3.Revision{Branch: branch, Commit: push.After}
	err = wh.Client.Create(r.Context(), run)
	switch {
	case apierrors.IsAlreadyExists(err):
		log.Info("a delivery came again; its run exists", "run", run.Name)
		responsewriters.WriteJSON(w, http.StatusOK, run)
	case err != nil:
		responsewriters.WriteStatus(w, err)
	default:
		log.Info("a webhook started a run", "run", run.Name, "commit", push.After)
		run.ManagedFields = nil
		responsewriters.WriteJSON(w, http.StatusCreated, run)
	}
}

// Verify checks Gitea's signature: the hex HMAC-SHA256 of the body.
func Verify(body, secret []byte, signature string) bool {
	if len(secret) == 0 || signature == "" {
		return false
	}
	want, err := hex.DecodeString(strings.TrimPrefix(signature, "sha256="))
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}

package devops

import (
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
	"github.com/superkube/super-kubenetes/internal/devops/names"
)

// maxWebhookBytes bounds a delivery.
const maxWebhookBytes = 4 << 20

// Webhook receives Gitea's push deliveries for one pipeline
// (?namespace=&pipeline=): a delivery signed with the pipeline's webhook
// secret (X-Gitea-Signature, HMAC-SHA256 of the body) starts a run named
// from its delivery id (X-Gitea-Delivery), so a delivery sent twice
// starts one run. A bad signature is refused with 401 and logged. For a
// pipeline with branch discovery, a push or pull request asks for a scan
// of its branches (an annotation), and a push of branch B runs the child
// pipeline of B.
type Webhook struct {
	// Client reads pipelines and secrets and creates runs with
	// ke-apiserver's identity.
	Client client.Client
	Log    logr.Logger
}

func (wh *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ns, name := r.URL.Query().Get("namespace"), r.URL.Query().Get("pipeline")
	log := wh.Log.WithValues("namespace", ns, "pipeline", name, "delivery", r.Header.Get(gitea.DeliveryHeader), "remote", r.RemoteAddr)
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
	if !gitea.VerifySignature(body, s.Data[devopsv1alpha3.WebhookSecretKey], r.Header.Get(gitea.SignatureHeader)) {
		refuse("bad signature")
		return
	}
	delivery := r.Header.Get(gitea.DeliveryHeader)
	if delivery == "" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("X-Gitea-Delivery", "the delivery has no X-Gitea-Delivery id"))
		return
	}
	ev := r.Header.Get(gitea.EventHeader)
	discovery := p.Spec.Source != nil && p.Spec.Source.Discovery != nil
	if discovery && (ev == "push" || ev == "pull_request" || ev == "") {
		// A branch or pull request may have come or gone: scan now.
		wh.requestScan(r, p, log)
	}
	if ev != "" && ev != "push" {
		responsewriters.WriteJSON(w, http.StatusAccepted, apistatus.Success("event "+ev+" starts no run"))
		return
	}
	push, err := gitea.ParsePush(body)
	if err != nil {
		responsewriters.WriteStatus(w, apistatus.BadRequest("body", "the delivery is not a push event"))
		return
	}
	branch := push.Branch
	if branch == "" || push.Deleted {
		responsewriters.WriteJSON(w, http.StatusAccepted, apistatus.Success("a tag or a deleted branch starts no run"))
		return
	}
	if discovery {
		// The branch's own pipeline builds it.
		child := &devopsv1alpha3.Pipeline{}
		err := wh.Client.Get(r.Context(), client.ObjectKey{Namespace: ns, Name: names.BranchPipeline(name, branch)}, child)
		if err != nil || !metav1.IsControlledBy(child, p) {
			responsewriters.WriteJSON(w, http.StatusAccepted, apistatus.Success("branch "+branch+" has no pipeline yet; a scan was asked"))
			return
		}
		p, name = child, child.Name
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

// requestScan sets the pipeline's scan-requested annotation to now; the
// pipeline controller scans its branches when it changes.
func (wh *Webhook) requestScan(r *http.Request, p *devopsv1alpha3.Pipeline, log logr.Logger) {
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, devopsv1alpha3.ScanRequestedAnnotation, time.Now().UTC().Format(time.RFC3339Nano))
	if err := wh.Client.Patch(r.Context(), p.DeepCopy(), client.RawPatch(types.MergePatchType, patch)); err != nil {
		log.Error(err, "asking for a scan of the branches")
	}
}

package notification

import (
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	nv1 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/notification/channel"
	"github.com/superkube/super-kubenetes/internal/notification/records"
)

// Verification is the body of a verification request.
type Verification struct {
	// To is the recipient: an e-mail address (default the caller's), or a
	// chat target.
	To string `json:"to,omitempty"`
	// Language of the test message (default the caller's, else en).
	Language string `json:"language,omitempty"`
}

// verify sends a test message through a config and answers with the
// delivery: 200 when it was sent; when it failed, a Status naming the
// field at fault: 502 when the server does not answer or refuses, 422
// when the config itself is wrong (a user's config at an address the
// platform does not let users reach included).
func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	sc, err := h.authorizeSub(r, "create", "configs", "verification", name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	o, err := h.read(r.Context(), kinds["configs"], sc, name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c := o.(*nv1.Config)
	var v Verification
	if r.ContentLength != 0 {
		if err := requestbody.Decode(r, &v, requestbody.Options{Kind: "Verification", Strict: true}); err != nil {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	var u iamv1beta1.User
	if err := h.Reader.Get(r.Context(), client.ObjectKey{Name: sc.caller.GetName()}, &u); err == nil {
		if v.To == "" && c.Spec.Type == nv1.ChannelEmail {
			v.To = u.Spec.Email
		}
		if v.Language == "" {
			v.Language = u.Spec.Lang
		}
	}
	if v.To == "" && c.Spec.Type == nv1.ChannelEmail {
		responsewriters.WriteStatus(w, apistatus.BadRequest("to", "the address to send the test message to (the caller has none)"))
		return
	}
	d, derr := h.Sender.Verify(r.Context(), c, v.To, v.Language)
	if d.Result == records.Sent {
		responsewriters.WriteJSON(w, http.StatusOK, d)
		return
	}
	code := http.StatusBadGateway
	reason := metav1.StatusReason("DeliveryFailed")
	if d.Field == "to" || d.Field == "template" || isConfigField(d.Field) || (derr != nil && channel.AsError(derr).Disallowed) {
		code, reason = http.StatusUnprocessableEntity, metav1.StatusReasonInvalid
	}
	f := d.Field
	if f == "" {
		f = "spec"
	}
	responsewriters.WriteStatus(w, apistatus.New(code, reason, "the test message was not delivered: "+d.Reason,
		apistatus.Cause(metav1.CauseTypeFieldValueInvalid, f, d.Reason)))
}

// isConfigField: failures of these fields are the config's fault, not the
// remote server's.
func isConfigField(f string) bool {
	switch f {
	case "spec.type", "spec.email", "spec.url", "spec.email.from", "spec.email.passwordSecret", "spec.url.urlSecret", "spec.url.tokenSecret":
		return true
	}
	return false
}

// Package admission is kube-apiserver's validating webhook, served by
// ke-apiserver. It makes the platform's permission rules hold whatever path
// writes an object: ke-apiserver's own APIs, the Kubernetes API through its
// proxy, or kubectl straight at kube-apiserver with a downloaded kubeconfig.
//
// The rules:
//   - Nobody grants, builds or removes a permission they do not hold:
//     bindings (platform, workspace and native) need every permission of the
//     role they bind; roles and role templates every permission they hold,
//     before and after the change.
//   - Nobody acts on a user or group that holds a permission they do not
//     hold: changing or deleting a user, a group or a group's members needs
//     every permission the user or group holds (a platform administrator
//     holds everything).
//   - The platform's reserved labels and annotations (the superkube.io
//     domain) on namespaces, and the markers of its own roles and bindings,
//     are set only by the platform or a platform administrator; a namespace
//     joins a workspace only by someone who may create projects there.
//
// The platform's components (and system:masters, and the Kubernetes
// controllers in kube-system) are exempt; kube-apiserver does not even call
// the webhook for them (see Configuration), so their writes never wait for
// ke-apiserver.
package admission

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/authz"
)

// Path is where ke-apiserver serves the webhook.
const Path = "/webhooks/admission"

// maxReviewBytes bounds an AdmissionReview: an object and its old version
// at kube-apiserver's largest request size, and room for the rest.
const maxReviewBytes = 7 << 20

// Authorizer answers the questions of the escalation rule.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
	Missing(s authz.Subject, rules []rbacv1.PolicyRule, p authz.Place) string
	MissingOf(caller, target authz.Subject) string
	IsPlatformAdmin(s authz.Subject) bool
}

// Objects reads what the rules need from ke-apiserver's cache.
type Objects interface {
	// UserGroups returns the groups of a platform user; ok is false when
	// there is no such user.
	UserGroups(ctx context.Context, name string) (groups []string, ok bool, err error)
	// RoleRules returns the rules a role grants (its own and those of the
	// templates it aggregates); ok is false when it does not exist.
	RoleRules(ctx context.Context, ref RoleRef) (rules []rbacv1.PolicyRule, ok bool, err error)
	// TemplateRules returns the rules of role templates by name.
	TemplateRules(ctx context.Context, names []string) ([]rbacv1.PolicyRule, error)
}

// RoleRef names a role of any level.
type RoleRef struct {
	// Kind is GlobalRole, WorkspaceRole, ClusterRole or Role.
	Kind string
	Name string
	// Namespace of a Role; Workspace of a WorkspaceRole.
	Namespace, Workspace string
}

// Webhook serves admission reviews.
type Webhook struct {
	Authorizer Authorizer
	Objects    Objects
	Exempt     Exemptions
	// Ready says whether the caches the answers come from have synced.
	Ready func() error
	// Clock is the time review events are checked against; nil is time.Now.
	Clock func() time.Time
}

// ServeHTTP answers one AdmissionReview.
func (h *Webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxReviewBytes+1))
	if err != nil || len(body) > maxReviewBytes {
		http.Error(w, "the AdmissionReview could not be read or is too large", http.StatusBadRequest)
		return
	}
	review := &admissionv1.AdmissionReview{}
	if err := json.Unmarshal(body, review); err != nil || review.Request == nil {
		http.Error(w, "the body is not an AdmissionReview", http.StatusBadRequest)
		return
	}
	resp := h.review(r.Context(), review.Request)
	resp.UID = review.Request.UID
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	if out.APIVersion == "" {
		out.APIVersion, out.Kind = admissionv1.SchemeGroupVersion.String(), "AdmissionReview"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// review decides one request.
func (h *Webhook) review(ctx context.Context, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	log := logr.FromContextOrDiscard(ctx).WithValues("user", req.UserInfo.Username, "operation", req.Operation,
		"resource", req.Resource.Resource, "group", req.Resource.Group, "namespace", req.Namespace, "name", req.Name)
	if h.Exempt.Exempt(req.UserInfo) {
		return allowed()
	}
	if h.Ready != nil {
		if err := h.Ready(); err != nil {
			return refused(http.StatusServiceUnavailable, metav1.StatusReasonServiceUnavailable,
				"ke-apiserver is starting and cannot check this change yet; retry in a few seconds")
		}
	}
	check := h.checkFor(req.Resource.Group, req.Resource.Resource, req.SubResource)
	if check == nil {
		return allowed()
	}
	in := &request{AdmissionRequest: req, caller: authz.Subject{User: req.UserInfo.Username, Groups: req.UserInfo.Groups}}
	reason, err := check(ctx, in)
	var invalid *invalidObject
	if errors.As(err, &invalid) {
		log.V(2).Info("Refused an invalid object", "reason", invalid.status.Message)
		return &admissionv1.AdmissionResponse{Allowed: false, Result: &invalid.status}
	}
	if err != nil {
		log.Error(err, "Checking a change failed")
		return refused(http.StatusInternalServerError, metav1.StatusReasonInternalError,
			"ke-apiserver could not check this change; retry, and tell the platform's operators if it persists")
	}
	if reason != "" {
		log.V(2).Info("Refused a change", "reason", reason)
		return refused(http.StatusForbidden, metav1.StatusReasonForbidden, reason)
	}
	return allowed()
}

func allowed() *admissionv1.AdmissionResponse { return &admissionv1.AdmissionResponse{Allowed: true} }

func refused(code int32, reason metav1.StatusReason, msg string) *admissionv1.AdmissionResponse {
	return &admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
		Status: metav1.StatusFailure, Code: code, Reason: reason, Message: msg}}
}

// request is an admission request with what the checks share.
type request struct {
	*admissionv1.AdmissionRequest
	caller authz.Subject
}

// decode reads the new and old objects into fresh values of T; a missing
// one stays nil.
func decode[T any](req *request) (obj, old *T, err error) {
	if len(req.Object.Raw) > 0 {
		obj = new(T)
		if err := json.Unmarshal(req.Object.Raw, obj); err != nil {
			return nil, nil, fmt.Errorf("decoding the object: %w", err)
		}
	}
	if len(req.OldObject.Raw) > 0 {
		old = new(T)
		if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
			return nil, nil, fmt.Errorf("decoding the old object: %w", err)
		}
	}
	return obj, old, nil
}

type checkFunc func(ctx context.Context, req *request) (reason string, err error)

func key(group, resource, sub string) string { return group + "/" + resource + "/" + sub }

// Exemptions are the identities whose writes the webhook does not check:
// the platform's components, kube-apiserver's own controllers and
// system:masters. Their writes keep the platform running, and must not
// depend on ke-apiserver answering.
type Exemptions struct {
	// Users are the platform components' user names (their client
	// certificates' common names or service accounts).
	Users []string
}

// systemUsers are Kubernetes' own control-plane identities.
var systemUsers = []string{user.APIServerUser, user.KubeControllerManager, user.KubeScheduler}

// kubeSystemServiceAccounts prefixes the service accounts of the Kubernetes
// controllers (kube-controller-manager --use-service-account-credentials).
const kubeSystemServiceAccounts = "system:serviceaccount:kube-system:"

// Exempt reports whether a writer is exempt.
func (e Exemptions) Exempt(u authenticationv1.UserInfo) bool {
	return slices.Contains(u.Groups, user.SystemPrivilegedGroup) ||
		slices.Contains(e.Users, u.Username) || slices.Contains(systemUsers, u.Username) ||
		strings.HasPrefix(u.Username, kubeSystemServiceAccounts)
}

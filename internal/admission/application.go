package admission

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	appsvc "github.com/superkube/super-kubenetes/internal/services/application"
)

// --- The app store: the review workflow, trusted repositories, their
// credentials, and the operator of a release. ---

// AppObjects reads what the app store's checks need. CacheObjects
// implements it; without it the webhook refuses the app store's writes.
type AppObjects interface {
	// SecretLabels returns the labels of a Secret; ok is false when there
	// is none.
	SecretLabels(ctx context.Context, namespace, name string) (labels map[string]string, ok bool, err error)
	// NamespaceWorkspace returns the workspace of a namespace ("" when it
	// has none); ok is false when there is no such namespace.
	NamespaceWorkspace(ctx context.Context, name string) (workspace string, ok bool, err error)
	// ApplicationVersion reads a version; ok is false when there is none.
	ApplicationVersion(ctx context.Context, name string) (*applicationv2.ApplicationVersion, bool, error)
}

var errNoAppObjects = errors.New("the webhook cannot read the app store's objects")

func (h *Webhook) appObjects() (AppObjects, error) {
	o, ok := h.Objects.(AppObjects)
	if !ok {
		return nil, errNoAppObjects
	}
	return o, nil
}

// now is the webhook's clock.
func (h *Webhook) now() time.Time {
	if h.Clock != nil {
		return h.Clock()
	}
	return time.Now()
}

// applicationVersion: a version is created as a draft without reviews
// (by anyone but a platform administrator; ke-controller-manager, which
// creates a trusted repository's versions active, is exempt). A change of
// state is a transition of the workflow made by a role allowed to make
// it, recorded by one new review event naming the writer; reviews are
// append-only; anything else of the spec is changed only by the app's
// developers.
func (h *Webhook) applicationVersion(_ context.Context, req *request) (string, error) {
	obj, old, err := decode[applicationv2.ApplicationVersion](req)
	if err != nil || obj == nil {
		return "", err
	}
	s := appsvc.Subject{User: req.caller.User, Groups: req.caller.Groups}
	ws := obj.Labels[applicationv2.WorkspaceLabel]
	admin := h.Authorizer.IsPlatformAdmin(req.caller)
	if old == nil {
		if admin {
			return "", nil
		}
		if (obj.Spec.State != "" && obj.Spec.State != applicationv2.StateDraft) || len(obj.Spec.Reviews) > 0 {
			return fmt.Sprintf("a version is created as a draft with no reviews; only a platform administrator (or ke-controller-manager, for a trusted repository) creates one %s", obj.Spec.State), nil
		}
		return "", nil
	}
	if oldWs := old.Labels[applicationv2.WorkspaceLabel]; oldWs != ws && !admin {
		return fmt.Sprintf("only a platform administrator moves a version to another workspace (label %s)", applicationv2.WorkspaceLabel), nil
	}
	if !reflect.DeepEqual(appsvc.SpecWithoutReview(obj.Spec), appsvc.SpecWithoutReview(old.Spec)) && !appsvc.Holds(h.Authorizer, s, appsvc.Developer, ws) {
		return fmt.Sprintf("user %s may not change the chart of a version %s: only its developers (update applications there) may; reviewers change only spec.state, with a review event",
			s.User, wsWhere(ws)), nil
	}
	t, changed, reason := appsvc.CheckReviews(&old.Spec, &obj.Spec, req.caller.User, h.now())
	if reason != "" {
		return reason, nil
	}
	if changed && !appsvc.MayMake(h.Authorizer, s, t, ws) {
		return appsvc.Refusal(s, t, ws), nil
	}
	return "", nil
}

func wsWhere(ws string) string {
	if ws == "" {
		return "at platform level"
	}
	return "of workspace " + ws
}

// repository: only a platform administrator sets or clears spec.trusted;
// a credentials Secret is a Secret in the system namespace labelled for
// this repository (so that no one points a repository at someone else's
// secret, which ke-controller-manager would send to the repository's URL).
func (h *Webhook) repository(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[applicationv2.Repository](req)
	if err != nil || obj == nil {
		return "", err
	}
	wasTrusted := old != nil && old.Spec.Trusted
	if obj.Spec.Trusted != wasTrusted && !h.Authorizer.IsPlatformAdmin(req.caller) {
		return fmt.Sprintf("only a platform administrator may set or clear spec.trusted of repository %s (a trusted repository's charts go to the store without review)", obj.Name), nil
	}
	if s := obj.Spec.CredentialsSecret; s != "" && (old == nil || old.Spec.CredentialsSecret != s || old.Name != obj.Name) {
		o, err := h.appObjects()
		if err != nil {
			return "", err
		}
		labels, ok, err := o.SecretLabels(ctx, applicationv2.SecretNamespace, s)
		if err != nil {
			return "", err
		}
		if !ok || labels[applicationv2.RepositoryLabel] != obj.Name {
			return fmt.Sprintf("spec.credentialsSecret must name a Secret in %s labelled %s=%s", applicationv2.SecretNamespace, applicationv2.RepositoryLabel, obj.Name), nil
		}
	}
	return "", nil
}

// applicationRelease: the operator annotation names the writer whenever
// the release is created or its spec (or the annotation) changes, and the
// deleter when it is deleted, since ke-controller-manager carries the
// change (or the uninstall) out as that user; and the version installed is
// in the store (active) or an app template of the namespace's workspace.
func (h *Webhook) applicationRelease(ctx context.Context, req *request) (string, error) {
	obj, old, err := decode[applicationv2.ApplicationRelease](req)
	if err != nil {
		return "", err
	}
	if req.Operation == admissionv1.Delete {
		if old != nil && old.Annotations[applicationv2.OperatorAnnotation] != req.caller.User {
			return fmt.Sprintf("the release is uninstalled as the user its annotation %s names (%s): name yourself first "+
				"(kubectl annotate applicationrelease %s %s=%s --overwrite), so that the uninstall does only what you may do",
				applicationv2.OperatorAnnotation, old.Annotations[applicationv2.OperatorAnnotation], req.Name, applicationv2.OperatorAnnotation, req.caller.User), nil
		}
		return "", nil
	}
	if obj == nil {
		return "", nil
	}
	op := obj.Annotations[applicationv2.OperatorAnnotation]
	specChanged := old == nil || !reflect.DeepEqual(obj.Spec, old.Spec)
	if specChanged || op != old.Annotations[applicationv2.OperatorAnnotation] {
		if op != req.caller.User {
			return fmt.Sprintf("the annotation %s must name %s, the user creating or changing the release (ke-controller-manager installs it as that user)",
				applicationv2.OperatorAnnotation, req.caller.User), nil
		}
	}
	if !specChanged || (old != nil && old.Spec.Version == obj.Spec.Version) {
		return "", nil
	}
	o, err := h.appObjects()
	if err != nil {
		return "", err
	}
	v, ok, err := o.ApplicationVersion(ctx, obj.Spec.Version)
	if err != nil {
		return "", err
	}
	if !ok {
		return fmt.Sprintf("spec.version: there is no app version %s", obj.Spec.Version), nil
	}
	if obj.Spec.Application != v.Spec.Application {
		return fmt.Sprintf("spec.version: %s is a version of %s, not of %s", v.Name, v.Spec.Application, obj.Spec.Application), nil
	}
	if v.Spec.State == applicationv2.StateActive {
		return "", nil
	}
	ws, _, err := o.NamespaceWorkspace(ctx, req.Namespace)
	if err != nil {
		return "", err
	}
	if vws := v.Labels[applicationv2.WorkspaceLabel]; vws == "" || vws != ws {
		return fmt.Sprintf("spec.version: %s is not in the app store (it is %s) nor an app template of this project's workspace", v.Name, v.Spec.State), nil
	}
	return "", nil
}

// SecretLabels implements AppObjects (the cache keeps Secrets' metadata).
func (c CacheObjects) SecretLabels(ctx context.Context, namespace, name string) (map[string]string, bool, error) {
	s := &corev1.Secret{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("reading secret %s/%s: %w", namespace, name, err)
	}
	return s.Labels, true, nil
}

// NamespaceWorkspace implements AppObjects.
func (c CacheObjects) NamespaceWorkspace(ctx context.Context, name string) (string, bool, error) {
	n := &corev1.Namespace{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
		if apierrors.IsNotFound(err) {
			return "", false, nil
		}
		return "", false, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	return n.Labels[tenantv1beta1.WorkspaceLabel], true, nil
}

// ApplicationVersion implements AppObjects.
func (c CacheObjects) ApplicationVersion(ctx context.Context, name string) (*applicationv2.ApplicationVersion, bool, error) {
	v := &applicationv2.ApplicationVersion{}
	if err := c.Reader.Get(ctx, client.ObjectKey{Name: name}, v); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("reading app version %s: %w", name, err)
	}
	return v, true, nil
}

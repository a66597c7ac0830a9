package iam

import (
	"fmt"
	"net/http"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// Resources, for errors.
var (
	usersGR            = iamv1beta1.GroupVersion.WithResource("users").GroupResource()
	groupsGR           = iamv1beta1.GroupVersion.WithResource("groups").GroupResource()
	groupMembersGR     = schema.GroupResource{Group: iamv1beta1.GroupName, Resource: "groups/members"}
	globalRolesGR      = iamv1beta1.GroupVersion.WithResource("globalroles").GroupResource()
	workspaceRolesGR   = iamv1beta1.GroupVersion.WithResource("workspaceroles").GroupResource()
	workspaceMembersGR = schema.GroupResource{Group: iamv1beta1.GroupName, Resource: "workspacemembers"}
	workspacesGR       = tenantv1beta1.GroupVersion.WithResource("workspaces").GroupResource()
	namespacesGR       = schema.GroupResource{Resource: "namespaces"}
	rolesGR            = rbacv1.SchemeGroupVersion.WithResource("roles").GroupResource()
	clusterRolesGR     = rbacv1.SchemeGroupVersion.WithResource("clusterroles").GroupResource()
	projectMembersGR   = schema.GroupResource{Group: iamv1beta1.GroupName, Resource: "members"}
	clusterMembersGR   = schema.GroupResource{Group: iamv1beta1.GroupName, Resource: "clustermembers"}
)

// invalid is a 422 naming the fields that are wrong.
func invalid(kind, name string, errs field.ErrorList) error {
	return apierrors.NewInvalid(schema.GroupKind{Group: iamv1beta1.GroupName, Kind: kind}, name, errs)
}

// duplicate is a 409 AlreadyExists that names the field whose value is taken.
func duplicate(gr schema.GroupResource, name, fieldPath, msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusConflict, Reason: metav1.StatusReasonAlreadyExists,
		Message: fmt.Sprintf("%s %q: %s: %s", gr.String(), name, fieldPath, msg),
		Details: &metav1.StatusDetails{Group: gr.Group, Kind: gr.Resource, Name: name,
			Causes: []metav1.StatusCause{{Type: metav1.CauseTypeFieldValueDuplicate, Field: fieldPath, Message: msg}}},
	}}
}

// conflict is a 409 Conflict with a message that says what to do instead.
func conflict(gr schema.GroupResource, name, msg string) error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusConflict, Reason: metav1.StatusReasonConflict,
		Message: msg, Details: &metav1.StatusDetails{Group: gr.Group, Kind: gr.Resource, Name: name},
	}}
}

// builtinConflict refuses changes to a built-in role: a 409 whose cause has
// the type BuiltinRole, so that clients can tell it from other conflicts.
func builtinConflict(gr schema.GroupResource, name string) error {
	msg := fmt.Sprintf("%s %q is a built-in role and is read-only; create a custom role instead", gr.Resource, name)
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: http.StatusConflict, Reason: metav1.StatusReasonConflict, Message: msg,
		Details: &metav1.StatusDetails{Group: gr.Group, Kind: gr.Resource, Name: name,
			Causes: []metav1.StatusCause{{Type: "BuiltinRole", Field: "metadata.labels[" + iamv1beta1.BuiltinLabel + "]", Message: msg}}},
	}}
}

// validateName checks an object name as a DNS-1123 label (users, groups)
// or subdomain (roles).
func validateName(path *field.Path, name string, subdomain bool) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var msgs []string
	if subdomain {
		msgs = validation.IsDNS1123Subdomain(name)
	} else {
		msgs = validation.IsDNS1123Label(name)
	}
	var errs field.ErrorList
	for _, m := range msgs {
		errs = append(errs, field.Invalid(path, name, m))
	}
	return errs
}

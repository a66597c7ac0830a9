package controllers

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

func TestKubeAPIServerRejectsBadObjectsWithAClearMessage(t *testing.T) {
	long := strings.Repeat("w", 41)
	tests := []struct {
		name string
		obj  client.Object
		want string // part of the message, naming the field
	}{
		{"a malformed e-mail", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "bad-mail"}, Spec: iamv1beta1.UserSpec{Email: "not-an-address"}}, "spec.email"},
		{"a user name that is not a DNS-1123 label", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "Bad.Name"}}, "DNS-1123"},
		{"a password longer than bcrypt allows", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "long-password"}, Spec: iamv1beta1.UserSpec{Password: strings.Repeat("p", 73)}}, "72 bytes"},
		{"a global binding to a workspace role", &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wrong-kind"},
			RoleRef: iamv1beta1.RoleRef{Kind: "WorkspaceRole", Name: "x-admin"}}, "roleRef.kind"},
		{"a workspace binding to a global role", &iamv1beta1.WorkspaceRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wrong-kind"},
			RoleRef: iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-admin"}}, "roleRef.kind"},
		{"a subject that is neither user nor group", &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "wrong-subject"},
			RoleRef: iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-admin"}, Subjects: []iamv1beta1.Subject{{Kind: "ServiceAccount", Name: "x"}}}, "subjects[0].kind"},
		{"a workspace name too long for its role names", &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: long}}, "at most 40"},
		{"a workspace manager that is not a user name", &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "bad-manager"}, Spec: tenantv1beta1.WorkspaceSpec{Manager: "Not A User"}}, "spec.manager"},
		{"an unknown namespace policy", &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "bad-policy"}, Spec: tenantv1beta1.WorkspaceSpec{NamespacePolicy: "Shred"}}, "spec.namespacePolicy"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			err := k8s.Create(context.Background(), tt.obj)
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want 422 Invalid, got %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("the message does not name %q: %v", tt.want, err)
			}
		})
	}
}

func TestARoleReferenceCannotChange(t *testing.T) {
	ctx := context.Background()
	b := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "fixed-role"},
		RoleRef: iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-regular"}}
	create(t, b)
	before := b.DeepCopy()
	b.RoleRef.Name = "platform-admin"
	err := k8s.Patch(ctx, b, client.MergeFrom(before))
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("want an immutable error, got %v", err)
	}
}

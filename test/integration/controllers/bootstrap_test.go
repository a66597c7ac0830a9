package controllers

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/bootstrap"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/iam/password"
)

func TestBootstrapCreatesTheBuiltinTemplatesAndRoles(t *testing.T) {
	ctx := context.Background()
	templates := &iamv1beta1.RoleTemplateList{}
	if err := k8s.List(ctx, templates, client.MatchingLabels{iamv1beta1.BuiltinLabel: "true"}); err != nil {
		t.Fatal(err)
	}
	if len(templates.Items) != len(builtin.Templates()) {
		t.Fatalf("got %d built-in templates, want %d", len(templates.Items), len(builtin.Templates()))
	}
	for _, name := range []string{builtin.PlatformAdmin, builtin.PlatformRegular, builtin.PlatformSelfProvisioner} {
		eventually(t, "global role "+name+" is Ready with its mirror", func() error {
			gr := &iamv1beta1.GlobalRole{}
			if err := get(gr, name); err != nil {
				return err
			}
			if !conditions.IsReady(gr.Status.Conditions) {
				return errNotReady(gr.Status.Conditions)
			}
			return get(&rbacv1.ClusterRole{}, mirror.GlobalRoleClusterRole(name))
		})
	}
	eventually(t, "cluster-viewer aggregates its templates", func() error {
		cr := &rbacv1.ClusterRole{}
		if err := get(cr, builtin.ClusterViewer); err != nil {
			return err
		}
		if len(cr.Rules) == 0 {
			return errString("no rules yet")
		}
		return nil
	})
	c := &clusterv1alpha1.Cluster{}
	eventually(t, "the host cluster reports its version", func() error {
		if err := get(c, clusterv1alpha1.HostClusterName); err != nil {
			return err
		}
		if c.Status.KubernetesVersion != "v1.37.2" || !conditions.IsReady(c.Status.Conditions) {
			return errString("status " + c.Status.KubernetesVersion)
		}
		return nil
	})
}

func TestBootstrapCreatesAnAdministratorWithAGeneratedPasswordHashedOnly(t *testing.T) {
	ctx := context.Background()
	secret := &corev1.Secret{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: cfg.SystemNamespace, Name: bootstrap.AdminPasswordSecret}, secret); err != nil {
		t.Fatalf("the initial password secret: %v", err)
	}
	plain := string(secret.Data["password"])
	if len(plain) < 16 {
		t.Fatalf("the generated password is too short: %d characters", len(plain))
	}
	admin := &iamv1beta1.User{}
	if err := get(admin, bootstrap.AdminUser); err != nil {
		t.Fatal(err)
	}
	hash := storedHash(t, admin)
	if !password.IsHash(hash) || !password.Matches(hash, plain) {
		t.Fatal("the administrator's password Secret does not hold the bcrypt hash of the generated one")
	}
	if js := mustJSON(t, admin); strings.Contains(js, plain) || strings.Contains(js, hash) || admin.Spec.Password != "" {
		t.Fatal("the password or its hash appears in the User object")
	}
	if !admin.Spec.PasswordChangeRequired {
		t.Fatal("the administrator is not asked to change the initial password")
	}
	expectAccess(t, access{user: "admin", verb: "delete", resource: "nodes", name: "any"}, true)
	expectAccess(t, access{user: "admin", verb: "create", group: "iam.superkube.io", resource: "users"}, true)
}

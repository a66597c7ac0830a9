package controllers

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/mirror"
	"github.com/superkube/super-kubenetes/internal/controller/namespace"
	"github.com/superkube/super-kubenetes/internal/controller/workspace"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
)

func workspaceReady(t *testing.T, name string) *tenantv1beta1.Workspace {
	t.Helper()
	ws := &tenantv1beta1.Workspace{}
	eventually(t, "workspace "+name+" is Ready", func() error {
		if err := get(ws, name); err != nil {
			return err
		}
		if !conditions.IsReady(ws.Status.Conditions) {
			return errNotReady(ws.Status.Conditions)
		}
		return nil
	})
	return ws
}

func TestAWorkspaceGetsItsRolesAndItsManagerIsAdmin(t *testing.T) {
	create(t, newUser("alice"))
	create(t, newWorkspace("acme", "alice"))
	workspaceReady(t, "acme")
	for _, r := range builtin.WorkspaceRoles() {
		name := builtin.WorkspaceRoleName("acme", r.Name)
		eventually(t, "workspace role "+name+" is Ready and mirrored", func() error {
			role := &iamv1beta1.WorkspaceRole{}
			if err := get(role, name); err != nil {
				return err
			}
			if !conditions.IsReady(role.Status.Conditions) || len(role.Rules) == 0 {
				return errNotReady(role.Status.Conditions)
			}
			cr := &rbacv1.ClusterRole{}
			if err := get(cr, mirror.WorkspaceRoleClusterRole(name)); err != nil {
				return err
			}
			if len(cr.Rules) != len(role.Rules) {
				return fmt.Errorf("mirror has %d rules, role %d", len(cr.Rules), len(role.Rules))
			}
			return nil
		})
	}
	eventually(t, "the manager's binding is Ready", func() error {
		b := &iamv1beta1.WorkspaceRoleBinding{}
		if err := get(b, workspace.ManagerBindingName("acme", "alice")); err != nil {
			return err
		}
		if !conditions.IsReady(b.Status.Conditions) {
			return errNotReady(b.Status.Conditions)
		}
		return nil
	})
}

func TestAProjectGetsItsRolesItsCreatorAndTheWorkspaceMembers(t *testing.T) {
	ctx := context.Background()
	create(t, newUser("bob"))
	create(t, newUser("wanda"))
	create(t, newWorkspace("beta", "wanda"))
	workspaceReady(t, "beta")
	create(t, newProject("beta-web", "beta", "bob"))

	eventually(t, "the project roles exist with rules", func() error {
		for _, r := range builtin.ProjectRoles() {
			role := &rbacv1.Role{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: "beta-web", Name: r.Name}, role); err != nil {
				return err
			}
			if len(role.Rules) == 0 || role.Labels[iamv1beta1.ScopeLabel] != "namespace" {
				return fmt.Errorf("role %s has no rules or no scope", r.Name)
			}
		}
		return nil
	})
	eventually(t, "the creator is admin and the condition is True", func() error {
		rb := &rbacv1.RoleBinding{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "beta-web", Name: namespace.CreatorBindingName("bob", builtin.ProjectAdmin)}, rb); err != nil {
			return err
		}
		return projectCondition("beta-web", corev1.ConditionTrue, namespace.ReasonReconciled)
	})
	// Native RBAC: the creator administers the project, the workspace manager
	// reaches it through the mirrored workspace binding.
	expectAccess(t, access{user: "bob", verb: "create", group: "apps", resource: "deployments", namespace: "beta-web"}, true)
	expectAccess(t, access{user: "bob", verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: "beta-web"}, true)
	expectAccess(t, access{user: "wanda", verb: "delete", group: "apps", resource: "deployments", namespace: "beta-web"}, true)
	expectAccess(t, access{user: "bob", verb: "list", resource: "pods", namespace: "kube-system"}, false)
	expectAccess(t, access{user: "wanda", verb: "list", resource: "pods", namespace: "kube-system"}, false)
}

func TestMembersReachEveryProjectOfTheirWorkspaceAndNoOther(t *testing.T) {
	ctx := context.Background()
	create(t, newUser("carol"))
	create(t, newUser("owner-gamma"))
	create(t, newWorkspace("gamma", "owner-gamma"))
	create(t, newWorkspace("delta", "owner-gamma"))
	workspaceReady(t, "gamma")
	workspaceReady(t, "delta")
	create(t, newProject("gamma-a", "gamma", ""))
	create(t, newProject("gamma-b", "gamma", ""))
	create(t, newProject("delta-a", "delta", ""))

	member := newWorkspaceMember("gamma", "carol", builtin.WorkspaceViewer)
	create(t, member)
	for _, ns := range []string{"gamma-a", "gamma-b"} {
		expectAccess(t, access{user: "carol", verb: "list", resource: "pods", namespace: ns}, true)
		expectAccess(t, access{user: "carol", verb: "list", group: "apps", resource: "deployments", namespace: ns}, true)
	}
	// A viewer reads but does not change, and does not read secrets.
	expectAccess(t, access{user: "carol", verb: "delete", group: "apps", resource: "deployments", namespace: "gamma-a"}, false)
	expectAccess(t, access{user: "carol", verb: "get", resource: "secrets", namespace: "gamma-a"}, false)
	expectAccess(t, access{user: "carol", verb: "list", resource: "pods", namespace: "delta-a"}, false)

	t.Run("a namespace that joins the workspace gets the member", func(t *testing.T) {
		create(t, newProject("gamma-late", "gamma", ""))
		expectAccess(t, access{user: "carol", verb: "list", resource: "pods", namespace: "gamma-late"}, true)
	})

	t.Run("a namespace that leaves the workspace loses the member", func(t *testing.T) {
		ns := &corev1.Namespace{}
		if err := get(ns, "gamma-b"); err != nil {
			t.Fatal(err)
		}
		before := ns.DeepCopy()
		ns.Labels[tenantv1beta1.WorkspaceLabel] = "delta"
		if err := k8s.Patch(ctx, ns, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
		expectAccess(t, access{user: "owner-gamma", verb: "list", resource: "pods", namespace: "gamma-b"}, true) // still manager of delta
		eventually(t, "carol's mirror leaves gamma-b", func() error {
			if allowed(t, access{user: "carol", verb: "list", resource: "pods", namespace: "gamma-b"}) {
				return errString("carol still lists pods in gamma-b")
			}
			return nil
		})
	})

	t.Run("removing the member removes the access everywhere", func(t *testing.T) {
		if err := k8s.Delete(ctx, member); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the mirrors are garbage-collected", func() error {
			list := &rbacv1.RoleBindingList{}
			if err := k8s.List(ctx, list, client.MatchingLabels{iamv1beta1.UserRefLabel: "carol"}); err != nil {
				return err
			}
			if len(list.Items) > 0 {
				return fmt.Errorf("%d mirrors remain", len(list.Items))
			}
			return nil
		})
		expectAccess(t, access{user: "carol", verb: "list", resource: "pods", namespace: "gamma-a"}, false)
	})
}

func TestAManagerWhoIsNotAUserIsReportedAndBoundOnceCreated(t *testing.T) {
	create(t, newWorkspace("epsilon", "nobody-yet"))
	eventually(t, "the workspace reports the missing manager", func() error {
		ws := &tenantv1beta1.Workspace{}
		if err := get(ws, "epsilon"); err != nil {
			return err
		}
		if r := readyReason(ws.Status.Conditions); r != tenantv1beta1.ReasonManagerNotFound {
			return fmt.Errorf("reason %q", r)
		}
		return nil
	})
	eventually(t, "a warning event names the reason", func() error { return hasEvent("epsilon", tenantv1beta1.ReasonManagerNotFound) })
	create(t, newUser("nobody-yet"))
	workspaceReady(t, "epsilon")
}

func TestANamespaceLabelledWithAMissingWorkspaceIsReported(t *testing.T) {
	create(t, newProject("orphan-ns", "no-such-workspace", ""))
	eventually(t, "the namespace condition names the missing workspace", func() error {
		return projectCondition("orphan-ns", corev1.ConditionFalse, namespace.ReasonWorkspaceNotFound)
	})
	eventually(t, "a warning event names the reason", func() error { return hasEvent("orphan-ns", namespace.ReasonWorkspaceNotFound) })
}

func TestDeletingAWorkspaceReleasesOrDeletesItsNamespaces(t *testing.T) {
	ctx := context.Background()
	create(t, newUser("zed"))
	keep := newWorkspace("keeper", "zed")
	create(t, keep)
	drop := newWorkspace("dropper", "zed")
	drop.Spec.NamespacePolicy = tenantv1beta1.NamespacesDelete
	create(t, drop)
	workspaceReady(t, "keeper")
	workspaceReady(t, "dropper")
	create(t, newProject("keeper-ns", "keeper", ""))
	create(t, newProject("dropper-ns", "dropper", ""))
	eventually(t, "the projects are counted", func() error {
		ws := &tenantv1beta1.Workspace{}
		if err := get(ws, "dropper"); err != nil {
			return err
		}
		if ws.Status.Namespaces != 1 {
			return fmt.Errorf("%d namespaces", ws.Status.Namespaces)
		}
		return nil
	})
	if err := k8s.Delete(ctx, keep); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Delete(ctx, drop); err != nil {
		t.Fatal(err)
	}
	eventually(t, "Release keeps the namespace without the label", func() error {
		ns := &corev1.Namespace{}
		if err := get(ns, "keeper-ns"); err != nil {
			return err
		}
		if _, ok := ns.Labels[tenantv1beta1.WorkspaceLabel]; ok {
			return errString("still labelled")
		}
		return nil
	})
	eventually(t, "Delete deletes the namespace", func() error {
		ns := &corev1.Namespace{}
		err := get(ns, "dropper-ns")
		if apierrors.IsNotFound(err) || (err == nil && !ns.DeletionTimestamp.IsZero()) {
			return nil
		}
		return fmt.Errorf("namespace still there (%v)", err)
	})
	eventually(t, "the workspaces and their roles are gone", func() error {
		for _, name := range []string{"keeper", "dropper"} {
			if err := get(&tenantv1beta1.Workspace{}, name); !apierrors.IsNotFound(err) {
				return fmt.Errorf("workspace %s: %v", name, err)
			}
			if err := get(&iamv1beta1.WorkspaceRole{}, builtin.WorkspaceRoleName(name, builtin.WorkspaceAdmin)); !apierrors.IsNotFound(err) {
				return fmt.Errorf("role of %s: %v", name, err)
			}
		}
		return nil
	})
}

func projectCondition(ns string, status corev1.ConditionStatus, reason string) error {
	n := &corev1.Namespace{}
	if err := get(n, ns); err != nil {
		return err
	}
	for _, c := range n.Status.Conditions {
		if c.Type == namespace.ProjectCondition {
			if c.Status == status && c.Reason == reason {
				return nil
			}
			return fmt.Errorf("condition %s %s: %s", c.Status, c.Reason, c.Message)
		}
	}
	return errString("no project condition yet")
}

// hasEvent finds a Warning event about the named object with the reason.
func hasEvent(name, reason string) error {
	list := &eventsv1.EventList{}
	if err := k8s.List(context.Background(), list); err != nil {
		return err
	}
	for _, e := range list.Items {
		if e.Regarding.Name == name && e.Reason == reason && e.Type == corev1.EventTypeWarning {
			return nil
		}
	}
	return fmt.Errorf("no %s event about %s", reason, name)
}

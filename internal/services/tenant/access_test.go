package tenant_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

// mayRead reports whether the authorizer lets user read workspace ws, as
// the console's next request after creating it asks.
func mayRead(user, ws string) bool {
	return env.Authorizer.Authorize(&authz.Attributes{User: user, ResourceRequest: true, Verb: "get",
		APIGroup: tenantv1beta1.GroupName, Resource: "workspaces", Name: ws, Workspace: ws}).Allowed
}

// The creator of a workspace opens it next: creating it answers once the
// controller's admin binding lets them in (the test makes the binding, as
// no controller runs here), not before.
func TestCreatingAWorkspaceAnswersOnceItsCreatorIsLetIn(t *testing.T) {
	s := newService()
	s.AccessWait = 20 * time.Second
	const ws, manager = "let-in", "dana"
	bound := make(chan struct{})
	go func() {
		defer close(bound)
		time.Sleep(500 * time.Millisecond)
		objs := servicetest.Workspace(ws, manager)[1:] // the controller's roles, not the workspace
		objs = append(objs, servicetest.WorkspaceMember(ws, manager, builtin.WorkspaceRoleName(ws, builtin.WorkspaceAdmin)))
		for _, o := range objs {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Errorf("creating %T %s: %v", o, o.GetName(), err)
			}
		}
	}()
	if _, err := s.CreateWorkspace(ctx, servicetest.Caller(manager), workspace(ws, "")); err != nil {
		t.Fatal(err)
	}
	if !mayRead(manager, ws) {
		t.Fatalf("creating workspace %s answered before its creator %s may read it", ws, manager)
	}
	<-bound
}

// Without the binding, creating a workspace still answers after the wait.
func TestCreatingAWorkspaceGivesUpWaitingQuietly(t *testing.T) {
	s := newService()
	s.AccessWait = 300 * time.Millisecond
	start := time.Now()
	if _, err := s.CreateWorkspace(ctx, servicetest.Caller("erin"), workspace("never-bound", "")); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < s.AccessWait || mayRead("erin", "never-bound") {
		t.Fatalf("took %s (want at least %s) and the creator may read it: %v", took, s.AccessWait, mayRead("erin", "never-bound"))
	}
}

// The same for a project: its creator is bound as its admin by the project
// controller, and creating it answers once that binding lets them in.
func TestCreatingAProjectAnswersOnceItsCreatorIsLetIn(t *testing.T) {
	s := newService()
	s.AccessWait = 20 * time.Second
	const ws, ns, creator = "let-in-projects", "let-in-project", "fay"
	env.Create(t, servicetest.Workspace(ws, "")...)
	bound := make(chan struct{})
	go func() {
		defer close(bound)
		time.Sleep(500 * time.Millisecond)
		objs := servicetest.Project(ws, ns, creator)[1:] // the controller's roles, not the namespace
		objs = append(objs, servicetest.ProjectMember(ns, creator, builtin.ProjectAdmin))
		for _, o := range objs {
			if err := env.Client.Create(ctx, o); err != nil {
				t.Errorf("creating %T %s: %v", o, o.GetName(), err)
			}
		}
	}()
	if _, err := s.CreateProject(ctx, servicetest.Caller(creator), ws, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	if !env.Authorizer.Authorize(&authz.Attributes{User: creator, ResourceRequest: true, Verb: "get", Resource: "namespaces", Name: ns, Namespace: ns}).Allowed {
		t.Fatalf("creating project %s answered before its creator %s may read it", ns, creator)
	}
	<-bound
}

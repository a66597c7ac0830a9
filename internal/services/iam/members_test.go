package iam_test

import (
	"net/http"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

func TestAMemberIsAddedGivenAnotherRoleAndRemovedAtEachLevel(t *testing.T) {
	s, _ := newService()
	env.Create(t, servicetest.Workspace("lifecycle", "")...)
	env.Create(t, servicetest.Project("lifecycle", "lifecycle-dev", "")...)
	for _, tt := range []struct {
		name              string
		at                iamsvc.At
		role, first       string // the role as given, and as the member holds it
		next, nextHeld    string
		user              string
		bindingsLeftAfter int
	}{
		{name: "a workspace member, with the short names of the workspace's roles", at: at(iamv1beta1.LevelWorkspace, "lifecycle"),
			role: "viewer", first: "lifecycle-viewer", next: "regular", nextHeld: "lifecycle-regular", user: "ws-member"},
		{name: "a project member", at: at(iamv1beta1.LevelNamespace, "lifecycle-dev"),
			role: "viewer", first: "viewer", next: "operator", nextHeld: "operator", user: "project-member"},
		{name: "a cluster member", at: at(iamv1beta1.LevelCluster, ""),
			role: builtin.ClusterViewer, first: builtin.ClusterViewer, next: builtin.ClusterAdmin, nextHeld: builtin.ClusterAdmin, user: "cluster-member"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env.Create(t, servicetest.User(tt.user))
			m, err := s.AddMember(ctx, root, tt.at, iamsvc.MemberRequest{Username: tt.user, Role: tt.role})
			if err != nil {
				t.Fatalf("adding: %v", err)
			}
			if m.Role != tt.first || m.Email != tt.user+"@example.com" || len(m.Bindings) != 1 {
				t.Fatalf("added %+v, want role %s, the user's e-mail address and one binding", m, tt.first)
			}
			members, err := s.Members(ctx, tt.at)
			if err != nil || !slices.ContainsFunc(members, func(m *iamsvc.Member) bool { return m.Username == tt.user && m.Role == tt.first }) {
				t.Fatalf("the members %v (%v) leave out %s", members, err, tt.user)
			}
			m, err = s.SetMemberRole(ctx, root, tt.at, tt.user, iamsvc.MemberRequest{Role: tt.next})
			if err != nil {
				t.Fatalf("changing the role: %v", err)
			}
			if !slices.Equal(m.Roles, []string{tt.nextHeld}) {
				t.Fatalf("the member holds %v, want only %s", m.Roles, tt.nextHeld)
			}
			if got, err := s.GetMember(ctx, tt.at, tt.user); err != nil || !slices.Equal(got.Roles, []string{tt.nextHeld}) || len(got.Bindings) != 1 {
				t.Fatalf("read back %+v (%v), want only %s through one binding", got, err, tt.nextHeld)
			}
			if err := s.RemoveMember(ctx, root, tt.at, tt.user); err != nil {
				t.Fatalf("removing: %v", err)
			}
			_, err = s.GetMember(ctx, tt.at, tt.user)
			servicetest.ExpectStatus(t, err, http.StatusNotFound, "")
		})
	}
}

func TestAddingAMemberIsChecked(t *testing.T) {
	s, _ := newService()
	const ws = "adding"
	env.Create(t, servicetest.Workspace(ws, "")...)
	env.Create(t, servicetest.User("adding-manager"), servicetest.User("adding-viewer"), servicetest.User("adding-newcomer"),
		servicetest.WorkspaceMember(ws, "adding-manager", ws+"-admin"), servicetest.WorkspaceMember(ws, "adding-viewer", ws+"-viewer"),
		servicetest.WorkspaceRole(ws, ws+"-widgets", anyWidget))
	manager := servicetest.Caller("adding-manager")
	for _, tt := range []struct {
		name   string
		caller user.Info
		req    iamsvc.MemberRequest
		code   int32 // 0: added
		field  string
	}{
		{"a role that does not exist is refused", root, iamsvc.MemberRequest{Username: "adding-newcomer", Role: "nope"}, http.StatusUnprocessableEntity, "role"},
		{"no role is refused", root, iamsvc.MemberRequest{Username: "adding-newcomer"}, http.StatusUnprocessableEntity, "role"},
		{"a name that is no user name is refused", root, iamsvc.MemberRequest{Username: "Not_A_Name", Role: "viewer"}, http.StatusUnprocessableEntity, "username"},
		{"a member who has the role already is a duplicate", root, iamsvc.MemberRequest{Username: "adding-viewer", Role: "viewer"}, http.StatusConflict, "username"},
		{"a member who has another role is told to change it instead", root, iamsvc.MemberRequest{Username: "adding-viewer", Role: "regular"}, http.StatusConflict, ""},
		{"a user who does not exist is refused to callers who may view users", root, iamsvc.MemberRequest{Username: "adding-ghost", Role: "viewer"}, http.StatusUnprocessableEntity, "username"},
		{"a user who does not exist is bound for callers who may not view users, who must not learn who exists", manager,
			iamsvc.MemberRequest{Username: "adding-ghost", Role: "viewer"}, 0, ""},
		{"a role that allows what the caller may not do is refused", manager, iamsvc.MemberRequest{Username: "adding-newcomer", Role: ws + "-widgets"}, http.StatusForbidden, ""},
		{"a role within the caller's permissions is granted", manager, iamsvc.MemberRequest{Username: "adding-newcomer", Role: "viewer"}, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.AddMember(ctx, tt.caller, at(iamv1beta1.LevelWorkspace, ws), tt.req)
			if tt.code != 0 {
				servicetest.ExpectStatus(t, err, tt.code, tt.field)
				return
			}
			if err != nil || m.Username != tt.req.Username || m.Role != ws+"-"+tt.req.Role {
				t.Fatalf("got %+v, %v", m, err)
			}
			if bs := bindingsOf(t, ws, tt.req.Username); len(bs) != 1 || bs[0].RoleRef.Name != m.Role {
				t.Fatalf("the user's bindings are %v", bs)
			}
		})
	}
}

func TestBuiltInRolesNotMadeYetCanBeGranted(t *testing.T) {
	s, _ := newService()
	// A workspace and a project whose roles ke-controller-manager has not made.
	env.Create(t, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "early"}}, servicetest.User("early-member"))
	env.Create(t, servicetest.Project("early", "early-dev", "")[0], &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "loose"}})
	for _, tt := range []struct {
		name, role, want string
		at               iamsvc.At
		code             int32
	}{
		{"in a workspace, by its short name", "viewer", "early-viewer", at(iamv1beta1.LevelWorkspace, "early"), 0},
		{"in a project of a workspace", "operator", "operator", at(iamv1beta1.LevelNamespace, "early-dev"), 0},
		{"but not in a namespace outside workspaces, where nothing makes them", "operator", "", at(iamv1beta1.LevelNamespace, "loose"), http.StatusUnprocessableEntity},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := s.AddMember(ctx, root, tt.at, iamsvc.MemberRequest{Username: "early-member", Role: tt.role})
			if tt.code != 0 {
				servicetest.ExpectStatus(t, err, tt.code, "role")
				return
			}
			if err != nil || m.Role != tt.want {
				t.Fatalf("got %+v, %v; want role %s", m, err, tt.want)
			}
		})
	}
}

func TestTheLevelKeepsItsAdministrators(t *testing.T) {
	s, _ := newService()
	env.Create(t, servicetest.Workspace("kept", "kept-manager")...)
	env.Create(t, servicetest.Workspace("last", "")...)
	env.Create(t, servicetest.Project("kept", "kept-dev", "kept-creator")...)
	env.Create(t, servicetest.WorkspaceMember("kept", "kept-manager", "kept-admin"), servicetest.WorkspaceMember("last", "last-admin", "last-admin"),
		servicetest.ProjectMember("kept-dev", "kept-creator", builtin.ProjectAdmin))
	for _, tt := range []struct {
		name    string
		at      iamsvc.At
		user    string
		newRole string // "": removed
		code    int32
		field   string
		prepare func(t *testing.T)
	}{
		{name: "the manager of a workspace cannot be removed", at: at(iamv1beta1.LevelWorkspace, "kept"), user: "kept-manager", code: http.StatusConflict},
		{name: "nor given another role", at: at(iamv1beta1.LevelWorkspace, "kept"), user: "kept-manager", newRole: "viewer", code: http.StatusConflict},
		{name: "the last administrator of a workspace cannot be removed", at: at(iamv1beta1.LevelWorkspace, "last"), user: "last-admin",
			code: http.StatusConflict, field: "role"},
		{name: "nor given another role", at: at(iamv1beta1.LevelWorkspace, "last"), user: "last-admin", newRole: "viewer",
			code: http.StatusConflict, field: "role"},
		{name: "an administrator who is not the last may leave", at: at(iamv1beta1.LevelWorkspace, "last"), user: "last-admin",
			prepare: func(t *testing.T) { env.Create(t, servicetest.WorkspaceMember("last", "last-second", "last-admin")) }},
		{name: "the creator of a project cannot be removed", at: at(iamv1beta1.LevelNamespace, "kept-dev"), user: "kept-creator", code: http.StatusConflict},
		{name: "nor given another role", at: at(iamv1beta1.LevelNamespace, "kept-dev"), user: "kept-creator", newRole: "viewer", code: http.StatusConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.prepare != nil {
				tt.prepare(t)
			}
			var err error
			if tt.newRole == "" {
				err = s.RemoveMember(ctx, root, tt.at, tt.user)
			} else {
				_, err = s.SetMemberRole(ctx, root, tt.at, tt.user, iamsvc.MemberRequest{Role: tt.newRole})
			}
			if servicetest.Expect(t, err, tt.code, tt.field) {
				return
			}
			if m, err := s.GetMember(ctx, tt.at, tt.user); err != nil || len(m.Roles) != 1 {
				t.Fatalf("the member is %+v (%v) after a refusal", m, err)
			}
		})
	}
}

func TestTakingARoleAwayNeedsItsPermissions(t *testing.T) {
	s, _ := newService()
	const ws = "takeaway"
	env.Create(t, servicetest.Workspace(ws, "")...)
	env.Create(t, servicetest.WorkspaceRole(ws, ws+"-widgets", anyWidget), servicetest.WorkspaceMember(ws, "takeaway-manager", ws+"-admin"),
		servicetest.WorkspaceMember(ws, "takeaway-holder", ws+"-widgets"))
	manager := servicetest.Caller("takeaway-manager")
	for _, tt := range []struct {
		name   string
		caller user.Info
		remove bool
		code   int32
	}{
		{"a manager who may not do what the role allows may not give the member another role", manager, false, http.StatusForbidden},
		{"nor remove the member", manager, true, http.StatusForbidden},
		{"a platform administrator may", root, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.remove {
				err = s.RemoveMember(ctx, tt.caller, at(iamv1beta1.LevelWorkspace, ws), "takeaway-holder")
			} else {
				_, err = s.SetMemberRole(ctx, tt.caller, at(iamv1beta1.LevelWorkspace, ws), "takeaway-holder", iamsvc.MemberRequest{Role: "viewer"})
			}
			servicetest.Expect(t, err, tt.code, "")
		})
	}
}

func TestMembersOfALevelThatDoesNotExistAreNotFound(t *testing.T) {
	s, _ := newService()
	for _, tt := range []struct {
		name string
		at   iamsvc.At
	}{
		{"a workspace", at(iamv1beta1.LevelWorkspace, "nowhere")},
		{"a project", at(iamv1beta1.LevelNamespace, "nowhere")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Members(ctx, tt.at)
			if !apierrors.IsNotFound(err) {
				t.Fatalf("got %v, want not found", err)
			}
		})
	}
}

// bindingsOf lists the workspace bindings of a user, for assertions.
func bindingsOf(t *testing.T, ws, username string) []iamv1beta1.WorkspaceRoleBinding {
	t.Helper()
	list := &iamv1beta1.WorkspaceRoleBindingList{}
	if err := env.Client.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: ws, iamv1beta1.UserRefLabel: username}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

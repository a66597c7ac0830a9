package tenant_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

func workspace(name, manager string) *tenantv1beta1.Workspace {
	return &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: tenantv1beta1.WorkspaceSpec{Manager: manager}}
}

func TestAWorkspaceIsCreatedChangedAndDeleted(t *testing.T) {
	s := newService()
	alice := servicetest.Caller("alice")
	for _, tt := range []struct {
		name  string
		call  func() (*tenantv1beta1.Workspace, error)
		code  int32
		field string
		check func(*testing.T, *tenantv1beta1.Workspace)
	}{
		{name: "a user creates a workspace they manage", call: func() (*tenantv1beta1.Workspace, error) {
			return s.CreateWorkspace(ctx, alice, workspace("created", ""))
		}, check: func(t *testing.T, w *tenantv1beta1.Workspace) {
			if w.Spec.Manager != "alice" || w.Annotations[tenantv1beta1.CreatorAnnotation] != "alice" || !slices.Contains(w.Finalizers, tenantv1beta1.WorkspaceFinalizer) {
				t.Fatalf("created %+v", w)
			}
		}},
		{name: "a user may not name another manager", call: func() (*tenantv1beta1.Workspace, error) {
			return s.CreateWorkspace(ctx, alice, workspace("created-for-bob", "bob"))
		}, code: http.StatusForbidden, field: "spec.manager"},
		{name: "a platform administrator may", call: func() (*tenantv1beta1.Workspace, error) {
			return s.CreateWorkspace(ctx, root, workspace("created-by-root", "bob"))
		}},
		{name: "a name that is too long is refused", call: func() (*tenantv1beta1.Workspace, error) {
			return s.CreateWorkspace(ctx, alice, workspace(strings.Repeat("w", 41), ""))
		}, code: http.StatusUnprocessableEntity, field: "metadata.name"},
		{name: "a cluster that does not exist is refused", call: func() (*tenantv1beta1.Workspace, error) {
			w := workspace("created-far", "")
			w.Spec.Clusters = []tenantv1beta1.ClusterRef{{Name: "nowhere"}}
			return s.CreateWorkspace(ctx, alice, w)
		}, code: http.StatusUnprocessableEntity, field: "spec.clusters[0].name"},
		{name: "the user's labels change and the platform's stay", call: func() (*tenantv1beta1.Workspace, error) {
			w := workspace("created", "")
			w.Labels = map[string]string{"team": "a", "superkube.io/forged": "x"}
			return s.UpdateWorkspace(ctx, alice, "created", w)
		}, check: func(t *testing.T, w *tenantv1beta1.Workspace) {
			if w.Labels["team"] != "a" || w.Labels["superkube.io/forged"] != "" || w.Spec.Manager != "alice" || w.Annotations[tenantv1beta1.CreatorAnnotation] != "alice" {
				t.Fatalf("changed to labels %v, annotations %v, manager %q", w.Labels, w.Annotations, w.Spec.Manager)
			}
		}},
		{name: "a workspace is not renamed", call: func() (*tenantv1beta1.Workspace, error) {
			return s.UpdateWorkspace(ctx, alice, "created", workspace("renamed", ""))
		}, code: http.StatusUnprocessableEntity, field: "metadata.name"},
		{name: "a stale resource version is a conflict", call: func() (*tenantv1beta1.Workspace, error) {
			w := workspace("created", "")
			w.ResourceVersion = "1"
			return s.UpdateWorkspace(ctx, alice, "created", w)
		}, code: http.StatusConflict},
		{name: "deleting its namespaces with it needs the right to delete them", call: func() (*tenantv1beta1.Workspace, error) {
			w := workspace("created", "")
			w.Spec.NamespacePolicy = tenantv1beta1.NamespacesDelete
			return s.UpdateWorkspace(ctx, alice, "created", w)
		}, code: http.StatusForbidden, field: "spec.namespacePolicy"},
		{name: "a merge patch sets the description", call: func() (*tenantv1beta1.Workspace, error) {
			return s.PatchWorkspace(ctx, alice, "created", []byte(`{"metadata":{"annotations":{"superkube.io/description":"Widgets"}}}`))
		}, check: func(t *testing.T, w *tenantv1beta1.Workspace) {
			if w.Annotations[tenantv1beta1.DescriptionAnnotation] != "Widgets" || w.Labels["team"] != "a" {
				t.Fatalf("patched to labels %v, annotations %v", w.Labels, w.Annotations)
			}
		}},
		{name: "a namespace policy that does not exist is a bad request", call: func() (*tenantv1beta1.Workspace, error) {
			return nil, s.DeleteWorkspace(ctx, alice, "created", "Keep")
		}, code: http.StatusBadRequest, field: "namespacePolicy"},
		{name: "deleting the namespaces too needs the right to delete them", call: func() (*tenantv1beta1.Workspace, error) {
			return nil, s.DeleteWorkspace(ctx, alice, "created", string(tenantv1beta1.NamespacesDelete))
		}, code: http.StatusForbidden, field: "namespacePolicy"},
		{name: "a workspace is deleted, its namespaces released", call: func() (*tenantv1beta1.Workspace, error) {
			if err := s.DeleteWorkspace(ctx, alice, "created", ""); err != nil {
				return nil, err
			}
			w := &tenantv1beta1.Workspace{}
			return w, env.Client.Get(ctx, client.ObjectKey{Name: "created"}, w)
		}, check: func(t *testing.T, w *tenantv1beta1.Workspace) {
			if w.DeletionTimestamp == nil || w.Spec.NamespacePolicy != tenantv1beta1.NamespacesRelease {
				t.Fatalf("the workspace is not being deleted with its namespaces released: %+v", w)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w, err := tt.call()
			if !servicetest.Expect(t, err, tt.code, tt.field) {
				return
			}
			if w != nil {
				env.Cached(t, w)
			}
			if tt.check != nil {
				tt.check(t, w)
			}
		})
	}
}

func TestAnInvalidWorkspaceIsNamedWithItsGroup(t *testing.T) {
	_, err := newService().CreateWorkspace(ctx, root, workspace("Not_A_Name", ""))
	servicetest.ExpectStatus(t, err, http.StatusUnprocessableEntity, "metadata.name")
	var st apierrors.APIStatus
	if !errors.As(err, &st) || st.Status().Details.Group != tenantv1beta1.GroupName || st.Status().Details.Kind != "Workspace" {
		t.Fatalf("got %v, want a 422 about a Workspace of group %s", err, tenantv1beta1.GroupName)
	}
}

func TestWorkspacesAreListedForTheirMembers(t *testing.T) {
	s := newService()
	env.Create(t, servicetest.Workspace("listed-one", "")...)
	env.Create(t, servicetest.Workspace("listed-two", "listed-manager")...)
	env.Create(t, servicetest.WorkspaceMember("listed-one", "listed-member", "listed-one-viewer"))
	for _, tt := range []struct {
		name        string
		caller      user.Info
		sees, hides []string
	}{
		{"a member sees the workspaces they are bound in", servicetest.Caller("listed-member"), []string{"listed-one"}, []string{"listed-two"}},
		{"a manager sees the workspaces they manage before the controller binds them", servicetest.Caller("listed-manager"), []string{"listed-two"}, []string{"listed-one"}},
		{"a platform administrator sees every workspace", root, []string{"listed-one", "listed-two"}, nil},
		{"a stranger sees none", servicetest.Caller("listed-stranger"), nil, []string{"listed-one", "listed-two"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.Workspaces(ctx, tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			names := make([]string, 0, len(list))
			for _, w := range list {
				names = append(names, w.Name)
			}
			for _, n := range tt.sees {
				if !slices.Contains(names, n) {
					t.Errorf("%s is not listed among %v", n, names)
				}
			}
			for _, n := range tt.hides {
				if slices.Contains(names, n) {
					t.Errorf("%s is listed", n)
				}
			}
		})
	}
}

package tenant_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

func namespace(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

func TestAProjectIsCreatedInItsWorkspaceAndDeleted(t *testing.T) {
	s := newService()
	env.Create(t, servicetest.Workspace("projected", "")...)
	env.Create(t, servicetest.Workspace("projected-other", "")...)
	going := workspace("projected-going", "")
	going.Finalizers = []string{tenantv1beta1.WorkspaceFinalizer}
	env.Create(t, going)
	if err := env.Client.Delete(ctx, going); err != nil {
		t.Fatal(err)
	}
	env.Cached(t, going)
	alice := servicetest.Caller("alice")
	for _, tt := range []struct {
		name  string
		call  func() (*corev1.Namespace, error)
		code  int32
		field string
	}{
		{"a project is made a namespace of its workspace, with its creator", func() (*corev1.Namespace, error) {
			ns := namespace("projected-dev")
			ns.Labels = map[string]string{tenantv1beta1.WorkspaceLabel: "projected-other", "team": "a"}
			p, err := s.CreateProject(ctx, alice, "projected", ns)
			if err == nil && (p.Labels[tenantv1beta1.WorkspaceLabel] != "projected" || p.Labels["team"] != "a" || p.Annotations[tenantv1beta1.CreatorAnnotation] != "alice") {
				t.Fatalf("created %+v", p.ObjectMeta)
			}
			return p, err
		}, 0, ""},
		{"a name that is no DNS label is refused", func() (*corev1.Namespace, error) {
			return s.CreateProject(ctx, alice, "projected", namespace("Projected_Bad"))
		}, http.StatusUnprocessableEntity, "metadata.name"},
		{"a workspace that does not exist takes no projects", func() (*corev1.Namespace, error) {
			return s.CreateProject(ctx, alice, "projected-nowhere", namespace("projected-lost"))
		}, http.StatusNotFound, ""},
		{"nor does a workspace being deleted", func() (*corev1.Namespace, error) {
			return s.CreateProject(ctx, alice, "projected-going", namespace("projected-late"))
		}, http.StatusConflict, ""},
		{"a project is found in its workspace", func() (*corev1.Namespace, error) {
			return s.Project(ctx, "projected", "projected-dev")
		}, 0, ""},
		{"and not in another", func() (*corev1.Namespace, error) {
			return s.Project(ctx, "projected-other", "projected-dev")
		}, http.StatusNotFound, ""},
		{"nor is it deleted from another", func() (*corev1.Namespace, error) {
			return nil, s.DeleteProject(ctx, "projected-other", "projected-dev")
		}, http.StatusNotFound, ""},
		{"a project is deleted", func() (*corev1.Namespace, error) {
			if err := s.DeleteProject(ctx, "projected", "projected-dev"); err != nil {
				return nil, err
			}
			ns := &corev1.Namespace{}
			if err := env.Client.Get(ctx, client.ObjectKey{Name: "projected-dev"}, ns); err != nil || ns.DeletionTimestamp == nil {
				t.Fatalf("the namespace is not being deleted: %v", err)
			}
			return nil, nil
		}, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns, err := tt.call()
			if !servicetest.Expect(t, err, tt.code, tt.field) {
				return
			}
			if ns != nil {
				env.Cached(t, ns)
			}
		})
	}
}

func TestProjectsAreListedForWhoMayGetThem(t *testing.T) {
	s := newService()
	env.Create(t, servicetest.Workspace("seen", "")...)
	env.Create(t, servicetest.Project("seen", "seen-a", "")...)
	env.Create(t, servicetest.Project("seen", "seen-b", "")...)
	env.Create(t, servicetest.ProjectMember("seen-a", "seen-member", builtin.ProjectViewer),
		servicetest.WorkspaceMember("seen", "seen-viewer", "seen-viewer"))
	for _, tt := range []struct {
		name   string
		caller user.Info
		want   []string
	}{
		{"a project member sees their project only", servicetest.Caller("seen-member"), []string{"seen-a"}},
		{"a workspace viewer sees every project of the workspace", servicetest.Caller("seen-viewer"), []string{"seen-a", "seen-b"}},
		{"a platform administrator too", root, []string{"seen-a", "seen-b"}},
		{"a stranger sees none", servicetest.Caller("seen-stranger"), []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			list, err := s.Projects(ctx, tt.caller, "seen")
			if err != nil {
				t.Fatal(err)
			}
			names := []string{}
			for _, ns := range list {
				names = append(names, ns.Name)
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.want) {
				t.Fatalf("sees %v, want %v", names, tt.want)
			}
		})
	}
}

func TestAWorkspaceOverviewCountsWhatItHolds(t *testing.T) {
	s := newService()
	env.Create(t, servicetest.Workspace("counted", "")...)
	env.Create(t, servicetest.Project("counted", "counted-a", "")...)
	env.Create(t, servicetest.Project("counted", "counted-b", "")...)
	env.Create(t, servicetest.WorkspaceMember("counted", "counted-alice", "counted-admin"), servicetest.WorkspaceMember("counted", "counted-bob", "counted-viewer"),
		servicetest.WorkspaceMember("counted", "counted-alice", "counted-viewer"))
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "counted-a", Name: "web"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx"}}}}
	env.Create(t, pod)
	// The host cluster, as bootstrap makes it, and a member the workspace is not placed on.
	host := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: clusterv1alpha1.HostClusterName, Labels: map[string]string{clusterv1alpha1.HostClusterLabel: ""}}}
	host.Spec.Connection.Type, host.Spec.Enable = clusterv1alpha1.ConnectionHost, true
	other := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: "counted-elsewhere"}}
	other.Spec.Connection.Type, other.Spec.Enable = clusterv1alpha1.ConnectionAgent, true
	env.Create(t, host, other)
	o, err := s.Overview(ctx, "counted")
	if err != nil {
		t.Fatal(err)
	}
	if o.Projects != 2 || o.Members != 2 || o.Pods != 1 || o.Clusters != 1 {
		t.Fatalf("counted %+v, want 2 projects, 2 members, 1 pod and the host cluster", o)
	}
	placed, err := s.WorkspaceClusters(ctx, "counted")
	if err != nil {
		t.Fatal(err)
	}
	if len(placed) != 1 || placed[0].Name != clusterv1alpha1.HostClusterName {
		t.Fatalf("the workspace is placed on %v, want the host alone", placed)
	}
}

func TestAProjectIsCreatedRightAfterItsWorkspace(t *testing.T) {
	s := newService()
	alice := servicetest.Caller("alice")
	for _, tt := range []struct {
		name, prefix string
		make         func(ws string) error
	}{
		{"a created workspace", "right-after-created", func(ws string) error {
			_, err := s.CreateWorkspace(ctx, alice, workspace(ws, ""))
			return err
		}},
		{"a changed workspace", "right-after-changed", func(ws string) error {
			if _, err := s.CreateWorkspace(ctx, alice, workspace(ws, "")); err != nil {
				return err
			}
			// The answer of an update is what the next request reads.
			if _, err := s.UpdateWorkspace(ctx, alice, ws, &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{
				Annotations: map[string]string{tenantv1beta1.DescriptionAnnotation: "Right after"}}}); err != nil {
				return err
			}
			w, err := s.Workspace(ctx, ws)
			if err == nil && w.Annotations[tenantv1beta1.DescriptionAnnotation] != "Right after" {
				return fmt.Errorf("the next read shows annotations %v", w.Annotations)
			}
			return err
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 5 {
				ws := fmt.Sprintf("%s-%d", tt.prefix, i)
				if err := tt.make(ws); err != nil {
					t.Fatal(err)
				}
				if _, err := s.CreateProject(ctx, alice, ws, namespace(ws+"-dev")); err != nil {
					t.Fatalf("creating a project right after its workspace: %v", err)
				}
			}
		})
	}
}

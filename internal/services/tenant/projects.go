package tenant

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
	"github.com/superkube/super-kubenetes/internal/services/cachewait"
)

// projectsOf returns the namespaces labelled with the workspace.
func (s *Service) projectsOf(ctx context.Context, ws string) ([]corev1.Namespace, error) {
	list := &corev1.NamespaceList{}
	if err := s.Reader.List(ctx, list, client.MatchingFields{IndexNamespaceWorkspace: ws}); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// Projects returns the workspace's projects the caller may see: all of them
// for those who may list namespaces in the workspace, otherwise those the
// caller may get (their own projects, as a project member).
func (s *Service) Projects(ctx context.Context, u user.Info, ws string) ([]*corev1.Namespace, error) {
	all := s.allowed(u, authz.Attributes{Verb: "list", Resource: "namespaces", Workspace: ws})
	if all {
		if _, err := s.Workspace(ctx, ws); err != nil {
			return nil, err
		}
	}
	items, err := s.projectsOf(ctx, ws)
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.Namespace, 0, len(items))
	for i := range items {
		ns := &items[i]
		// A DevOps project's namespace is listed with the DevOps projects.
		if ns.Labels[devopsv1alpha3.ProjectLabel] != "" {
			continue
		}
		if !all && !s.allowed(u, authz.Attributes{Verb: "get", Resource: "namespaces", Name: ns.Name, Namespace: ns.Name, Workspace: ws}) {
			continue
		}
		out = append(out, withNamespaceKind(ns))
	}
	return out, nil
}

// Project returns one project of the workspace; a namespace of another
// workspace (or of none) is not found here.
func (s *Service) Project(ctx context.Context, ws, name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	if err := s.Reader.Get(ctx, types.NamespacedName{Name: name}, ns); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, projectNotFound(name)
		}
		return nil, err
	}
	if ns.Labels[tenantv1beta1.WorkspaceLabel] != ws {
		return nil, projectNotFound(name)
	}
	return withNamespaceKind(ns), nil
}

// CreateProject creates a namespace labelled with the workspace and
// annotated with its creator, whom the project controller binds as admin.
func (s *Service) CreateProject(ctx context.Context, u user.Info, ws string, in *corev1.Namespace) (*corev1.Namespace, error) {
	if errs := validateName(in.Name); len(errs) > 0 {
		return nil, apierrors.NewInvalid(namespaceGK, in.Name, errs)
	}
	w, err := s.Workspace(ctx, ws)
	if err != nil {
		return nil, err
	}
	if !w.DeletionTimestamp.IsZero() {
		return nil, apierrors.NewConflict(tenantv1beta1.GroupVersion.WithResource("workspaces").GroupResource(), ws,
			fmt.Errorf("the workspace is being deleted"))
	}
	if s.Placement != nil {
		if err := s.Placement(w); err != nil {
			return nil, err
		}
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:        in.Name,
		Labels:      userKeys(in.Labels, nil),
		Annotations: userKeys(in.Annotations, nil),
	}}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[tenantv1beta1.WorkspaceLabel] = ws
	copyDescriptive(ns, in.Annotations)
	setAnnotation(ns, tenantv1beta1.CreatorAnnotation, u.GetName())
	if err := s.Writer.Create(ctx, ns); err != nil {
		return nil, backendError(ctx, err, "creating namespace "+in.Name)
	}
	cachewait.Until(ctx, s.Reader, ns, 0)
	s.waitForAccess(ctx, u, authz.Attributes{Verb: "get", Resource: "namespaces", Name: ns.Name, Namespace: ns.Name})
	return withNamespaceKind(ns), nil
}

// DeleteProject deletes a project of the workspace.
func (s *Service) DeleteProject(ctx context.Context, ws, name string) error {
	ns, err := s.Project(ctx, ws, name)
	if err != nil {
		return err
	}
	err = s.Writer.Delete(ctx, ns, client.Preconditions{UID: &ns.UID})
	if apierrors.IsNotFound(err) {
		return projectNotFound(name)
	}
	return backendError(ctx, err, "deleting namespace "+name)
}

// Overview counts what a workspace holds.
type Overview struct {
	Workspace string `json:"workspace"`
	// Projects is the number of the workspace's namespaces.
	Projects int `json:"projects"`
	// Members is the number of distinct users and groups bound in the workspace.
	Members int `json:"members"`
	// Pods is the number of pods in the workspace's projects.
	Pods int `json:"pods"`
	// Clusters is the number of clusters the workspace spans (the host
	// cluster when it names none).
	Clusters int `json:"clusters"`
}

// Overview counts a workspace's projects, members and pods from the cache.
func (s *Service) Overview(ctx context.Context, name string) (*Overview, error) {
	ws, err := s.Workspace(ctx, name)
	if err != nil {
		return nil, err
	}
	clusters := &clusterv1alpha1.ClusterList{}
	if err := s.Reader.List(ctx, clusters); err != nil {
		return nil, err
	}
	out := &Overview{Workspace: name, Clusters: len(placement.Clusters(ws, clusters.Items))}
	projects, err := s.projectsOf(ctx, name)
	if err != nil {
		return nil, err
	}
	out.Projects = len(projects)
	for i := range projects {
		// The pods informer is the list engine's; counting needs no copies.
		pods := &corev1.PodList{}
		if err := s.Reader.List(ctx, pods, client.InNamespace(projects[i].Name), client.UnsafeDisableDeepCopy); err != nil {
			return nil, err
		}
		out.Pods += len(pods.Items)
	}
	bindings := &iamv1beta1.WorkspaceRoleBindingList{}
	if err := s.Reader.List(ctx, bindings, client.MatchingFields{IndexBindingWorkspace: name}); err != nil {
		return nil, err
	}
	members := map[string]bool{}
	for i := range bindings.Items {
		for _, sub := range bindings.Items[i].Subjects {
			members[subjectKey(sub.Kind, sub.Name)] = true
		}
	}
	out.Members = len(members)
	return out, nil
}

// validateName checks the name of a new workspace or project: a DNS-1123 label.
func validateName(name string) field.ErrorList {
	path := field.NewPath("metadata", "name")
	if name == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}

func projectNotFound(name string) error {
	return apierrors.NewNotFound(corev1.Resource("namespaces"), name)
}

func withNamespaceKind(ns *corev1.Namespace) *corev1.Namespace {
	ns.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	return ns
}

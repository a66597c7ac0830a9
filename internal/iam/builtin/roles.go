package builtin

import (
	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Role is a built-in role: either explicit rules or the templates it aggregates.
type Role struct {
	Name        string
	DisplayName map[string]string
	Templates   []string
	Rules       []rbacv1.PolicyRule
}

// Names of built-in roles.
const (
	PlatformAdmin           = "platform-admin"
	PlatformRegular         = "platform-regular"
	PlatformSelfProvisioner = "platform-self-provisioner"

	ClusterAdmin  = "cluster-admin"
	ClusterViewer = "cluster-viewer"

	ProjectAdmin    = "admin"
	ProjectOperator = "operator"
	ProjectViewer   = "viewer"
)

// Workspace role suffixes: the role of workspace ws is "<ws>-<suffix>".
const (
	WorkspaceAdmin           = "admin"
	WorkspaceRegular         = "regular"
	WorkspaceViewer          = "viewer"
	WorkspaceSelfProvisioner = "self-provisioner"
)

// WorkspaceRoleName is the name of a workspace's built-in role.
func WorkspaceRoleName(workspace, suffix string) string { return workspace + "-" + suffix }

// GlobalRoles are the platform-level roles.
func GlobalRoles() []Role {
	return []Role{
		{Name: PlatformAdmin, DisplayName: names("Platform administrator", "플랫폼 관리자", "平台管理员"),
			Rules: []rbacv1.PolicyRule{
				{APIGroups: all, Resources: all, Verbs: all},
				{NonResourceURLs: all, Verbs: all},
			}},
		{Name: PlatformRegular, DisplayName: names("Platform regular user", "플랫폼 일반 사용자", "平台普通用户"),
			Templates: []string{}},
		{Name: PlatformSelfProvisioner, DisplayName: names("Workspace creator", "워크스페이스 생성자", "企业空间创建者"),
			Templates: []string{"global-create-workspaces", "global-view-clusters"}},
	}
}

// ClusterViewerTemplates are the templates of the cluster-viewer role.
// cluster-admin is Kubernetes' own ClusterRole, labelled with the cluster scope.
func ClusterViewerTemplates() []string {
	return []string{"cluster-view-nodes", "cluster-view-projects", "cluster-view-storage", "cluster-view-crds", "cluster-view-members", "cluster-view-roles", "cluster-view-alerts"}
}

// WorkspaceRoles are the templates of each workspace's built-in roles, by suffix.
func WorkspaceRoles() []Role {
	return []Role{
		{Name: WorkspaceAdmin, DisplayName: names("Workspace administrator", "워크스페이스 관리자", "企业空间管理员"),
			Templates: []string{"workspace-view-projects", "workspace-create-projects", "workspace-manage-projects", "workspace-view-project-resources", "workspace-manage-project-resources", "workspace-view-members", "workspace-manage-members", "workspace-view-roles", "workspace-manage-roles", "workspace-view-settings", "workspace-manage-settings", "workspace-view-auditing", "workspace-view-app-templates", "workspace-manage-app-templates"}},
		{Name: WorkspaceRegular, DisplayName: names("Workspace regular member", "워크스페이스 일반 구성원", "企业空间普通成员"),
			Templates: []string{"workspace-view-members", "workspace-view-settings", "workspace-view-app-templates"}},
		{Name: WorkspaceViewer, DisplayName: names("Workspace viewer", "워크스페이스 뷰어", "企业空间观察者"),
			Templates: []string{"workspace-view-projects", "workspace-view-project-resources", "workspace-view-members", "workspace-view-roles", "workspace-view-settings", "workspace-view-app-templates"}},
		{Name: WorkspaceSelfProvisioner, DisplayName: names("Project creator", "프로젝트 생성자", "项目创建者"),
			Templates: []string{"workspace-create-projects", "workspace-view-settings"}},
	}
}

// ProjectRoles are the templates of each project's built-in roles.
func ProjectRoles() []Role {
	return []Role{
		{Name: ProjectAdmin, DisplayName: names("Project administrator", "프로젝트 관리자", "项目管理员"),
			Templates: []string{"project-view-workloads", "project-manage-workloads", "project-view-services", "project-manage-services", "project-view-servicemesh", "project-manage-servicemesh", "project-view-configmaps", "project-view-secrets", "project-manage-configuration", "project-view-storage", "project-manage-storage", "project-view-members", "project-manage-members", "project-view-roles", "project-manage-roles", "project-view-settings", "project-manage-settings", "project-view-alerts", "project-manage-alerts", "project-view-releases", "project-manage-releases", "project-view-network-isolation", "project-manage-network-isolation"}},
		{Name: ProjectOperator, DisplayName: names("Project operator", "프로젝트 운영자", "项目操作员"),
			Templates: []string{"project-view-workloads", "project-manage-workloads", "project-view-services", "project-manage-services", "project-view-servicemesh", "project-manage-servicemesh", "project-view-configmaps", "project-view-secrets", "project-manage-configuration", "project-view-storage", "project-manage-storage", "project-view-members", "project-view-roles", "project-view-settings", "project-view-alerts", "project-manage-alerts", "project-view-releases", "project-manage-releases", "project-view-network-isolation"}},
		{Name: ProjectViewer, DisplayName: names("Project viewer", "프로젝트 뷰어", "项目观察者"),
			Templates: []string{"project-view-workloads", "project-view-services", "project-view-servicemesh", "project-view-configmaps", "project-view-storage", "project-view-members", "project-view-roles", "project-view-settings", "project-view-alerts", "project-view-releases", "project-view-network-isolation"}},
	}
}

// TemplatesByName indexes Templates.
func TemplatesByName() map[string]Template {
	m := map[string]Template{}
	for _, t := range Templates() {
		m[t.Name] = t
	}
	return m
}

// ScopeOf returns the level of a built-in template (its scope label), or ""
// if there is none of that name.
func ScopeOf(name string) iamv1beta1.Level { return TemplatesByName()[name].Scope }

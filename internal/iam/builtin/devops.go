package builtin

import (
	rbacv1 "k8s.io/api/rbac/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// devopsGroup holds the DevOps projects, pipelines and runs.
const devopsGroup = "devops.superkube.io"

// ApproveVerb is the verb on pipelineruns that answers input steps;
// kube-apiserver's admission policy checks it on every path.
const ApproveVerb = "approve"

// CredentialsResource is the DevOps API's view of a project's credentials
// (names, types and keys, never values); ke-apiserver decides on it.
const CredentialsResource = "credentials"

// Built-in roles of a DevOps project's namespace.
const (
	DevOpsOwner      = "owner"
	DevOpsMaintainer = "maintainer"
	DevOpsDeveloper  = "developer"
	DevOpsReporter   = "reporter"
)

// devopsTemplates are a DevOps project's capabilities. Pipelines and runs
// are custom resources of its namespace (native RBAC decides on them on
// every path); credentials are Secrets.
func devopsTemplates() []Template {
	pipelines := []string{"pipelines", "pipelineruns"}
	return []Template{
		{Name: "devops-view-pipelines", Scope: iamv1beta1.LevelNamespace, Category: "devops",
			DisplayName: names("View pipelines", "파이프라인 보기", "查看流水线"),
			Description: names("See the pipelines, their runs, stages and logs.", "파이프라인과 실행, 단계, 로그를 봅니다.", "查看流水线及其运行记录、阶段和日志。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{devopsGroup}, pipelines, read)}},
		{Name: "devops-run-pipelines", Scope: iamv1beta1.LevelNamespace, Category: "devops", Dependencies: []string{"devops-view-pipelines"},
			DisplayName: names("Run pipelines", "파이프라인 실행", "运行流水线"),
			Description: names("Start, rerun and cancel runs.", "실행을 시작하고 다시 실행하고 취소합니다.", "启动、重新运行和取消运行。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{devopsGroup}, []string{"pipelineruns"}, []string{"create", "update", "patch"})}},
		{Name: "devops-manage-pipelines", Scope: iamv1beta1.LevelNamespace, Category: "devops", Dependencies: []string{"devops-view-pipelines", "devops-run-pipelines"},
			DisplayName: names("Manage pipelines", "파이프라인 관리", "管理流水线"),
			Description: names("Create, edit and delete pipelines and delete runs.", "파이프라인을 만들고 수정하고 삭제하며 실행을 삭제합니다.", "创建、编辑和删除流水线，并删除运行记录。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{devopsGroup}, pipelines, manage)}},
		{Name: "devops-approve-runs", Scope: iamv1beta1.LevelNamespace, Category: "devops", Dependencies: []string{"devops-view-pipelines"},
			DisplayName: names("Approve runs", "실행 승인", "审核运行"),
			Description: names("Answer the input steps of runs: proceed or abort.", "실행의 입력 단계에 답합니다: 계속하거나 중단합니다.", "答复运行中的审核步骤：继续或终止。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{devopsGroup}, []string{"pipelineruns"}, []string{ApproveVerb, "update", "patch"})}},
		{Name: "devops-view-credentials", Scope: iamv1beta1.LevelNamespace, Category: "devops",
			DisplayName: names("View credentials", "자격 증명 보기", "查看凭证"),
			Description: names("See the credentials' names, types and keys (never their values).", "자격 증명의 이름, 유형, 키를 봅니다(값은 보지 않습니다).", "查看凭证的名称、类型和键（从不显示值）。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{devopsGroup}, []string{CredentialsResource}, read)}},
		{Name: "devops-manage-credentials", Scope: iamv1beta1.LevelNamespace, Category: "devops", Dependencies: []string{"devops-view-credentials"},
			DisplayName: names("Manage credentials", "자격 증명 관리", "管理凭证"),
			Description: names("Create, replace and delete credentials (they are Secrets of the project).", "자격 증명을 만들고 바꾸고 삭제합니다(프로젝트의 시크릿입니다).", "创建、替换和删除凭证（即项目的保密字典）。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{devopsGroup}, []string{CredentialsResource}, manage),
				rule([]string{""}, []string{"secrets"}, manage),
			}},
	}
}

// DevOpsRoles are the templates of each DevOps project's built-in roles.
func DevOpsRoles() []Role {
	view := []string{"devops-view-pipelines", "project-view-members", "project-view-roles", "project-view-settings"}
	run := append([]string{"devops-run-pipelines", "devops-view-credentials"}, view...)
	maintain := append([]string{"devops-manage-pipelines", "devops-approve-runs", "devops-manage-credentials"}, run...)
	own := append([]string{"project-manage-members", "project-manage-roles"}, maintain...)
	return []Role{
		{Name: DevOpsOwner, DisplayName: names("DevOps project owner", "DevOps 프로젝트 소유자", "DevOps 项目所有者"), Templates: own},
		{Name: DevOpsMaintainer, DisplayName: names("DevOps project maintainer", "DevOps 프로젝트 유지 관리자", "DevOps 项目维护者"), Templates: maintain},
		{Name: DevOpsDeveloper, DisplayName: names("DevOps project developer", "DevOps 프로젝트 개발자", "DevOps 项目开发者"), Templates: run},
		{Name: DevOpsReporter, DisplayName: names("DevOps project reporter", "DevOps 프로젝트 보고자", "DevOps 项目报告者"), Templates: view},
	}
}

// NamespaceRoles returns the built-in roles of a namespace of a workspace,
// and the one its creator is bound to: a DevOps project's (labelled
// devops.superkube.io/project) or a project's.
func NamespaceRoles(labels map[string]string) (roles []Role, creatorRole string) {
	if labels[devopsv1alpha3.ProjectLabel] != "" {
		return DevOpsRoles(), DevOpsOwner
	}
	return ProjectRoles(), ProjectAdmin
}

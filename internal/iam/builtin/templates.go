// Package builtin defines the platform's built-in role templates and roles:
// the permission fragments the console shows as capabilities, and the roles
// at each of the four levels that aggregate them.
package builtin

import (
	rbacv1 "k8s.io/api/rbac/v1"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// Template is a built-in role template.
type Template struct {
	Name     string
	Scope    iamv1beta1.Level
	Category string
	// Names and descriptions by language: en, ko, zh.
	DisplayName  map[string]string
	Description  map[string]string
	Rules        []rbacv1.PolicyRule
	Dependencies []string
}

var (
	read = []string{"get", "list", "watch"}
	// manage is every verb of an ordinary resource, by name: never "*",
	// which would include escalate, bind and impersonate, the verbs that
	// Kubernetes reserves for handing out permissions one does not hold.
	manage = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
	all    = []string{"*"}
	create = []string{"create"}
)

// API groups.
const (
	iamGroup     = "iam.superkube.io"
	tenantGroup  = "tenant.superkube.io"
	clusterGroup = "cluster.superkube.io"
	// loggingGroup serves logs, events and audit records.
	loggingGroup = "logging.superkube.io"
	configGroup  = "config.superkube.io"
	// alertingGroup holds the rule groups of the three levels and the
	// alerting API's alerts, silences and preview.
	alertingGroup = "alerting.superkube.io"
	// notificationGroup holds the notification channels, receivers,
	// routers, silences and the delivery log.
	notificationGroup = "notification.superkube.io"
	// applicationGroup is the app store.
	applicationGroup = "application.superkube.io"
	// quotaGroup holds the workspace quotas.
	quotaGroup = "quota.superkube.io"
	// networkGroup holds the projects' network isolation.
	networkGroup = "network.superkube.io"
	// gatewayPolicyGroup holds the allowed IngressClasses, GatewayClasses
	// and Gateways of workspaces and projects.
	gatewayPolicyGroup = "gateway.superkube.io"
)

// Resources of the alerting API, by level. rulegroups, clusterrulegroups
// and globalrulegroups are the custom resources (kube-apiserver's RBAC
// decides on them through the /apis proxy and kubectl too); the others are
// served by ke-apiserver alone.
var (
	projectAlertResources = []string{"rulegroups", "alerts", "silences"}
	clusterAlertResources = []string{"clusterrulegroups", "clusteralerts"}
	globalAlertResources  = []string{"globalrulegroups", "alerts", "silences"}
	notificationResources = []string{"configs", "receivers", "routers", "silences", "deliveries"}
	// networkResources are a project's network isolation (a custom
	// resource: kube-apiserver's RBAC decides on it).
	networkResources = []string{"networkisolations"}
)

func rule(groups, resources, verbs []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{APIGroups: groups, Resources: resources, Verbs: verbs}
}

func names(en, ko, zh string) map[string]string {
	return map[string]string{"en": en, "ko": ko, "zh": zh}
}

// Resources of a project, by capability.
var (
	workloadGroups    = []string{"", "apps", "batch", "autoscaling"}
	workloadResources = []string{"pods", "pods/log", "pods/status", "deployments", "deployments/scale", "deployments/status", "statefulsets", "statefulsets/scale", "daemonsets", "replicasets", "replicasets/scale", "controllerrevisions", "jobs", "cronjobs", "horizontalpodautoscalers", "events", "replicationcontrollers"}
	podInteractive    = []string{"pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "pods/eviction", "pods/ephemeralcontainers"}
	serviceGroups     = []string{"", "networking.k8s.io", "discovery.k8s.io"}
	serviceResources  = []string{"services", "endpoints", "endpointslices", "ingresses", "networkpolicies"}
	storageResources  = []string{"persistentvolumeclaims"}
	// A project's volume snapshots (the CSI snapshot CRDs).
	snapshotGroups    = []string{"snapshot.storage.k8s.io"}
	snapshotResources = []string{"volumesnapshots"}
	// A project's Gateway API objects (the Gateway API CRDs).
	gatewayGroups    = []string{"gateway.networking.k8s.io"}
	gatewayResources = []string{"gateways", "httproutes", "grpcroutes", "referencegrants"}
	// A project's GatewayPolicy, which narrows what its workspace allows:
	// its members read it, the workspace's administrators write it (their
	// workspace-manage-project-resources), never a project role.
	gatewayPolicyResources = []string{"gatewaypolicies"}
	// A project's traffic governance: its strategies and service policies,
	// and the Istio objects they compile to (or that are written by hand).
	meshGroup      = "servicemesh.superkube.io"
	meshResources  = []string{"strategies", "servicepolicies"}
	istioGroups    = []string{"networking.istio.io"}
	istioResources = []string{"virtualservices", "destinationrules"}
)

// projectResources are the rules to manage in every namespace of a cluster
// what the project templates name, but secrets.
func projectResources() []rbacv1.PolicyRule {
	config := []string{"configmaps", "serviceaccounts", "persistentvolumeclaims", "resourcequotas", "limitranges"}
	return []rbacv1.PolicyRule{
		rule(workloadGroups, workloadResources, manage),
		rule([]string{""}, podInteractive, manage),
		rule(serviceGroups, serviceResources, manage),
		rule([]string{""}, config, manage),
		rule(snapshotGroups, snapshotResources, manage),
		rule(gatewayGroups, gatewayResources, manage),
		rule([]string{meshGroup}, meshResources, manage),
		rule(istioGroups, istioResources, manage),
		rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings"}, manage),
	}
}

// Templates returns every built-in role template.
func Templates() []Template {
	t := []Template{
		// Platform (global) level.
		{Name: "global-view-users", Scope: iamv1beta1.LevelGlobal, Category: "users",
			DisplayName: names("View users", "사용자 보기", "查看用户"),
			Description: names("See users, groups and login records.", "사용자, 그룹과 로그인 기록을 봅니다.", "查看用户、用户组和登录记录。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"users", "groups", "groupbindings", "loginrecords"}, read)}},
		{Name: "global-manage-users", Scope: iamv1beta1.LevelGlobal, Category: "users", Dependencies: []string{"global-view-users"},
			DisplayName: names("Manage users", "사용자 관리", "管理用户"),
			Description: names("Create, edit, disable and delete users and groups.", "사용자와 그룹을 만들고 수정하고 비활성화하고 삭제합니다.", "创建、编辑、禁用和删除用户及用户组。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"users", "users/password", "groups", "groupbindings", "loginrecords"}, manage)}},
		{Name: "global-view-roles", Scope: iamv1beta1.LevelGlobal, Category: "roles",
			DisplayName: names("View platform roles", "플랫폼 역할 보기", "查看平台角色"),
			Description: names("See platform roles, their members and role templates.", "플랫폼 역할, 구성원과 역할 템플릿을 봅니다.", "查看平台角色、成员和角色模板。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"globalroles", "globalrolebindings", "roletemplates"}, read)}},
		{Name: "global-manage-roles", Scope: iamv1beta1.LevelGlobal, Category: "roles", Dependencies: []string{"global-view-roles"},
			DisplayName: names("Manage platform roles", "플랫폼 역할 관리", "管理平台角色"),
			Description: names("Create and edit platform roles and grant them.", "플랫폼 역할을 만들고 수정하고 부여합니다.", "创建、编辑并授予平台角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"globalroles", "globalrolebindings", "roletemplates"}, manage)}},
		{Name: "global-view-workspaces", Scope: iamv1beta1.LevelGlobal, Category: "workspaces",
			DisplayName: names("View workspaces", "워크스페이스 보기", "查看企业空间"),
			Description: names("See every workspace, its members and roles.", "모든 워크스페이스와 구성원, 역할을 봅니다.", "查看所有企业空间及其成员和角色。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{tenantGroup}, []string{"workspaces"}, read),
				rule([]string{iamGroup}, []string{"workspaceroles", "workspacerolebindings"}, read),
			}},
		{Name: "global-manage-workspaces", Scope: iamv1beta1.LevelGlobal, Category: "workspaces", Dependencies: []string{"global-view-workspaces"},
			DisplayName: names("Manage workspaces", "워크스페이스 관리", "管理企业空间"),
			Description: names("Create, edit and delete any workspace and manage its members.", "모든 워크스페이스를 만들고 수정하고 삭제하며 구성원을 관리합니다.", "创建、编辑和删除任意企业空间并管理其成员。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{tenantGroup}, []string{"workspaces"}, manage),
				rule([]string{iamGroup}, []string{"workspaceroles", "workspacerolebindings"}, manage),
			}},
		{Name: "global-create-workspaces", Scope: iamv1beta1.LevelGlobal, Category: "workspaces",
			DisplayName: names("Create workspaces", "워크스페이스 만들기", "创建企业空间"),
			Description: names("Create workspaces; the creator becomes their manager.", "워크스페이스를 만들고 만든 사람이 관리자가 됩니다.", "创建企业空间，创建者成为其管理员。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{tenantGroup}, []string{"workspaces"}, create)}},
		{Name: "global-view-clusters", Scope: iamv1beta1.LevelGlobal, Category: "clusters",
			DisplayName: names("View clusters", "클러스터 보기", "查看集群"),
			Description: names("See the clusters the platform manages.", "플랫폼이 관리하는 클러스터를 봅니다.", "查看平台管理的集群。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{clusterGroup}, []string{"clusters"}, read)}},
		{Name: "global-manage-clusters", Scope: iamv1beta1.LevelGlobal, Category: "clusters", Dependencies: []string{"global-view-clusters"},
			DisplayName: names("Manage clusters", "클러스터 관리", "管理集群"),
			Description: names("Add, edit and remove clusters.", "클러스터를 추가하고 수정하고 제거합니다.", "添加、编辑和移除集群。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{clusterGroup}, []string{"clusters"}, manage)}},
		{Name: "global-view-settings", Scope: iamv1beta1.LevelGlobal, Category: "settings",
			DisplayName: names("View platform settings", "플랫폼 설정 보기", "查看平台设置"),
			Description: names("See the platform's settings and identity providers.", "플랫폼 설정과 ID 공급자를 봅니다.", "查看平台设置和身份提供者。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{configGroup}, all, read)}},
		{Name: "global-manage-settings", Scope: iamv1beta1.LevelGlobal, Category: "settings", Dependencies: []string{"global-view-settings"},
			DisplayName: names("Manage platform settings", "플랫폼 설정 관리", "管理平台设置"),
			Description: names("Change the platform's settings.", "플랫폼 설정을 변경합니다.", "修改平台设置。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{configGroup}, all, manage)}},
		{Name: "global-view-auditing", Scope: iamv1beta1.LevelGlobal, Category: "settings",
			DisplayName: names("View audit records", "감사 기록 보기", "查看审计记录"),
			Description: names("Search who did what on the whole platform.", "플랫폼 전체에서 누가 무엇을 했는지 검색합니다.", "搜索整个平台上谁做了什么。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{loggingGroup}, []string{"auditing"}, []string{"get", "list"})}},
		{Name: "global-view-alerts", Scope: iamv1beta1.LevelGlobal, Category: "alerting",
			DisplayName: names("View platform alerts", "플랫폼 알림 보기", "查看平台告警"),
			Description: names("See the platform's alert rules, every firing alert and its history, and silences.", "플랫폼의 알림 규칙, 발생 중인 모든 알림과 기록, 사일런스를 봅니다.", "查看平台的告警规则、所有触发中的告警及其历史和静默。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{alertingGroup}, globalAlertResources, read)}},
		{Name: "global-manage-alerts", Scope: iamv1beta1.LevelGlobal, Category: "alerting", Dependencies: []string{"global-view-alerts"},
			DisplayName: names("Manage platform alerts", "플랫폼 알림 관리", "管理平台告警"),
			Description: names("Create, edit and delete the platform's alert rules, and silence any alert.", "플랫폼의 알림 규칙을 만들고 수정하고 삭제하며 모든 알림을 사일런스합니다.", "创建、编辑和删除平台的告警规则，并静默任意告警。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{alertingGroup}, globalAlertResources, manage)}},
		{Name: "global-view-notifications", Scope: iamv1beta1.LevelGlobal, Category: "notification",
			DisplayName: names("View notification settings", "알림 전송 설정 보기", "查看通知设置"),
			Description: names("See the platform's notification channels, receivers, routers, silences and delivery log (never credentials).", "플랫폼의 알림 채널, 수신자, 라우터, 사일런스와 전송 기록을 봅니다(자격 증명 제외).", "查看平台的通知渠道、接收者、路由、静默和投递记录（不含凭据）。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{notificationGroup}, notificationResources, read)}},
		{Name: "global-manage-notifications", Scope: iamv1beta1.LevelGlobal, Category: "notification", Dependencies: []string{"global-view-notifications"},
			DisplayName: names("Manage notification settings", "알림 전송 설정 관리", "管理通知设置"),
			Description: names("Create, edit, test and delete the platform's notification channels, receivers, routers and silences.", "플랫폼의 알림 채널, 수신자, 라우터와 사일런스를 만들고 수정하고 시험하고 삭제합니다.", "创建、编辑、测试和删除平台的通知渠道、接收者、路由和静默。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{notificationGroup}, notificationResources, manage),
				rule([]string{notificationGroup}, []string{"configs/verification"}, create),
			}},
	}
	t = append(t, clusterTemplates()...)
	t = append(t, workspaceTemplates()...)
	t = append(t, projectTemplates()...)
	t = append(t, appStoreTemplates()...)
	t = append(t, devopsTemplates()...)
	return t
}

func clusterTemplates() []Template {
	return []Template{
		{Name: "cluster-view-nodes", Scope: iamv1beta1.LevelCluster, Category: "nodes",
			DisplayName: names("View nodes", "노드 보기", "查看节点"),
			Description: names("See nodes, their status and capacity.", "노드와 상태, 용량을 봅니다.", "查看节点及其状态和容量。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"nodes", "nodes/status"}, read)}},
		{Name: "cluster-manage-nodes", Scope: iamv1beta1.LevelCluster, Category: "nodes", Dependencies: []string{"cluster-view-nodes"},
			DisplayName: names("Manage nodes", "노드 관리", "管理节点"),
			Description: names("Label, taint, cordon and drain nodes.", "노드에 레이블과 테인트를 달고 격리하고 비웁니다.", "为节点添加标签和污点、停止调度和排空。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"nodes", "nodes/status"}, manage)}},
		{Name: "cluster-view-projects", Scope: iamv1beta1.LevelCluster, Category: "projects",
			DisplayName: names("View projects", "프로젝트 보기", "查看项目"),
			Description: names("See every project (namespace) of the cluster and its resources.", "클러스터의 모든 프로젝트(네임스페이스)와 리소스를 봅니다.", "查看集群中所有项目（命名空间）及其资源。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{""}, []string{"namespaces"}, read),
				rule(workloadGroups, workloadResources, read),
				rule(serviceGroups, serviceResources, read),
				rule(gatewayGroups, gatewayResources, read),
				rule([]string{""}, []string{"configmaps", "serviceaccounts", "resourcequotas", "limitranges", "persistentvolumeclaims"}, read),
			}},
		{Name: "cluster-manage-projects", Scope: iamv1beta1.LevelCluster, Category: "projects", Dependencies: []string{"cluster-view-projects"},
			DisplayName: names("Manage projects", "프로젝트 관리", "管理项目"),
			Description: names("Create and delete projects and manage everything in them.", "프로젝트를 만들고 삭제하며 그 안의 모든 것을 관리합니다.", "创建和删除项目并管理其中的一切。"),
			// Namespaced Kubernetes resources only: never the platform's own
			// (global) resources, and not secrets, which in every namespace
			// would include the platform's keys in its system namespace.
			Rules: append([]rbacv1.PolicyRule{rule([]string{""}, []string{"namespaces"}, manage)}, projectResources()...)},
		{Name: "cluster-view-storage", Scope: iamv1beta1.LevelCluster, Category: "storage",
			DisplayName: names("View storage", "스토리지 보기", "查看存储"),
			Description: names("See storage classes, persistent volumes and snapshots.", "스토리지 클래스, 영구 볼륨과 스냅샷을 봅니다.", "查看存储类、持久卷和快照。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{""}, []string{"persistentvolumes"}, read),
				rule([]string{"storage.k8s.io", "snapshot.storage.k8s.io"}, all, read),
			}},
		{Name: "cluster-manage-storage", Scope: iamv1beta1.LevelCluster, Category: "storage", Dependencies: []string{"cluster-view-storage"},
			DisplayName: names("Manage storage", "스토리지 관리", "管理存储"),
			Description: names("Create and edit storage classes and persistent volumes.", "스토리지 클래스와 영구 볼륨을 만들고 수정합니다.", "创建和编辑存储类和持久卷。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{""}, []string{"persistentvolumes"}, manage),
				rule([]string{"storage.k8s.io", "snapshot.storage.k8s.io"}, all, manage),
			}},
		{Name: "cluster-view-crds", Scope: iamv1beta1.LevelCluster, Category: "crds",
			DisplayName: names("View custom resources", "사용자 정의 리소스 보기", "查看自定义资源"),
			Description: names("See custom resource definitions.", "사용자 정의 리소스 정의를 봅니다.", "查看自定义资源定义。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"apiextensions.k8s.io"}, []string{"customresourcedefinitions"}, read)}},
		{Name: "cluster-view-members", Scope: iamv1beta1.LevelCluster, Category: "members",
			DisplayName: names("View cluster members", "클러스터 구성원 보기", "查看集群成员"),
			Description: names("See who has a role in the cluster.", "클러스터에서 역할을 가진 사람을 봅니다.", "查看集群中拥有角色的用户。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"clusterrolebindings"}, read)}},
		{Name: "cluster-manage-members", Scope: iamv1beta1.LevelCluster, Category: "members", Dependencies: []string{"cluster-view-members"},
			DisplayName: names("Manage cluster members", "클러스터 구성원 관리", "管理集群成员"),
			Description: names("Grant and remove cluster roles.", "클러스터 역할을 부여하고 제거합니다.", "授予和移除集群角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"clusterrolebindings"}, manage)}},
		{Name: "cluster-view-roles", Scope: iamv1beta1.LevelCluster, Category: "roles",
			DisplayName: names("View cluster roles", "클러스터 역할 보기", "查看集群角色"),
			Description: names("See the cluster's roles.", "클러스터의 역할을 봅니다.", "查看集群角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"clusterroles"}, read)}},
		{Name: "cluster-manage-roles", Scope: iamv1beta1.LevelCluster, Category: "roles", Dependencies: []string{"cluster-view-roles"},
			DisplayName: names("Manage cluster roles", "클러스터 역할 관리", "管理集群角色"),
			Description: names("Create and edit the cluster's roles.", "클러스터의 역할을 만들고 수정합니다.", "创建和编辑集群角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"clusterroles"}, manage)}},
		{Name: "cluster-view-alerts", Scope: iamv1beta1.LevelCluster, Category: "alerting",
			DisplayName: names("View cluster alerts", "클러스터 알림 보기", "查看集群告警"),
			Description: names("See the cluster's alert rules and its firing alerts and their history.", "클러스터의 알림 규칙과 발생 중인 알림, 그 기록을 봅니다.", "查看集群的告警规则、触发中的告警及其历史。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{alertingGroup}, clusterAlertResources, read)}},
		{Name: "cluster-manage-alerts", Scope: iamv1beta1.LevelCluster, Category: "alerting", Dependencies: []string{"cluster-view-alerts"},
			DisplayName: names("Manage cluster alerts", "클러스터 알림 관리", "管理集群告警"),
			Description: names("Create, edit and delete the cluster's alert rules.", "클러스터의 알림 규칙을 만들고 수정하고 삭제합니다.", "创建、编辑和删除集群的告警规则。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{alertingGroup}, clusterAlertResources, manage)}},
	}
}

func workspaceTemplates() []Template {
	return []Template{
		{Name: "workspace-view-projects", Scope: iamv1beta1.LevelWorkspace, Category: "projects",
			DisplayName: names("View projects", "프로젝트 보기", "查看项目"),
			Description: names("See the workspace's projects.", "워크스페이스의 프로젝트를 봅니다.", "查看企业空间的项目。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"namespaces"}, read)}},
		{Name: "workspace-create-projects", Scope: iamv1beta1.LevelWorkspace, Category: "projects",
			DisplayName: names("Create projects", "프로젝트 만들기", "创建项目"),
			Description: names("Create projects in the workspace; the creator becomes their admin.", "워크스페이스에 프로젝트를 만들고 만든 사람이 관리자가 됩니다.", "在企业空间中创建项目，创建者成为项目管理员。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"namespaces"}, create)}},
		{Name: "workspace-manage-projects", Scope: iamv1beta1.LevelWorkspace, Category: "projects", Dependencies: []string{"workspace-view-projects"},
			DisplayName: names("Manage projects", "프로젝트 관리", "管理项目"),
			Description: names("Create, edit and delete the workspace's projects.", "워크스페이스의 프로젝트를 만들고 수정하고 삭제합니다.", "创建、编辑和删除企业空间的项目。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"namespaces"}, manage)}},
		{Name: "workspace-view-project-resources", Scope: iamv1beta1.LevelWorkspace, Category: "projects",
			DisplayName: names("View project resources", "프로젝트 리소스 보기", "查看项目资源"),
			Description: names("See workloads, services, configuration, storage and alerts in every project of the workspace (not secrets).", "워크스페이스의 모든 프로젝트에서 워크로드, 서비스, 구성, 스토리지와 알림을 봅니다(시크릿 제외).", "查看企业空间所有项目中的工作负载、服务、配置、存储和告警（不含保密字典）。"),
			Rules: []rbacv1.PolicyRule{
				rule(workloadGroups, workloadResources, read),
				rule(serviceGroups, serviceResources, read),
				rule([]string{""}, []string{"configmaps", "serviceaccounts", "resourcequotas", "limitranges", "persistentvolumeclaims"}, read),
				rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "rolebindings"}, read),
				rule([]string{alertingGroup}, projectAlertResources, read),
				rule([]string{networkGroup}, networkResources, read),
				rule(gatewayGroups, gatewayResources, read),
				rule([]string{gatewayPolicyGroup}, gatewayPolicyResources, read),
				rule([]string{meshGroup}, meshResources, read),
				rule(istioGroups, istioResources, read),
			}},
		{Name: "workspace-manage-project-resources", Scope: iamv1beta1.LevelWorkspace, Category: "projects", Dependencies: []string{"workspace-view-project-resources"},
			DisplayName: names("Manage project resources", "프로젝트 리소스 관리", "管理项目资源"),
			Description: names("Manage everything in every project of the workspace.", "워크스페이스의 모든 프로젝트에서 모든 것을 관리합니다.", "管理企业空间所有项目中的一切。"),
			// Every kind (custom resources too) in the workspace's projects,
			// which its bindings reach only as RoleBindings in each of them; with
			// the verbs by name, never escalate, bind or impersonate.
			Rules: []rbacv1.PolicyRule{rule(all, all, manage)}},
		{Name: "workspace-view-members", Scope: iamv1beta1.LevelWorkspace, Category: "members",
			DisplayName: names("View members", "구성원 보기", "查看成员"),
			Description: names("See the workspace's members and their roles.", "워크스페이스의 구성원과 역할을 봅니다.", "查看企业空间成员及其角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"workspacerolebindings", "workspacemembers"}, read)}},
		{Name: "workspace-manage-members", Scope: iamv1beta1.LevelWorkspace, Category: "members", Dependencies: []string{"workspace-view-members"},
			DisplayName: names("Manage members", "구성원 관리", "管理成员"),
			Description: names("Invite, change the role of and remove members.", "구성원을 초대하고 역할을 바꾸고 제거합니다.", "邀请成员、修改成员角色和移除成员。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"workspacerolebindings", "workspacemembers"}, manage)}},
		{Name: "workspace-view-roles", Scope: iamv1beta1.LevelWorkspace, Category: "roles",
			DisplayName: names("View roles", "역할 보기", "查看角色"),
			Description: names("See the workspace's roles.", "워크스페이스의 역할을 봅니다.", "查看企业空间角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"workspaceroles"}, read)}},
		{Name: "workspace-manage-roles", Scope: iamv1beta1.LevelWorkspace, Category: "roles", Dependencies: []string{"workspace-view-roles"},
			DisplayName: names("Manage roles", "역할 관리", "管理角色"),
			Description: names("Create, edit and delete the workspace's custom roles.", "워크스페이스의 사용자 정의 역할을 만들고 수정하고 삭제합니다.", "创建、编辑和删除企业空间的自定义角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{iamGroup}, []string{"workspaceroles"}, manage)}},
		{Name: "workspace-view-settings", Scope: iamv1beta1.LevelWorkspace, Category: "settings",
			DisplayName: names("View workspace settings", "워크스페이스 설정 보기", "查看企业空间设置"),
			Description: names("See the workspace's basic information and quotas.", "워크스페이스의 기본 정보와 할당량을 봅니다.", "查看企业空间基本信息和配额。"),
			Rules: []rbacv1.PolicyRule{rule([]string{tenantGroup}, []string{"workspaces"}, read),
				rule([]string{quotaGroup}, []string{"resourcequotas"}, read)}},
		{Name: "workspace-manage-settings", Scope: iamv1beta1.LevelWorkspace, Category: "settings", Dependencies: []string{"workspace-view-settings"},
			DisplayName: names("Manage workspace settings", "워크스페이스 설정 관리", "管理企业空间设置"),
			Description: names("Edit and delete the workspace.", "워크스페이스를 수정하고 삭제합니다.", "编辑和删除企业空间。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{tenantGroup}, []string{"workspaces"}, manage)}},
		{Name: "workspace-view-auditing", Scope: iamv1beta1.LevelWorkspace, Category: "settings",
			DisplayName: names("View the workspace's audit records", "워크스페이스 감사 기록 보기", "查看企业空间审计记录"),
			Description: names("Search who did what in the workspace and its projects.", "워크스페이스와 프로젝트에서 누가 무엇을 했는지 검색합니다.", "搜索企业空间及其项目中谁做了什么。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{loggingGroup}, []string{"auditing"}, []string{"get", "list"})}},
	}
}

func projectTemplates() []Template {
	return []Template{
		{Name: "project-view-workloads", Scope: iamv1beta1.LevelNamespace, Category: "workloads",
			DisplayName: names("View workloads", "워크로드 보기", "查看工作负载"),
			Description: names("See deployments, stateful sets, daemon sets, jobs, pods, their logs and events.", "디플로이먼트, 스테이트풀셋, 데몬셋, 잡, 파드와 로그, 이벤트를 봅니다.", "查看部署、有状态副本集、守护进程集、任务、容器组及其日志和事件。"),
			Rules:       []rbacv1.PolicyRule{rule(workloadGroups, workloadResources, read)}},
		{Name: "project-manage-workloads", Scope: iamv1beta1.LevelNamespace, Category: "workloads", Dependencies: []string{"project-view-workloads"},
			DisplayName: names("Manage workloads", "워크로드 관리", "管理工作负载"),
			Description: names("Create, scale, restart and delete workloads, and open terminals in pods.", "워크로드를 만들고 확장하고 재시작하고 삭제하며 파드 터미널을 엽니다.", "创建、伸缩、重启和删除工作负载，并打开容器终端。"),
			Rules: []rbacv1.PolicyRule{
				rule(workloadGroups, workloadResources, manage),
				rule([]string{""}, podInteractive, manage),
			}},
		{Name: "project-view-services", Scope: iamv1beta1.LevelNamespace, Category: "services",
			DisplayName: names("View services and routes", "서비스와 라우트 보기", "查看服务和路由"),
			Description: names("See services, ingresses and network policies.", "서비스, 인그레스와 네트워크 정책을 봅니다.", "查看服务、应用路由和网络策略。"),
			Rules: []rbacv1.PolicyRule{rule(serviceGroups, serviceResources, read), rule(gatewayGroups, gatewayResources, read),
				rule([]string{gatewayPolicyGroup}, gatewayPolicyResources, read)}},
		{Name: "project-manage-services", Scope: iamv1beta1.LevelNamespace, Category: "services", Dependencies: []string{"project-view-services"},
			DisplayName: names("Manage services and routes", "서비스와 라우트 관리", "管理服务和路由"),
			Description: names("Create, edit and delete services, ingresses and network policies.", "서비스, 인그레스와 네트워크 정책을 만들고 수정하고 삭제합니다.", "创建、编辑和删除服务、应用路由和网络策略。"),
			Rules: []rbacv1.PolicyRule{rule(serviceGroups, serviceResources, manage), rule(gatewayGroups, gatewayResources, manage),
				rule([]string{gatewayPolicyGroup}, gatewayPolicyResources, read)}},
		{Name: "project-view-servicemesh", Scope: iamv1beta1.LevelNamespace, Category: "services",
			DisplayName: names("View traffic governance", "트래픽 거버넌스 보기", "查看流量治理"),
			Description: names("See canary, blue-green and mirroring strategies, service policies and Istio's virtual services and destination rules.", "카나리, 블루그린, 미러링 전략과 서비스 정책, Istio의 가상 서비스와 목적지 규칙을 봅니다.", "查看金丝雀、蓝绿和流量镜像策略、服务策略以及 Istio 的虚拟服务和目标规则。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{meshGroup}, meshResources, read), rule(istioGroups, istioResources, read)}},
		{Name: "project-manage-servicemesh", Scope: iamv1beta1.LevelNamespace, Category: "services", Dependencies: []string{"project-view-servicemesh"},
			DisplayName: names("Manage traffic governance", "트래픽 거버넌스 관리", "管理流量治理"),
			Description: names("Create, shift, promote, roll back and delete strategies; set circuit breaking, retries, timeouts and load balancing; edit Istio's virtual services and destination rules. A strategy also needs Manage workloads (a decision scales the old version down).", "전략을 만들고 비율을 바꾸고 승격, 롤백, 삭제합니다. 서킷 브레이킹, 재시도, 타임아웃, 로드 밸런싱을 설정하고 Istio의 가상 서비스와 목적지 규칙을 편집합니다. 전략에는 워크로드 관리도 필요합니다(결정 시 이전 버전을 축소합니다).", "创建、调整比例、发布、回滚和删除策略；设置熔断、重试、超时和负载均衡；编辑 Istio 的虚拟服务和目标规则。策略还需要管理工作负载（决定后旧版本缩容为零）。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{meshGroup}, meshResources, manage), rule(istioGroups, istioResources, manage)}},
		{Name: "project-view-configmaps", Scope: iamv1beta1.LevelNamespace, Category: "configuration",
			DisplayName: names("View configuration", "구성 보기", "查看配置"),
			Description: names("See config maps and service accounts.", "컨피그맵과 서비스 어카운트를 봅니다.", "查看配置字典和服务账户。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"configmaps", "serviceaccounts"}, read)}},
		{Name: "project-view-secrets", Scope: iamv1beta1.LevelNamespace, Category: "configuration",
			DisplayName: names("View secrets", "시크릿 보기", "查看保密字典"),
			Description: names("See secrets, including their values.", "값을 포함한 시크릿을 봅니다.", "查看保密字典及其值。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"secrets"}, read)}},
		{Name: "project-manage-configuration", Scope: iamv1beta1.LevelNamespace, Category: "configuration", Dependencies: []string{"project-view-configmaps", "project-view-secrets"},
			DisplayName: names("Manage configuration", "구성 관리", "管理配置"),
			Description: names("Create, edit and delete config maps, secrets and service accounts.", "컨피그맵, 시크릿과 서비스 어카운트를 만들고 수정하고 삭제합니다.", "创建、编辑和删除配置字典、保密字典和服务账户。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, []string{"configmaps", "secrets", "serviceaccounts"}, manage)}},
		{Name: "project-view-storage", Scope: iamv1beta1.LevelNamespace, Category: "storage",
			DisplayName: names("View volumes", "볼륨 보기", "查看存储卷"),
			Description: names("See persistent volume claims and volume snapshots.", "영구 볼륨 클레임과 볼륨 스냅샷을 봅니다.", "查看持久卷声明和卷快照。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, storageResources, read), rule(snapshotGroups, snapshotResources, read)}},
		{Name: "project-manage-storage", Scope: iamv1beta1.LevelNamespace, Category: "storage", Dependencies: []string{"project-view-storage"},
			DisplayName: names("Manage volumes", "볼륨 관리", "管理存储卷"),
			Description: names("Create, expand and delete persistent volume claims; take, restore and delete volume snapshots.", "영구 볼륨 클레임을 만들고 확장하고 삭제합니다. 볼륨 스냅샷을 만들고 복원하고 삭제합니다.", "创建、扩容和删除持久卷声明；创建、恢复和删除卷快照。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{""}, storageResources, manage), rule(snapshotGroups, snapshotResources, manage)}},
		{Name: "project-view-members", Scope: iamv1beta1.LevelNamespace, Category: "members",
			DisplayName: names("View members", "구성원 보기", "查看成员"),
			Description: names("See the project's members and their roles.", "프로젝트의 구성원과 역할을 봅니다.", "查看项目成员及其角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"rolebindings"}, read)}},
		{Name: "project-manage-members", Scope: iamv1beta1.LevelNamespace, Category: "members", Dependencies: []string{"project-view-members"},
			DisplayName: names("Manage members", "구성원 관리", "管理成员"),
			Description: names("Invite, change the role of and remove project members.", "프로젝트 구성원을 초대하고 역할을 바꾸고 제거합니다.", "邀请项目成员、修改其角色和移除成员。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"rolebindings"}, manage)}},
		{Name: "project-view-roles", Scope: iamv1beta1.LevelNamespace, Category: "roles",
			DisplayName: names("View roles", "역할 보기", "查看角色"),
			Description: names("See the project's roles.", "프로젝트의 역할을 봅니다.", "查看项目角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"roles"}, read)}},
		{Name: "project-manage-roles", Scope: iamv1beta1.LevelNamespace, Category: "roles", Dependencies: []string{"project-view-roles"},
			DisplayName: names("Manage roles", "역할 관리", "管理角色"),
			Description: names("Create, edit and delete the project's custom roles.", "프로젝트의 사용자 정의 역할을 만들고 수정하고 삭제합니다.", "创建、编辑和删除项目的自定义角色。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{"rbac.authorization.k8s.io"}, []string{"roles"}, manage)}},
		{Name: "project-view-settings", Scope: iamv1beta1.LevelNamespace, Category: "settings",
			DisplayName: names("View project settings", "프로젝트 설정 보기", "查看项目设置"),
			Description: names("See the project, its quotas and limit ranges.", "프로젝트와 할당량, 제한 범위를 봅니다.", "查看项目及其配额和限制范围。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{""}, []string{"namespaces"}, read),
				rule([]string{""}, []string{"resourcequotas", "limitranges"}, read),
			}},
		{Name: "project-manage-settings", Scope: iamv1beta1.LevelNamespace, Category: "settings", Dependencies: []string{"project-view-settings"},
			DisplayName: names("Manage project settings", "프로젝트 설정 관리", "管理项目设置"),
			Description: names("Edit and delete the project, its quotas and limit ranges.", "프로젝트와 할당량, 제한 범위를 수정하고 삭제합니다.", "编辑和删除项目及其配额和限制范围。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{""}, []string{"namespaces"}, []string{"get", "list", "watch", "update", "patch", "delete"}),
				rule([]string{""}, []string{"resourcequotas", "limitranges"}, manage),
			}},
		{Name: "project-view-alerts", Scope: iamv1beta1.LevelNamespace, Category: "alerting",
			DisplayName: names("View alerts", "알림 보기", "查看告警"),
			Description: names("See the project's alert rules, its firing alerts and their history, and its silences.", "프로젝트의 알림 규칙, 발생 중인 알림과 기록, 사일런스를 봅니다.", "查看项目的告警规则、触发中的告警及其历史和静默。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{alertingGroup}, projectAlertResources, read)}},
		{Name: "project-manage-alerts", Scope: iamv1beta1.LevelNamespace, Category: "alerting", Dependencies: []string{"project-view-alerts"},
			DisplayName: names("Manage alerts", "알림 관리", "管理告警"),
			Description: names("Create, edit and delete the project's alert rules, and silence its alerts.", "프로젝트의 알림 규칙을 만들고 수정하고 삭제하며 알림을 사일런스합니다.", "创建、编辑和删除项目的告警规则，并静默其告警。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{alertingGroup}, projectAlertResources, manage)}},
		{Name: "project-view-network-isolation", Scope: iamv1beta1.LevelNamespace, Category: "network",
			DisplayName: names("View network isolation", "네트워크 격리 보기", "查看网络隔离"),
			Description: names("See whether the project is isolated and which sources may reach its pods.", "프로젝트가 격리되었는지와 파드에 접근할 수 있는 소스를 봅니다.", "查看项目是否已隔离以及哪些来源可以访问其容器组。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{networkGroup}, networkResources, read)}},
		{Name: "project-manage-network-isolation", Scope: iamv1beta1.LevelNamespace, Category: "network", Dependencies: []string{"project-view-network-isolation"},
			DisplayName: names("Manage network isolation", "네트워크 격리 관리", "管理网络隔离"),
			Description: names("Turn the project's network isolation on and off and edit its allowed sources.", "프로젝트의 네트워크 격리를 켜고 끄며 허용된 소스를 편집합니다.", "开启和关闭项目的网络隔离并编辑允许的来源。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{networkGroup}, networkResources, manage)}},
	}
}

// appStoreTemplates are the app store's templates. Apps, versions,
// repositories and categories are cluster-scoped objects (a workspace's
// carry its label): ke-apiserver's API decides on them at the workspace's
// level. The store's active apps and the categories are every logged-in
// user's, with no template. Releases are a project's (native RBAC).
func appStoreTemplates() []Template {
	templates := []string{"applications", "applicationversions", "repositories"}
	store := []string{"applications", "applicationversions", "repositories", "categories"}
	return []Template{
		{Name: "global-view-app-store", Scope: iamv1beta1.LevelGlobal, Category: "appstore",
			DisplayName: names("View the app store", "앱 스토어 보기", "查看应用商店"),
			Description: names("See every app and version in any state, the repositories and the categories.", "모든 상태의 앱과 버전, 저장소와 카테고리를 봅니다.", "查看所有状态的应用和版本、仓库和分类。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{applicationGroup}, store, read)}},
		{Name: "global-manage-app-store", Scope: iamv1beta1.LevelGlobal, Category: "appstore", Dependencies: []string{"global-view-app-store"},
			DisplayName: names("Manage the app store", "앱 스토어 관리", "管理应用商店"),
			Description: names("Add and sync platform repositories, manage categories, and remove apps from the store.", "플랫폼 저장소를 추가하고 동기화하며 카테고리를 관리하고 스토어에서 앱을 제거합니다.", "添加并同步平台仓库、管理分类，并从商店移除应用。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{applicationGroup}, store, manage)}},
		{Name: "global-review-apps", Scope: iamv1beta1.LevelGlobal, Category: "appstore",
			DisplayName: names("Review apps", "앱 심사", "审核应用"),
			Description: names("Pass or reject submitted app versions, and suspend or recover apps in the store.", "제출된 앱 버전을 통과시키거나 거부하고 스토어의 앱을 일시 중지하거나 복구합니다.", "通过或拒绝提交的应用版本，并暂停或恢复商店中的应用。"),
			Rules: []rbacv1.PolicyRule{
				rule([]string{applicationGroup}, []string{"applications"}, read),
				rule([]string{applicationGroup}, []string{"applicationversions"}, []string{"get", "list", "watch", "update", "patch", "review"}),
			}},
		{Name: "workspace-view-app-templates", Scope: iamv1beta1.LevelWorkspace, Category: "appstore",
			DisplayName: names("View app templates", "앱 템플릿 보기", "查看应用模板"),
			Description: names("See the workspace's uploaded apps in every state, their reviews, and its repositories.", "워크스페이스에 업로드된 모든 상태의 앱과 심사 기록, 저장소를 봅니다.", "查看企业空间上传的所有状态的应用、审核记录及其仓库。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{applicationGroup}, templates, read)}},
		{Name: "workspace-manage-app-templates", Scope: iamv1beta1.LevelWorkspace, Category: "appstore", Dependencies: []string{"workspace-view-app-templates"},
			DisplayName: names("Manage app templates", "앱 템플릿 관리", "管理应用模板"),
			Description: names("Upload charts, submit them for review, release passed versions to the store, and manage the workspace's repositories.", "차트를 업로드하고 심사를 요청하며 통과한 버전을 스토어에 출시하고 워크스페이스 저장소를 관리합니다.", "上传 Chart、提交审核、将通过的版本发布到商店，并管理企业空间的仓库。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{applicationGroup}, templates, manage)}},
		{Name: "project-view-releases", Scope: iamv1beta1.LevelNamespace, Category: "appstore",
			DisplayName: names("View app releases", "앱 릴리스 보기", "查看应用实例"),
			Description: names("See the apps installed in the project, their status and history.", "프로젝트에 설치된 앱과 상태, 기록을 봅니다.", "查看项目中安装的应用及其状态和历史。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{applicationGroup}, []string{"applicationreleases"}, read)}},
		{Name: "project-manage-releases", Scope: iamv1beta1.LevelNamespace, Category: "appstore", Dependencies: []string{"project-view-releases"},
			DisplayName: names("Manage app releases", "앱 릴리스 관리", "管理应用实例"),
			Description: names("Install, upgrade, roll back and uninstall apps in the project (the release runs with the user's own permissions).", "프로젝트에 앱을 설치, 업그레이드, 롤백, 제거합니다(릴리스는 사용자 자신의 권한으로 실행됩니다).", "在项目中安装、升级、回滚和卸载应用（以用户自己的权限运行）。"),
			Rules:       []rbacv1.PolicyRule{rule([]string{applicationGroup}, []string{"applicationreleases"}, manage)}},
	}
}

package v1beta1

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RoleTemplateSpec is a named permission fragment, such as "view workloads"
// or "manage members", from which roles are built.
type RoleTemplateSpec struct {
	// DisplayName maps a language (en, ko, zh) to the name shown in the console.
	// +optional
	DisplayName map[string]string `json:"displayName,omitempty"`
	// Description maps a language to a sentence about what the template allows.
	// +optional
	Description map[string]string `json:"description,omitempty"`
	// Rules are the permissions the template grants.
	// +listType=atomic
	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`
	// Dependencies are templates that this one needs to be useful (for
	// example "manage workloads" needs "view workloads"); the console selects
	// them together.
	// +listType=set
	// +optional
	Dependencies []string `json:"dependencies,omitempty"`
}

// RoleTemplate is labelled iam.superkube.io/scope with the level it applies
// at and iam.superkube.io/category for display.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="Scope",type=string,JSONPath=`.metadata.labels.iam\.superkube\.io/scope`
// +kubebuilder:printcolumn:name="Category",type=string,JSONPath=`.metadata.labels.iam\.superkube\.io/category`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RoleTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec RoleTemplateSpec `json:"spec,omitempty"`
}

// RoleTemplateList is a list of role templates.
// +kubebuilder:object:root=true
type RoleTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []RoleTemplate `json:"items"`
}

// AggregationRoleTemplates names the role templates whose rules make up a role.
type AggregationRoleTemplates struct {
	// TemplateNames are the names of the role templates.
	// +kubebuilder:validation:MaxItems=256
	// +listType=set
	TemplateNames []string `json:"templateNames"`
}

// RoleStatus is what the controllers observe about a role.
type RoleStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// GlobalRole grants permissions across the whole platform.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type GlobalRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// AggregationRoleTemplates, when set, makes Rules the union of the named
	// templates' rules, kept in step by the controller.
	// +optional
	AggregationRoleTemplates *AggregationRoleTemplates `json:"aggregationRoleTemplates,omitempty"`
	// Rules are the permissions of the role.
	// +listType=atomic
	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`

	Status RoleStatus `json:"status,omitempty"`
}

// GlobalRoleList is a list of global roles.
// +kubebuilder:object:root=true
type GlobalRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRole `json:"items"`
}

// WorkspaceRole grants permissions inside one workspace, named by its
// superkube.io/workspace label: on the workspace itself and in every project
// of it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.superkube\.io/workspace`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WorkspaceRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	AggregationRoleTemplates *AggregationRoleTemplates `json:"aggregationRoleTemplates,omitempty"`
	// +listType=atomic
	// +optional
	Rules []rbacv1.PolicyRule `json:"rules,omitempty"`

	Status RoleStatus `json:"status,omitempty"`
}

// WorkspaceRoleList is a list of workspace roles.
// +kubebuilder:object:root=true
type WorkspaceRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceRole `json:"items"`
}

// Subject is a user or a group that a binding grants a role to.
// +kubebuilder:validation:XValidation:rule="self.kind in ['User', 'Group']",message="subject kind must be User or Group",fieldPath=".kind"
type Subject struct {
	// Kind is User or Group.
	Kind string `json:"kind"`
	// APIGroup is iam.superkube.io or rbac.authorization.k8s.io.
	// +kubebuilder:validation:Enum=iam.superkube.io;rbac.authorization.k8s.io
	// +kubebuilder:default=rbac.authorization.k8s.io
	// +optional
	APIGroup string `json:"apiGroup,omitempty"`
	// Name is the user's or group's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// RoleRef names the role a binding grants.
type RoleRef struct {
	// +kubebuilder:validation:Enum=iam.superkube.io
	// +kubebuilder:default=iam.superkube.io
	// +optional
	APIGroup string `json:"apiGroup,omitempty"`
	// Kind is GlobalRole for a GlobalRoleBinding, WorkspaceRole for a WorkspaceRoleBinding.
	Kind string `json:"kind"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// BindingStatus is what the controllers observe about a binding.
type BindingStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// GlobalRoleBinding grants a GlobalRole to users and groups. It is mirrored
// into a native ClusterRoleBinding so that kube-apiserver agrees.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.roleRef.name`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.roleRef.kind == 'GlobalRole'",message="a GlobalRoleBinding can only grant a GlobalRole",fieldPath=".roleRef.kind"
// +kubebuilder:validation:XValidation:rule="self.roleRef == oldSelf.roleRef",message="roleRef is immutable; delete the binding and create a new one",fieldPath=".roleRef"
type GlobalRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:validation:MaxItems=1000
	// +listType=atomic
	// +optional
	Subjects []Subject `json:"subjects,omitempty"`
	RoleRef  RoleRef   `json:"roleRef"`

	Status BindingStatus `json:"status,omitempty"`
}

// GlobalRoleBindingList is a list of global role bindings.
// +kubebuilder:object:root=true
type GlobalRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GlobalRoleBinding `json:"items"`
}

// WorkspaceRoleBinding grants a WorkspaceRole of the workspace named by its
// superkube.io/workspace label. It is mirrored into a native RoleBinding in
// every namespace of the workspace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="Workspace",type=string,JSONPath=`.metadata.labels.superkube\.io/workspace`
// +kubebuilder:printcolumn:name="Role",type=string,JSONPath=`.roleRef.name`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.roleRef.kind == 'WorkspaceRole'",message="a WorkspaceRoleBinding can only grant a WorkspaceRole",fieldPath=".roleRef.kind"
// +kubebuilder:validation:XValidation:rule="self.roleRef == oldSelf.roleRef",message="roleRef is immutable; delete the binding and create a new one",fieldPath=".roleRef"
type WorkspaceRoleBinding struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:validation:MaxItems=1000
	// +listType=atomic
	// +optional
	Subjects []Subject `json:"subjects,omitempty"`
	RoleRef  RoleRef   `json:"roleRef"`

	Status BindingStatus `json:"status,omitempty"`
}

// WorkspaceRoleBindingList is a list of workspace role bindings.
// +kubebuilder:object:root=true
type WorkspaceRoleBindingList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WorkspaceRoleBinding `json:"items"`
}

// Package controller holds ke-controller-manager's reconcilers, one per
// sub-package, and the RBAC they need, generated into config/rbac by
// `make generate` from the markers below.
package controller

// +kubebuilder:rbac:groups=iam.superkube.io,resources=users;groups;groupbindings;loginrecords;roletemplates;globalroles;globalrolebindings;workspaceroles;workspacerolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=iam.superkube.io,resources=users/status;groups/status;groupbindings/status;globalroles/status;globalrolebindings/status;workspaceroles/status;workspacerolebindings/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=iam.superkube.io,resources=users/finalizers,verbs=update
// +kubebuilder:rbac:groups=tenant.superkube.io,resources=workspaces,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=tenant.superkube.io,resources=workspaces/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=tenant.superkube.io,resources=workspaces/finalizers,verbs=update
// +kubebuilder:rbac:groups=cluster.superkube.io,resources=clusters,verbs=get;list;watch;create;update;patch
// +kubebuilder:rbac:groups=cluster.superkube.io,resources=clusters/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=cluster.superkube.io,resources=clusters/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=namespaces/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create
// The users' password Secrets (package passwordsecret), in the system namespace only.
// +kubebuilder:rbac:groups="",namespace=superkube-system,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// Leader election records its Lease's changes as core Events (client-go's
// recorder), in the system namespace where the Lease is.
// +kubebuilder:rbac:groups="",namespace=superkube-system,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles;clusterrolebindings;roles;rolebindings,verbs=get;list;watch;create;update;patch;delete;escalate;bind

package app

// The RBAC ke-apiserver needs, generated into config/rbac/apiserver by
// `make generate`: it reads the permission model from caches, writes users,
// login records and the bindings identity providers grant, and deletes the
// initial administrator's password Secret once it is changed.

// +kubebuilder:rbac:groups=iam.superkube.io,resources=users;groups;groupbindings;roletemplates;globalroles;workspaceroles;workspacerolebindings,verbs=get;list;watch
// +kubebuilder:rbac:groups=iam.superkube.io,resources=users,verbs=create;update;patch
// +kubebuilder:rbac:groups=iam.superkube.io,resources=users/status,verbs=update;patch
// +kubebuilder:rbac:groups=iam.superkube.io,resources=loginrecords,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=iam.superkube.io,resources=globalrolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=tenant.superkube.io,resources=workspaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=cluster.superkube.io,resources=clusters,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups="",namespace=superkube-system,resources=secrets,verbs=delete
// +kubebuilder:rbac:groups="",resources=users;groups;serviceaccounts,verbs=impersonate
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=userextras/*,verbs=impersonate
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings;clusterroles;clusterrolebindings,verbs=get;list;watch

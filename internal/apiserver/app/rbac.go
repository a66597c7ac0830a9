package app

// The RBAC ke-apiserver needs, generated into config/rbac/apiserver by
// `make generate`: it reads the permission model from caches, writes users,
// their password Secrets, login records and the bindings identity providers
// grant, and deletes the initial administrator's password Secret once it is
// changed.

// The platform APIs (/kapis) write the platform's objects with
// ke-apiserver's own identity, after ke-apiserver's authorization, and audit
// them under the caller's name; the Kubernetes proxy (/api, /apis) acts as
// the caller through impersonation.
// +kubebuilder:rbac:groups=iam.superkube.io;tenant.superkube.io;cluster.superkube.io,resources=*,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=iam.superkube.io;tenant.superkube.io;cluster.superkube.io,resources=*/status,verbs=get;update;patch
// The notification API writes configs, receivers, routers and silences (and their status); the sender reads them.
// +kubebuilder:rbac:groups=notification.superkube.io,resources=configs;receivers;routers;silences,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=notification.superkube.io,resources=configs/status;receivers/status;routers/status;silences/status,verbs=get;update;patch
// The app store API writes apps, versions, repositories and categories, and
// reads releases (written as the caller) for the trimmed lists.
// +kubebuilder:rbac:groups=application.superkube.io,resources=applications;applicationversions;repositories;categories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationreleases,verbs=get;list;watch
// The gateway API reads the allowed lists and the projects' HTTPRoutes (its
// writes are the caller's).
// +kubebuilder:rbac:groups=gateway.superkube.io,resources=workspacegatewaypolicies;gatewaypolicies,verbs=get;list;watch
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes;gateways;gatewayclasses,verbs=get;list;watch
// The list engine serves the projects' NetworkIsolations (trimmed to the
// caller like any custom resource; writes are the caller's, through /apis).
// +kubebuilder:rbac:groups=network.superkube.io,resources=networkisolations,verbs=get;list;watch
// DevOps: projects are written with ke-apiserver's identity once the caller may create projects in the workspace; webhook runs too.
// +kubebuilder:rbac:groups=devops.superkube.io,resources=devopsprojects,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=devops.superkube.io,resources=pipelines;pipelineruns,verbs=get;list;watch;create
// The quota API reads the workspace quotas; a member's quota reviews are
// relayed to the webhook its configuration names.
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,verbs=get;list;watch
// +kubebuilder:rbac:groups=quota.superkube.io,resources=resourcequotas,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings;clusterroles;clusterrolebindings,verbs=create;update;patch;delete;escalate;bind
// +kubebuilder:rbac:groups="";apps;batch;autoscaling;networking.k8s.io;discovery.k8s.io;storage.k8s.io;apiextensions.k8s.io;events.k8s.io,resources=*,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=create;update;patch
// The storage API reads the volume snapshot classes (its writes are the caller's).
// +kubebuilder:rbac:groups=snapshot.storage.k8s.io,resources=volumesnapshotclasses,verbs=get;list;watch
// The users' password Secrets (package passwordsecret) and the initial
// administrator's password Secret, in the system namespace only.
// +kubebuilder:rbac:groups="",namespace=superkube-system,resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=users;groups;serviceaccounts,verbs=impersonate
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=userextras/*,verbs=impersonate
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=uids,verbs=impersonate
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles;rolebindings;clusterroles;clusterrolebindings,verbs=get;list;watch

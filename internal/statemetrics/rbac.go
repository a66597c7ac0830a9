package statemetrics

// The objects whose state the exporter reads (ke-controller-manager's role).
// +kubebuilder:rbac:groups="",resources=pods;nodes;namespaces;persistentvolumeclaims,verbs=get;list;watch
// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets;replicasets,verbs=get;list;watch

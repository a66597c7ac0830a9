package eventexport

// The exporter watches the events of every namespace and reads namespaces
// for their workspace.
// +kubebuilder:rbac:groups="",resources=events;namespaces,verbs=get;list;watch

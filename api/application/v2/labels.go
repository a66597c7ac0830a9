package v2

// Labels, annotations and names of the app store.
const (
	// WorkspaceLabel (superkube.io/workspace) puts a Repository, an
	// Application and its versions in a workspace; without it they are at
	// platform level.
	WorkspaceLabel = "superkube.io/workspace"
	// RepositoryLabel names the Repository an Application or version was
	// synced from; uploaded ones have none.
	RepositoryLabel = "application.superkube.io/repository"
	// ApplicationLabel names a version's (or a release's) Application.
	ApplicationLabel = "application.superkube.io/app"
	// CategoryLabelPrefix + category name = "true" on an Application in that
	// category, so that lists select on it.
	CategoryLabelPrefix = "category.application.superkube.io/"
	// OperatorAnnotation on an ApplicationRelease names the user whose
	// change ke-controller-manager carries out, impersonating that user.
	// Admission requires it to be the user who creates the release or
	// changes its spec.
	OperatorAnnotation = "application.superkube.io/operator"
	// ChartKey is the key of a chart archive in the ConfigMap that holds
	// an uploaded version's chart (binaryData).
	ChartKey = "chart.tgz"
	// SecretNamespace holds repository credentials and uploaded charts.
	SecretNamespace = "superkube-system"
	// ReleaseFinalizer lets ke-controller-manager uninstall a release
	// before its object goes.
	ReleaseFinalizer = "application.superkube.io/uninstall"
	// MaxChartBytes is the largest chart archive accepted (an upload, or a
	// chart fetched from a repository): 1 MiB, so that an uploaded chart
	// fits a ConfigMap in etcd.
	MaxChartBytes = 1 << 20
)

// Condition types and reasons.
const (
	// ReadyCondition on a Repository is True after a successful sync; on a
	// release, when its last operation succeeded and its resources are ready.
	ReadyCondition = "Ready"

	ReasonSynced       = "Synced"
	ReasonSyncFailed   = "SyncFailed"
	ReasonDeployed     = "Deployed"
	ReasonFailed       = "Failed"
	ReasonInProgress   = "InProgress"
	ReasonNotReady     = "ResourcesNotReady"
	ReasonInterrupted  = "Interrupted"
	ReasonInvalidInput = "InvalidInput"
)

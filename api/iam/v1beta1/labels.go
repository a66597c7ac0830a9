package v1beta1

// Labels and annotations of the permission model.
const (
	// ScopeLabel says at which level a role or role template applies.
	ScopeLabel = "iam.superkube.io/scope"
	// UserRefLabel names the user an object belongs to (bindings, login records).
	UserRefLabel = "iam.superkube.io/user-ref"
	// RoleRefLabel names the role a binding grants.
	RoleRefLabel = "iam.superkube.io/role-ref"
	// GroupRefLabel names the group a binding concerns.
	GroupRefLabel = "iam.superkube.io/group-ref"
	// BuiltinLabel marks the roles and templates the platform creates; they
	// are read-only through the API.
	BuiltinLabel = "iam.superkube.io/builtin"
	// CategoryLabel groups role templates for display (for example "workloads").
	CategoryLabel = "iam.superkube.io/category"
	// AggregationAnnotation lists, as a JSON array, the role templates whose
	// rules a native ClusterRole or Role aggregates.
	AggregationAnnotation = "iam.superkube.io/aggregation-role-templates"
	// MirrorOfLabel marks a native RBAC object mirrored from a platform object,
	// with the kind and name of its source as "<kind>.<name>".
	MirrorOfLabel = "iam.superkube.io/mirror-of"
	// RulesHashAnnotation fingerprints the rules the controller last wrote
	// into an aggregated or mirrored native role.
	RulesHashAnnotation = "iam.superkube.io/rules-hash"
	// UnlockedAtAnnotation records when an administrator last unlocked a user;
	// failed logins before it do not count towards a lockout.
	UnlockedAtAnnotation = "iam.superkube.io/unlocked-at"
	// AttemptedAtAnnotation is when the attempt a login record describes was
	// made (RFC 3339 with fractions): later than its creation when the
	// record was written after an outage of kube-apiserver.
	AttemptedAtAnnotation = "iam.superkube.io/attempted-at"
)

// Level is one of the four levels of the permission model: where a role
// applies (the value of ScopeLabel on roles and role templates), where a
// request acts, and where members are bound. The platform is "global" and
// a project is a "namespace", as in the label.
type Level string

// The four levels, from the widest.
const (
	LevelGlobal    Level = "global"
	LevelCluster   Level = "cluster"
	LevelWorkspace Level = "workspace"
	LevelNamespace Level = "namespace"
)

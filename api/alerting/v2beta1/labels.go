package v2beta1

// Labels and annotations of the alerting API.
const (
	// BuiltinLabel marks a rule group the platform ships ("true"). A built-in
	// group can be disabled and its thresholds changed, but not deleted.
	BuiltinLabel = "alerting.superkube.io/builtin"

	// Labels every compiled alert carries, so that Alertmanager, the
	// notification sender and the alerts API know where it comes from.
	//
	// RuleLevelLabel is project, cluster or global.
	RuleLevelLabel = "rule_level"
	// RuleGroupLabel is the name of the rule group.
	RuleGroupLabel = "rule_group"
	// RuleNamespaceLabel is the namespace of a project-level group.
	RuleNamespaceLabel = "rule_namespace"
	// SeverityLabel is the rule's severity.
	SeverityLabel = "severity"
	// SummaryAnnotation and DescriptionAnnotation are the rendered templates.
	SummaryAnnotation     = "summary"
	DescriptionAnnotation = "description"
)

// Levels of a rule group.
const (
	LevelProject = "project"
	LevelCluster = "cluster"
	LevelGlobal  = "global"
)

// Rule group condition types and reasons.
const (
	// ReadyCondition is True when the group's rules parsed and Prometheus
	// loaded them; False with the parser's message when they did not (the
	// last good rules of the group stay loaded).
	ReadyCondition = "Ready"

	ReasonLoaded       = "Loaded"
	ReasonInvalid      = "Invalid"
	ReasonReloadFailed = "ReloadFailed"
	ReasonDisabled     = "Disabled"
)

package rules

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	alertingv2beta1 "github.com/superkube/super-kubenetes/api/alerting/v2beta1"
)

// Scrape jobs (the `job` label) of the control plane, as ke-dev's
// Prometheus and the chart's name them (internal/dev/prometheus).
const (
	jobAPIServer         = "apiserver"
	jobEtcd              = "etcd"
	jobControllerManager = "kube-controller-manager"
	jobScheduler         = "kube-scheduler"
)

// Names of the built-in groups.
const (
	BuiltinNodes        = "builtin-nodes"
	BuiltinWorkloads    = "builtin-workloads"
	BuiltinStorage      = "builtin-storage"
	BuiltinControlPlane = "builtin-control-plane"
	BuiltinCertificates = "builtin-certificates"
)

// Builtin returns the rule groups the platform ships, labelled
// alerting.superkube.io/builtin=true. ke-controller-manager creates each
// one that does not exist and never changes one that does: an
// administrator may disable their rules or change their thresholds, not
// delete them.
func Builtin() []*alertingv2beta1.GlobalRuleGroup {
	g := func(name string, rules ...alertingv2beta1.Rule) *alertingv2beta1.GlobalRuleGroup {
		return &alertingv2beta1.GlobalRuleGroup{
			TypeMeta:   metav1.TypeMeta{APIVersion: alertingv2beta1.GroupVersion.String(), Kind: "GlobalRuleGroup"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{alertingv2beta1.BuiltinLabel: "true"}},
			Spec:       alertingv2beta1.RuleGroupSpec{Rules: rules},
		}
	}
	b := func(kind alertingv2beta1.TargetKind, metric string, cmp alertingv2beta1.Comparison, threshold string) *alertingv2beta1.RuleBuilder {
		return &alertingv2beta1.RuleBuilder{Kind: kind, Metric: metric, Comparison: cmp, Threshold: threshold}
	}
	return []*alertingv2beta1.GlobalRuleGroup{
		g(BuiltinNodes, alertingv2beta1.Rule{
			Alert: "NodeNotReady", Builder: b(alertingv2beta1.TargetNode, "node_ready", "==", "0"), For: "1m",
			Severity: alertingv2beta1.SeverityCritical,
			Summary:  "Node {{ $labels.node }} is not ready",
			Description: "The condition Ready of node {{ $labels.node }} has not been true for a minute: " +
				"its pods may not run and no new pod is scheduled to it.",
		}),
		g(BuiltinWorkloads,
			alertingv2beta1.Rule{
				// Two restarts within five minutes: a container that keeps
				// failing, not one that restarted once. It fires at the
				// evaluation after the second restart is scraped.
				Alert: "PodCrashLooping", Builder: b(alertingv2beta1.TargetPod, "pod_restarts", ">=", "2"),
				Severity: alertingv2beta1.SeverityWarning,
				Summary:  "Pod {{ $labels.namespace }}/{{ $labels.pod }} is restarting in a loop",
				Description: "The containers of pod {{ $labels.namespace }}/{{ $labels.pod }} restarted " +
					`{{ printf "%.0f" $value }} times in the last 5 minutes.`,
			},
			alertingv2beta1.Rule{
				Alert: "WorkloadReplicasUnavailable", Builder: b(alertingv2beta1.TargetWorkload, "workload_unavailable_replicas", ">", "0"),
				For: "5m", Severity: alertingv2beta1.SeverityWarning,
				Summary: "{{ $labels.workload_kind }} {{ $labels.namespace }}/{{ $labels.workload }} lacks replicas",
				Description: `{{ printf "%.0f" $value }} replicas of {{ $labels.workload_kind }} ` +
					"{{ $labels.namespace }}/{{ $labels.workload }} have been unavailable for 5 minutes.",
			}),
		g(BuiltinStorage, alertingv2beta1.Rule{
			Alert: "PersistentVolumeClaimAlmostFull", Builder: b(alertingv2beta1.TargetPVC, "pvc_usage_ratio", ">", "0.9"),
			For: "5m", Severity: alertingv2beta1.SeverityWarning,
			Summary: "Volume of claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full",
			Description: "The volume of claim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is " +
				"{{ $value | humanizePercentage }} full.",
		}),
		g(BuiltinControlPlane, alertingv2beta1.Rule{
			Alert:    "ControlPlaneComponentDown",
			Expr:     `up{job=~"` + jobAPIServer + "|" + jobEtcd + "|" + jobControllerManager + "|" + jobScheduler + `"} == 0`,
			For:      "1m",
			Severity: alertingv2beta1.SeverityCritical,
			Summary:  "{{ $labels.job }} at {{ $labels.instance }} is down",
			Description: "Prometheus has not been able to scrape {{ $labels.job }} at {{ $labels.instance }} for a minute: " +
				"the control plane component does not answer.",
		}),
		g(BuiltinCertificates, alertingv2beta1.Rule{
			// kube-apiserver measures the remaining lifetime of the client
			// certificates that authenticate its requests (a histogram):
			// the lowest percentile under 7 days means some client's
			// certificate expires within a week.
			Alert: "ClientCertificateExpiresSoon",
			Expr: `histogram_quantile(0.01, sum by (job, instance, le) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="` + jobAPIServer + `"}[5m]))) < 604800` +
				` and on (job, instance) apiserver_client_certificate_expiration_seconds_count{job="` + jobAPIServer + `"} > 0`,
			Severity: alertingv2beta1.SeverityWarning,
			Summary:  "A client certificate of kube-apiserver {{ $labels.instance }} expires within 7 days",
			Description: "Requests to kube-apiserver {{ $labels.instance }} were authenticated with a client certificate " +
				"that expires within 7 days: renew it before its client is locked out.",
		}),
	}
}

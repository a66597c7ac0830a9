package logsql

import (
	"regexp"
	"strings"
)

// Labels of a pod that tell its owner, as the workload controllers set
// them, in the fields vlagent gives each label (kubernetes.pod_labels.<label>).
const (
	// LabelTemplateHash is on a Deployment's pods: <deployment>-<hash>-<suffix>.
	LabelTemplateHash = "kubernetes.pod_labels.pod-template-hash"
	// LabelRevisionHash is on a StatefulSet's and a DaemonSet's pods.
	LabelRevisionHash = "kubernetes.pod_labels.controller-revision-hash"
	// LabelStatefulSetPod is on a StatefulSet's pods: <statefulset>-<ordinal>.
	LabelStatefulSetPod = "kubernetes.pod_labels.statefulset.kubernetes.io/pod-name"
	// LabelJobName and LabelBatchJobName name a Job's pods' Job (the older
	// label and the one of Kubernetes 1.27 on).
	LabelJobName      = "kubernetes.pod_labels.job-name"
	LabelBatchJobName = "kubernetes.pod_labels.batch.kubernetes.io/job-name"
)

// ownerLabels are the labels a workload's pod carries; a pod with none of
// them is matched to a workload by its name's prefix alone.
var ownerLabels = []string{LabelTemplateHash, LabelRevisionHash, LabelJobName, LabelBatchJobName}

// workload matches the pods of workload w by their owner's labels and the
// shape of their names, so that the pods of "web" are found and those of
// "web-api" are not:
//   - a Deployment's pods: <w>-<hash>-<suffix> with pod-template-hash;
//   - a StatefulSet's: <w>-<ordinal> with statefulset.kubernetes.io/pod-name;
//   - a DaemonSet's: <w>-<suffix> with controller-revision-hash;
//   - a Job's: job-name (or batch.kubernetes.io/job-name) w, and a
//     CronJob's: <w>-<schedule>-<suffix> with a job name <w>-<schedule>;
//   - a pod without any of those labels (shipped without its labels, or
//     made by something else): by the prefix <w>- alone.
func workload(field, w string) string {
	re := "^" + regexp.QuoteMeta(w) + "-"
	has := func(label string) string { return Quote(label) + ":*" }
	lacks := func(labels ...string) string {
		out := make([]string, len(labels))
		for i, l := range labels {
			out[i] = "NOT " + has(l)
		}
		return strings.Join(out, " ")
	}
	alts := []string{
		Quote(LabelJobName) + ":=" + Quote(w),
		Quote(LabelBatchJobName) + ":=" + Quote(w),
		"(" + has(LabelTemplateHash) + " " + field + ":~" + Quote(re+`[^-]+-[^-]+$`) + ")",
		"(" + has(LabelStatefulSetPod) + " " + field + ":~" + Quote(re+`[0-9]+$`) + ")",
		"(" + has(LabelRevisionHash) + " " + lacks(LabelStatefulSetPod) + " " + field + ":~" + Quote(re+`[^-]+$`) + ")",
		"((" + has(LabelJobName) + " OR " + has(LabelBatchJobName) + ") " + field + ":~" + Quote(re+`[0-9]+-[^-]+$`) + ")",
		"(" + lacks(ownerLabels...) + ")",
	}
	// The prefix first: the store narrows to it before it looks further.
	return "(" + field + ":" + Quote(w+"-") + "* (" + strings.Join(alts, " OR ") + "))"
}

// Owner is the workload that a container log record's pod belongs to, as
// its labels and its name tell (see workload), or empty strings when they
// do not tell. A Deployment's pods are the Deployment's (not their
// ReplicaSet's); a Job's pods are the Job's.
func Owner(r map[string]string) (kind, name string) {
	pod := r[FieldPod]
	cut := func(n int) string { // pod without its last n dash-separated parts
		parts := strings.Split(pod, "-")
		if len(parts) <= n {
			return ""
		}
		return strings.Join(parts[:len(parts)-n], "-")
	}
	switch {
	case r[LabelBatchJobName] != "":
		return "Job", r[LabelBatchJobName]
	case r[LabelJobName] != "":
		return "Job", r[LabelJobName]
	case r[LabelStatefulSetPod] != "":
		if name := cut(1); name != "" {
			return "StatefulSet", name
		}
	case r[LabelTemplateHash] != "":
		if h := r[LabelTemplateHash]; strings.Contains(pod, "-"+h+"-") {
			if name := cut(2); name != "" {
				return "Deployment", name
			}
		}
	case r[LabelRevisionHash] != "":
		if name := cut(1); name != "" {
			return "DaemonSet", name
		}
	}
	return "", ""
}

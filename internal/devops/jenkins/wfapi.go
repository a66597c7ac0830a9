package jenkins

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
)

// The answers of Jenkins this package reads, as Jenkins' REST API and the
// Pipeline REST API plugin (wfapi) document them; only the fields used.

// queueItem is /queue/item/<id>/api/json.
type queueItem struct {
	ID         int64  `json:"id"`
	Cancelled  bool   `json:"cancelled"`
	Why        string `json:"why"`
	Executable *struct {
		Number int64  `json:"number"`
		URL    string `json:"url"`
	} `json:"executable"`
}

// buildInfo is /job/<name>/<n>/api/json.
type buildInfo struct {
	Number   int64   `json:"number"`
	URL      string  `json:"url"`
	Building bool    `json:"building"`
	Result   *string `json:"result"`
}

// runDescription is /job/<name>/<n>/wfapi/describe.
type runDescription struct {
	ID              string             `json:"id"`
	Status          string             `json:"status"`
	StartTimeMillis int64              `json:"startTimeMillis"`
	DurationMillis  int64              `json:"durationMillis"`
	Stages          []stageDescription `json:"stages"`
}

type stageDescription struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Status          string `json:"status"`
	StartTimeMillis int64  `json:"startTimeMillis"`
	DurationMillis  int64  `json:"durationMillis"`
	Error           *struct {
		Message string `json:"message"`
		Type    string `json:"type"`
	} `json:"error"`
}

// pendingInput is an element of /job/<name>/<n>/wfapi/pendingInputActions.
type pendingInput struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

// wfapi statuses.
const (
	statusSuccess      = "SUCCESS"
	statusFailed       = "FAILED"
	statusInProgress   = "IN_PROGRESS"
	statusPausedInput  = "PAUSED_PENDING_INPUT"
	statusAborted      = "ABORTED"
	statusNotExecuted  = "NOT_EXECUTED"
	statusUnstable     = "UNSTABLE"
	statusQueued       = "QUEUED"
	resultSuccess      = "SUCCESS"
	resultFailure      = "FAILURE"
	resultAborted      = "ABORTED"
	resultUnstable     = "UNSTABLE"
	resultNotBuilt     = "NOT_BUILT"
	messageUnstable    = "Jenkins marked it UNSTABLE"
	messageNotExecuted = "Jenkins did not run it"
)

// stagePhase maps a wfapi status to a phase, with a message when the
// phase alone would hide something.
func stagePhase(status string) (devopsv1alpha3.RunPhase, string) {
	switch status {
	case statusSuccess:
		return devopsv1alpha3.PhaseSucceeded, ""
	case statusFailed:
		return devopsv1alpha3.PhaseFailed, ""
	case statusInProgress:
		return devopsv1alpha3.PhaseRunning, ""
	case statusPausedInput:
		return devopsv1alpha3.PhaseWaiting, "waiting for an approval"
	case statusAborted:
		return devopsv1alpha3.PhaseCancelled, "aborted in Jenkins"
	case statusNotExecuted:
		return devopsv1alpha3.PhaseSkipped, messageNotExecuted
	case statusUnstable:
		// A gate must not pass silently: UNSTABLE is not a success.
		return devopsv1alpha3.PhaseFailed, messageUnstable
	case statusQueued:
		return devopsv1alpha3.PhasePending, ""
	}
	return devopsv1alpha3.PhaseRunning, "Jenkins reports the status " + status
}

func millis(ms int64) *metav1.Time {
	if ms <= 0 {
		return nil
	}
	t := metav1.NewTime(time.UnixMilli(ms).UTC())
	return &t
}

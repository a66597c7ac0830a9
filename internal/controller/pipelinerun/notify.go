package pipelinerun

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
)

// Notification is a run's state to report on the commit it builds.
type Notification struct {
	Run      types.NamespacedName
	Pipeline string
	Source   *devopsv1alpha3.Source
	// Credential is the data of the source's credential (nil without one).
	Credential map[string][]byte
	Commit     string
	Phase      devopsv1alpha3.RunPhase
	Message    string
}

// Notifier reports a run on its source's Git server (a commit status).
// The reconciler calls it when the commit a run builds is known (Running)
// and when the run ends; an error is logged and recorded, never fails the
// run.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// GiteaNotifier sets Gitea commit statuses for pipelines whose
// source.provider is gitea; it ignores the others.
type GiteaNotifier struct {
	// ConsoleURL, when set, makes each status link to the run's page.
	ConsoleURL string
	// HTTPClient; nil is a client with a 10s timeout.
	HTTPClient *http.Client
}

// StatusContext is the context of a pipeline's commit status.
func StatusContext(pipeline string) string { return "superkube/" + pipeline }

// Notify sets the commit status.
func (g *GiteaNotifier) Notify(ctx context.Context, n Notification) error {
	if n.Source == nil || n.Source.Provider != "gitea" || n.Commit == "" {
		return nil
	}
	base, owner, repo, err := gitea.SplitCloneURL(n.Source.URL)
	if err != nil {
		return err
	}
	var auth gitea.Auth
	switch {
	case len(n.Credential["password"]) > 0:
		auth = gitea.Auth{Username: string(n.Credential["username"]), Password: string(n.Credential["password"])}
	case len(n.Credential["secret"]) > 0:
		auth = gitea.Auth{Token: string(n.Credential["secret"])}
	}
	hc := g.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	st := gitea.Status{State: StatusState(n.Phase), Context: StatusContext(n.Pipeline), Description: describe(n.Phase, n.Message)}
	if g.ConsoleURL != "" {
		st.TargetURL = strings.TrimSuffix(g.ConsoleURL, "/") + "/devops/" + url.PathEscape(n.Run.Namespace) + "/runs/" + url.PathEscape(n.Run.Name)
	}
	return gitea.New(base, auth, hc).SetStatus(ctx, owner, repo, n.Commit, st)
}

// StatusState is the commit status of a run's phase: pending until it
// ends, then success, failure, or warning when it was cancelled.
func StatusState(p devopsv1alpha3.RunPhase) gitea.State {
	switch p {
	case devopsv1alpha3.PhaseSucceeded:
		return gitea.StateSuccess
	case devopsv1alpha3.PhaseFailed:
		return gitea.StateFailure
	case devopsv1alpha3.PhaseCancelled:
		return gitea.StateWarning
	case devopsv1alpha3.PhaseSkipped:
		return gitea.StateWarning
	case "", devopsv1alpha3.PhasePending, devopsv1alpha3.PhaseQueued, devopsv1alpha3.PhaseRunning, devopsv1alpha3.PhaseWaiting:
		return gitea.StatePending
	default:
		return gitea.StateError
	}
}

// describe is the status's description: the phase and the message, cut to
// what Gitea keeps.
func describe(p devopsv1alpha3.RunPhase, msg string) string {
	d := string(p)
	if msg != "" {
		d += ": " + msg
	}
	if r := []rune(d); len(r) > 200 {
		d = string(r[:199]) + "…"
	}
	return d
}

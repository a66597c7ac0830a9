package pipelinerun

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// staleReads answers Gets of one run with an older copy, as the manager's
// cache does until the newer version's event arrives.
type staleReads struct {
	client.Client
	stale *devopsv1alpha3.PipelineRun
}

func (s staleReads) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if run, ok := obj.(*devopsv1alpha3.PipelineRun); ok && key == client.ObjectKeyFromObject(s.stale) {
		s.stale.DeepCopyInto(run)
		return nil
	}
	return s.Client.Get(ctx, key, obj, opts...)
}

// countingEngine counts the runs it is asked to carry out.
type countingEngine struct{ executed atomic.Int32 }

func (e *countingEngine) Name() string { return engine.Local }

func (e *countingEngine) Execute(context.Context, *engine.Run, engine.Reporter) (devopsv1alpha3.RunPhase, string) {
	e.executed.Add(1)
	return devopsv1alpha3.PhaseSucceeded, ""
}

func (e *countingEngine) Logs(context.Context, types.NamespacedName, string, string, bool) (io.ReadCloser, error) {
	return nil, io.EOF
}

// setup stores a pipeline and its run, moves the run through the phases
// given (one status write each) and returns a reconciler that reads the run
// as it was after the first of them.
func setup(t *testing.T, phases ...devopsv1alpha3.RunPhase) (*Reconciler, client.Client, *countingEngine) {
	t.Helper()
	ctx := context.Background()
	p := &devopsv1alpha3.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "p"},
		Spec: devopsv1alpha3.PipelineSpec{Definition: devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{
			Name: "build", Steps: []devopsv1alpha3.Step{{Shell: &devopsv1alpha3.ShellStep{Script: "true"}}}}}}}}
	run := &devopsv1alpha3.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "p-1",
		Labels: map[string]string{devopsv1alpha3.PipelineLabel: "p"}},
		Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: "p", Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerWebhook}}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithStatusSubresource(&devopsv1alpha3.PipelineRun{}).
		WithObjects(p, run).Build()
	var stale *devopsv1alpha3.PipelineRun
	for _, phase := range phases {
		if err := c.Get(ctx, client.ObjectKeyFromObject(run), run); err != nil {
			t.Fatal(err)
		}
		run.Status.Phase = phase
		if err := c.Status().Update(ctx, run); err != nil {
			t.Fatal(err)
		}
		if stale == nil {
			stale = run.DeepCopy()
		}
	}
	eng := &countingEngine{}
	r := &Reconciler{Client: staleReads{Client: c, stale: stale}, Engines: map[string]engine.Engine{engine.Local: eng},
		DefaultEngine: engine.Local, active: map[types.NamespacedName]*active{}}
	return r, c, eng
}

func phaseOf(t *testing.T, c client.Client) devopsv1alpha3.RunPhase {
	t.Helper()
	run := &devopsv1alpha3.PipelineRun{}
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "ci", Name: "p-1"}, run); err != nil {
		t.Fatal(err)
	}
	return run.Status.Phase
}

func TestAStaleRunningReadDoesNotFailARunThatSucceeded(t *testing.T) {
	// The run ran here and Succeeded; the cache still shows it Running.
	r, c, _ := setup(t, devopsv1alpha3.PhaseRunning, devopsv1alpha3.PhaseSucceeded)
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ci", Name: "p-1"}}); err != nil {
		t.Fatal(err)
	}
	if got := phaseOf(t, c); got != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("the run is %s, want it left Succeeded", got)
	}
}

func TestAStaleQueuedReadDoesNotStartARunAgain(t *testing.T) {
	// The run was started here and Succeeded; the cache still shows it Queued.
	r, c, eng := setup(t, devopsv1alpha3.PhaseQueued, devopsv1alpha3.PhaseRunning, devopsv1alpha3.PhaseSucceeded)
	if _, err := r.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ci", Name: "p-1"}}); err != nil {
		t.Fatal(err)
	}
	if n := eng.executed.Load(); n != 0 {
		t.Fatalf("the run was carried out again (%d times)", n)
	}
	if got := phaseOf(t, c); got != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("the run is %s, want it left Succeeded", got)
	}
	if len(r.active) != 0 {
		t.Fatalf("the run is still active: %v", r.active)
	}
}

// recordingNotifier keeps what it was told.
type recordingNotifier struct{ got []Notification }

func (n *recordingNotifier) Notify(_ context.Context, x Notification) error {
	n.got = append(n.got, x)
	return nil
}

func TestARunThatCannotStartSetsItsCommitStatus(t *testing.T) {
	ctx := context.Background()
	src := &devopsv1alpha3.Source{URL: "http://git.example.com/o/r.git", Provider: "gitea", Credential: "git"}
	p := &devopsv1alpha3.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "p"},
		Spec: devopsv1alpha3.PipelineSpec{Source: src, Definition: devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "build",
			Environment: []devopsv1alpha3.EnvVar{{Name: "T", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "missing", Key: "secret"}}},
			Steps:       []devopsv1alpha3.Step{{Shell: &devopsv1alpha3.ShellStep{Script: "true"}}}}}}}}
	run := &devopsv1alpha3.PipelineRun{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "p-1", Labels: map[string]string{devopsv1alpha3.PipelineLabel: "p"}},
		Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: "p", Trigger: devopsv1alpha3.Trigger{Kind: devopsv1alpha3.TriggerWebhook},
			Revision: devopsv1alpha3.Revision{Branch: "main", Commit: "0123456789abcdef0123456789abcdef01234567"}}}
	git := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "git"}, Type: devopsv1alpha3.CredentialBasicAuth,
		Data: map[string][]byte{"username": []byte("u"), "password": []byte("p")}}
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithStatusSubresource(&devopsv1alpha3.PipelineRun{}).WithObjects(p, run, git).Build()
	n := &recordingNotifier{}
	r := &Reconciler{Client: c, Engines: map[string]engine.Engine{engine.Local: &countingEngine{}}, DefaultEngine: engine.Local,
		active: map[types.NamespacedName]*active{}, Notifier: n}
	if _, err := r.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(run)}); err != nil {
		t.Fatal(err)
	}
	if got := phaseOf(t, c); got != devopsv1alpha3.PhaseFailed {
		t.Fatalf("the run is %s", got)
	}
	if len(n.got) != 1 || n.got[0].Phase != devopsv1alpha3.PhaseFailed || n.got[0].Commit != run.Spec.Revision.Commit ||
		!strings.Contains(n.got[0].Message, `credential "missing" does not exist`) || string(n.got[0].Credential["username"]) != "u" {
		t.Fatalf("notifications %+v", n.got)
	}
}

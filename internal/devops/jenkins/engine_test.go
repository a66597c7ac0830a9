package jenkins

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
)

const secret = "s3cr3t-T0ken-42"

var runKey = types.NamespacedName{Namespace: "demo", Name: "web-1"}

// recorder applies the engine's changes to a status, as the controller
// does, and keeps every version.
type recorder struct {
	mu       sync.Mutex
	status   devopsv1alpha3.PipelineRunStatus
	history  []devopsv1alpha3.PipelineRunStatus
	onUpdate func(s *devopsv1alpha3.PipelineRunStatus)
}

func (r *recorder) Update(change func(*devopsv1alpha3.PipelineRunStatus)) {
	r.mu.Lock()
	change(&r.status)
	s := *r.status.DeepCopy()
	r.history = append(r.history, s)
	hook := r.onUpdate
	r.mu.Unlock()
	if hook != nil {
		hook(&s)
	}
}

func (r *recorder) last() devopsv1alpha3.PipelineRunStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return *r.status.DeepCopy()
}

func (r *recorder) phases() []devopsv1alpha3.RunPhase {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []devopsv1alpha3.RunPhase
	for _, s := range r.history {
		if len(out) == 0 || out[len(out)-1] != s.Phase {
			out = append(out, s.Phase)
		}
	}
	return out
}

// seen says whether some version had the stage in the phase.
func (r *recorder) seen(stage string, phase devopsv1alpha3.RunPhase) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.history {
		if st := stageOf(s, stage); st != nil && st.Phase == phase {
			return true
		}
	}
	return false
}

func stageOf(s devopsv1alpha3.PipelineRunStatus, name string) *devopsv1alpha3.StageStatus {
	for i := range s.Stages {
		if s.Stages[i].Name == name {
			return &s.Stages[i]
		}
	}
	return nil
}

func stepOf(s devopsv1alpha3.PipelineRunStatus, stage, step string) *devopsv1alpha3.StepStatus {
	st := stageOf(s, stage)
	if st == nil {
		return nil
	}
	for i := range st.Steps {
		if st.Steps[i].Name == step {
			return &st.Steps[i]
		}
	}
	return nil
}

func newEngine(t *testing.T, f *fakeJenkins) *Engine {
	t.Helper()
	e, err := New(Config{
		URL: f.srv.URL + "/", User: fakeUser, Token: fakeToken,
		PollInterval: 5 * time.Millisecond, LogPollInterval: 5 * time.Millisecond,
		MaxFailures: 3, StopWait: 2 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func shell(name, script string) devopsv1alpha3.Step {
	return devopsv1alpha3.Step{Name: name, Shell: &devopsv1alpha3.ShellStep{Script: script}}
}

// parallelRun has two stages around a parallel one.
func parallelRun() *engine.Run {
	return &engine.Run{
		Key: runKey, Pipeline: "web",
		Params:      map[string]string{"TARGET": "staging"},
		Credentials: map[string]map[string][]byte{"api": {"secret": []byte(secret)}},
		Definition: &devopsv1alpha3.Definition{
			Environment: []devopsv1alpha3.EnvVar{{Name: "API_TOKEN", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "api", Key: "secret"}}},
			Stages: []devopsv1alpha3.Stage{
				{Name: "Build", Steps: []devopsv1alpha3.Step{shell("compile", "make")}},
				{Name: "Test", Parallel: []devopsv1alpha3.Branch{
					{Name: "unit", Steps: []devopsv1alpha3.Step{shell("", "make test")}},
					{Name: "lint", Steps: []devopsv1alpha3.Step{shell("", "make lint")}},
				}},
				{Name: "Package", Steps: []devopsv1alpha3.Step{shell("tar", "tar czf web.tgz bin")}},
			},
		},
	}
}

func inputRun(approval func(context.Context, string) (devopsv1alpha3.Approval, error)) *engine.Run {
	return &engine.Run{
		Key: runKey, Pipeline: "web",
		Approval: approval,
		Definition: &devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
			{Name: "Build", Steps: []devopsv1alpha3.Step{shell("compile", "make")}},
			{Name: "Release", Steps: []devopsv1alpha3.Step{
				{Name: "approve", Input: &devopsv1alpha3.InputStep{Message: "Release web?"}},
				shell("ship", "make ship"),
			}},
		}},
	}
}

func execute(t *testing.T, e *Engine, run *engine.Run, r *recorder) (devopsv1alpha3.RunPhase, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	return e.Execute(ctx, run, r)
}

func TestAFullRunMapsStagesAndParallelBranches(t *testing.T) {
	f := newFake(t)
	f.newJob()
	f.on("GET /job/demo.web/7/api/json", f.seq("build-running.json", "build-running.json", "build-success.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", f.seq("describe-running.json", "describe-running.json", "describe-success.json"))
	r := &recorder{}
	phase, msg := execute(t, newEngine(t, f), parallelRun(), r)
	if phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s (%s)", phase, msg)
	}
	if got := r.phases(); !slices.Equal(got, []devopsv1alpha3.RunPhase{devopsv1alpha3.PhaseQueued, devopsv1alpha3.PhaseRunning}) {
		t.Errorf("run phases %v", got)
	}
	s := r.last()
	if s.Executor != engine.Jenkins || s.ExternalID != f.srv.URL+"/job/demo.web/7/" {
		t.Errorf("executor %q, external id %q", s.Executor, s.ExternalID)
	}
	// While it ran: Build done, one branch done, the other running.
	for stage, phase := range map[string]devopsv1alpha3.RunPhase{"Test": devopsv1alpha3.PhaseRunning, "Test/lint": devopsv1alpha3.PhaseRunning, "Package": devopsv1alpha3.PhasePending} {
		if !r.seen(stage, phase) {
			t.Errorf("the stage %s was never %s", stage, phase)
		}
	}
	var names []string
	for _, st := range s.Stages {
		names = append(names, st.Name)
		if st.Phase != devopsv1alpha3.PhaseSucceeded || st.StartTime == nil || st.CompletionTime == nil {
			t.Errorf("stage %s: %s %v %v", st.Name, st.Phase, st.StartTime, st.CompletionTime)
		}
		if st.Parallel != strings.HasPrefix(st.Name, "Test/") {
			t.Errorf("stage %s: parallel %v", st.Name, st.Parallel)
		}
	}
	if !slices.Equal(names, []string{"Build", "Test", "Test/unit", "Test/lint", "Package"}) {
		t.Errorf("stages %v", names)
	}
	lint := stageOf(s, "Test/lint")
	if got := lint.CompletionTime.Sub(lint.StartTime.Time); got != 8700*time.Millisecond {
		t.Errorf("lint lasted %s", got)
	}
	if st := stepOf(s, "Test/unit", "shell-1"); st == nil || st.Phase != devopsv1alpha3.PhaseSucceeded || st.Kind != "shell" {
		t.Errorf("step Test/unit/shell-1: %+v", st)
	}
	// The job was created with the script, then built with the parameters.
	cfg := f.body("POST /createItem")
	for _, want := range []string{"org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition", "stage(&#39;Test/lint&#39;)", "<name>SUPERKUBE_RUN</name>", "<sandbox>true</sandbox>"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config.xml lacks %q", want)
		}
	}
	if strings.Contains(cfg, secret) {
		t.Error("config.xml holds a credential value")
	}
	if got := f.body("POST /job/demo.web/buildWithParameters"); got != "SUPERKUBE_RUN=demo%2Fweb-1&TARGET=staging" {
		t.Errorf("build parameters %q", got)
	}
}

func TestAnExistingJobIsUpdatedAndCrumbIsOptional(t *testing.T) {
	f := newFake(t)
	f.crumb = false
	f.newJob("queue-left.json")
	f.on("POST /job/demo.web/config.xml", status(http.StatusOK))
	f.on("GET /job/demo.web/7/api/json", f.json("build-success.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", f.json("describe-success.json"))
	if phase, msg := execute(t, newEngine(t, f), parallelRun(), &recorder{}); phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s (%s)", phase, msg)
	}
	if n := f.count("POST /createItem"); n != 0 {
		t.Errorf("createItem called %d times for an existing job", n)
	}
}

func TestAFailedStageFailsTheRun(t *testing.T) {
	for name, c := range map[string]struct {
		build, describe, msg string
		stages               map[string]devopsv1alpha3.RunPhase
	}{
		"failed": {"build-failure.json", "describe-failed.json", "the Jenkins build failed in the stage Test: script returned exit code 2",
			map[string]devopsv1alpha3.RunPhase{"Build": devopsv1alpha3.PhaseSucceeded, "Test/unit": devopsv1alpha3.PhaseSucceeded, "Test/lint": devopsv1alpha3.PhaseFailed, "Package": devopsv1alpha3.PhaseSkipped}},
		"unstable": {"build-unstable.json", "describe-unstable.json", messageUnstable,
			map[string]devopsv1alpha3.RunPhase{"Test/unit": devopsv1alpha3.PhaseFailed, "Test/lint": devopsv1alpha3.PhaseSucceeded}},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			f.newJob()
			f.on("GET /job/demo.web/7/api/json", f.json(c.build))
			f.on("GET /job/demo.web/7/wfapi/describe", f.json(c.describe))
			r := &recorder{}
			phase, msg := execute(t, newEngine(t, f), parallelRun(), r)
			if phase != devopsv1alpha3.PhaseFailed || msg != c.msg {
				t.Fatalf("got %s %q, want Failed %q", phase, msg, c.msg)
			}
			for stage, want := range c.stages {
				if got := stageOf(r.last(), stage).Phase; got != want {
					t.Errorf("stage %s: %s, want %s", stage, got, want)
				}
			}
		})
	}
}

// inputJenkins is a build paused on the input until it is answered.
func inputJenkins(t *testing.T) (*fakeJenkins, func() string) {
	f := newFake(t)
	f.newJob()
	var mu sync.Mutex
	answered := ""
	get := func() string { mu.Lock(); defer mu.Unlock(); return answered }
	pick := func(waiting, proceeded, aborted string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			switch get() {
			case "proceed":
				f.serveFile(w, proceeded)
			case "abort":
				f.serveFile(w, aborted)
			default:
				f.serveFile(w, waiting)
			}
		}
	}
	f.on("GET /job/demo.web/7/api/json", pick("build-running.json", "build-success.json", "build-aborted.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", pick("describe-paused.json", "describe-approved.json", "describe-rejected.json"))
	f.on("GET /job/demo.web/7/wfapi/pendingInputActions", pick("pending-input.json", "pending-none.json", "pending-none.json"))
	id := InputID("Release/approve")
	for action, state := range map[string]string{"proceedEmpty": "proceed", "abort": "abort"} {
		f.on("POST /job/demo.web/7/input/"+id+"/"+action, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			answered = state
			mu.Unlock()
			redirect("/job/demo.web/7/")(w, r)
		})
	}
	return f, get
}

// answering answers an input once the run reports it Waiting.
func answering(t *testing.T, r *recorder, calls *[]string, a devopsv1alpha3.Approval) func(context.Context, string) (devopsv1alpha3.Approval, error) {
	var mu sync.Mutex
	return func(ctx context.Context, step string) (devopsv1alpha3.Approval, error) {
		mu.Lock()
		*calls = append(*calls, step)
		mu.Unlock()
		for {
			if st := stepOf(r.last(), "Release", "approve"); st != nil && st.Phase == devopsv1alpha3.PhaseWaiting {
				break
			}
			if !sleep(ctx, time.Millisecond) {
				return devopsv1alpha3.Approval{}, ctx.Err()
			}
		}
		a.Step = step
		return a, nil
	}
}

func TestAnApprovedInputProceeds(t *testing.T) {
	f, answered := inputJenkins(t)
	r := &recorder{}
	var calls []string
	run := inputRun(answering(t, r, &calls, devopsv1alpha3.Approval{Approved: true, User: "alice"}))
	phase, msg := execute(t, newEngine(t, f), run, r)
	if phase != devopsv1alpha3.PhaseSucceeded || answered() != "proceed" {
		t.Fatalf("phase %s (%s), answer %q", phase, msg, answered())
	}
	if !slices.Equal(calls, []string{"Release/approve"}) {
		t.Errorf("approvals asked: %v", calls)
	}
	if !r.seen("Release", devopsv1alpha3.PhaseWaiting) {
		t.Error("the stage was never Waiting")
	}
	if st := stepOf(r.last(), "Release", "approve"); st.Phase != devopsv1alpha3.PhaseSucceeded || st.Message != "approved by alice" {
		t.Errorf("input step: %s %q", st.Phase, st.Message)
	}
}

func TestARejectedInputFailsTheRun(t *testing.T) {
	f, answered := inputJenkins(t)
	r := &recorder{}
	var calls []string
	run := inputRun(answering(t, r, &calls, devopsv1alpha3.Approval{Approved: false, User: "bob", Message: "not now"}))
	phase, msg := execute(t, newEngine(t, f), run, r)
	want := "the input Release/approve was rejected by bob: not now"
	if phase != devopsv1alpha3.PhaseFailed || msg != want || answered() != "abort" {
		t.Fatalf("got %s %q (answer %q), want Failed %q", phase, msg, answered(), want)
	}
	s := r.last()
	if st := stageOf(s, "Release"); st.Phase != devopsv1alpha3.PhaseFailed || st.Message != want {
		t.Errorf("stage Release: %s %q", st.Phase, st.Message)
	}
	if st := stepOf(s, "Release", "approve"); st.Phase != devopsv1alpha3.PhaseFailed {
		t.Errorf("input step: %s", st.Phase)
	}
}

func TestCancelStopsTheBuild(t *testing.T) {
	f := newFake(t)
	f.newJob()
	var mu sync.Mutex
	stopped := false
	isStopped := func() bool { mu.Lock(); defer mu.Unlock(); return stopped }
	f.on("POST /job/demo.web/7/stop", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		stopped = true
		mu.Unlock()
		redirect("/job/demo.web/7/")(w, r)
	})
	f.on("GET /job/demo.web/7/api/json", func(w http.ResponseWriter, _ *http.Request) {
		f.serveFile(w, map[bool]string{false: "build-running.json", true: "build-aborted.json"}[isStopped()])
	})
	f.on("GET /job/demo.web/7/wfapi/describe", func(w http.ResponseWriter, _ *http.Request) {
		f.serveFile(w, map[bool]string{false: "describe-build-running.json", true: "describe-stopped.json"}[isStopped()])
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := &recorder{onUpdate: func(s *devopsv1alpha3.PipelineRunStatus) {
		if st := stageOf(*s, "Build"); st != nil && st.Phase == devopsv1alpha3.PhaseRunning {
			cancel()
		}
	}}
	phase, msg := newEngine(t, f).Execute(ctx, parallelRun(), r)
	if phase != devopsv1alpha3.PhaseCancelled || msg != "cancelled" {
		t.Fatalf("got %s %q", phase, msg)
	}
	if n := f.count("POST /job/demo.web/7/stop"); n != 1 {
		t.Fatalf("stop called %d times", n)
	}
	s := r.last()
	for stage, want := range map[string]devopsv1alpha3.RunPhase{"Build": devopsv1alpha3.PhaseCancelled, "Test/unit": devopsv1alpha3.PhaseSkipped, "Package": devopsv1alpha3.PhaseSkipped} {
		if got := stageOf(s, stage).Phase; got != want {
			t.Errorf("stage %s: %s, want %s", stage, got, want)
		}
	}
}

func TestCancelWhileQueuedTakesTheItemOut(t *testing.T) {
	f := newFake(t)
	f.newJob("queue-waiting.json")
	f.on("POST /queue/cancelItem", redirect("/queue/"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := &recorder{onUpdate: func(s *devopsv1alpha3.PipelineRunStatus) {
		if strings.HasPrefix(s.Message, "Jenkins' queue:") {
			cancel()
		}
	}}
	phase, msg := newEngine(t, f).Execute(ctx, parallelRun(), r)
	if phase != devopsv1alpha3.PhaseCancelled {
		t.Fatalf("got %s %q", phase, msg)
	}
	if n := f.count("POST /queue/cancelItem"); n != 1 {
		t.Fatalf("cancelItem called %d times", n)
	}
}

func TestLogsAreFollowedAndMasked(t *testing.T) {
	f := newFake(t)
	f.newJob("queue-left.json")
	f.on("GET /job/demo.web/7/api/json", f.json("build-success.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", f.json("describe-success.json"))
	var mu sync.Mutex
	var starts []string
	f.on("GET /job/demo.web/7/logText/progressiveText", func(w http.ResponseWriter, r *http.Request) {
		start := r.URL.Query().Get("start")
		mu.Lock()
		starts = append(starts, start)
		mu.Unlock()
		chunk := map[string]struct {
			file, size string
			more       bool
		}{"0": {"log-1.txt", "166", true}, "166": {"log-2.txt", "235", true}, "235": {"log-3.txt", "305", false}}[start]
		if chunk.file == "" {
			t.Errorf("log read from %q", start)
			return
		}
		w.Header().Set("X-Text-Size", chunk.size)
		if chunk.more {
			w.Header().Set("X-More-Data", "true")
		}
		f.serveFile(w, chunk.file)
	})
	e := newEngine(t, f)
	if _, err := e.Logs(t.Context(), runKey, "Build", "compile", false); !errors.Is(err, engine.ErrNoLog) {
		t.Fatalf("an unknown run: %v", err)
	}
	if phase, msg := execute(t, e, parallelRun(), &recorder{}); phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s (%s)", phase, msg)
	}
	if _, err := e.Logs(t.Context(), runKey, "Build", "nope", false); err == nil {
		t.Fatal("an unknown step has a log")
	}

	read := func(stage, step string, follow bool) string {
		t.Helper()
		rc, err := e.Logs(t.Context(), runKey, stage, step, follow)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = rc.Close() }()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	got := read("Test/unit", "shell-1", true)
	if strings.Contains(got, secret) || strings.Contains(got, b64) || strings.Contains(got, "s3cr3t") {
		t.Fatalf("a credential reached the log:\n%s", got)
	}
	for _, want := range []string{"token=****\ntoken=****\n", "+ echo **** | base64 -d", "b64=****", "Finished: SUCCESS\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
	mu.Lock()
	if !slices.Equal(starts, []string{"0", "166", "235"}) {
		t.Errorf("log read from %v", starts)
	}
	starts = nil
	mu.Unlock()

	// Without follow, one read, and the unfinished line (which ends in
	// part of the secret) is held back.
	got = read("Build", "compile", false)
	if strings.Contains(got, "s3cr3t") || !strings.HasSuffix(got, "[Pipeline] sh\n") {
		t.Fatalf("one read:\n%q", got)
	}
	e.Forget(runKey)
	if _, err := e.Logs(t.Context(), runKey, "Build", "compile", false); !errors.Is(err, engine.ErrNoLog) {
		t.Fatalf("a forgotten run: %v", err)
	}
}

func TestJenkinsErrorsAreClear(t *testing.T) {
	cases := map[string]struct {
		setup func(f *fakeJenkins)
		want  string
	}{
		"bad token": {func(f *fakeJenkins) { f.newJob(); f.token = "another" }, "401 Unauthorized): check the engine's user and token"},
		"no job to build": {func(f *fakeJenkins) {
			f.newJob()
			f.on("POST /job/demo.web/buildWithParameters", nil)
		}, "Jenkins refused to build the job demo.web: POST /job/demo.web/buildWithParameters: Jenkins has no such item (404 Not Found)"},
		"server error": {func(f *fakeJenkins) {
			f.newJob()
			f.on("POST /createItem", func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, "java.lang.NullPointerException", http.StatusInternalServerError)
			})
		}, "Jenkins refused to create the job demo.web: POST /createItem: Jenkins answered 500 Internal Server Error: java.lang.NullPointerException"},
		"name taken": {func(f *fakeJenkins) {
			f.newJob()
			f.on("POST /createItem", func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-Error", "A job already exists with the name ‘demo.web’")
				w.WriteHeader(http.StatusBadRequest)
			})
		}, "Jenkins answered 400 Bad Request: A job already exists with the name ‘demo.web’"},
		"queue cancelled": {func(f *fakeJenkins) { f.newJob("queue-waiting.json", "queue-cancelled.json") }, "Jenkins cancelled the queued build (queue item 42)"},
		"stops answering": {func(f *fakeJenkins) {
			f.newJob()
			f.on("GET /job/demo.web/7/api/json", status(http.StatusServiceUnavailable))
			f.on("POST /job/demo.web/7/stop", status(http.StatusServiceUnavailable))
		}, "Jenkins stopped answering (3 tries): GET /job/demo.web/7/api/json: Jenkins answered 503 Service Unavailable"},
		"drops connections": {func(f *fakeJenkins) {
			f.newJob()
			f.on("GET /job/demo.web/7/api/json", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
		}, "Jenkins stopped answering (3 tries): GET /job/demo.web/7/api/json: Jenkins did not answer"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			c.setup(f)
			e := newEngine(t, f)
			r := &recorder{}
			start := time.Now()
			phase, msg := execute(t, e, parallelRun(), r)
			if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, c.want) {
				t.Fatalf("got %s %q, want Failed with %q", phase, msg, c.want)
			}
			if time.Since(start) > 15*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
			for _, st := range r.last().Stages {
				if !st.Phase.Finished() {
					t.Errorf("stage %s left %s", st.Name, st.Phase)
				}
			}
		})
	}
}

func TestADefinitionJenkinsCannotRunFailsBeforeAnyRequest(t *testing.T) {
	f := newFake(t)
	run := parallelRun()
	run.Definition.Stages[0].Steps = append(run.Definition.Stages[0].Steps, devopsv1alpha3.Step{Deploy: &devopsv1alpha3.DeployStep{Project: "p", Manifests: []string{"k8s"}}})
	phase, msg := execute(t, newEngine(t, f), run, &recorder{})
	if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, "deploy is not supported on Jenkins") {
		t.Fatalf("got %s %q", phase, msg)
	}
	if len(f.calls) != 0 {
		t.Fatalf("requests: %v", f.calls)
	}
}

func TestAFailedApprovalIsAskedAgain(t *testing.T) {
	f, answered := inputJenkins(t)
	var mu sync.Mutex
	calls := 0
	run := inputRun(func(context.Context, string) (devopsv1alpha3.Approval, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return devopsv1alpha3.Approval{}, errors.New("the approval could not be read")
		}
		return devopsv1alpha3.Approval{Step: "Release/approve", Approved: true, User: "alice"}, nil
	})
	phase, msg := execute(t, newEngine(t, f), run, &recorder{})
	if phase != devopsv1alpha3.PhaseSucceeded || answered() != "proceed" || calls != 2 {
		t.Fatalf("phase %s (%s), answer %q, %d calls", phase, msg, answered(), calls)
	}
}

func TestAnInputWithoutApprovalsFailsTheRun(t *testing.T) {
	f, _ := inputJenkins(t)
	f.on("POST /job/demo.web/7/stop", redirect("/job/demo.web/7/"))
	phase, msg := execute(t, newEngine(t, f), inputRun(nil), &recorder{})
	if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, "no way to answer it") {
		t.Fatalf("got %s %q", phase, msg)
	}
}

func TestARefusedCrumbIsAskedAgain(t *testing.T) {
	f := newFake(t)
	f.staleCrumbs = 1
	f.newJob("queue-left.json")
	f.on("GET /job/demo.web/7/api/json", f.json("build-success.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", f.json("describe-success.json"))
	if phase, msg := execute(t, newEngine(t, f), parallelRun(), &recorder{}); phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s (%s)", phase, msg)
	}
	if n := f.count("GET /crumbIssuer/api/json"); n != 2 {
		t.Errorf("crumb asked %d times", n)
	}
}

func TestJenkinsMessagesAreMasked(t *testing.T) {
	f := newFake(t)
	f.newJob("queue-left.json")
	f.on("GET /job/demo.web/7/api/json", f.json("build-failure.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(strings.ReplaceAll(string(f.file("describe-failed.json")), "script returned exit code 2", "login with "+secret+" refused")))
	})
	r := &recorder{}
	phase, msg := execute(t, newEngine(t, f), parallelRun(), r)
	if phase != devopsv1alpha3.PhaseFailed || strings.Contains(msg, secret) || !strings.Contains(msg, "login with **** refused") {
		t.Fatalf("got %s %q", phase, msg)
	}
	if st := stageOf(r.last(), "Test/lint"); strings.Contains(st.Message, secret) || st.Message != "login with **** refused" {
		t.Fatalf("stage message %q", st.Message)
	}
}

func TestAJenkinsThatHangsFailsTheRunInBoundedTime(t *testing.T) {
	f := newFake(t)
	f.newJob("queue-left.json")
	hang := func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	f.on("GET /job/demo.web/7/api/json", hang)
	f.on("POST /job/demo.web/7/stop", hang)
	e, err := New(Config{
		URL: f.srv.URL, User: fakeUser, Token: fakeToken,
		HTTP:         &http.Client{Timeout: 50 * time.Millisecond},
		PollInterval: 5 * time.Millisecond, MaxFailures: 3, StopWait: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	phase, msg := execute(t, e, parallelRun(), &recorder{})
	if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, "Jenkins stopped answering (3 tries)") || !strings.Contains(msg, "Client.Timeout") {
		t.Fatalf("got %s %q", phase, msg)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %s", d)
	}
}

func TestUnchangedStagesAreNotWrittenAgain(t *testing.T) {
	f := newFake(t)
	f.newJob("queue-left.json")
	f.on("GET /job/demo.web/7/api/json", f.seq("build-running.json", "build-running.json", "build-running.json", "build-running.json", "build-success.json"))
	f.on("GET /job/demo.web/7/wfapi/describe", f.seq("describe-running.json", "describe-running.json", "describe-running.json", "describe-running.json", "describe-success.json"))
	r := &recorder{}
	if phase, msg := execute(t, newEngine(t, f), parallelRun(), r); phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s (%s)", phase, msg)
	}
	// Queued with the stages, Running, the running stages once, the end.
	if n := len(r.history); n != 4 {
		t.Fatalf("%d updates for 5 polls", n)
	}
}

func TestABuildLogIsReadFromItsURLAlone(t *testing.T) {
	f := newFake(t)
	f.on("GET /job/demo.web/7/logText/progressiveText", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Text-Size", "40")
		_, _ = io.WriteString(w, "token hunter2-secret-value\nok\n")
	})
	e := newEngine(t, f)
	for _, bad := range []string{"", "https://elsewhere.example.com/job/demo.web/7/", f.srv.URL + "/job/demo.web/", f.srv.URL + "/view/x/"} {
		if _, err := e.BuildLog(t.Context(), bad, nil, false); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	rc, err := e.BuildLog(t.Context(), f.srv.URL+"/job/demo.web/7/", [][]byte{[]byte("hunter2-secret-value")}, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil || string(b) != "token ****\nok\n" {
		t.Fatalf("log %q (%v)", b, err)
	}
}

package local

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
)

// status collects what the engine reports.
type status struct {
	mu sync.Mutex
	st devopsv1alpha3.PipelineRunStatus
}

func (s *status) Update(change func(*devopsv1alpha3.PipelineRunStatus)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.st)
}

func (s *status) get() devopsv1alpha3.PipelineRunStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.st.DeepCopy()
}

func (s *status) step(t *testing.T, stage, step string) devopsv1alpha3.StepStatus {
	t.Helper()
	for _, st := range s.get().Stages {
		if st.Name != stage {
			continue
		}
		for _, sp := range st.Steps {
			if sp.Name == step {
				return sp
			}
		}
	}
	t.Fatalf("no step %s/%s in %+v", stage, step, s.get().Stages)
	return devopsv1alpha3.StepStatus{}
}

func sh(name, script string) devopsv1alpha3.Step {
	return devopsv1alpha3.Step{Name: name, Shell: &devopsv1alpha3.ShellStep{Script: script}}
}

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func newRun(def devopsv1alpha3.Definition) *engine.Run {
	return &engine.Run{Key: types.NamespacedName{Namespace: "dev", Name: "r1"}, Pipeline: "p", Definition: &def,
		Revision: devopsv1alpha3.Revision{Branch: "main"}, Params: map[string]string{}}
}

func execute(t *testing.T, e *Engine, run *engine.Run) (devopsv1alpha3.RunPhase, string, *status) {
	t.Helper()
	st := &status{}
	phase, msg := e.Execute(context.Background(), run, st)
	return phase, msg, st
}

func logOf(t *testing.T, e *Engine, run *engine.Run, stage, step string) string {
	t.Helper()
	r, err := e.Logs(context.Background(), run.Key, stage, step, false)
	if err != nil {
		t.Fatalf("log of %s/%s: %v", stage, step, err)
	}
	defer r.Close()
	b, _ := io.ReadAll(r)
	return string(b)
}

func TestStagesRunInOrderWithTheirEnvironmentAndParameters(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{
		Environment: []devopsv1alpha3.EnvVar{{Name: "GREETING", Value: "hello ${params.WHO}"}},
		Stages: []devopsv1alpha3.Stage{
			{Name: "write", Steps: []devopsv1alpha3.Step{sh("", `echo "$GREETING from $PIPELINE_NAME" > out.txt`)}},
			{Name: "read", Environment: []devopsv1alpha3.EnvVar{{Name: "SUFFIX", Value: "!"}},
				Steps: []devopsv1alpha3.Step{sh("cat", `echo "$(cat out.txt)$SUFFIX"; echo "home=$HOME"; env | grep -c SECRET_OF_CONTROLLER || true`)}},
		},
	})
	run.Params["WHO"] = "alice"
	t.Setenv("SECRET_OF_CONTROLLER", "nope")
	phase, msg, st := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s: %s", phase, msg)
	}
	log := logOf(t, e, run, "read", "cat")
	if !strings.Contains(log, "hello alice from p!") {
		t.Errorf("log %q", log)
	}
	if !strings.Contains(log, "home="+filepath.Join(e.Dir, "dev", "r1", "home")) || !strings.Contains(log, "\n0\n") {
		t.Errorf("the step's environment is not its own: %q", log)
	}
	if s := st.step(t, "write", "shell-1"); s.Phase != devopsv1alpha3.PhaseSucceeded || *s.ExitCode != 0 || s.StartTime == nil || s.CompletionTime == nil {
		t.Errorf("step status %+v", s)
	}
}

func TestAFailedStepFailsTheRunAndSkipsTheRest(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
		{Name: "a", Steps: []devopsv1alpha3.Step{sh("fail", "echo about to fail; exit 3"), sh("never", "echo never")}},
		{Name: "b", Steps: []devopsv1alpha3.Step{sh("never", "echo never")}},
	}})
	phase, msg, st := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, "step a/fail: exit status 3") {
		t.Fatalf("phase %s, message %q", phase, msg)
	}
	if s := st.step(t, "a", "fail"); *s.ExitCode != 3 || s.Phase != devopsv1alpha3.PhaseFailed {
		t.Errorf("step %+v", s)
	}
	if s := st.step(t, "a", "never"); s.Phase != devopsv1alpha3.PhaseSkipped {
		t.Errorf("the step after the failure is %s", s.Phase)
	}
	if s := st.step(t, "b", "never"); s.Phase != devopsv1alpha3.PhaseSkipped {
		t.Errorf("the next stage's step is %s", s.Phase)
	}
}

func TestParallelBranchesRunAtOnce(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	// Each branch waits for the other's file: they pass only if both run at once.
	wait := func(mine, other string) string {
		return "touch " + mine + "; for i in $(seq 100); do [ -f " + other + " ] && exit 0; sleep 0.05; done; exit 1"
	}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "test", Parallel: []devopsv1alpha3.Branch{
		{Name: "unit", Steps: []devopsv1alpha3.Step{sh("", wait("a", "b"))}},
		{Name: "lint", Steps: []devopsv1alpha3.Step{sh("", wait("b", "a"))}},
		{Name: "only-release", When: &devopsv1alpha3.When{Branch: "release-*"}, Steps: []devopsv1alpha3.Step{sh("", "exit 1")}},
	}}}})
	phase, msg, st := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s: %s", phase, msg)
	}
	got := map[string]devopsv1alpha3.RunPhase{}
	for _, s := range st.get().Stages {
		got[s.Name] = s.Phase
	}
	want := map[string]devopsv1alpha3.RunPhase{"test": "Succeeded", "test/unit": "Succeeded", "test/lint": "Succeeded", "test/only-release": "Skipped"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s is %s, want %s (all: %v)", k, got[k], v, got)
		}
	}
}

func TestRetryRunsAFailedStepAgain(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	step := sh("flaky", `n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "try $n"; [ $n -ge 3 ]`)
	step.Retry = 2
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s", Steps: []devopsv1alpha3.Step{step}}}})
	phase, msg, st := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseSucceeded {
		t.Fatalf("phase %s: %s", phase, msg)
	}
	if s := st.step(t, "s", "flaky"); s.Attempt != 3 {
		t.Errorf("attempt %d, want 3", s.Attempt)
	}
	if log := logOf(t, e, run, "s", "flaky"); !strings.Contains(log, "try 1") || !strings.Contains(log, "--- attempt 3") {
		t.Errorf("log %q", log)
	}
}

// alive says whether a process exists and is not a zombie (a killed
// child whose new parent has not reaped it yet).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the command's closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// gone waits a little for a killed process to be gone (the signal is
// delivered asynchronously).
func gone(pid int) bool {
	for range 100 {
		if !alive(pid) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// waitForPID reads a pid a step wrote.
func waitForPID(t *testing.T, file string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(file); err == nil && strings.HasSuffix(string(b), "\n") {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err == nil {
				return pid
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the step did not start")
	return 0
}

func TestATimeoutKillsTheStepAndItsChildren(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	step := sh("sleepy", `sleep 300 & echo $! > child.pid; wait`)
	step.Timeout = dur(3 * time.Second)
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s", Steps: []devopsv1alpha3.Step{step}}}})
	start := time.Now()
	phase, msg, _ := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseFailed || !strings.Contains(msg, "step sleepy (3s) timed out") {
		t.Fatalf("phase %s, message %q", phase, msg)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the run took %s after a 3s timeout", d)
	}
	pid := waitForPID(t, filepath.Join(e.Dir, "dev", "r1", "workspace", "child.pid"))
	if !gone(pid) {
		t.Errorf("the step's child %d outlived the timeout", pid)
	}
}

func TestCancelKillsTheRunningStep(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s", Steps: []devopsv1alpha3.Step{
		sh("long", `echo $$ > step.pid; sleep 300`),
	}}}})
	ctx, cancel := context.WithCancel(context.Background())
	st := &status{}
	done := make(chan devopsv1alpha3.RunPhase, 1)
	go func() {
		p, _ := e.Execute(ctx, run, st)
		done <- p
	}()
	pid := waitForPID(t, filepath.Join(e.Dir, "dev", "r1", "workspace", "step.pid"))
	if !alive(pid) {
		t.Fatal("the step is not running")
	}
	cancel()
	select {
	case p := <-done:
		if p != devopsv1alpha3.PhaseCancelled {
			t.Errorf("phase %s", p)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the run did not end after cancel")
	}
	if !gone(pid) {
		t.Errorf("process %d is still there after cancel", pid)
	}
	if s := st.step(t, "s", "long"); s.Phase != devopsv1alpha3.PhaseCancelled {
		t.Errorf("step %s", s.Phase)
	}
}

func TestCredentialsAreMaskedInLogs(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s",
		Environment: []devopsv1alpha3.EnvVar{{Name: "TOKEN", Credential: &devopsv1alpha3.CredentialKeyRef{Name: "api", Key: "secret"}}},
		Steps:       []devopsv1alpha3.Step{sh("leak", `echo "token is $TOKEN"; printf %s "$TOKEN" | base64; exit 1`)}}}})
	run.Credentials = map[string]map[string][]byte{"api": {"secret": []byte("tok-3f9a-SECRET")}}
	phase, _, _ := execute(t, e, run)
	if phase != devopsv1alpha3.PhaseFailed {
		t.Fatalf("phase %s", phase)
	}
	log := logOf(t, e, run, "s", "leak")
	if strings.Contains(log, "tok-3f9a") || strings.Contains(log, "dG9rLTNmOWEtU0VDUkVU") {
		t.Fatalf("the credential leaked: %q", log)
	}
	if !strings.Contains(log, "token is ****") {
		t.Errorf("log %q", log)
	}
}

func TestAnInputStepWaitsForItsApproval(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	answers := make(chan devopsv1alpha3.Approval, 1)
	asked := make(chan string, 1)
	mk := func() *engine.Run {
		run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{
			{Name: "gate", Steps: []devopsv1alpha3.Step{{Name: "ok", Input: &devopsv1alpha3.InputStep{Message: "Deploy?"}}}},
			{Name: "after", Steps: []devopsv1alpha3.Step{sh("", "echo deployed")}},
		}})
		run.Approval = func(ctx context.Context, step string) (devopsv1alpha3.Approval, error) {
			asked <- step
			select {
			case a := <-answers:
				return a, nil
			case <-ctx.Done():
				return devopsv1alpha3.Approval{}, ctx.Err()
			}
		}
		return run
	}
	for _, tc := range []struct {
		approved bool
		phase    devopsv1alpha3.RunPhase
	}{{true, devopsv1alpha3.PhaseSucceeded}, {false, devopsv1alpha3.PhaseCancelled}} {
		st := &status{}
		done := make(chan devopsv1alpha3.RunPhase, 1)
		run := mk()
		var msg string
		go func() {
			p, m := e.Execute(context.Background(), run, st)
			msg = m
			done <- p
		}()
		if step := <-asked; step != "gate/ok" {
			t.Fatalf("asked about %q", step)
		}
		if s := st.step(t, "gate", "ok"); s.Phase != devopsv1alpha3.PhaseWaiting || s.Message != "Deploy?" {
			t.Errorf("waiting step %+v", s)
		}
		answers <- devopsv1alpha3.Approval{Step: "gate/ok", Approved: tc.approved, User: "mia", Message: "no thanks"}
		if p := <-done; p != tc.phase {
			t.Errorf("approved=%v: phase %s (%s)", tc.approved, p, msg)
		}
		if !tc.approved && msg != "step gate/ok: rejected by mia: no thanks" {
			t.Errorf("message %q", msg)
		}
	}
}

func TestAFollowedLogEndsWithTheStep(t *testing.T) {
	e := &Engine{Dir: t.TempDir()}
	run := newRun(devopsv1alpha3.Definition{Stages: []devopsv1alpha3.Stage{{Name: "s", Steps: []devopsv1alpha3.Step{
		sh("talk", `for i in 1 2 3; do echo line $i; sleep 0.2; done`),
	}}}})
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.Execute(context.Background(), run, &status{})
	}()
	var r io.ReadCloser
	for {
		var err error
		if r, err = e.Logs(context.Background(), run.Key, "s", "talk", true); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	if got := string(b); got != "line 1\nline 2\nline 3\n" {
		t.Errorf("followed log %q", got)
	}
	<-done
}

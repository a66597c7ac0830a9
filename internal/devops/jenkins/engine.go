package jenkins

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/mask"
)

// Config configures an Engine.
type Config struct {
	// URL is Jenkins' root, e.g. https://jenkins.example.com/ (a path,
	// such as /jenkins, is kept).
	URL string
	// User and Token authenticate every request (HTTP basic auth with an
	// API token).
	User  string
	Token string
	// HTTP makes the requests (default: a client with a 30s timeout). The
	// engine uses a copy with a cookie jar (Jenkins ties CSRF crumbs to the
	// session) that does not follow redirects.
	HTTP *http.Client
	// PollInterval is the time between two looks at a queued or running
	// build (default 2s).
	PollInterval time.Duration
	// LogPollInterval is the time between two reads of a followed log
	// (default 1s).
	LogPollInterval time.Duration
	// MaxFailures is how many polls in a row may fail (no answer, or a 5xx)
	// before the run is Failed (default 30).
	MaxFailures int
	// StopWait bounds how long a cancelled run waits for Jenkins to end
	// its build (default 1m).
	StopWait time.Duration
}

// Engine runs pipeline runs on Jenkins. Each pipeline is one Jenkins
// pipeline job (JobName); each run writes the job's script (Compile), then
// builds it with parameters.
type Engine struct {
	cfg Config
	c   *client

	mu   sync.Mutex
	runs map[types.NamespacedName]*tracked
	jobs map[string]chan struct{}
}

var _ engine.Engine = (*Engine)(nil)

// New makes an Engine of cfg.
func New(cfg Config) (*Engine, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("jenkins: the URL %q is not an http(s) URL", cfg.URL)
	}
	if cfg.User == "" || cfg.Token == "" {
		return nil, errors.New("jenkins: a user and an API token are needed")
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 2 * time.Second
	}
	if cfg.LogPollInterval <= 0 {
		cfg.LogPollInterval = time.Second
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 30
	}
	if cfg.StopWait <= 0 {
		cfg.StopWait = time.Minute
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTP != nil {
		copied := *cfg.HTTP
		hc = &copied
	}
	if hc.Jar == nil {
		hc.Jar, _ = cookiejar.New(nil)
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Engine{
		cfg:  cfg,
		c:    &client{base: strings.TrimSuffix(u.String(), "/"), user: cfg.User, token: cfg.Token, http: hc},
		runs: map[types.NamespacedName]*tracked{},
		jobs: map[string]chan struct{}{},
	}, nil
}

// Name is engine.Jenkins.
func (e *Engine) Name() string { return engine.Jenkins }

// JobName is the Jenkins job of a pipeline: "<namespace>.<pipeline>". A
// namespace has no dot, so the first dot splits the two again, and both
// are made of characters Jenkins allows in names.
func JobName(namespace, pipeline string) string { return namespace + "." + pipeline }

func jobPath(job string) string { return "/job/" + url.PathEscape(job) }

func buildPath(job string, n int64) string { return jobPath(job) + "/" + strconv.FormatInt(n, 10) }

// tracked is what the engine keeps of a run, for its logs.
type tracked struct {
	job    string
	def    *devopsv1alpha3.Definition
	masker *mask.Masker

	mu     sync.Mutex
	number int64
	url    string
}

func (t *tracked) build() (int64, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.number, t.url
}

// Forget drops what the engine keeps of a run (its build number and its
// credentials' masker); the controller calls it when the run is deleted.
// Logs of a forgotten run are ErrNoLog.
func (e *Engine) Forget(run types.NamespacedName) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.runs, run)
}

// lockJob serialises runs of one job from writing its script until their
// build has left the queue (Jenkins reads the script when the build
// starts), so that a run never builds another run's script.
func (e *Engine) lockJob(ctx context.Context, job string) (func(), error) {
	e.mu.Lock()
	ch := e.jobs[job]
	if ch == nil {
		ch = make(chan struct{}, 1)
		e.jobs[job] = ch
	}
	e.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Execute builds run on Jenkins and follows the build to its end; see
// engine.Engine. The run's phase is reported as Queued while Jenkins
// queues the build and Running once it runs; the final phase is returned.
func (e *Engine) Execute(ctx context.Context, run *engine.Run, r engine.Reporter) (devopsv1alpha3.RunPhase, string) {
	x := &execution{
		e: e, run: run, r: r,
		job:     JobName(run.Key.Namespace, run.Pipeline),
		inputs:  map[string]*inputState{},
		byID:    map[string]string{},
		started: map[string]bool{},
	}
	return x.execute(ctx)
}

type inputState struct {
	phase   devopsv1alpha3.RunPhase
	message string
}

type answer struct {
	id, path string
	approval devopsv1alpha3.Approval
	err      error
}

type execution struct {
	e   *Engine
	run *engine.Run
	r   engine.Reporter
	job string
	t   *tracked

	layout   []stageEntry
	number   int64
	buildURL string
	last     *runDescription
	inputs   map[string]*inputState // by step path
	byID     map[string]string      // input id → step path
	started  map[string]bool        // input ids asked
	rejected string
	reported []devopsv1alpha3.StageStatus
}

type stageEntry struct {
	name     string
	parent   string // for a parallel branch
	parallel bool
	steps    []stepEntry
}

type stepEntry struct {
	name, kind, path string
}

func layoutOf(def *devopsv1alpha3.Definition) []stageEntry {
	var out []stageEntry
	steps := func(prefix string, ss []devopsv1alpha3.Step) []stepEntry {
		var es []stepEntry
		for i := range ss {
			n := StepName(&ss[i], i)
			es = append(es, stepEntry{name: n, kind: StepKind(&ss[i]), path: prefix + "/" + n})
		}
		return es
	}
	for i := range def.Stages {
		st := &def.Stages[i]
		out = append(out, stageEntry{name: st.Name, steps: steps(st.Name, st.Steps)})
		for j := range st.Parallel {
			name := BranchStageName(st.Name, st.Parallel[j].Name)
			out = append(out, stageEntry{name: name, parent: st.Name, parallel: true, steps: steps(name, st.Parallel[j].Steps)})
		}
	}
	return out
}

func (x *execution) execute(ctx context.Context) (devopsv1alpha3.RunPhase, string) {
	script, err := Compile(x.run)
	if err != nil {
		return devopsv1alpha3.PhaseFailed, "the definition cannot run on Jenkins: " + err.Error()
	}
	x.layout = layoutOf(x.run.Definition)
	for _, s := range x.layout {
		for _, st := range s.steps {
			if st.kind == "input" {
				x.byID[InputID(st.path)] = st.path
			}
		}
	}
	x.t = &tracked{job: x.job, def: x.run.Definition, masker: mask.New(x.run.Secrets())}
	x.e.mu.Lock()
	x.e.runs[x.run.Key] = x.t
	x.e.mu.Unlock()

	x.r.Update(func(s *devopsv1alpha3.PipelineRunStatus) {
		s.Executor = engine.Jenkins
		s.Phase = devopsv1alpha3.PhaseQueued
		if s.QueuedTime == nil {
			now := metav1.Now()
			s.QueuedTime = &now
		}
		s.Stages = x.stages(nil, false, "")
	})
	x.reported = x.stages(nil, false, "")
	if phase, msg := x.start(ctx, script); phase != "" {
		x.report(true, phase)
		return phase, msg
	}
	x.t.mu.Lock()
	x.t.number, x.t.url = x.number, x.buildURL
	x.t.mu.Unlock()
	x.r.Update(func(s *devopsv1alpha3.PipelineRunStatus) {
		s.Phase = devopsv1alpha3.PhaseRunning
		s.Message = ""
		s.ExternalID = x.buildURL
		if s.StartTime == nil {
			now := metav1.Now()
			s.StartTime = &now
		}
	})
	return x.follow(ctx)
}

var queueItemRE = regexp.MustCompile(`/queue/item/([0-9]+)/?$`)

// start writes the job and builds it; it returns a phase only when the run
// ended before its build started.
func (x *execution) start(ctx context.Context, script string) (devopsv1alpha3.RunPhase, string) {
	c := x.e.c
	release, err := x.e.lockJob(ctx, x.job)
	if err != nil {
		return devopsv1alpha3.PhaseCancelled, "cancelled before Jenkins got the build"
	}
	defer release()
	params := x.parameters()
	cfg := configXML(x.run, script, params)
	if _, err := c.post(ctx, jobPath(x.job)+"/config.xml", nil, cfg, "application/xml"); err != nil {
		if !isNotFound(err) {
			return x.failedToStart(ctx, "Jenkins refused the job's configuration", err)
		}
		if _, err := c.post(ctx, "/createItem", url.Values{"name": {x.job}}, cfg, "application/xml"); err != nil {
			return x.failedToStart(ctx, "Jenkins refused to create the job "+x.job, err)
		}
	}
	form := url.Values{}
	for _, p := range params {
		form.Set(p[0], p[1])
	}
	hdr, err := c.post(ctx, jobPath(x.job)+"/buildWithParameters", nil, []byte(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		return x.failedToStart(ctx, "Jenkins refused to build the job "+x.job, err)
	}
	m := queueItemRE.FindStringSubmatch(hdr.Get("Location"))
	if m == nil {
		return devopsv1alpha3.PhaseFailed, fmt.Sprintf("Jenkins queued the build without saying where (Location %q)", hdr.Get("Location"))
	}
	queueID := m[1]
	failures := 0
	why := ""
	for {
		var item queueItem
		err := c.getJSON(ctx, "/queue/item/"+queueID+"/api/json", nil, &item)
		switch {
		case ctx.Err() != nil:
			return x.cancelQueued(ctx, queueID)
		case err == nil:
			failures = 0
			if item.Cancelled {
				return devopsv1alpha3.PhaseFailed, "Jenkins cancelled the queued build (queue item " + queueID + ")"
			}
			if item.Executable != nil && item.Executable.Number > 0 {
				x.number = item.Executable.Number
				x.buildURL = item.Executable.URL
				if x.buildURL == "" {
					x.buildURL = c.base + buildPath(x.job, x.number) + "/"
				}
				return "", ""
			}
			if item.Why != why {
				why = item.Why
				x.r.Update(func(s *devopsv1alpha3.PipelineRunStatus) { s.Message = "Jenkins' queue: " + oneLine(why) })
			}
		case transient(err):
			failures++
			if failures >= x.e.cfg.MaxFailures {
				x.cancelQueued(ctx, queueID)
				return devopsv1alpha3.PhaseFailed, fmt.Sprintf("Jenkins stopped answering (%d tries) while the build was queued: %v", failures, err)
			}
		default:
			return devopsv1alpha3.PhaseFailed, "Jenkins lost the queued build: " + err.Error()
		}
		if !sleep(ctx, x.e.cfg.PollInterval) {
			return x.cancelQueued(ctx, queueID)
		}
	}
}

func (x *execution) failedToStart(ctx context.Context, what string, err error) (devopsv1alpha3.RunPhase, string) {
	if ctx.Err() != nil {
		return devopsv1alpha3.PhaseCancelled, "cancelled before Jenkins got the build"
	}
	return devopsv1alpha3.PhaseFailed, what + ": " + err.Error()
}

// cancelQueued takes the build out of Jenkins' queue, or stops it if it
// left the queue meanwhile.
func (x *execution) cancelQueued(ctx context.Context, queueID string) (devopsv1alpha3.RunPhase, string) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), x.e.cfg.StopWait)
	defer cancel()
	_, err := x.e.c.post(sctx, "/queue/cancelItem", url.Values{"id": {queueID}}, nil, "")
	var item queueItem
	if gerr := x.e.c.getJSON(sctx, "/queue/item/"+queueID+"/api/json", nil, &item); gerr == nil && item.Executable != nil && item.Executable.Number > 0 {
		x.number, x.buildURL = item.Executable.Number, item.Executable.URL
		return x.stop(ctx)
	}
	if err != nil && ctx.Err() != nil {
		return devopsv1alpha3.PhaseCancelled, "cancelled; taking the build out of Jenkins' queue failed: " + err.Error()
	}
	if ctx.Err() == nil {
		return devopsv1alpha3.PhaseFailed, "the build was taken out of Jenkins' queue"
	}
	return devopsv1alpha3.PhaseCancelled, "cancelled while Jenkins queued the build"
}

// parameters are the build's parameters, sorted, RunParameter first.
func (x *execution) parameters() [][2]string {
	out := [][2]string{{RunParameter, x.run.Key.String()}}
	names := make([]string, 0, len(x.run.Params))
	for n := range x.run.Params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, [2]string{n, x.run.Params[n]})
	}
	return out
}

// configXML is the pipeline job's config.xml: the script inline (in
// Groovy's sandbox) and the parameters declared, so that the very first
// build accepts them.
func configXML(run *engine.Run, script string, params [][2]string) []byte {
	var b strings.Builder
	esc := func(s string) string {
		var sb strings.Builder
		_ = xml.EscapeText(&sb, []byte(s))
		return sb.String()
	}
	b.WriteString("<?xml version='1.0' encoding='UTF-8'?>\n")
	b.WriteString("<flow-definition plugin=\"workflow-job\">\n")
	b.WriteString("  <description>" + esc("Pipeline "+run.Pipeline+" of the DevOps project "+run.Key.Namespace+", managed by Super Kubenetes: changes made in Jenkins are overwritten.") + "</description>\n")
	b.WriteString("  <keepDependencies>false</keepDependencies>\n")
	b.WriteString("  <properties>\n    <hudson.model.ParametersDefinitionProperty>\n      <parameterDefinitions>\n")
	for _, p := range params {
		b.WriteString("        <hudson.model.StringParameterDefinition>\n")
		b.WriteString("          <name>" + esc(p[0]) + "</name>\n")
		b.WriteString("          <defaultValue>" + esc(p[1]) + "</defaultValue>\n")
		b.WriteString("          <trim>false</trim>\n")
		b.WriteString("        </hudson.model.StringParameterDefinition>\n")
	}
	b.WriteString("      </parameterDefinitions>\n    </hudson.model.ParametersDefinitionProperty>\n  </properties>\n")
	b.WriteString("  <definition class=\"org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition\" plugin=\"workflow-cps\">\n")
	b.WriteString("    <script>" + esc(script) + "</script>\n")
	b.WriteString("    <sandbox>true</sandbox>\n")
	b.WriteString("  </definition>\n  <triggers/>\n  <disabled>false</disabled>\n</flow-definition>\n")
	return []byte(b.String())
}

// follow polls the running build until it ends, answering its inputs.
func (x *execution) follow(ctx context.Context) (devopsv1alpha3.RunPhase, string) {
	actx, stopApprovals := context.WithCancel(ctx)
	defer stopApprovals()
	answers := make(chan answer)
	failures := 0
	for {
		info, desc, err := x.poll(ctx)
		switch {
		case ctx.Err() != nil:
			return x.stop(ctx)
		case err == nil:
			failures = 0
			x.last = desc
			if !info.Building {
				return x.finish(info)
			}
			if paused(desc) && x.run.Approval == nil {
				return x.abandon(ctx, "Jenkins waits for an input, and the run has no way to answer it")
			}
			if paused(desc) {
				if err := x.askInputs(ctx, actx, answers); err != nil && !transient(err) {
					return x.abandon(ctx, "Jenkins refused the list of pending inputs: "+err.Error())
				}
			}
			x.report(false, "")
		case transient(err):
			failures++
			if failures >= x.e.cfg.MaxFailures {
				return x.abandon(ctx, fmt.Sprintf("Jenkins stopped answering (%d tries): %v", failures, err))
			}
		default:
			return x.abandon(ctx, "Jenkins lost the build: "+err.Error())
		}
		select {
		case <-ctx.Done():
			return x.stop(ctx)
		case a := <-answers:
			if a.err != nil {
				// Ask again at the next poll that finds the input pending.
				delete(x.started, a.id)
				if !sleep(ctx, x.e.cfg.PollInterval) {
					return x.stop(ctx)
				}
				continue
			}
			if err := x.answer(ctx, a); err != nil {
				if ctx.Err() != nil {
					return x.stop(ctx)
				}
				return x.abandon(ctx, err.Error())
			}
			x.report(false, "")
		case <-time.After(x.e.cfg.PollInterval):
		}
	}
}

func (x *execution) poll(ctx context.Context) (*buildInfo, *runDescription, error) {
	var info buildInfo
	if err := x.e.c.getJSON(ctx, buildPath(x.job, x.number)+"/api/json", url.Values{"tree": {"number,url,building,result"}}, &info); err != nil {
		return nil, nil, err
	}
	var desc runDescription
	if err := x.e.c.getJSON(ctx, buildPath(x.job, x.number)+"/wfapi/describe", nil, &desc); err != nil {
		return nil, nil, err
	}
	return &info, &desc, nil
}

func paused(d *runDescription) bool {
	if d.Status == statusPausedInput {
		return true
	}
	for _, s := range d.Stages {
		if s.Status == statusPausedInput {
			return true
		}
	}
	return false
}

// askInputs asks run.Approval, once per input, for each input Jenkins
// waits on; the answers come back on answers.
func (x *execution) askInputs(ctx, actx context.Context, answers chan<- answer) error {
	var pending []pendingInput
	if err := x.e.c.getJSON(ctx, buildPath(x.job, x.number)+"/wfapi/pendingInputActions", nil, &pending); err != nil {
		return err
	}
	for _, p := range pending {
		path, ok := x.byID[p.ID]
		if !ok || x.started[p.ID] {
			continue
		}
		x.started[p.ID] = true
		x.inputs[path] = &inputState{phase: devopsv1alpha3.PhaseWaiting, message: "waiting for an approval"}
		go func(id, path string) {
			a := answer{id: id, path: path}
			a.approval, a.err = x.run.Approval(actx, path)
			select {
			case answers <- a:
			case <-actx.Done():
			}
		}(p.ID, path)
	}
	return nil
}

// answer proceeds or aborts the input in Jenkins.
func (x *execution) answer(ctx context.Context, a answer) error {
	action := "proceedEmpty"
	st := &inputState{phase: devopsv1alpha3.PhaseSucceeded, message: "approved by " + a.approval.User}
	if !a.approval.Approved {
		action = "abort"
		st = &inputState{phase: devopsv1alpha3.PhaseFailed, message: "rejected by " + a.approval.User}
	}
	if a.approval.Message != "" {
		st.message += ": " + a.approval.Message
	}
	path := buildPath(x.job, x.number) + "/input/" + url.PathEscape(a.id) + "/" + action
	var err error
	for try := 1; try <= x.e.cfg.MaxFailures; try++ {
		if _, err = x.e.c.post(ctx, path, nil, nil, ""); err == nil || !transient(err) {
			break
		}
		if !sleep(ctx, x.e.cfg.PollInterval) {
			return ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("jenkins did not take the answer to the input %s: %w", a.path, err)
	}
	x.inputs[a.path] = st
	if !a.approval.Approved {
		x.rejected = "the input " + a.path + " was " + st.message
	}
	return nil
}

// finish maps the ended build's result to the run's phase.
func (x *execution) finish(info *buildInfo) (devopsv1alpha3.RunPhase, string) {
	result := ""
	if info.Result != nil {
		result = *info.Result
	}
	phase, msg := devopsv1alpha3.PhaseFailed, ""
	switch result {
	case resultSuccess:
		phase = devopsv1alpha3.PhaseSucceeded
	case resultFailure:
		msg = "the Jenkins build failed" + x.failedStage()
	case resultAborted:
		msg = x.rejected
		if msg == "" {
			msg = "Jenkins aborted the build (a timeout, or someone stopped it in Jenkins)"
		}
	case resultUnstable:
		msg = messageUnstable
	case resultNotBuilt:
		msg = "Jenkins did not build it"
	default:
		msg = fmt.Sprintf("Jenkins ended the build with the result %q", result)
	}
	x.report(true, phase)
	return phase, x.t.masker.String(msg)
}

func (x *execution) failedStage() string {
	if x.last == nil {
		return ""
	}
	for _, s := range x.last.Stages {
		if s.Status == statusFailed {
			m := " in the stage " + s.Name
			if s.Error != nil && s.Error.Message != "" {
				m += ": " + oneLine(s.Error.Message)
			}
			return m
		}
	}
	return ""
}

// stop stops the build (ctx is done), waits for Jenkins to end it, and
// reports the run Cancelled.
func (x *execution) stop(ctx context.Context) (devopsv1alpha3.RunPhase, string) {
	msg := "cancelled"
	if err := x.stopBuild(ctx, x.e.cfg.StopWait); err != nil {
		msg += "; " + err.Error()
	}
	x.report(true, devopsv1alpha3.PhaseCancelled)
	return devopsv1alpha3.PhaseCancelled, msg
}

// abandon gives the run up as Failed, stopping its build if Jenkins
// answers.
func (x *execution) abandon(ctx context.Context, why string) (devopsv1alpha3.RunPhase, string) {
	_ = x.stopBuild(ctx, min(x.e.cfg.StopWait, 10*time.Second))
	x.report(true, devopsv1alpha3.PhaseFailed)
	return devopsv1alpha3.PhaseFailed, x.t.masker.String(why)
}

// stopBuild asks Jenkins to stop the build and waits until it is no longer
// building; half way it asks for a hard kill.
func (x *execution) stopBuild(ctx context.Context, wait time.Duration) error {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	bp := buildPath(x.job, x.number)
	if _, err := x.e.c.post(sctx, bp+"/stop", nil, nil, ""); err != nil {
		return fmt.Errorf("stopping the Jenkins build %s failed: %w", x.buildURL, err)
	}
	killAt := time.Now().Add(wait / 2)
	killed := false
	for {
		var info buildInfo
		if err := x.e.c.getJSON(sctx, bp+"/api/json", url.Values{"tree": {"number,url,building,result"}}, &info); err == nil && !info.Building {
			return nil
		}
		if !killed && time.Now().After(killAt) {
			killed = true
			_, _ = x.e.c.post(sctx, bp+"/kill", nil, nil, "")
		}
		if !sleep(sctx, x.e.cfg.PollInterval) {
			return fmt.Errorf("the Jenkins build %s was still running %s after it was stopped", x.buildURL, wait)
		}
	}
}

// report writes the stages' phases. When final, no stage stays Pending,
// Running or Waiting.
// Nothing is written when the stages did not change since the last report:
// each report is a write to the PipelineRun.
func (x *execution) report(final bool, phase devopsv1alpha3.RunPhase) {
	stages := x.stages(x.last, final, phase)
	if x.reported != nil && equality.Semantic.DeepEqual(stages, x.reported) {
		return
	}
	x.reported = stages
	x.r.Update(func(s *devopsv1alpha3.PipelineRunStatus) {
		s.Stages = make([]devopsv1alpha3.StageStatus, len(stages))
		for i := range stages {
			stages[i].DeepCopyInto(&s.Stages[i])
		}
	})
}

func (x *execution) stages(desc *runDescription, final bool, runPhase devopsv1alpha3.RunPhase) []devopsv1alpha3.StageStatus {
	byName := map[string]*stageDescription{}
	if desc != nil {
		for i := range desc.Stages {
			byName[desc.Stages[i].Name] = &desc.Stages[i]
		}
	}
	out := make([]devopsv1alpha3.StageStatus, 0, len(x.layout))
	for _, e := range x.layout {
		ss := devopsv1alpha3.StageStatus{Name: e.name, Parallel: e.parallel, Phase: devopsv1alpha3.PhasePending}
		d := byName[e.name]
		if d == nil && e.parallel {
			// Jenkins versions that do not list parallel branches:
			// a branch follows its stage.
			d = byName[e.parent]
		}
		if d != nil {
			ss.Phase, ss.Message = stagePhase(d.Status)
			if ss.Phase == devopsv1alpha3.PhaseCancelled && x.rejected != "" {
				// Jenkins aborts the stage whose input was rejected.
				ss.Phase, ss.Message = devopsv1alpha3.PhaseFailed, x.rejected
			}
			if d.Error != nil && d.Error.Message != "" && ss.Phase == devopsv1alpha3.PhaseFailed && x.rejected == "" {
				ss.Message = x.t.masker.String(oneLine(d.Error.Message))
			}
			ss.StartTime = millis(d.StartTimeMillis)
			if ss.StartTime != nil {
				ss.Attempt = 1
			}
			if ss.Phase.Finished() && ss.StartTime != nil {
				ss.CompletionTime = millis(d.StartTimeMillis + d.DurationMillis)
			}
		}
		if final {
			switch ss.Phase {
			case devopsv1alpha3.PhasePending:
				ss.Phase, ss.Message = devopsv1alpha3.PhaseSkipped, messageNotExecuted
			case devopsv1alpha3.PhaseRunning, devopsv1alpha3.PhaseWaiting:
				ss.Phase = devopsv1alpha3.PhaseFailed
				if runPhase == devopsv1alpha3.PhaseCancelled {
					ss.Phase = devopsv1alpha3.PhaseCancelled
				}
			}
		}
		ss.Steps = x.steps(e, ss)
		out = append(out, ss)
	}
	return out
}

// steps derives the steps' phases from their stage's: Jenkins reports
// stages, not steps. Input steps are known exactly (the engine answers
// them); around a waiting input, the steps before it are done and those
// after it pending.
func (x *execution) steps(e stageEntry, ss devopsv1alpha3.StageStatus) []devopsv1alpha3.StepStatus {
	if len(e.steps) == 0 {
		return nil
	}
	waitingAt := -1
	for i, st := range e.steps {
		if in := x.inputs[st.path]; in != nil && in.phase == devopsv1alpha3.PhaseWaiting && !ss.Phase.Finished() {
			waitingAt = i
			break
		}
	}
	out := make([]devopsv1alpha3.StepStatus, 0, len(e.steps))
	for i, st := range e.steps {
		s := devopsv1alpha3.StepStatus{Name: st.name, Kind: st.kind, Phase: ss.Phase, StartTime: ss.StartTime, CompletionTime: ss.CompletionTime}
		if ss.Phase == devopsv1alpha3.PhaseFailed {
			s.Message = "the stage failed (Jenkins reports stages, not steps: see the build's log)"
		}
		switch {
		case waitingAt >= 0 && i < waitingAt:
			s.Phase, s.CompletionTime = devopsv1alpha3.PhaseSucceeded, nil
		case waitingAt >= 0 && i > waitingAt:
			s.Phase, s.StartTime, s.CompletionTime = devopsv1alpha3.PhasePending, nil, nil
		case ss.Phase == devopsv1alpha3.PhaseWaiting && st.kind != "input":
			s.Phase = devopsv1alpha3.PhaseRunning
		}
		if in := x.inputs[st.path]; in != nil && (in.phase != devopsv1alpha3.PhaseWaiting || !ss.Phase.Finished()) {
			s.Phase, s.Message = in.phase, x.t.masker.String(in.message)
		}
		if s.StartTime != nil {
			s.Attempt = 1
		}
		out = append(out, s)
	}
	return out
}

// sleep waits d, or less when ctx ends (then false).
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

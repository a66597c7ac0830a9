package devops

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/mask"
)

var runsGR = devopsv1alpha3.GroupVersion.WithResource("pipelineruns").GroupResource()

var runList = listquery.Spec{SortBy: []string{"startTime", "phase"}, Filters: []string{"pipeline", "phase", "trigger"}}

var runColumns = listquery.Columns[*devopsv1alpha3.PipelineRun]{
	"phase": func(r *devopsv1alpha3.PipelineRun) string { return string(r.Status.Phase) },
	"startTime": func(r *devopsv1alpha3.PipelineRun) string {
		if r.Status.StartTime == nil {
			return ""
		}
		return r.Status.StartTime.UTC().Format("2006-01-02T15:04:05Z")
	},
}

var runFilters = listquery.Filters[*devopsv1alpha3.PipelineRun]{
	"pipeline": func(r *devopsv1alpha3.PipelineRun, v string) bool { return r.Spec.Pipeline == v },
	"phase":    func(r *devopsv1alpha3.PipelineRun, v string) bool { return string(r.Status.Phase) == v },
	"trigger":  func(r *devopsv1alpha3.PipelineRun, v string) bool { return string(r.Spec.Trigger.Kind) == v },
}

func paramsOf(p *devopsv1alpha3.Pipeline, given []devopsv1alpha3.ParamValue) (map[string]string, error) {
	if errs := definition.ParameterErrors(p.Spec.Parameters, given, field.NewPath("parameters")); len(errs) > 0 {
		return nil, apistatus.Invalid("PipelineRun", p.Name, errs)
	}
	return definition.Parameters(p.Spec.Parameters, given)
}

func (h *Handler) listRuns(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), runList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	opts := []client.ListOption{client.InNamespace(r.PathValue("namespace"))}
	if p := q.Filters["pipeline"]; p != "" {
		opts = append(opts, client.MatchingLabels{devopsv1alpha3.PipelineLabel: p})
	}
	var list devopsv1alpha3.PipelineRunList
	if err := c.List(r.Context(), &list, opts...); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*devopsv1alpha3.PipelineRun, len(list.Items))
	for i := range list.Items {
		list.Items[i].ManagedFields = nil
		// The list shows runs, not their definitions.
		list.Items[i].Status.Definition = nil
		items[i] = &list.Items[i]
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, runColumns, runFilters))
}

func (h *Handler) run(r *http.Request) (client.Client, *devopsv1alpha3.PipelineRun, error) {
	c, err := h.as(r)
	if err != nil {
		return nil, nil, err
	}
	run := &devopsv1alpha3.PipelineRun{}
	err = c.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}, run)
	return c, run, err
}

func (h *Handler) getRun(w http.ResponseWriter, r *http.Request) {
	_, run, err := h.run(r)
	writeObject(w, http.StatusOK, run, err)
}

func (h *Handler) deleteRun(w http.ResponseWriter, r *http.Request) {
	c, run, err := h.run(r)
	if err == nil {
		err = c.Delete(r.Context(), run)
	}
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, runsGR, run.Name)
}

// ActionRequest carries an action's arguments.
type ActionRequest struct {
	// Step is the input step ("<stage>/<step>") to approve or reject.
	Step    string `json:"step,omitempty"`
	Message string `json:"message,omitempty"`
	// Definition is the replay's definition.
	Definition *devopsv1alpha3.Definition `json:"definition,omitempty"`
}

// runAction carries out cancel, rerun, replay, approve and reject as the
// caller: kube-apiserver's RBAC and the approvals policy decide.
func (h *Handler) runAction(w http.ResponseWriter, r *http.Request) {
	action := r.PathValue("action")
	in := ActionRequest{}
	if r.ContentLength != 0 {
		if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "ActionRequest", Strict: true}); err != nil && !errors.Is(err, io.EOF) {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	c, run, err := h.run(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	switch action {
	case "cancel":
		if run.Status.Phase.Finished() {
			responsewriters.WriteStatus(w, apierrors.NewConflict(runsGR, run.Name, errors.New("the run has ended")))
			return
		}
		before := run.DeepCopy()
		run.Spec.Cancel = true
		err = c.Patch(r.Context(), run, client.MergeFrom(before))
		writeObject(w, http.StatusOK, run, err)
	case "approve", "reject":
		h.answer(w, r, c, run, in, action == "approve")
	case "rerun", "replay":
		kind := devopsv1alpha3.TriggerRerun
		if action == "replay" {
			kind = devopsv1alpha3.TriggerReplay
			if in.Definition == nil {
				responsewriters.WriteStatus(w, apistatus.Invalid("ActionRequest", run.Name, field.ErrorList{field.Required(field.NewPath("definition"), "a replay runs a changed definition")}))
				return
			}
			if errs := definition.Validate(in.Definition, field.NewPath("definition")); len(errs) > 0 {
				responsewriters.WriteStatus(w, apistatus.Invalid("ActionRequest", run.Name, errs))
				return
			}
		}
		next := newRun(run.Namespace, run.Spec.Pipeline, kind, run.Name+"/"+randomID(), caller(r).GetName())
		next.Spec.Parameters = run.Spec.Parameters
		next.Spec.Revision = run.Spec.Revision
		if run.Status.Commit != "" {
			next.Spec.Revision.Commit = run.Status.Commit
		}
		next.Spec.Definition = run.Spec.Definition
		if in.Definition != nil {
			next.Spec.Definition = in.Definition
		}
		h.createRun(w, r, next)
	default:
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, metav1.StatusReasonNotFound,
			"no action "+action+" on pipelineruns; the actions are cancel, rerun, replay, approve and reject"))
	}
}

// answer records the caller's approval (or rejection) of a waiting step.
func (h *Handler) answer(w http.ResponseWriter, r *http.Request, c client.Client, run *devopsv1alpha3.PipelineRun, in ActionRequest, approved bool) {
	if in.Step == "" {
		responsewriters.WriteStatus(w, apistatus.Invalid("ActionRequest", run.Name, field.ErrorList{field.Required(field.NewPath("step"), "the input step, as <stage>/<step>")}))
		return
	}
	if !waiting(run, in.Step) {
		responsewriters.WriteStatus(w, apierrors.NewConflict(runsGR, run.Name, errors.New("step "+in.Step+" is not waiting for an answer")))
		return
	}
	before := run.DeepCopy()
	run.Spec.Approvals = append(run.Spec.Approvals, devopsv1alpha3.Approval{Step: in.Step, Approved: approved, User: caller(r).GetName(), Message: in.Message})
	err := c.Patch(r.Context(), run, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	writeObject(w, http.StatusOK, run, err)
}

// waiting says whether the step waits for an answer.
func waiting(run *devopsv1alpha3.PipelineRun, step string) bool {
	for _, a := range run.Spec.Approvals {
		if a.Step == step {
			return false
		}
	}
	stage, name, ok := cutLast(step)
	if !ok {
		return false
	}
	for _, s := range run.Status.Stages {
		if s.Name != stage {
			continue
		}
		for _, st := range s.Steps {
			if st.Name == name {
				return st.Phase == devopsv1alpha3.PhaseWaiting
			}
		}
	}
	return false
}

func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, '/')
	if i <= 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// log streams a step's log (masked again on the way out).
func (h *Handler) log(w http.ResponseWriter, r *http.Request) {
	_, run, err := h.run(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	stage, step := r.URL.Query().Get("stage"), r.URL.Query().Get("step")
	if stage == "" || step == "" {
		responsewriters.WriteStatus(w, apistatus.BadRequest("stage", "stage and step are required"))
		return
	}
	follow := r.URL.Query().Get("follow") == "true" && !run.Status.Phase.Finished()
	secrets := h.secretsOf(r, run)
	var rc io.ReadCloser
	switch eng := h.Logs[run.Status.Executor]; {
	case run.Status.Executor == engine.Jenkins && h.Jenkins != nil:
		// Jenkins keeps one log per build: every step reads it.
		rc, err = h.Jenkins.BuildLog(r.Context(), run.Status.ExternalID, secrets, follow)
	case eng != nil:
		rc, err = eng.Logs(r.Context(), client.ObjectKeyFromObject(run), stage, step, follow)
	default:
		responsewriters.WriteStatus(w, apierrors.NewNotFound(runsGR, run.Name+" log (the run's executor keeps no log that this server reads)"))
		return
	}
	if errors.Is(err, engine.ErrNoLog) {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(runsGR, run.Name+" log of "+stage+"/"+step))
		return
	}
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	out := mask.New(secrets).Writer(flushWriter{w: w, f: fl})
	br := bufio.NewReaderSize(rc, 32<<10)
	buf := make([]byte, 32<<10)
	for {
		n, err := br.Read(buf)
		if n > 0 {
			if _, werr := out.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			_ = out.Close()
			return
		}
	}
}

type flushWriter struct {
	w io.Writer
	f http.Flusher
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if f.f != nil {
		f.f.Flush()
	}
	return n, err
}

// artifact downloads a file the run kept (?path= as in
// status.artifacts[].path), from an executor that keeps files.
func (h *Handler) artifact(w http.ResponseWriter, r *http.Request) {
	_, run, err := h.run(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	rel := r.URL.Query().Get("path")
	var found *devopsv1alpha3.Artifact
	for i := range run.Status.Artifacts {
		if run.Status.Artifacts[i].Path == rel {
			found = &run.Status.Artifacts[i]
		}
	}
	store, ok := h.Logs[run.Status.Executor].(interface {
		Artifact(types.NamespacedName, string) (io.ReadCloser, error)
	})
	if found == nil || !ok {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(runsGR, run.Name+" artifact "+rel))
		return
	}
	f, err := store.Artifact(client.ObjectKeyFromObject(run), rel)
	if err != nil {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(runsGR, run.Name+" artifact "+rel))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(rel)}))
	w.Header().Set("Content-Length", strconv.FormatInt(found.Size, 10))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = io.CopyN(w, f, found.Size)
}

package devops

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/listquery"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/devops/definition"
	"github.com/superkube/super-kubenetes/internal/devops/names"
)

var pipelineList = listquery.Spec{SortBy: []string{"lastRun"}, Filters: []string{"phase"}}

var pipelineColumns = listquery.Columns[*devopsv1alpha3.Pipeline]{
	"lastRun": func(p *devopsv1alpha3.Pipeline) string {
		if p.Status.LastRun == nil || p.Status.LastRun.StartTime == nil {
			return ""
		}
		return p.Status.LastRun.StartTime.UTC().Format("2006-01-02T15:04:05Z")
	},
}

var pipelineFilters = listquery.Filters[*devopsv1alpha3.Pipeline]{
	"phase": func(p *devopsv1alpha3.Pipeline, v string) bool {
		return p.Status.LastRun != nil && string(p.Status.LastRun.Phase) == v
	},
}

func (h *Handler) listPipelines(w http.ResponseWriter, r *http.Request) {
	q, err := listquery.Parse(r.URL.Query(), pipelineList)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	var list devopsv1alpha3.PipelineList
	if err := c.List(r.Context(), &list, client.InNamespace(r.PathValue("namespace"))); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	items := make([]*devopsv1alpha3.Pipeline, len(list.Items))
	for i := range list.Items {
		list.Items[i].ManagedFields = nil
		items[i] = &list.Items[i]
	}
	responsewriters.WriteJSON(w, http.StatusOK, listquery.Apply(items, q, pipelineColumns, pipelineFilters))
}

func (h *Handler) getPipeline(w http.ResponseWriter, r *http.Request) {
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	p := &devopsv1alpha3.Pipeline{}
	err = c.Get(r.Context(), client.ObjectKey{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}, p)
	writeObject(w, http.StatusOK, p, err)
}

// decodePipeline reads a pipeline and checks its definition, naming the
// field of each mistake.
func decodePipeline(r *http.Request) (*devopsv1alpha3.Pipeline, error) {
	p := &devopsv1alpha3.Pipeline{}
	if err := requestbody.Decode(r, p, requestbody.Options{Kind: "Pipeline", Strict: true}); err != nil {
		return nil, err
	}
	if errs := definition.Validate(&p.Spec.Definition, definition.Path()); len(errs) > 0 {
		return nil, apistatus.Invalid("Pipeline", p.Name, errs)
	}
	p.Namespace = r.PathValue("namespace")
	p.ManagedFields = nil
	return p, nil
}

func (h *Handler) createPipeline(w http.ResponseWriter, r *http.Request) {
	p, err := decodePipeline(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	// Its webhook and cron runs act as its creator.
	metav1.SetMetaDataAnnotation(&p.ObjectMeta, devopsv1alpha3.CreatorAnnotation, caller(r).GetName())
	p.ResourceVersion = ""
	err = c.Create(r.Context(), p)
	writeObject(w, http.StatusCreated, p, err)
}

func (h *Handler) updatePipeline(w http.ResponseWriter, r *http.Request) {
	p, err := decodePipeline(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if p.Name != r.PathValue("name") {
		responsewriters.WriteStatus(w, apistatus.Invalid("Pipeline", p.Name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "name"), p.Name, "must be the name in the path")}))
		return
	}
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	err = c.Update(r.Context(), p)
	writeObject(w, http.StatusOK, p, err)
}

func (h *Handler) deletePipeline(w http.ResponseWriter, r *http.Request) {
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	p := &devopsv1alpha3.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: r.PathValue("namespace"), Name: r.PathValue("name")}}
	if err := c.Delete(r.Context(), p); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, devopsv1alpha3.GroupVersion.WithResource("pipelines").GroupResource(), p.Name)
}

// RunRequest starts a run.
type RunRequest struct {
	Parameters []devopsv1alpha3.ParamValue `json:"parameters,omitempty"`
	Branch     string                      `json:"branch,omitempty"`
	Commit     string                      `json:"commit,omitempty"`
}

// runPipeline starts a manual run as the caller.
func (h *Handler) runPipeline(w http.ResponseWriter, r *http.Request) {
	in := RunRequest{}
	if r.ContentLength != 0 {
		if err := requestbody.Decode(r, &in, requestbody.Options{Kind: "RunRequest", Strict: true}); err != nil && !errors.Is(err, io.EOF) {
			responsewriters.WriteStatus(w, err)
			return
		}
	}
	run := newRun(r.PathValue("namespace"), r.PathValue("name"), devopsv1alpha3.TriggerManual, randomID(), caller(r).GetName())
	run.Spec.Parameters = in.Parameters
	run.Spec.Revision = devopsv1alpha3.Revision{Branch: in.Branch, Commit: in.Commit}
	h.createRun(w, r, run)
}

// newRun is a run of a pipeline named from its trigger.
func newRun(ns, pipeline string, kind devopsv1alpha3.TriggerKind, id, user string) *devopsv1alpha3.PipelineRun {
	return &devopsv1alpha3.PipelineRun{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: names.Run(pipeline, kind, id),
			Labels: map[string]string{devopsv1alpha3.PipelineLabel: pipeline, devopsv1alpha3.TriggerLabel: string(kind)}},
		Spec: devopsv1alpha3.PipelineRunSpec{Pipeline: pipeline, Trigger: devopsv1alpha3.Trigger{Kind: kind, ID: id, User: user}},
	}
}

// createRun creates the run as the caller, once the pipeline is theirs to see.
func (h *Handler) createRun(w http.ResponseWriter, r *http.Request, run *devopsv1alpha3.PipelineRun) {
	c, err := h.as(r)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	p := &devopsv1alpha3.Pipeline{}
	if err := c.Get(r.Context(), client.ObjectKey{Namespace: run.Namespace, Name: run.Spec.Pipeline}, p); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	if _, err := paramsOf(p, run.Spec.Parameters); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	err = c.Create(r.Context(), run)
	writeObject(w, http.StatusCreated, run, err)
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

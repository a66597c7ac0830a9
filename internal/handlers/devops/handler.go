// Package devops serves the DevOps API at /kapis/devops.superkube.io/v1alpha3:
// a workspace's DevOps projects, their pipelines and runs (with the run
// actions: run, cancel, rerun, replay, approve, reject), the steps' logs
// (masked, streamed), credentials that are never read back, the definition
// parser and the Jenkinsfile import; and Gitea's webhook.
//
// DevOps projects are cluster-scoped objects whose workspace is a label:
// ke-apiserver decides who may create, see and delete them (the rights on
// projects of the workspace) and writes them with its own identity.
// Pipelines, runs and credentials live in the project's namespace and are
// written as the caller through impersonation, so that kube-apiserver's
// RBAC and the approvals policy decide as they do for kubectl.
package devops

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/impersonate"
)

// Group is the API group.
const Group = devopsv1alpha3.GroupName

// Prefix is its path.
const Prefix = "/kapis/" + Group + "/v1alpha3"

// WebhookPath receives Gitea's push webhooks (?namespace=&pipeline=).
const WebhookPath = "/webhooks/devops/gitea"

// Authorizer is what the handler needs of the authorizer.
type Authorizer interface {
	Authorize(a *authz.Attributes) authz.Decision
}

// JenkinsLogs reads a Jenkins build's log from its URL.
type JenkinsLogs interface {
	BuildLog(ctx context.Context, buildURL string, secrets [][]byte, follow bool) (io.ReadCloser, error)
}

// Handler serves the DevOps API.
type Handler struct {
	Authorizer Authorizer
	// Reader reads from ke-apiserver's cache (DevOps projects, namespaces).
	Reader client.Reader
	// Writer writes DevOps projects and webhook runs with ke-apiserver's
	// identity, and reads credentials after the caller was authorized.
	Writer client.Client
	// Clients act as the caller.
	Clients *impersonate.Clients
	// Logs reads the steps' logs, by executor name.
	Logs map[string]engine.Engine
	// Jenkins reads the build logs of the runs on Jenkins; nil when no
	// Jenkins is configured.
	Jenkins JenkinsLogs
}

// Install adds the endpoints.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/devopsprojects", routes.Methods{http.MethodGet: h.listProjects})
	mux.Handle(Prefix+"/workspaces/{workspace}/devopsprojects", routes.Methods{http.MethodGet: h.listProjects, http.MethodPost: h.createProject})
	mux.Handle(Prefix+"/devopsprojects/{name}", routes.Methods{http.MethodGet: h.getProject, http.MethodDelete: h.deleteProject})

	mux.Handle(Prefix+"/namespaces/{namespace}/pipelines", routes.Methods{http.MethodGet: h.listPipelines, http.MethodPost: h.createPipeline})
	mux.Handle(Prefix+"/namespaces/{namespace}/pipelines/{name}", routes.Methods{http.MethodGet: h.getPipeline, http.MethodPut: h.updatePipeline, http.MethodDelete: h.deletePipeline})
	mux.Handle(Prefix+"/namespaces/{namespace}/pipelines/{name}/run", routes.Methods{http.MethodPost: h.runPipeline})

	mux.Handle(Prefix+"/namespaces/{namespace}/pipelineruns", routes.Methods{http.MethodGet: h.listRuns})
	mux.Handle(Prefix+"/namespaces/{namespace}/pipelineruns/{name}", routes.Methods{http.MethodGet: h.getRun, http.MethodDelete: h.deleteRun})
	mux.Handle(Prefix+"/namespaces/{namespace}/pipelineruns/{name}/{action}", routes.Methods{http.MethodPost: h.runAction})
	mux.Handle(Prefix+"/namespaces/{namespace}/pipelineruns/{name}/log", routes.Methods{http.MethodGet: h.log})
	mux.Handle(Prefix+"/namespaces/{namespace}/pipelineruns/{name}/artifact", routes.Methods{http.MethodGet: h.artifact})

	mux.Handle(Prefix+"/namespaces/{namespace}/credentials", routes.Methods{http.MethodGet: h.listCredentials, http.MethodPost: h.createCredential})
	mux.Handle(Prefix+"/namespaces/{namespace}/credentials/{name}", routes.Methods{http.MethodGet: h.getCredential, http.MethodPut: h.updateCredential, http.MethodDelete: h.deleteCredential})

	mux.Handle(Prefix+"/definitions/parse", routes.Methods{http.MethodPost: h.parseDefinition})
	mux.Handle(Prefix+"/jenkinsfile", routes.Methods{http.MethodPost: h.importJenkinsfile})
}

// AuthzRules let every request of the group through to the handler, which
// decides on DevOps projects and credentials and acts as the caller for
// the rest.
func AuthzRules() filters.Rules {
	return filters.Rules{
		{Group: Group, Resource: "*", Delegate: true},
		{Group: Group, Discovery: true, Delegate: true},
	}
}

func caller(r *http.Request) user.Info {
	u, _ := request.UserFrom(r.Context())
	if u == nil {
		return &user.DefaultInfo{}
	}
	return u
}

// allowed asks the authorizer.
func (h *Handler) allowed(r *http.Request, a authz.Attributes) bool {
	u := caller(r)
	a.User, a.Groups, a.ResourceRequest = u.GetName(), u.GetGroups(), true
	return h.Authorizer.Authorize(&a).Allowed
}

func forbidden(r *http.Request, resource, what string) error {
	return apierrors.NewForbidden(schema.GroupResource{Group: Group, Resource: resource}, "", fmt.Errorf("user %s may not %s", caller(r).GetName(), what))
}

// writeObject answers err's Status, or else obj with code (without its
// managed fields).
func writeObject(w http.ResponseWriter, code int, obj client.Object, err error) {
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	obj.SetManagedFields(nil)
	responsewriters.WriteJSON(w, code, obj)
}

// as returns a client that acts as the caller.
func (h *Handler) as(r *http.Request) (client.Client, error) { return h.Clients.As(caller(r)) }

func ctxTimeout(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), 30*time.Second)
}

// readText reads a request's body as text, at most limit bytes.
func readText(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, apistatus.New(http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, fmt.Sprintf("the body exceeds %d bytes", limit))
	}
	return b, nil
}

// Package cluster holds ke-apiserver's cluster API
// (/kapis/cluster.superkube.io/v1alpha1): joining member clusters directly
// or through an agent, join tokens, removing clusters; and the two paths an
// agent calls with its own credentials: join and connect (the tunnel).
package cluster

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/requestbody"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	clustersvc "github.com/superkube/super-kubenetes/internal/services/cluster"
)

// Prefix is the path of the cluster API.
const Prefix = "/kapis/" + clusterv1alpha1.GroupName + "/v1alpha1"

// maxJoinBody bounds an agent's join request (a kubeconfig).
const maxJoinBody = 1 << 20

// Handlers serves the cluster API. Every route is authorized by the
// platform before it gets here (create, delete clusters; create
// clusters/jointoken), at the platform level.
type Handlers struct {
	Service *clustersvc.Service
}

// Install adds the endpoints to mux.
func (h *Handlers) Install(mux routes.Mux) {
	mux.Handle(Prefix+"/clusters", routes.Methods{http.MethodPost: h.join})
	mux.Handle(Prefix+"/clusters/{cluster}", routes.Methods{http.MethodDelete: h.remove})
	mux.Handle(Prefix+"/clusters/{cluster}/jointoken", routes.Methods{http.MethodPost: h.joinToken})
}

func (h *Handlers) join(w http.ResponseWriter, r *http.Request) {
	var req clustersvc.JoinRequest
	if err := requestbody.Decode(r, &req, requestbody.Options{Kind: "cluster join request", Strict: true, Secret: true}); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	out, err := h.Service.Join(r.Context(), req)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handlers) joinToken(w http.ResponseWriter, r *http.Request) {
	ttl, err := clustersvc.ParseTTL(r.URL.Query().Get("ttl"))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	tok, err := h.Service.IssueJoinToken(r.Context(), r.PathValue("cluster"), ttl)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteJSON(w, http.StatusCreated, tok)
}

func (h *Handlers) remove(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("cluster")
	if err := h.Service.Remove(r.Context(), name); err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	responsewriters.WriteDeleted(w, clusterv1alpha1.GroupVersion.WithResource("clusters").GroupResource(), name)
}

// AgentJoin serves tunnel.JoinPath: an agent trades its join token
// (Authorization: Bearer) for its credential. It is outside the platform's
// user authentication; the join token is the credential.
type AgentJoin struct {
	Service *clustersvc.Service
}

func (a *AgentJoin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		responsewriters.WriteStatus(w, apistatus.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "an agent joins with POST"))
		return
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || token == "" {
		responsewriters.WriteStatus(w, apistatus.Unauthorized("an agent joins with its join token as a bearer token"))
		return
	}
	var req agent.JoinRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxJoinBody))
	if err := dec.Decode(&req); err != nil {
		responsewriters.WriteStatus(w, apistatus.BadRequest("body", "the body is not a valid join request"))
		return
	}
	cred, err := a.Service.AgentJoin(r.Context(), req.Cluster, token, []byte(req.Kubeconfig))
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	responsewriters.WriteJSON(w, http.StatusOK, agent.JoinResponse{Credential: cred})
}

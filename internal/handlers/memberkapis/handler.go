// Package memberkapis serves the platform's APIs for a member cluster at
// /clusters/{cluster}/kapis/...: the list engine over the member's objects
// and a workspace's projects on the member. ke-apiserver on the host serves
// them from its caches of the member (internal/multicluster/members), and
// decides them with the platform's bindings and the member's native ones.
// The other platform APIs (users, roles, workspaces, monitoring, logging,
// alerting, the app store) are the host's and have no /clusters/ form.
package memberkapis

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/apiserver/routes"
	"github.com/superkube/super-kubenetes/internal/authz"
	iamhandlers "github.com/superkube/super-kubenetes/internal/handlers/iam"
	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	tenanthandlers "github.com/superkube/super-kubenetes/internal/handlers/tenant"
	"github.com/superkube/super-kubenetes/internal/multicluster/members"
	"github.com/superkube/super-kubenetes/internal/multicluster/placement"
	tenantsvc "github.com/superkube/super-kubenetes/internal/services/tenant"
)

// Handler serves /clusters/{cluster}/kapis/ for member clusters.
type Handler struct {
	Registry *members.Registry
	// Host reads the platform's objects (workspaces, clusters) on the host.
	Host   client.Reader
	Scheme *runtime.Scheme
	// SystemNamespace is the platform's namespace on the host.
	SystemNamespace string

	mu    sync.Mutex
	muxes map[*members.Member]http.Handler
}

// Install adds the route.
func (h *Handler) Install(mux routes.Mux) {
	mux.Handle("/clusters/{cluster}/kapis/", h)
}

// ServeHTTP finds the member and serves the request from its handlers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("cluster")
	if name == clusterv1alpha1.HostClusterName {
		// The host's own APIs have no /clusters/host form: one path per object.
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, "NotFound",
			"the host cluster's platform APIs are at /kapis/..., without /clusters/host"))
		return
	}
	m, err := h.Registry.Member(r.Context(), name)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	inner, err := h.handler(r.Context(), m)
	if err != nil {
		responsewriters.WriteStatus(w, err)
		return
	}
	prefix := "/clusters/" + name
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, prefix)
	if u.RawPath != "" {
		u.RawPath = strings.TrimPrefix(u.RawPath, prefix)
	}
	out := r.WithContext(r.Context())
	out.URL = &u
	inner.ServeHTTP(w, out)
}

// handler returns the member's routes, made on first use.
func (h *Handler) handler(ctx context.Context, m *members.Member) (http.Handler, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.muxes == nil {
		h.muxes = map[*members.Member]http.Handler{}
	}
	if inner, ok := h.muxes[m]; ok {
		return inner, nil
	}
	engine, err := h.Registry.Engine(ctx, m)
	if err != nil {
		return nil, err
	}
	writer, err := client.New(m.Config(), client.Options{Scheme: h.Scheme})
	if err != nil {
		return nil, fmt.Errorf("a client of cluster %s: %w", m.Name(), err)
	}
	reader := &splitReader{host: h.Host, member: m.Cache(), scheme: h.Scheme}
	writer = &splitClient{Client: writer, reader: &splitReader{host: h.Host, member: writer, scheme: h.Scheme}, scheme: h.Scheme}
	cluster := m.Name()
	svc := &tenantsvc.Service{Reader: reader, Writer: writer, Authorizer: m.Authorizer,
		Placement: func(ws *tenantv1beta1.Workspace) error { return h.placed(ws, cluster) }}

	mux := http.NewServeMux()
	(&resources.Handler{Engine: engine, Authorizer: m.Authorizer}).Install(mux)
	tenanthandlers.NewForMember(svc).InstallProjects(mux)
	iam := &iamhandlers.Handlers{Users: reader, Client: writer, Authorizer: authz.SelfService{Next: m.Authorizer}, Escalation: m.Authorizer,
		Clock: clock.RealClock{}, SystemNamespace: h.SystemNamespace}
	iam.InstallMember(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, "NotFound",
			"member clusters serve only the list engine, a workspace's projects and the cluster's and projects' members and roles under /clusters/{cluster}/kapis; there is no endpoint at "+r.URL.Path))
	})
	// Forget the routes of members the registry has replaced.
	for old := range h.muxes {
		if old.Name() == cluster {
			delete(h.muxes, old)
		}
	}
	h.muxes[m] = mux
	return mux, nil
}

// placed refuses a project of a workspace that is not placed on the cluster.
func (h *Handler) placed(ws *tenantv1beta1.Workspace, cluster string) error {
	c := &clusterv1alpha1.Cluster{}
	if err := h.Host.Get(context.Background(), client.ObjectKey{Name: cluster}, c); err != nil {
		return err
	}
	if placement.Placed(ws, c) {
		return nil
	}
	return apierrors.NewInvalid(tenantv1beta1.GroupVersion.WithKind("Workspace").GroupKind(), ws.Name, field.ErrorList{
		field.Invalid(field.NewPath("spec", "clusters"), cluster, fmt.Sprintf("workspace %q is not placed on cluster %q: add the cluster to its placement first", ws.Name, cluster))})
}

// splitReader reads the platform's objects on the host and every other
// kind on the member.
type splitReader struct {
	host, member client.Reader
	scheme       *runtime.Scheme
}

func (s *splitReader) reader(obj runtime.Object) client.Reader {
	gvk, err := apiutil.GVKForObject(obj, s.scheme)
	if err == nil && strings.HasSuffix(gvk.Group, "superkube.io") {
		return s.host
	}
	return s.member
}

func (s *splitReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	return s.reader(obj).Get(ctx, key, obj, opts...)
}

func (s *splitReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return s.reader(list).List(ctx, list, opts...)
}

// splitClient writes to the member and reads like splitReader; it refuses
// to write the platform's own objects, which are the host's.
type splitClient struct {
	client.Client
	reader *splitReader
	scheme *runtime.Scheme
}

func (s *splitClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	return s.reader.Get(ctx, key, obj, opts...)
}

func (s *splitClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	return s.reader.List(ctx, list, opts...)
}

func (s *splitClient) check(obj runtime.Object) error {
	if s.reader.reader(obj) == s.reader.host {
		return fmt.Errorf("the platform's own objects are written on the host, not on a member cluster")
	}
	return nil
}

func (s *splitClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	return s.Client.Create(ctx, obj, opts...)
}

func (s *splitClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	return s.Client.Update(ctx, obj, opts...)
}

func (s *splitClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	return s.Client.Patch(ctx, obj, patch, opts...)
}

func (s *splitClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	if err := s.check(obj); err != nil {
		return err
	}
	return s.Client.Delete(ctx, obj, opts...)
}

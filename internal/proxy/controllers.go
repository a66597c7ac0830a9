package proxy

import (
	"crypto/subtle"
	"errors"
	"log"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/rest"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/apiserver/responsewriters"
	"github.com/superkube/super-kubenetes/internal/clientidentity"
)

// ControllersPrefix starts the paths by which the host's controllers reach
// member clusters: /internal/clusters/{cluster}/api... and /apis....
const ControllersPrefix = "/internal/clusters/"

// Controllers serves ControllersPrefix for ke-controller-manager: a request
// bearing token is forwarded to the member cluster it names with the
// member kubeconfig's own identity, not as a user. The controllers need
// it to keep the platform's RBAC and namespaces in members they cannot
// dial (Agent clusters are reached only through the tunnel this
// ke-apiserver holds). The host cluster is not served: the controllers
// reach it directly. Upgrades (exec, port-forward) are refused.
func (p *Proxy) Controllers(token []byte) http.Handler {
	return &controllers{members: p.members, token: token}
}

type controllers struct {
	members *members
	token   []byte
}

func (c *controllers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !c.authenticated(r) {
		responsewriters.WriteStatus(w, apistatus.Unauthorized("a controller token is required"))
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, ControllersPrefix)
	name, tail, _ := strings.Cut(rest, "/")
	if !strings.HasPrefix(tail, "api/") && tail != "api" && !strings.HasPrefix(tail, "apis/") && tail != "apis" {
		responsewriters.WriteStatus(w, apistatus.New(http.StatusNotFound, "NotFound", "the server has no endpoint at "+r.URL.Path))
		return
	}
	if name == clusterv1alpha1.HostClusterName {
		responsewriters.WriteStatus(w, apierrors.NewNotFound(clusterv1alpha1.GroupVersion.WithResource("clusters").GroupResource(), name))
		return
	}
	if isUpgrade(r.Header) {
		responsewriters.WriteStatus(w, apistatus.BadRequest("Upgrade", "the controllers' path to member clusters carries no upgrades"))
		return
	}
	up, self, err := c.members.lookup(r.Context(), name)
	if err == nil && (self == nil || up == c.members.host) {
		err = apierrors.NewNotFound(clusterv1alpha1.GroupVersion.WithResource("clusters").GroupResource(), name)
	}
	if err != nil {
		var status apierrors.APIStatus
		if !errors.As(err, &status) {
			logr.FromContextOrDiscard(r.Context()).Error(err, "Looking up a cluster", "cluster", name)
		}
		responsewriters.WriteStatus(w, err)
		return
	}
	prefix := ControllersPrefix + name // a DNS label: escaped as it is
	u := *r.URL
	u.Path = strings.TrimPrefix(u.Path, prefix)
	if u.RawPath != "" {
		u.RawPath = strings.TrimPrefix(u.RawPath, prefix)
	}
	out := r.WithContext(r.Context())
	out.URL = &u
	self.ServeHTTP(w, out)
}

func (c *controllers) authenticated(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && len(c.token) > 0 && subtle.ConstantTimeCompare([]byte(got), c.token) == 1
}

// newSelfUpstream forwards requests to a member with the identity of its
// kubeconfig: the client's credentials and identity headers are dropped.
func newSelfUpstream(cluster string, rc *rest.Config, logger logr.Logger, buffers httputil.BufferPool) (http.Handler, error) {
	rc = rest.CopyConfig(rc)
	rc.Impersonate = rest.ImpersonationConfig{}
	rc.DisableCompression = true
	target, _, err := rest.DefaultServerUrlFor(rc)
	if err != nil {
		return nil, err
	}
	rt, err := rest.TransportFor(rc)
	if err != nil {
		return nil, err
	}
	up := &upstream{cluster: cluster}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			clientidentity.Remove(pr.Out.Header)
			clientidentity.RemoveForwarding(pr.Out.Header)
		},
		Transport:    rt,
		BufferPool:   buffers,
		ErrorHandler: up.failed,
		ErrorLog:     log.New(logWriter{logr: logger.WithValues("cluster", cluster, "path", "controllers")}, "", 0),
	}, nil
}

// Package impersonate makes Kubernetes clients that act as a user: every
// request carries the user's name, UID, groups and extra as impersonation
// headers over one shared transport of the process's own identity (which
// may impersonate), so that kube-apiserver's RBAC and admission decide
// for that user as they do for kubectl. ke-apiserver's handlers and
// ke-controller-manager's release controller use it.
package impersonate

import (
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/transport"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Clients makes clients that act as a user.
type Clients struct {
	cfg    *rest.Config
	rt     http.RoundTripper
	scheme *runtime.Scheme
	mapper meta.RESTMapper
}

// New shares one transport, of rc's identity, among the users' clients.
// Impersonation in rc itself and its content types are dropped (each kind
// of client chooses its own). scheme and mapper are those of the
// controller-runtime clients (As); nil scheme is client-go's.
func New(rc *rest.Config, scheme *runtime.Scheme, mapper meta.RESTMapper) (*Clients, error) {
	rc = rest.CopyConfig(rc)
	rc.Impersonate = rest.ImpersonationConfig{}
	rc.AcceptContentTypes, rc.ContentType = "", ""
	rt, err := rest.TransportFor(rc)
	if err != nil {
		return nil, err
	}
	return &Clients{cfg: rc, rt: rt, scheme: scheme, mapper: mapper}, nil
}

// HTTPClient returns an HTTP client whose requests act as u.
func (c *Clients) HTTPClient(u user.Info) *http.Client {
	rt := transport.NewImpersonatingRoundTripper(transport.ImpersonationConfig{
		UserName: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups(), Extra: u.GetExtra(),
	}, c.rt)
	return &http.Client{Transport: rt, Timeout: c.cfg.Timeout}
}

// As returns a controller-runtime client that acts as u.
func (c *Clients) As(u user.Info) (client.Client, error) {
	return client.New(c.cfg, client.Options{Scheme: c.scheme, Mapper: c.mapper, HTTPClient: c.HTTPClient(u)})
}

// Kubernetes returns a clientset that acts as u.
func (c *Clients) Kubernetes(u user.Info) (kubernetes.Interface, error) {
	return kubernetes.NewForConfigAndClient(c.cfg, c.HTTPClient(u))
}

// Dynamic returns a dynamic client that acts as u.
func (c *Clients) Dynamic(u user.Info) (dynamic.Interface, error) {
	return dynamic.NewForConfigAndClient(c.cfg, c.HTTPClient(u))
}

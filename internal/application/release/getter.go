package release

import (
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Getter is the RESTClientGetter that Helm's actions use: every client it
// hands out impersonates one user (name, uid, groups), so kube-apiserver
// authorizes and audits each request of an install as that user, never as
// ke-controller-manager. Discovery and the REST mapper are made on first
// use and kept for the getter's life (one operation).
type Getter struct {
	cfg       *rest.Config
	namespace string

	once   sync.Once
	dc     discovery.CachedDiscoveryInterface
	mapper *restmapper.DeferredDiscoveryRESTMapper
	err    error
}

// NewGetter returns a getter acting as u in namespace, from base (an
// identity that may impersonate). base's own impersonation is replaced.
func NewGetter(base *rest.Config, namespace string, u user.Info) *Getter {
	cfg := rest.CopyConfig(base)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: u.GetName(),
		UID:      u.GetUID(),
		Groups:   append([]string(nil), u.GetGroups()...),
		Extra:    u.GetExtra(),
	}
	return &Getter{cfg: cfg, namespace: namespace}
}

// ToRESTConfig returns a copy of the impersonating config.
func (g *Getter) ToRESTConfig() (*rest.Config, error) {
	return rest.CopyConfig(g.cfg), nil
}

func (g *Getter) init() {
	g.once.Do(func() {
		d, err := discovery.NewDiscoveryClientForConfig(rest.CopyConfig(g.cfg))
		if err != nil {
			g.err = err
			return
		}
		g.dc = memory.NewMemCacheClient(d)
		g.mapper = restmapper.NewDeferredDiscoveryRESTMapper(g.dc)
	})
}

// ToDiscoveryClient returns the getter's cached discovery client.
func (g *Getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	g.init()
	return g.dc, g.err
}

// ToRESTMapper returns the getter's REST mapper (resettable, so that Helm
// sees the CRDs it just installed).
func (g *Getter) ToRESTMapper() (meta.RESTMapper, error) {
	g.init()
	if g.err != nil {
		return nil, g.err
	}
	return g.mapper, nil
}

// ToRawKubeConfigLoader returns a loader whose only content is the
// namespace and the config.
func (g *Getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return staticConfig{g: g}
}

// staticConfig is a clientcmd.ClientConfig without a kubeconfig file.
type staticConfig struct{ g *Getter }

func (s staticConfig) RawConfig() (clientcmdapi.Config, error) {
	return clientcmdapi.Config{}, nil
}

func (s staticConfig) ClientConfig() (*rest.Config, error) { return s.g.ToRESTConfig() }

func (s staticConfig) Namespace() (string, bool, error) { return s.g.namespace, true, nil }

func (s staticConfig) ConfigAccess() clientcmd.ConfigAccess { return clientcmd.NewDefaultPathOptions() }

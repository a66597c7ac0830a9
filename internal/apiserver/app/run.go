package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/admission"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/server"
	"github.com/superkube/super-kubenetes/internal/apiserver/upstream"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authn/streams"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/authz"
	confighandlers "github.com/superkube/super-kubenetes/internal/handlers/config"
	iamhandlers "github.com/superkube/super-kubenetes/internal/handlers/iam"
	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	tenanthandlers "github.com/superkube/super-kubenetes/internal/handlers/tenant"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
	"github.com/superkube/super-kubenetes/internal/listengine"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/github"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/ldap"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/oidc"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
	"github.com/superkube/super-kubenetes/internal/proxy"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/tlsserve"
)

// Server is a built ke-apiserver, ready to serve.
type Server struct {
	Handler http.Handler
	Cache   ctrlcache.Cache
	OAuth   *oauth.Server
	// Store is the token store, for tests.
	Store  tokenstore.Store
	closes []func()
	runs   []func(context.Context)
	synced bool
	mu     sync.Mutex

	// Passwords caches only the users' password Secrets (whose hashes
	// logins check), apart from Cache, which keeps no secret's data.
	Passwords ctrlcache.Cache
	// Engine is the list engine, for tests (which custom resources it loaded).
	Engine *listengine.Engine
	// upstream follows kube-apiserver: readiness, the caches' freshness.
	upstream *upstream.Monitor
}

// Build assembles ke-apiserver from its completed configuration. Nothing
// runs until Start.
func Build(ctx context.Context, cc CompletedConfig, log logr.Logger, clk clock.Clock) (*Server, error) {
	cfg, rc := cc.Config, cc.REST
	s := &Server{}
	sch := scheme.New()
	rc = rest.CopyConfig(rc)
	rc.QPS, rc.Burst = 200, 400
	// Built-in kinds come as protobuf, which decodes several times faster
	// than JSON at start-up; custom resources fall back to JSON.
	rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	rules := newRuleInterner()
	// The informers list and watch through the monitor, which tells how
	// fresh the caches are and lets them catch up at once after an outage.
	mon, err := upstream.New(rc, log.WithName("upstream"))
	if err != nil {
		return nil, err
	}
	s.upstream = mon
	s.runs = append(s.runs, mon.Run)
	cache, err := ctrlcache.New(rc, ctrlcache.Options{
		Scheme:           sch,
		NewInformer:      mon.NewInformerFunc(sch),
		DefaultTransform: ctrlcache.TransformStripManagedFields(),
		ByObject: map[client.Object]ctrlcache.ByObject{
			// Tens of thousands of project roles share a few rule sets.
			&rbacv1.Role{}:        {Transform: rules.transform},
			&rbacv1.ClusterRole{}: {Transform: rules.transform},
			// The list engine never shows secret values; the cache does not keep them.
			&corev1.Secret{}: {Transform: dropSecretData},
		},
	})
	if err != nil {
		return nil, err
	}
	s.Cache = cache
	c, err := client.New(rc, client.Options{Scheme: sch, Cache: &client.CacheOptions{Reader: cache, DisableFor: []client.Object{&corev1.Secret{}}}})
	if err != nil {
		return nil, err
	}
	passwordSecrets, err := passwordsecret.CacheOptions(cfg.SystemNamespace)
	if err != nil {
		return nil, err
	}
	if s.Passwords, err = ctrlcache.New(rc, ctrlcache.Options{Scheme: sch, NewInformer: mon.NewInformerFunc(sch), DefaultTransform: ctrlcache.TransformStripManagedFields(),
		ByObject: map[client.Object]ctrlcache.ByObject{&corev1.Secret{}: passwordSecrets}}); err != nil {
		return nil, err
	}
	if _, err := s.Passwords.GetInformer(ctx, &corev1.Secret{}); err != nil {
		return nil, err
	}
	passwords := &passwordsecret.Store{Namespace: cfg.SystemNamespace, Reader: s.Passwords, Writer: c}

	stores, err := authz.InformerStores(ctx, cache)
	if err != nil {
		return nil, err
	}
	// Users are read by authentication on every request.
	if _, err := cache.GetInformer(ctx, &iamv1beta1.User{}); err != nil {
		return nil, err
	}
	base := authz.New(stores)
	z := authz.SelfService{Next: base}
	engine := listengine.New(cache, listengine.BuiltinKinds())
	s.Engine = engine
	if err := engine.Start(ctx); err != nil {
		return nil, err
	}
	resourcesHandler := &resources.Handler{Engine: engine, Authorizer: base, Freshness: mon.Freshness}

	keys, err := token.LoadKeys(cfg.SigningKeyFile, cfg.PreviousSigningKeyFiles, cfg.GenerateSigningKey)
	if err != nil {
		return nil, err
	}
	issuer, err := token.NewIssuer(cfg.Issuer, keys, clk)
	if err != nil {
		return nil, err
	}
	verifier := token.NewVerifier(cfg.Issuer, keys, clk)

	var store tokenstore.Store
	var attempts tokenstore.LoginAttempts
	if cfg.RedisURL != "" {
		rs, err := tokenstore.NewRedisFromURL(cfg.RedisURL, "superkube:")
		if err != nil {
			return nil, err
		}
		s.closes = append(s.closes, func() { _ = rs.Close() })
		store, attempts = rs, rs
	} else {
		m := tokenstore.NewMemory(clk)
		store, attempts = m, m
	}
	// Streams end when their tokens are revoked here, or within a recheck
	// interval when they no longer authenticate for another reason.
	tokens := &authn.TokenAuthenticator{Verifier: verifier, Store: store, Users: c, Audiences: clientIDs(cfg.OAuthClients)}
	openStreams := streams.New(tokens, 0)
	s.runs = append(s.runs, openStreams.Run)
	store = streams.Store{Store: store, Registry: openStreams}
	s.Store = store

	passwordProviders, redirectProviders, err := providers(ctx, cfg.IdentityProviders)
	if err != nil {
		return nil, err
	}
	oauthServer, err := oauth.NewServer(cfg.oauthOptions(), oauth.Deps{
		Issuer: issuer, Verifier: verifier, Store: store, Attempts: attempts, Users: c, Passwords: passwords, Writer: c, Clock: clk, Authenticator: tokens,
		PasswordProviders: passwordProviders, RedirectProviders: redirectProviders,
	})
	if err != nil {
		return nil, err
	}
	s.OAuth = oauthServer
	s.runs = append(s.runs, oauthServer.RunRecorder)

	var caData []byte
	if cfg.Kubernetes.CAFile != "" {
		if caData, err = os.ReadFile(cfg.Kubernetes.CAFile); err != nil {
			return nil, fmt.Errorf("kubernetes.caFile: %w", err)
		}
	}
	iam := &iamhandlers.Handlers{Users: c, Passwords: passwords, Client: c, Store: store, Authorizer: z, Escalation: base, Clock: clk, BcryptCost: cfg.Authentication.BcryptCost,
		SystemNamespace: cfg.SystemNamespace, Kubeconfig: oauthServer, CurrentPasswords: oauthServer,
		Kubernetes: iamhandlers.KubernetesEndpoint{Server: cfg.Kubernetes.ExternalURL, CAData: caData}}

	sink, err := s.auditSink(cfg.Audit, log)
	if err != nil {
		return nil, err
	}
	var basic *oauth.BasicAuthenticator
	if cfg.Authentication.BasicAuth {
		basic = &oauth.BasicAuthenticator{Server: oauthServer}
	}
	guarded := proxy.WithGuard(rc, proxy.Guard{Timeout: cfg.Kubernetes.RequestTimeout.Duration, Ready: mon.Ready})
	kube, err := proxy.New(guarded, proxy.Options{Clusters: c, SystemNamespace: cfg.SystemNamespace, Log: log})
	if err != nil {
		return nil, err
	}
	trusted, err := filters.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(oauthServer.Collectors()...)
	deps := server.Deps{
		Log: log, Tokens: tokens, Authorizer: z, Audit: sink, Routes: []server.Route{oauthServer, iam, resourcesHandler, kube},
		PublicPaths: oauth.PublicPaths, Ready: s.ready, MaxBodyBytes: cfg.Limits.MaxBodyBytes,
		PasswordGuard:  func(r *http.Request, u user.Info) bool { return iamhandlers.MayOnlyChangePassword(r, u) },
		Registry:       reg,
		AuthzRules:     append(resources.AuthzRules(), iamhandlers.AuthzRules()...),
		TrustedProxies: trusted,
		Streams:        openStreams,
	}
	if basic != nil {
		deps.Basic = basic
	}
	// What kube-apiserver asks ke-apiserver: may this write be made (the
	// platform's escalation and reserved-label rules, on every path), and
	// whose is this kubeconfig token.
	deps.Webhooks = map[string]http.Handler{
		admission.Path: &admission.Webhook{Authorizer: base, Objects: admission.CacheObjects{Reader: cache},
			Exempt: admission.Exemptions{Users: cfg.Admission.ExemptUsers}, Ready: s.cachesSynced},
		authn.TokenReviewPath: &authn.TokenReviewHandler{Authenticator: tokens},
	}
	// The tenant and config APIs.
	tenantAPI, err := tenanthandlers.New(ctx, cache, c, c, z)
	if err != nil {
		return nil, err
	}
	settings, err := confighandlers.NewSettingsStore(ctx, rc, sch, cfg.SystemNamespace)
	if err != nil {
		return nil, err
	}
	s.runs = append(s.runs, settings.Run)
	deps.Routes = append(deps.Routes, tenantAPI, &confighandlers.Handlers{Providers: oauthServer, Settings: settings})
	deps.AuthzRules = slices.Concat(deps.AuthzRules, tenanthandlers.AuthzRules(), confighandlers.AuthzRules())
	deps.PublicPaths = slices.Concat(deps.PublicPaths, confighandlers.PublicPaths)
	s.Handler = server.NewHandler(deps)
	return s, nil
}

// clientIDs are the IDs of the OAuth clients, the audiences of the tokens
// ke-apiserver accepts.
func clientIDs(clients []oauth.Client) []string {
	ids := make([]string, 0, len(clients))
	for _, c := range clients {
		ids = append(ids, c.ID)
	}
	return ids
}

// ready is ke-apiserver's readiness: the caches have synced, kube-apiserver
// answers its probe as ready, and the caches follow it (no informer of a
// built-in kind has been without a watch for long).
func (s *Server) ready() error {
	if err := s.cachesSynced(); err != nil {
		return err
	}
	if err := s.upstream.Ready(); err != nil {
		return err
	}
	return s.upstream.Synced()
}

// cachesSynced says whether the caches have received their first objects.
func (s *Server) cachesSynced() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.synced {
		return errors.New("the caches have not synced yet")
	}
	return nil
}

// Start runs the caches (and the audit webhook) and waits until they synced.
func (s *Server) Start(ctx context.Context) error {
	go func() { _ = s.Cache.Start(ctx) }()
	go func() { _ = s.Passwords.Start(ctx) }()
	for _, run := range s.runs {
		go run(ctx)
	}
	if !s.Cache.WaitForCacheSync(ctx) || !s.Passwords.WaitForCacheSync(ctx) {
		return errors.New("the caches did not sync")
	}
	s.mu.Lock()
	s.synced = true
	s.mu.Unlock()
	return nil
}

// Close releases what Build opened.
func (s *Server) Close() {
	for _, c := range s.closes {
		c()
	}
}

func (s *Server) auditSink(a AuditConfig, log logr.Logger) (audit.Sink, error) {
	var sinks audit.Sinks
	switch a.Path {
	case "":
	case "-":
		sinks = append(sinks, audit.NewWriterSink(os.Stdout))
	default:
		if err := os.MkdirAll(filepath.Dir(a.Path), 0o750); err != nil {
			return nil, err
		}
		f := audit.NewFileSink(a.Path, a.MaxSizeMB, a.MaxBackups, log)
		s.closes = append(s.closes, func() { _ = f.Close() })
		sinks = append(sinks, f)
	}
	if a.WebhookURL != "" {
		wh := audit.NewWebhookSink(a.WebhookURL, nil, log)
		s.runs = append(s.runs, wh.Run)
		sinks = append(sinks, wh)
	}
	return sinks, nil
}

// dropSecretData keeps a secret's keys and metadata but not its values.
func dropSecretData(obj any) (any, error) {
	if s, ok := obj.(*corev1.Secret); ok {
		s.ManagedFields = nil
		for k := range s.Data {
			s.Data[k] = nil
		}
		s.StringData = nil
		delete(s.Annotations, "kubectl.kubernetes.io/last-applied-configuration")
	}
	return obj, nil
}

// ruleInterner makes roles with equal rules share one slice in the cache.
type ruleInterner struct {
	mu   sync.Mutex
	sets map[string][]rbacv1.PolicyRule
}

func newRuleInterner() *ruleInterner { return &ruleInterner{sets: map[string][]rbacv1.PolicyRule{}} }

func (ri *ruleInterner) transform(obj any) (any, error) {
	var rules *[]rbacv1.PolicyRule
	switch o := obj.(type) {
	case *rbacv1.Role:
		o.ManagedFields = nil
		rules = &o.Rules
	case *rbacv1.ClusterRole:
		o.ManagedFields = nil
		rules = &o.Rules
	default:
		return obj, nil
	}
	key := roletemplate.Hash(*rules)
	ri.mu.Lock()
	defer ri.mu.Unlock()
	if shared, ok := ri.sets[key]; ok {
		*rules = shared
	} else {
		ri.sets[key] = *rules
	}
	return obj, nil
}

// providers builds the configured identity providers.
func providers(ctx context.Context, entries []ProviderEntry) ([]idp.PasswordProvider, []idp.RedirectProvider, error) {
	var pw []idp.PasswordProvider
	var rd []idp.RedirectProvider
	for i, e := range entries {
		switch {
		case e.LDAP != nil:
			p, err := ldap.New(*e.LDAP)
			if err != nil {
				return nil, nil, fmt.Errorf("identityProviders[%d]: %w", i, err)
			}
			pw = append(pw, p)
		case e.OIDC != nil:
			p, err := oidc.New(ctx, *e.OIDC)
			if err != nil {
				return nil, nil, fmt.Errorf("identityProviders[%d]: %w", i, err)
			}
			rd = append(rd, p)
		case e.GitHub != nil:
			p, err := github.New(*e.GitHub)
			if err != nil {
				return nil, nil, fmt.Errorf("identityProviders[%d]: %w", i, err)
			}
			rd = append(rd, p)
		}
	}
	return pw, rd, nil
}

// SelfSignedCert writes a self-signed serving certificate for the hosts
// into dir unless one is there, and returns its files.
func SelfSignedCert(dir string, hosts []string) (string, string, error) {
	return tlsserve.SelfSigned(dir, "ke-apiserver", hosts)
}

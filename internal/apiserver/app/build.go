package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/superkube/super-kubenetes/internal/netguard"
	tenantsvc "github.com/superkube/super-kubenetes/internal/services/tenant"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	notificationv2beta2 "github.com/superkube/super-kubenetes/api/notification/v2beta2"
	"github.com/superkube/super-kubenetes/internal/admission"
	"github.com/superkube/super-kubenetes/internal/apiserver/filters"
	"github.com/superkube/super-kubenetes/internal/apiserver/server"
	"github.com/superkube/super-kubenetes/internal/apiserver/upstream"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/authn/streams"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/authz"
	devopsengine "github.com/superkube/super-kubenetes/internal/devops/engine"
	"github.com/superkube/super-kubenetes/internal/devops/jenkins"
	devopskube "github.com/superkube/super-kubenetes/internal/devops/kubernetes"
	devopslocal "github.com/superkube/super-kubenetes/internal/devops/local"
	alertinghandlers "github.com/superkube/super-kubenetes/internal/handlers/alerting"
	applicationhandlers "github.com/superkube/super-kubenetes/internal/handlers/application"
	clusterhandlers "github.com/superkube/super-kubenetes/internal/handlers/cluster"
	confighandlers "github.com/superkube/super-kubenetes/internal/handlers/config"
	devopshandlers "github.com/superkube/super-kubenetes/internal/handlers/devops"
	gatewayhandlers "github.com/superkube/super-kubenetes/internal/handlers/gateway"
	iamhandlers "github.com/superkube/super-kubenetes/internal/handlers/iam"
	logginghandlers "github.com/superkube/super-kubenetes/internal/handlers/logging"
	"github.com/superkube/super-kubenetes/internal/handlers/memberkapis"
	monitoringhandlers "github.com/superkube/super-kubenetes/internal/handlers/monitoring"
	notificationhandlers "github.com/superkube/super-kubenetes/internal/handlers/notification"
	quotahandlers "github.com/superkube/super-kubenetes/internal/handlers/quota"
	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	servicemeshhandlers "github.com/superkube/super-kubenetes/internal/handlers/servicemesh"
	storagehandlers "github.com/superkube/super-kubenetes/internal/handlers/storage"
	tenanthandlers "github.com/superkube/super-kubenetes/internal/handlers/tenant"
	topologyhandlers "github.com/superkube/super-kubenetes/internal/handlers/topology"
	tracinghandlers "github.com/superkube/super-kubenetes/internal/handlers/tracing"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/impersonate"
	"github.com/superkube/super-kubenetes/internal/listengine"
	"github.com/superkube/super-kubenetes/internal/logging/auditstore"
	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/elastic"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
	"github.com/superkube/super-kubenetes/internal/logging/workspace"
	"github.com/superkube/super-kubenetes/internal/monitoring/catalog"
	promclient "github.com/superkube/super-kubenetes/internal/monitoring/client"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
	"github.com/superkube/super-kubenetes/internal/multicluster/members"
	"github.com/superkube/super-kubenetes/internal/multicluster/peers"
	"github.com/superkube/super-kubenetes/internal/multicluster/quotarelay"
	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
	"github.com/superkube/super-kubenetes/internal/notification/channel"
	"github.com/superkube/super-kubenetes/internal/notification/records"
	"github.com/superkube/super-kubenetes/internal/notification/sender"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/oauth/token"
	"github.com/superkube/super-kubenetes/internal/proxy"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/servicemesh/topology"
	alertingsvc "github.com/superkube/super-kubenetes/internal/services/alerting"
	clustersvc "github.com/superkube/super-kubenetes/internal/services/cluster"
	loggingsvc "github.com/superkube/super-kubenetes/internal/services/logging"
	monitoringsvc "github.com/superkube/super-kubenetes/internal/services/monitoring"
	"github.com/superkube/super-kubenetes/internal/tokenfile"
	"github.com/superkube/super-kubenetes/internal/tracing/jaeger"
)

// Build assembles ke-apiserver from its completed configuration, one named
// step after another; each step uses what the earlier ones made. Nothing
// runs until Start.
func Build(ctx context.Context, cc CompletedConfig, log logr.Logger, clk clock.Clock) (*Server, error) {
	b := &builder{cfg: cc.Config, rc: cc.REST, log: log, clk: clk, s: &Server{}}
	for _, step := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"caches", b.caches},
		{"token store", b.tokenStore},
		{"authentication", b.authentication},
		{"authorization", b.authorization},
		{"services", b.services},
		{"handlers", b.handlers},
		{"server", b.server},
	} {
		if err := step.run(ctx); err != nil {
			return nil, fmt.Errorf("building ke-apiserver's %s: %w", step.name, err)
		}
	}
	return b.s, nil
}

// builder holds what Build's steps make for the later ones.
type builder struct {
	cfg Config
	rc  *rest.Config
	log logr.Logger
	clk clock.Clock
	s   *Server

	// caches
	sch       *runtime.Scheme
	client    client.Client
	passwords *passwordsecret.Store
	// token store
	store    tokenstore.Store
	attempts tokenstore.LoginAttempts
	// authentication
	tokens  *authn.TokenAuthenticator
	streams *streams.Registry
	oauth   *oauth.Server
	// authorization
	base *authz.Authorizer
	// members decides and serves requests to member clusters.
	members *members.Registry
	z       authz.SelfService
	// services
	settings *confighandlers.SettingsStore
	// handlers
	routes      []server.Route
	authzRules  filters.Rules
	publicPaths []string
	webhooks    map[string]http.Handler
	internal    http.Handler
	forward     func(http.Handler) http.Handler
	// auditOut writes audit records to the log store (nil without one).
	auditOut *batch.Writer
	// logStore is VictoriaLogs when the logging API uses it (the
	// notification delivery records go there too).
	logStore *victorialogs.Client
}

// caches sets up what ke-apiserver reads instead of asking kube-apiserver
// on every request: the informers' cache of the permission model and the
// listed kinds, a separate cache of the users' password Secrets (the only
// secrets whose data ke-apiserver keeps), and a client that reads through
// the cache. The informers list and watch through the upstream monitor,
// which tells how fresh the caches are and lets them catch up at once after
// an outage.
func (b *builder) caches(ctx context.Context) error {
	b.sch = scheme.New()
	rc := rest.CopyConfig(b.rc)
	rc.QPS, rc.Burst = 200, 400
	// Built-in kinds come as protobuf, which decodes several times faster
	// than JSON at start-up; custom resources fall back to JSON.
	rc.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	b.rc = rc
	rules := newRuleInterner()
	mon, err := upstream.New(rc, b.log.WithName("upstream"))
	if err != nil {
		return err
	}
	b.s.upstream = mon
	b.s.runs = append(b.s.runs, mon.Run)
	cache, err := ctrlcache.New(rc, ctrlcache.Options{
		Scheme:           b.sch,
		NewInformer:      mon.NewInformerFunc(b.sch),
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
		return err
	}
	b.s.Cache = cache
	if b.client, err = client.New(rc, client.Options{Scheme: b.sch, Cache: &client.CacheOptions{Reader: cache, DisableFor: []client.Object{&corev1.Secret{}}}}); err != nil {
		return err
	}
	passwordSecrets, err := passwordsecret.CacheOptions(b.cfg.SystemNamespace)
	if err != nil {
		return err
	}
	if b.s.Passwords, err = ctrlcache.New(rc, ctrlcache.Options{Scheme: b.sch, NewInformer: mon.NewInformerFunc(b.sch), DefaultTransform: ctrlcache.TransformStripManagedFields(),
		ByObject: map[client.Object]ctrlcache.ByObject{&corev1.Secret{}: passwordSecrets}}); err != nil {
		return err
	}
	if _, err := b.s.Passwords.GetInformer(ctx, &corev1.Secret{}); err != nil {
		return err
	}
	b.passwords = &passwordsecret.Store{Namespace: b.cfg.SystemNamespace, Reader: b.s.Passwords, Writer: b.client}
	return nil
}

// tokenStore chooses where the issued tokens, their revocations and the
// failed logins are kept: in Redis, shared by every replica, or in memory
// for a single one.
func (b *builder) tokenStore(context.Context) error {
	if b.cfg.RedisURL == "" {
		m := tokenstore.NewMemory(b.clk)
		b.store, b.attempts = m, m
		return nil
	}
	rs, err := tokenstore.NewRedisFromURL(b.cfg.RedisURL, "superkube:")
	if err != nil {
		return err
	}
	b.s.closes = append(b.s.closes, func() { _ = rs.Close() })
	b.store, b.attempts = rs, rs
	return nil
}

// authentication sets up who a request comes from: the signing keys, the
// verifier of the platform's tokens, the streams that end when their token
// is revoked, the identity providers and the OAuth2/OIDC server that logs
// users in and issues the tokens.
func (b *builder) authentication(ctx context.Context) error {
	// Users are read by authentication on every request.
	if _, err := b.s.Cache.GetInformer(ctx, &iamv1beta1.User{}); err != nil {
		return err
	}
	keys, err := token.LoadKeys(b.cfg.SigningKeyFile, b.cfg.PreviousSigningKeyFiles, b.cfg.GenerateSigningKey)
	if err != nil {
		return err
	}
	issuer, err := token.NewIssuer(b.cfg.Issuer, keys, b.clk)
	if err != nil {
		return err
	}
	verifier := token.NewVerifier(b.cfg.Issuer, keys, b.clk)
	// Streams end when their tokens are revoked here, or within a recheck
	// interval when they no longer authenticate for another reason.
	b.tokens = &authn.TokenAuthenticator{Verifier: verifier, Store: b.store, Users: b.client, Audiences: clientIDs(b.cfg.OAuthClients)}
	b.streams = streams.New(b.tokens, 0)
	b.s.runs = append(b.s.runs, b.streams.Run)
	b.store = streams.Store{Store: b.store, Registry: b.streams}
	b.s.Store = b.store

	passwordProviders, redirectProviders, err := providers(ctx, b.cfg.IdentityProviders)
	if err != nil {
		return err
	}
	if b.oauth, err = oauth.NewServer(b.cfg.oauthOptions(), oauth.Deps{
		Issuer: issuer, Verifier: verifier, Store: b.store, Attempts: b.attempts, Users: b.client, Passwords: b.passwords, Writer: b.client,
		// b.client reads Secrets uncached.
		LivePasswords: &passwordsecret.Store{Namespace: b.cfg.SystemNamespace, Reader: b.client}, Clock: b.clk,
		Authenticator: b.tokens, PasswordProviders: passwordProviders, RedirectProviders: redirectProviders,
	}); err != nil {
		return err
	}
	b.s.OAuth = b.oauth
	b.s.runs = append(b.s.runs, b.oauth.RunRecorder)
	return nil
}

// authorization sets up what a user may do: the four levels' roles and
// bindings read from the caches, and the self-service rules (a user's own
// profile and password) in front of them.
func (b *builder) authorization(ctx context.Context) error {
	stores, err := authz.InformerStores(ctx, b.s.Cache)
	if err != nil {
		return err
	}
	b.base = authz.New(stores)
	// Requests to a member cluster are decided with the platform's
	// bindings and the member's own (its caches start on first use).
	b.members = &members.Registry{Reader: b.s.Cache, Host: b.base, Platform: stores,
		CacheOptions: b.memberCacheOptions, Setup: tenantsvc.SetupMember, Kinds: memberKinds, Log: b.log.WithName("members")}
	b.s.runs = append(b.s.runs, b.members.Run)
	b.z = authz.SelfService{Next: b.members}
	return nil
}

// memberCacheOptions are the options of a member cluster's cache: the
// host's transforms (no managed fields, no secret values, shared rules).
func (b *builder) memberCacheOptions() ctrlcache.Options {
	rules := newRuleInterner()
	return ctrlcache.Options{
		Scheme:           b.sch,
		DefaultTransform: ctrlcache.TransformStripManagedFields(),
		ByObject: map[client.Object]ctrlcache.ByObject{
			&rbacv1.Role{}:        {Transform: rules.transform},
			&rbacv1.ClusterRole{}: {Transform: rules.transform},
			&corev1.Secret{}:      {Transform: dropSecretData},
		},
	}
}

// memberKinds are the list engine's kinds on a member cluster: the
// Kubernetes ones (the platform's own kinds live on the host).
func memberKinds() []*listengine.Kind {
	var out []*listengine.Kind
	for _, k := range listengine.BuiltinKinds() {
		if !strings.HasSuffix(k.GVK.Group, "superkube.io") {
			out = append(out, k)
		}
	}
	return out
}

// services sets up what the handlers read besides the caches: the list
// engine, which sorts, filters and pages the cached objects, and the
// store of the platform's settings.
func (b *builder) services(ctx context.Context) error {
	engine := listengine.New(b.s.Cache, listengine.BuiltinKinds())
	b.s.Engine = engine
	if err := engine.Start(ctx); err != nil {
		return err
	}
	settings, err := confighandlers.NewSettingsStore(ctx, b.rc, b.sch, b.cfg.SystemNamespace)
	if err != nil {
		return err
	}
	b.settings = settings
	b.s.runs = append(b.s.runs, settings.Run)
	return nil
}

// handlers sets up the routes: OAuth, IAM, the listed resources, the
// Kubernetes proxy (as the caller, through impersonation), the tenant and
// config APIs, with their authorization rules and public paths; and the
// webhooks that kube-apiserver calls.
func (b *builder) handlers(ctx context.Context) error {
	var caData []byte
	if b.cfg.Kubernetes.CAFile != "" {
		var err error
		if caData, err = os.ReadFile(b.cfg.Kubernetes.CAFile); err != nil {
			return fmt.Errorf("kubernetes.caFile: %w", err)
		}
	}
	c := b.client
	iam := &iamhandlers.Handlers{Users: c, Passwords: b.passwords, Client: c, Store: b.store, Authorizer: b.z, Escalation: b.base, Clock: b.clk,
		BcryptCost: b.cfg.Authentication.BcryptCost, SystemNamespace: b.cfg.SystemNamespace, Kubeconfig: b.oauth, CurrentPasswords: b.oauth,
		Kubernetes: iamhandlers.KubernetesEndpoint{Server: b.cfg.Kubernetes.ExternalURL, CAData: caData}}
	resourcesHandler := &resources.Handler{Engine: b.s.Engine, Authorizer: b.base, Freshness: b.s.upstream.Freshness}
	guarded := proxy.WithGuard(b.rc, proxy.Guard{Timeout: b.cfg.Kubernetes.RequestTimeout.Duration, Ready: b.s.upstream.Ready})
	clusters, err := b.multicluster()
	if err != nil {
		return err
	}
	kube, err := proxy.New(guarded, proxy.Options{Clusters: c, SystemNamespace: b.cfg.SystemNamespace, Log: b.log, Tunnels: clusters.tunnels})
	if err != nil {
		return err
	}
	b.members.Configs = kube
	tenantAPI, err := tenanthandlers.New(ctx, b.s.Cache, c, c, b.z)
	if err != nil {
		return err
	}
	monitoring, err := b.monitoring()
	if err != nil {
		return err
	}
	logging, err := b.logging()
	if err != nil {
		return err
	}
	alerting, err := b.alerting(monitoring.Service)
	if err != nil {
		return err
	}
	notification, webhook, err := b.notification(ctx)
	if err != nil {
		return err
	}
	appStore, err := b.appStore(ctx)
	if err != nil {
		return err
	}
	storageAPI, err := b.storage()
	if err != nil {
		return err
	}
	gatewayAPI, err := b.gateway()
	if err != nil {
		return err
	}
	devopsAPI, err := b.devops(ctx)
	if err != nil {
		return err
	}
	meshAPI, err := b.servicemesh()
	if err != nil {
		return err
	}
	tracingAPI, err := b.tracing()
	if err != nil {
		return err
	}
	memberAPIs := &memberkapis.Handler{Registry: b.members, Host: b.s.Cache, Scheme: b.sch, SystemNamespace: b.cfg.SystemNamespace}
	b.routes = []server.Route{b.oauth, iam, resourcesHandler, kube, memberAPIs, tenantAPI, &confighandlers.Handlers{Providers: b.oauth, Settings: b.settings}, monitoring, logging, alerting, notification, appStore, clusters.api,
		storageAPI, &quotahandlers.Handler{Reader: b.client}, gatewayAPI, devopsAPI, meshAPI, tracingAPI,
		&topologyhandlers.Handler{Service: &topology.Service{Prometheus: monitoring.Service.Prometheus}, Authorizer: b.base, Reader: b.client, Now: b.clk.Now}}
	b.authzRules = slices.Concat(resources.AuthzRules(), iamhandlers.AuthzRules(), tenanthandlers.AuthzRules(), confighandlers.AuthzRules(),
		monitoringhandlers.AuthzRules(), logginghandlers.AuthzRules(), alertinghandlers.AuthzRules(), notificationhandlers.AuthzRules(),
		applicationhandlers.AuthzRules(), storagehandlers.AuthzRules(), gatewayhandlers.AuthzRules(), devopshandlers.AuthzRules(),
		servicemeshhandlers.AuthzRules(), topologyhandlers.AuthzRules(), tracinghandlers.AuthzRules())
	b.publicPaths = slices.Concat(oauth.PublicPaths, confighandlers.PublicPaths)
	// What kube-apiserver asks ke-apiserver: may this write be made (the
	// platform's escalation and reserved-label rules, on every path), and
	// whose is this kubeconfig token.
	b.webhooks = map[string]http.Handler{
		admission.Path: &admission.Webhook{Authorizer: b.base, Objects: admission.CacheObjects{Reader: b.s.Cache},
			Exempt: admission.Exemptions{Users: b.cfg.Admission.ExemptUsers}, Ready: b.s.cachesSynced},
		authn.TokenReviewPath: &authn.TokenReviewHandler{Authenticator: b.tokens},
		// A member cluster's agent: its join (with a join token) and its
		// tunnel (with its agent credential).
		tunnel.JoinPath:    clusters.join,
		tunnel.ConnectPath: clusters.tunnels,
	}
	// ke-controller-manager's path to member clusters, with its own token;
	// the same token proves to its quota webhook that ke-apiserver relays a
	// member's review (an agent's, with its credential).
	relay := &quotarelay.Relay{Credentials: clusters.store, Reader: b.client, Log: b.log.WithName("quota-relay")}
	if f := b.cfg.Multicluster.ControllerTokenFile; f != "" {
		tok, err := tokenfile.Read(f, "multicluster controller")
		if err != nil {
			return fmt.Errorf("multicluster.controllerTokenFile: %w", err)
		}
		b.internal = kube.Controllers([]byte(tok))
		relay.Token = tok
	}
	b.webhooks[quotarelay.Path] = relay
	// Gitea's push deliveries, each checked against its pipeline's secret.
	b.webhooks[devopshandlers.WebhookPath] = &devopshandlers.Webhook{Client: devopsAPI.Writer, Log: b.log.WithName("devops-webhook")}
	// kube-apiserver's audit events, written to the log store.
	if f := b.cfg.Audit.KubeWebhookTokenFile; f != "" && b.auditOut != nil {
		tok, err := tokenfile.Read(f, "audit webhook")
		if err != nil {
			return err
		}
		b.webhooks[auditstore.WebhookPath] = &auditstore.Receiver{Token: tok, Workspaces: workspace.Lookup{Reader: b.s.Cache}, Out: b.auditOut}
	}
	// Alertmanager's notifications, with their own bearer token.
	if webhook != nil {
		b.webhooks[notificationhandlers.WebhookPath] = webhook
	}
	return nil
}

// clusterParts are the pieces of multi-cluster support in ke-apiserver.
type clusterParts struct {
	tunnels *tunnel.Server
	api     *clusterhandlers.Handlers
	join    *clusterhandlers.AgentJoin
	store   *agentauth.Store
}

// multicluster sets up the cluster API, the agents' join and tunnel, and
// the reporter that probes the Agent clusters whose tunnels this replica
// holds. Secrets of the system namespace are read live, never cached.
func (b *builder) multicluster() (*clusterParts, error) {
	live, err := client.New(b.rc, client.Options{Scheme: b.sch, Mapper: b.client.RESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("clusters: %w", err)
	}
	store := &agentauth.Store{Client: live, Namespace: b.cfg.SystemNamespace, Now: b.clk.Now}
	tunnels := tunnel.NewServer(store, b.log.WithName("tunnel"))
	svc := &clustersvc.Service{Client: live, Store: store, CanImpersonate: clustersvc.ImpersonationCheck, HostReader: b.client, Now: b.clk.Now}
	reporter := &tunnel.Reporter{Tunnels: tunnels, Client: b.client, Secrets: live, Namespace: b.cfg.SystemNamespace,
		Log: b.log.WithName("tunnel"), Self: b.cfg.Multicluster.AdvertiseURL}
	// Requests of clusters whose tunnels another replica holds go there.
	var peerCA []byte
	if f := b.cfg.Multicluster.PeerCAFile; f != "" {
		if peerCA, err = os.ReadFile(f); err != nil {
			return nil, fmt.Errorf("multicluster.peerCAFile: %w", err)
		}
	}
	fwd, err := peers.New(peers.Options{Clusters: b.client, Tunnels: tunnels, Self: b.cfg.Multicluster.AdvertiseURL, CA: peerCA,
		ServerName: b.cfg.Multicluster.PeerServerName, Log: b.log.WithName("peers")})
	if err != nil {
		return nil, err
	}
	b.forward = fwd.Wrap
	b.s.runs = append(b.s.runs, reporter.Run)
	return &clusterParts{tunnels: tunnels, api: &clusterhandlers.Handlers{Service: svc}, join: &clusterhandlers.AgentJoin{Service: svc}, store: store}, nil
}

// notification sets up the notification sender and its API: delivery
// records in the log store when it is VictoriaLogs, else in memory; and
// Alertmanager's webhook when a token file is configured.
func (b *builder) notification(ctx context.Context) (*notificationhandlers.Handler, http.Handler, error) {
	n := b.cfg.Notification
	for _, obj := range []client.Object{&notificationv2beta2.Config{}, &notificationv2beta2.Receiver{}, &notificationv2beta2.Router{}, &notificationv2beta2.Silence{}} {
		if _, err := b.s.Cache.GetInformer(ctx, obj); err != nil {
			return nil, nil, err
		}
	}
	var store records.Store = records.NewRing(n.RecordsInMemory)
	if b.logStore != nil {
		out := &batch.Writer{Store: b.logStore.In(records.Tenant), Stream: records.Stream, Kind: "notification", Log: b.log.WithName("notification-records")}
		b.s.runs = append(b.s.runs, out.Run)
		store = &records.LogStore{Out: out, Reader: b.logStore.In(records.Tenant), Recent: records.NewRing(1000)}
	}
	allowed, err := netguard.ParseCIDRs(n.UserAllowedCIDRs)
	if err != nil {
		return nil, nil, fmt.Errorf("notification.userAllowedCIDRs: %w", err)
	}
	snd := &sender.Sender{Reader: b.s.Cache, Secrets: b.client, Status: b.client, SecretNamespace: b.cfg.SystemNamespace, Authorizer: b.base,
		Records: store, Log: b.log.WithName("notification"), Workers: n.Workers, QueueSize: n.QueueSize, MaxAttempts: n.MaxAttempts,
		DedupeWindow: n.DedupeWindow.Duration, Channels: &channel.Sender{UserAllowedCIDRs: allowed}}
	b.s.runs = append(b.s.runs, func(ctx context.Context) { _ = snd.Run(ctx) })
	h := &notificationhandlers.Handler{Reader: b.s.Cache, Client: b.client, SecretNamespace: b.cfg.SystemNamespace, Authorizer: b.base, Sender: snd, Records: store}
	if n.WebhookTokenFile == "" {
		return h, nil, nil
	}
	tok, err := tokenfile.Read(n.WebhookTokenFile, "notification webhook")
	if err != nil {
		return nil, nil, fmt.Errorf("notification.webhookTokenFile: %w", err)
	}
	return h, &notificationhandlers.Webhook{Token: tok, Sender: snd, Log: b.log.WithName("notification")}, nil
}

// monitoring sets up the monitoring API over the configured Prometheus;
// without one it answers 503.
func (b *builder) monitoring() (*monitoringhandlers.Handler, error) {
	m := b.cfg.Monitoring
	svc := &monitoringsvc.Service{Catalog: catalog.New(), Concurrency: m.Concurrency}
	if m.PrometheusURL != "" {
		c, err := promclient.New(promclient.Config{URL: m.PrometheusURL, BearerTokenFile: m.BearerTokenFile, Username: m.Username,
			PasswordFile: m.PasswordFile, CAFile: m.CAFile, Timeout: m.Timeout.Duration})
		if err != nil {
			return nil, fmt.Errorf("monitoring: %w", err)
		}
		svc.Prometheus = c
	}
	return &monitoringhandlers.Handler{Service: svc, Authorizer: b.base, Reader: b.client, Now: b.clk.Now}, nil
}

// tracing sets up the tracing endpoints over the configured Jaeger;
// without one they answer 503.
func (b *builder) tracing() (*tracinghandlers.Handler, error) {
	h := &tracinghandlers.Handler{Authorizer: b.base, Reader: b.client, Now: b.clk.Now}
	if j := b.cfg.ServiceMesh.Jaeger; j.URL != "" {
		c, err := jaeger.New(j.URL, j.Timeout.Duration)
		if err != nil {
			return nil, fmt.Errorf("servicemesh: %w", err)
		}
		h.Store = c
	}
	return h, nil
}

// alerting sets up the alerting API: rule groups written and read as the
// caller (through impersonation), alerts and rule states from the
// monitoring API's Prometheus, silences in the configured Alertmanager.
func (b *builder) alerting(m *monitoringsvc.Service) (*alertinghandlers.Handler, error) {
	svc := &alertingsvc.Service{}
	if p, ok := m.Prometheus.(alertingsvc.Prometheus); ok {
		svc.Prometheus = p
	}
	if u := b.cfg.Alerting.AlertmanagerURL; u != "" {
		am, err := alertingsvc.NewAlertmanager(u, b.cfg.Alerting.Timeout.Duration)
		if err != nil {
			return nil, fmt.Errorf("alerting: %w", err)
		}
		svc.Alertmanager = am
	}
	clients, err := impersonate.New(b.rc, b.sch, b.client.RESTMapper())
	if err != nil {
		return nil, fmt.Errorf("alerting: %w", err)
	}
	return &alertinghandlers.Handler{Service: svc, Authorizer: b.base, Reader: b.client, Clients: clients, Now: b.clk.Now}, nil
}

// appStore sets up the app store's API: apps, versions, repositories and
// categories read from the cache and written with ke-apiserver's identity
// after its own checks; releases as the caller; chart ConfigMaps and
// repository credentials read uncached in the system namespace.
func (b *builder) appStore(ctx context.Context) (*applicationhandlers.Handler, error) {
	for _, obj := range []client.Object{&applicationv2.Application{}, &applicationv2.ApplicationVersion{}, &applicationv2.Repository{},
		&applicationv2.Category{}, &applicationv2.ApplicationRelease{}} {
		if _, err := b.s.Cache.GetInformer(ctx, obj); err != nil {
			return nil, fmt.Errorf("app store: %w", err)
		}
	}
	clients, err := impersonate.New(b.rc, b.sch, b.client.RESTMapper())
	if err != nil {
		return nil, fmt.Errorf("app store: %w", err)
	}
	live, err := client.New(b.rc, client.Options{Scheme: b.sch, Mapper: b.client.RESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("app store: %w", err)
	}
	allowed, err := netguard.ParseCIDRs(b.cfg.AppStore.WorkspaceRepositoryAllowedCIDRs)
	if err != nil {
		return nil, fmt.Errorf("appStore.workspaceRepositoryAllowedCIDRs: %w", err)
	}
	return &applicationhandlers.Handler{Authorizer: b.base, Reader: b.client, Writer: b.client, LiveReader: live, Clients: clients,
		SystemNamespace: applicationv2.SecretNamespace, Now: b.clk.Now, WorkspaceAllowedCIDRs: allowed}, nil
}

// devops sets up the DevOps API: projects from the cache, pipelines and
// runs as the caller, Secrets read live (never cached), the local
// executor's logs from its folder.
func (b *builder) devops(ctx context.Context) (*devopshandlers.Handler, error) {
	if _, err := b.s.Cache.GetInformer(ctx, &devopsv1alpha3.DevOpsProject{}); err != nil {
		return nil, fmt.Errorf("devops: %w", err)
	}
	clients, err := impersonate.New(b.rc, b.sch, b.client.RESTMapper())
	if err != nil {
		return nil, fmt.Errorf("devops: %w", err)
	}
	live, err := client.New(b.rc, client.Options{Scheme: b.sch, Mapper: b.client.RESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("devops: %w", err)
	}
	logs := map[string]devopsengine.Engine{}
	if d := b.cfg.DevOps.WorkDir; d != "" {
		logs[devopsengine.Local] = &devopslocal.Engine{Dir: d}
	}
	// The kubernetes executor's logs are its step pods' (pods/log).
	kube, err := devopskube.New(b.rc, devopskube.Options{})
	if err != nil {
		return nil, fmt.Errorf("devops: %w", err)
	}
	logs[devopsengine.Kubernetes] = kube
	h := &devopshandlers.Handler{Authorizer: b.base, Reader: b.client, Writer: live, Clients: clients, Logs: logs}
	if j := b.cfg.DevOps.Jenkins; j != nil {
		tok, err := tokenfile.Read(j.TokenFile, "Jenkins")
		if err != nil {
			return nil, fmt.Errorf("devops.jenkins.tokenFile: %w", err)
		}
		if h.Jenkins, err = jenkins.New(jenkins.Config{URL: j.URL, User: j.User, Token: tok}); err != nil {
			return nil, fmt.Errorf("devops.jenkins: %w", err)
		}
	}
	return h, nil
}

// servicemesh sets up the service mesh API's traffic governance:
// strategies and policies as the caller, a project's Services, pods and
// workloads from the caches.
func (b *builder) servicemesh() (*servicemeshhandlers.Handler, error) {
	clients, err := impersonate.New(b.rc, b.sch, b.client.RESTMapper())
	if err != nil {
		return nil, fmt.Errorf("servicemesh: %w", err)
	}
	return &servicemeshhandlers.Handler{Authorizer: b.base, Cache: b.s.Cache, Clients: clients}, nil
}

// storage sets up the storage API: a project's claims and pods read from
// the caches, classes, CSI drivers and snapshot classes read uncached
// (few, and the snapshot CRDs may be missing), writes as the caller.
func (b *builder) storage() (*storagehandlers.Handler, error) {
	clients, err := impersonate.New(b.rc, b.sch, b.client.RESTMapper())
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	live, err := client.New(b.rc, client.Options{Scheme: b.sch, Mapper: b.client.RESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &storagehandlers.Handler{Authorizer: b.base, Cache: b.s.Cache, Live: live, Clients: clients}, nil
}

// gateway sets up the gateway API: classes, allowed lists, routes,
// Services and EndpointSlices read uncached with ke-apiserver's identity
// after the handler's checks (the Gateway API CRDs may be missing), writes
// as the caller.
func (b *builder) gateway() (*gatewayhandlers.Handler, error) {
	clients, err := impersonate.New(b.rc, b.sch, b.client.RESTMapper())
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	live, err := client.New(b.rc, client.Options{Scheme: b.sch, Mapper: b.client.RESTMapper()})
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return &gatewayhandlers.Handler{Authorizer: b.base, Live: live, Clients: clients}, nil
}

// logging sets up the logging API over the configured log store; without
// one it answers 503.
func (b *builder) logging() (*logginghandlers.Handler, error) {
	l := b.cfg.Logging
	var store loggingsvc.Backend = &loggingsvc.Service{}
	var audits batch.Store
	switch {
	case l.Elasticsearch != nil:
		c, err := elastic.New(*l.Elasticsearch, l.Timeout.Duration)
		if err != nil {
			return nil, fmt.Errorf("logging: %w", err)
		}
		store, audits = c, c.Writer(elastic.AuditRecords, b.log.WithName("audit-store"))
	case l.VictoriaLogsURL != "":
		c, err := victorialogs.New(l.VictoriaLogsURL, l.Timeout.Duration)
		if err != nil {
			return nil, fmt.Errorf("logging: %w", err)
		}
		store, audits = &loggingsvc.Service{Store: c}, c.In(victorialogs.Audit)
		b.logStore = c
	}
	if audits != nil && b.cfg.Audit.ToLogStore() {
		b.auditOut = &batch.Writer{Store: audits, Stream: logsql.AuditStream, Kind: "audit", Log: b.log.WithName("audit-store")}
		b.s.runs = append(b.s.runs, b.auditOut.Run)
	}
	return &logginghandlers.Handler{Service: store, Authorizer: b.base, Reader: b.client, Now: b.clk.Now}, nil
}

// server puts the routes behind the filters every request passes
// (authentication, authorization, audit, limits, trusted proxies) and
// exposes the metrics.
func (b *builder) server(context.Context) error {
	sink, err := b.s.auditSink(b.cfg.Audit, b.log)
	if err != nil {
		return err
	}
	if b.auditOut != nil {
		sink = audit.Sinks{sink, &auditstore.Sink{Out: b.auditOut, Workspaces: workspace.Lookup{Reader: b.s.Cache}}}
	}
	trusted, err := filters.ParseTrustedProxies(b.cfg.TrustedProxies)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(b.oauth.Collectors()...)
	reg.MustRegister(batch.Collectors()...)
	deps := server.Deps{
		Log: b.log, Tokens: b.tokens, Authorizer: b.z, Audit: sink, Routes: b.routes,
		PublicPaths: b.publicPaths, Ready: b.s.ready, MaxBodyBytes: b.cfg.Limits.MaxBodyBytes,
		PasswordGuard:  func(r *http.Request, u user.Info) bool { return iamhandlers.MayOnlyChangePassword(r, u) },
		Registry:       reg,
		AuthzRules:     b.authzRules,
		TrustedProxies: trusted,
		Streams:        b.streams,
		Webhooks:       b.webhooks,
		Internal:       b.internal,
		Forward:        b.forward,
	}
	if b.cfg.Authentication.BasicAuth {
		deps.Basic = &oauth.BasicAuthenticator{Server: b.oauth}
	}
	b.s.Handler = server.NewHandler(deps)
	b.s.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return nil
}

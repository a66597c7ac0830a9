package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/superkube/super-kubenetes/internal/apiserver/upstream"
	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
	"github.com/superkube/super-kubenetes/internal/listengine"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/github"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/ldap"
	"github.com/superkube/super-kubenetes/internal/oauth/idp/oidc"
	"github.com/superkube/super-kubenetes/internal/tlsserve"
)

// Server is a built ke-apiserver, ready to serve.
type Server struct {
	Handler http.Handler
	// Metrics serves the metrics of Handler's registry.
	Metrics http.Handler
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

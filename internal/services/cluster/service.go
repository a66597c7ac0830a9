// Package cluster joins member clusters to the host and removes them: a
// Direct cluster is checked (its kubeconfig parses, its kube-apiserver
// answers with a supported version and lets the host impersonate) before
// anything is stored; an Agent cluster gets a join token, which its agent
// later trades for its credential. Nothing is left half-joined.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/apiserver/apistatus"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
	"github.com/superkube/super-kubenetes/internal/multicluster/memberconfig"
	"github.com/superkube/super-kubenetes/internal/multicluster/probe"
)

// DefaultJoinTokenTTL is how long a join token works unless asked otherwise.
const DefaultJoinTokenTTL = time.Hour

// MaxJoinTokenTTL bounds a join token's life.
const MaxJoinTokenTTL = 7 * 24 * time.Hour

var clusterGR = clusterv1alpha1.GroupVersion.WithResource("clusters").GroupResource()

// Service joins and removes clusters with ke-apiserver's identity; the
// caller has been authorized for the cluster verb.
type Service struct {
	// Client writes Clusters and reads and writes the system namespace's
	// Secrets live.
	Client client.Client
	Store  *agentauth.Store
	// Probe reaches a Direct cluster's kube-apiserver (probe.Probe when nil).
	Probe func(context.Context, *rest.Config) (probe.Result, error)
	// CanImpersonate checks that the kubeconfig's identity may impersonate.
	CanImpersonate func(context.Context, *rest.Config) error
	// HostReader reads the host cluster, to refuse a kubeconfig that
	// reaches the host itself (nil skips the check).
	HostReader client.Reader
	Now        func() time.Time
}

// notTheHost refuses a member kubeconfig that reaches the host cluster.
func (s *Service) notTheHost(ctx context.Context, rc *rest.Config) error {
	cfg := rest.CopyConfig(rc)
	cfg.Timeout = probe.Timeout
	member, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	memberID, err := probe.ClusterID(ctx, member)
	if err != nil {
		return fmt.Errorf("the member's identity could not be read: %w", err)
	}
	hostID, err := probe.ClusterID(ctx, s.HostReader)
	if err != nil {
		return fmt.Errorf("the host's identity could not be read: %w", err)
	}
	if memberID == hostID {
		return errors.New("it reaches the host cluster itself (the same kube-system namespace); the host is already the cluster \"host\"")
	}
	return nil
}

// JoinRequest asks to join a cluster.
type JoinRequest struct {
	Name     string                         `json:"name"`
	Provider string                         `json:"provider,omitempty"`
	Type     clusterv1alpha1.ConnectionType `json:"connection"`
	// Kubeconfig (Direct) reaches the member's kube-apiserver with an
	// identity that may impersonate users and groups.
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// JoinTokenTTL (Agent) is how long the join token works, as a Go
	// duration ("1h" by default, at most 168h).
	JoinTokenTTL string `json:"joinTokenTTL,omitempty"`
}

// JoinToken is a join token, shown once.
type JoinToken struct {
	Token     string      `json:"token"`
	ExpiresAt metav1.Time `json:"expiresAt"`
}

// shown is the cluster as the API returns it.
func shown(c *clusterv1alpha1.Cluster) *clusterv1alpha1.Cluster {
	c = c.DeepCopy()
	c.APIVersion, c.Kind = clusterv1alpha1.GroupVersion.String(), "Cluster"
	c.ManagedFields = nil
	return c
}

// Joined is the answer to a join: the cluster, and for an Agent cluster
// its join token.
type Joined struct {
	Cluster   *clusterv1alpha1.Cluster `json:"cluster"`
	JoinToken *JoinToken               `json:"joinToken,omitempty"`
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Join checks the request and joins the cluster.
func (s *Service) Join(ctx context.Context, req JoinRequest) (*Joined, error) {
	var errs field.ErrorList
	if msgs := validation.IsDNS1123Label(req.Name); len(msgs) > 0 {
		errs = append(errs, field.Invalid(field.NewPath("name"), req.Name, strings.Join(msgs, "; ")))
	}
	if len(req.Provider) > 63 {
		errs = append(errs, field.TooLong(field.NewPath("provider"), req.Provider, 63))
	}
	ttl := DefaultJoinTokenTTL
	switch req.Type {
	case clusterv1alpha1.ConnectionDirect:
		if strings.TrimSpace(req.Kubeconfig) == "" {
			errs = append(errs, field.Required(field.NewPath("kubeconfig"), "a Direct cluster needs the kubeconfig of its kube-apiserver"))
		}
	case clusterv1alpha1.ConnectionAgent:
		if req.Kubeconfig != "" {
			errs = append(errs, field.Forbidden(field.NewPath("kubeconfig"), "an Agent cluster's agent hands its kubeconfig over when it joins"))
		}
		var err error
		if ttl, err = parseTTL(req.JoinTokenTTL); err != nil {
			errs = append(errs, field.Invalid(field.NewPath("joinTokenTTL"), req.JoinTokenTTL, err.Error()))
		}
	default:
		errs = append(errs, field.NotSupported(field.NewPath("connection"), req.Type, []string{string(clusterv1alpha1.ConnectionDirect), string(clusterv1alpha1.ConnectionAgent)}))
	}
	if len(errs) > 0 {
		return nil, apistatus.Invalid("Cluster", req.Name, errs)
	}
	if err := s.Client.Get(ctx, client.ObjectKey{Name: req.Name}, &clusterv1alpha1.Cluster{}); err == nil {
		return nil, apierrors.NewAlreadyExists(clusterGR, req.Name)
	} else if !apierrors.IsNotFound(err) {
		return nil, err
	}
	c := &clusterv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: req.Name},
		Spec: clusterv1alpha1.ClusterSpec{Provider: req.Provider, Enable: true,
			Connection: clusterv1alpha1.Connection{Type: req.Type}},
	}
	if req.Type == clusterv1alpha1.ConnectionDirect {
		return s.joinDirect(ctx, c, []byte(req.Kubeconfig))
	}
	return s.joinAgent(ctx, c, ttl)
}

func parseTTL(s string) (time.Duration, error) {
	if s == "" {
		return DefaultJoinTokenTTL, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New(`must be a duration such as "1h"`)
	}
	if d < time.Minute || d > MaxJoinTokenTTL {
		return 0, fmt.Errorf("must be between 1m and %s", MaxJoinTokenTTL)
	}
	return d, nil
}

func (s *Service) joinDirect(ctx context.Context, c *clusterv1alpha1.Cluster, kubeconfig []byte) (*Joined, error) {
	invalid := func(msg string) error {
		return apistatus.Invalid("Cluster", c.Name, field.ErrorList{field.Invalid(field.NewPath("kubeconfig"), "(kubeconfig)", msg)})
	}
	rc, err := memberconfig.Parse(kubeconfig)
	if err != nil {
		return nil, invalid(err.Error())
	}
	p := s.Probe
	if p == nil {
		p = probe.Probe
	}
	res, err := p(ctx, rc)
	if err != nil {
		return nil, invalid(fmt.Sprintf("the kube-apiserver at %s could not be reached: %s", rc.Host, err))
	}
	if err := probe.CheckVersion(res.Version); err != nil {
		return nil, invalid(err.Error())
	}
	if s.CanImpersonate != nil {
		if err := s.CanImpersonate(ctx, rc); err != nil {
			return nil, invalid(err.Error())
		}
	}
	if s.HostReader != nil {
		if err := s.notTheHost(ctx, rc); err != nil {
			return nil, invalid(err.Error())
		}
	}
	if err := s.Store.PutKubeconfig(ctx, c.Name, kubeconfig); err != nil {
		return nil, err
	}
	c.Spec.Connection.KubeconfigSecretRef = &clusterv1alpha1.SecretRef{Name: agentauth.KubeconfigSecretName(c.Name), Key: clusterv1alpha1.KubeconfigKey}
	if err := s.Client.Create(ctx, c); err != nil {
		_ = s.Store.DeleteAll(context.WithoutCancel(ctx), c.Name)
		return nil, err
	}
	return &Joined{Cluster: shown(c)}, nil
}

func (s *Service) joinAgent(ctx context.Context, c *clusterv1alpha1.Cluster, ttl time.Duration) (*Joined, error) {
	if err := s.Client.Create(ctx, c); err != nil {
		return nil, err
	}
	tok, err := s.IssueJoinToken(ctx, c.Name, ttl)
	if err != nil {
		_ = s.Client.Delete(context.WithoutCancel(ctx), c)
		return nil, err
	}
	return &Joined{Cluster: shown(c), JoinToken: tok}, nil
}

// IssueJoinToken gives an Agent cluster a new join token (the old one
// stops working).
func (s *Service) IssueJoinToken(ctx context.Context, name string, ttl time.Duration) (*JoinToken, error) {
	c := &clusterv1alpha1.Cluster{}
	if err := s.Client.Get(ctx, client.ObjectKey{Name: name}, c); err != nil {
		return nil, err
	}
	if c.Spec.Connection.Type != clusterv1alpha1.ConnectionAgent {
		return nil, apistatus.New(http.StatusConflict, metav1.StatusReasonConflict,
			fmt.Sprintf("cluster %q is reached by a %s connection, not through an agent: it has no join token", name, c.Spec.Connection.Type))
	}
	tok, exp, err := s.Store.IssueJoinToken(ctx, name, ttl)
	if err != nil {
		return nil, err
	}
	return &JoinToken{Token: tok, ExpiresAt: metav1.NewTime(exp)}, nil
}

// ParseTTL checks a join token's life as the API takes it.
func ParseTTL(s string) (time.Duration, error) {
	d, err := parseTTL(s)
	if err != nil {
		return 0, apistatus.BadRequest("ttl", err.Error())
	}
	return d, nil
}

// AgentJoin handles an agent's join: the token is used up, the kubeconfig
// stored, and the agent credential returned.
func (s *Service) AgentJoin(ctx context.Context, cluster, token string, kubeconfig []byte) (string, error) {
	if len(validation.IsDNS1123Label(cluster)) > 0 {
		return "", apistatus.BadRequest("cluster", "must name a cluster")
	}
	if _, err := memberconfig.Parse(kubeconfig); err != nil {
		return "", apistatus.BadRequest("kubeconfig", "the member's kubeconfig "+err.Error())
	}
	c := &clusterv1alpha1.Cluster{}
	if err := s.Client.Get(ctx, client.ObjectKey{Name: cluster}, c); err != nil {
		if apierrors.IsNotFound(err) {
			// The same answer as a wrong token: the name is no secret, but
			// the caller has not shown a right to know either.
			return "", apierrors.NewUnauthorized(agentauth.ErrInvalid.Error())
		}
		return "", err
	}
	if c.Spec.Connection.Type != clusterv1alpha1.ConnectionAgent || c.DeletionTimestamp != nil {
		return "", apierrors.NewUnauthorized(agentauth.ErrInvalid.Error())
	}
	if err := s.Store.ConsumeJoinToken(ctx, cluster, token); err != nil {
		if errors.Is(err, agentauth.ErrInvalid) {
			return "", apierrors.NewUnauthorized(err.Error())
		}
		return "", err
	}
	if err := s.Store.PutKubeconfig(ctx, cluster, kubeconfig); err != nil {
		return "", err
	}
	cred, err := s.Store.IssueAgentCredential(ctx, cluster)
	if err != nil {
		return "", err
	}
	before := c.DeepCopy()
	c.Spec.Connection.KubeconfigSecretRef = &clusterv1alpha1.SecretRef{Name: agentauth.KubeconfigSecretName(cluster), Key: clusterv1alpha1.KubeconfigKey}
	if err := s.Client.Patch(ctx, c, client.MergeFrom(before)); err != nil {
		return "", err
	}
	now := metav1.NewTime(s.now().UTC().Truncate(time.Second))
	before = c.DeepCopy()
	if c.Status.Agent == nil {
		c.Status.Agent = &clusterv1alpha1.AgentStatus{}
	}
	c.Status.Agent.Joined = &now
	if err := s.Client.Status().Patch(ctx, c, client.MergeFrom(before)); err != nil {
		return "", err
	}
	return cred, nil
}

// Remove deletes a member cluster; its controller removes its Secrets and
// its place in workspaces before the object goes.
func (s *Service) Remove(ctx context.Context, name string) error {
	if name == clusterv1alpha1.HostClusterName {
		return apistatus.New(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "the host cluster runs the platform and cannot be removed")
	}
	c := &clusterv1alpha1.Cluster{}
	if err := s.Client.Get(ctx, client.ObjectKey{Name: name}, c); err != nil {
		return err
	}
	if c.Spec.Connection.Type == clusterv1alpha1.ConnectionHost {
		return apistatus.New(http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "the host cluster runs the platform and cannot be removed")
	}
	return s.Client.Delete(ctx, c)
}

// ImpersonationCheck returns a CanImpersonate that asks the member's
// kube-apiserver whether the kubeconfig's identity may impersonate users.
func ImpersonationCheck(ctx context.Context, rc *rest.Config) error {
	cfg := rest.CopyConfig(rc)
	cfg.Timeout = probe.Timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, res := range []string{"users", "groups"} {
		r, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "impersonate", Resource: res}},
		}, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("asking the member whether its identity may impersonate: %w", err)
		}
		if !r.Status.Allowed {
			return fmt.Errorf("its identity may not impersonate %s on the member; the host forwards every request as the calling user", res)
		}
	}
	return nil
}

package member

import (
	"context"
	"fmt"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
)

const (
	// LocalMemberLabel marks what ke-dev made for a local member: its
	// Cluster object and kubeconfig Secret on the host, and the host's
	// binding on the member.
	LocalMemberLabel = "cluster.superkube.io/local-member"
	// SystemNamespace holds the members' kubeconfig Secrets on the host.
	SystemNamespace = "superkube-system"
	// Provider is the provider of a local member's Cluster.
	Provider = "local"
)

// Mode says how a member joins the host.
type Mode string

const (
	// ModeDirect means the platform reaches the member's kube-apiserver with a
	// kubeconfig kept in a Secret on the host (JoinDirect).
	ModeDirect Mode = "direct"
	// ModeAgent means an agent on the member dials the platform (cmd/ke-agent
	// and its tunnel); ke-dev calls an AgentJoin for it.
	ModeAgent Mode = "agent"
)

// Valid reports whether m is a join mode there is.
func (m Mode) Valid() bool { return m == ModeDirect || m == ModeAgent }

// Host is what joining a member needs of the host.
type Host struct {
	// Cluster is the host's local cluster.
	Cluster *cluster.Cluster
	// Client is cluster-admin on the host, with the platform's scheme
	// (internal/scheme).
	Client client.Client
	// PlatformURL is ke-apiserver's address; empty when it does not run.
	PlatformURL string
}

// AgentJoin joins member m to the host in agent mode: it starts the agent
// on m (for example with m.Launch, so that it stops with the member) and
// registers m with the host's platform.
type AgentJoin func(ctx context.Context, host Host, m *Member) error

// Join joins m to the host as mode says: directly (JoinDirect with the
// member's host kubeconfig), or with agent in agent mode.
func Join(ctx context.Context, mode Mode, agent AgentJoin, host Host, m *Member) error {
	switch mode {
	case ModeDirect:
		kubeconfig, err := os.ReadFile(m.HostKubeconfig)
		if err != nil {
			return err
		}
		return JoinDirect(ctx, host.Client, m.Name, kubeconfig)
	case ModeAgent:
		if agent == nil {
			return fmt.Errorf("member cluster %s cannot join in agent mode: ke-dev has no agent to start yet", m.Name)
		}
		return agent(ctx, host, m)
	default:
		return fmt.Errorf("member cluster %s: unknown join mode %q (want %s or %s)", m.Name, mode, ModeDirect, ModeAgent)
	}
}

// JoinDirect makes the host's platform manage the cluster name through a
// Direct connection: it writes kubeconfig to the cluster's kubeconfig
// Secret in SystemNamespace (agentauth.KubeconfigSecretName, with the
// labels by which the cluster controller removes it with the cluster) and
// the Cluster name that points at it (provider local, labelled
// LocalMemberLabel). It updates both when they exist, so that it can run at
// every start. Unlike the platform's join API it does not probe the member
// first: ke-dev has just seen it ready. host needs the platform's CRDs
// installed and a client with the platform's scheme.
func JoinDirect(ctx context.Context, host client.Client, name string, kubeconfig []byte) error {
	store := &agentauth.Store{Client: host, Namespace: SystemNamespace}
	secret := agentauth.KubeconfigSecretName(name)
	if err := store.PutKubeconfig(ctx, name, kubeconfig); err != nil {
		return fmt.Errorf("writing the kubeconfig of cluster %s to secret %s/%s: %w", name, SystemNamespace, secret, err)
	}
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := controllerutil.CreateOrUpdate(ctx, host, c, func() error {
		setLabel(&c.ObjectMeta)
		if c.CreationTimestamp.IsZero() {
			c.Spec.Enable = true
		}
		c.Spec.Provider = Provider
		c.Spec.Connection = clusterv1alpha1.Connection{
			Type:                clusterv1alpha1.ConnectionDirect,
			KubeconfigSecretRef: &clusterv1alpha1.SecretRef{Name: secret, Key: clusterv1alpha1.KubeconfigKey},
		}
		return nil
	}); err != nil {
		return fmt.Errorf("writing cluster %s: %w", name, err)
	}
	return nil
}

func setLabel(m *metav1.ObjectMeta) {
	if m.Labels == nil {
		m.Labels = map[string]string{}
	}
	m.Labels[LocalMemberLabel] = "true"
}

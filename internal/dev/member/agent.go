package member

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/multicluster/agentauth"
)

// Files of the agent in a member's data folder.
const (
	AgentCredentialFile = "agent/credential" //nolint:gosec // a file name, not a credential
	AgentJoinTokenFile  = "agent/join-token"
)

// RunAgent returns the AgentJoin that joins a member through ke-agent (the
// binary at agentPath), as a platform engineer would: the host issues a
// join token for an Agent cluster, and the agent, run under the member's
// supervisor (restarted if it dies, stopped with the member), joins with it
// once and then holds its tunnel open to ke-apiserver. The host's CA file
// verifies ke-apiserver.
func RunAgent(agentPath string) AgentJoin {
	return func(ctx context.Context, host Host, m *Member) error {
		if host.PlatformURL == "" {
			return errors.New("agent mode needs ke-apiserver, which is not running")
		}
		_, _, caFile, err := host.Cluster.ServingCert("ke-apiserver-serving", "127.0.0.1", "localhost")
		if err != nil {
			return err
		}
		credFile := filepath.Join(m.DataDir(), AgentCredentialFile)
		tokenFile := filepath.Join(m.DataDir(), AgentJoinTokenFile)
		if err := os.MkdirAll(filepath.Dir(credFile), 0o700); err != nil {
			return err
		}
		joined, err := ensureAgentCluster(ctx, host.Client, m.Name)
		if err != nil {
			return err
		}
		if _, err := os.Stat(credFile); err != nil || !joined {
			// A new join: the kept credential (if any) is no longer the host's.
			_ = os.Remove(credFile)
			store := &agentauth.Store{Client: host.Client, Namespace: SystemNamespace}
			token, _, err := store.IssueJoinToken(ctx, m.Name, time.Hour)
			if err != nil {
				return err
			}
			if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
				return err
			}
		}
		// The agent serves the member's workspace quota webhook, which the
		// member's kube-apiserver calls and which relays to the host.
		hook, err := freeport.Pick()
		if err != nil {
			return fmt.Errorf("picking the port of the member's quota webhook: %w", err)
		}
		args := []string{"--host-url", host.PlatformURL, "--host-ca-file", caFile, "--cluster", m.Name,
			"--join-token-file", tokenFile, "--credential-file", credFile, "--kubeconfig", m.HostKubeconfig,
			"--member-kubeconfig", m.AdminKubeconfig,
			"--quota-webhook-bind-address", fmt.Sprintf("127.0.0.1:%d", hook), "--quota-webhook-url", fmt.Sprintf("https://localhost:%d", hook)}
		return m.Launch(ctx, "ke-agent", agentPath, args, func(ctx context.Context) error {
			return waitReady(ctx, host.Client, m.Name)
		})
	}
}

// ensureAgentCluster makes the member an Agent cluster on the host and
// reports whether its agent has joined before (its credential Secret
// exists).
func ensureAgentCluster(ctx context.Context, host client.Client, name string) (bool, error) {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := controllerutil.CreateOrUpdate(ctx, host, c, func() error {
		setLabel(&c.ObjectMeta)
		if c.CreationTimestamp.IsZero() {
			c.Spec.Enable = true
		}
		c.Spec.Provider = Provider
		if c.Spec.Connection.Type != clusterv1alpha1.ConnectionAgent {
			c.Spec.Connection = clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionAgent}
		}
		return nil
	}); err != nil {
		return false, fmt.Errorf("writing cluster %s: %w", name, err)
	}
	err := host.Get(ctx, client.ObjectKey{Namespace: SystemNamespace, Name: agentauth.AgentSecretName(name)}, &corev1.Secret{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, err
	}
	return c.Spec.Connection.KubeconfigSecretRef != nil, nil
}

// waitReady waits until the host reports the cluster Ready.
func waitReady(ctx context.Context, host client.Client, name string) error {
	var last string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		c := &clusterv1alpha1.Cluster{}
		if err := host.Get(ctx, client.ObjectKey{Name: name}, c); err != nil {
			last = err.Error()
			return false, nil //nolint:nilerr // keep waiting; the last error is reported
		}
		cond := meta.FindStatusCondition(c.Status.Conditions, clusterv1alpha1.ReadyCondition)
		if cond != nil && cond.Status == metav1.ConditionTrue {
			return true, nil
		}
		if cond != nil {
			last = cond.Reason + ": " + cond.Message
		}
		return false, nil
	})
	if err != nil {
		return fmt.Errorf("cluster %s is not Ready on the host (%s): %w", name, last, err)
	}
	return nil
}

// Package agentauth is how a member cluster's agent proves who it is to
// the host: a join token the host issues for one cluster (single use,
// expiring, shown once), which the agent trades for a long-lived agent
// credential when it joins. Only SHA-256 digests of either are stored, in
// Secrets of the system namespace; neither is ever returned again.
package agentauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Labels and keys of the Secrets.
const (
	// ClusterLabel names the cluster a Secret belongs to.
	ClusterLabel = "cluster.superkube.io/name"
	// PurposeLabel says what the Secret holds: join-token, agent or kubeconfig.
	PurposeLabel = "cluster.superkube.io/secret"
	// ExpiresAnnotation is when a join token stops working (RFC 3339).
	ExpiresAnnotation = "cluster.superkube.io/expires"
	digestKey         = "sha256"
)

// Purposes of the Secrets.
const (
	PurposeJoinToken  = "join-token"
	PurposeAgent      = "agent"
	PurposeKubeconfig = "kubeconfig"
)

// JoinSecretName names the Secret of a cluster's join token digest.
func JoinSecretName(cluster string) string { return "cluster-" + cluster + "-join" }

// AgentSecretName names the Secret of a cluster's agent credential digest.
func AgentSecretName(cluster string) string { return "cluster-" + cluster + "-agent" }

// KubeconfigSecretName names the Secret of the kubeconfig the host reaches
// a member with.
func KubeconfigSecretName(cluster string) string { return "cluster-" + cluster + "-kubeconfig" }

// ErrInvalid is every reason a token or credential is refused: unknown,
// wrong, expired or used. The caller learns no more than that.
var ErrInvalid = errors.New("the token is not valid for this cluster: it is wrong, expired or already used")

// Store issues and checks tokens and credentials in Secrets.
type Store struct {
	// Client reads Secrets live (not from a cache) and writes them.
	Client    client.Client
	Namespace string
	Now       func() time.Time
}

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// NewSecret generates a random secret of 32 bytes, URL-safe.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func digest(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return []byte(hex.EncodeToString(sum[:]))
}

func (s *Store) secret(cluster, name, purpose string, data []byte) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: name,
			Labels: map[string]string{ClusterLabel: cluster, PurposeLabel: purpose}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{digestKey: data},
	}
}

// IssueJoinToken replaces the cluster's join token with a new one valid
// for ttl and returns it: the only time it is seen.
func (s *Store) IssueJoinToken(ctx context.Context, cluster string, ttl time.Duration) (string, time.Time, error) {
	token, err := NewSecret()
	if err != nil {
		return "", time.Time{}, err
	}
	expires := s.now().Add(ttl).UTC().Truncate(time.Second)
	sec := s.secret(cluster, JoinSecretName(cluster), PurposeJoinToken, digest(token))
	sec.Annotations = map[string]string{ExpiresAnnotation: expires.Format(time.RFC3339)}
	if err := s.put(ctx, sec); err != nil {
		return "", time.Time{}, fmt.Errorf("storing the join token of cluster %s: %w", cluster, err)
	}
	return token, expires, nil
}

// ConsumeJoinToken checks the cluster's join token and uses it up: of two
// agents joining with the same token at once, only one succeeds.
func (s *Store) ConsumeJoinToken(ctx context.Context, cluster, token string) error {
	sec := &corev1.Secret{}
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: JoinSecretName(cluster)}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return ErrInvalid
		}
		return err
	}
	expires, err := time.Parse(time.RFC3339, sec.Annotations[ExpiresAnnotation])
	if err != nil || !s.now().Before(expires) || sec.Labels[ClusterLabel] != cluster {
		return ErrInvalid
	}
	if subtle.ConstantTimeCompare(sec.Data[digestKey], digest(token)) != 1 {
		return ErrInvalid
	}
	uid, rv := sec.UID, sec.ResourceVersion
	err = s.Client.Delete(ctx, sec, client.Preconditions{UID: &uid, ResourceVersion: &rv})
	switch {
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return ErrInvalid
	case err != nil:
		return err
	}
	return nil
}

// IssueAgentCredential replaces the cluster's agent credential with a new
// one and returns it.
func (s *Store) IssueAgentCredential(ctx context.Context, cluster string) (string, error) {
	cred, err := NewSecret()
	if err != nil {
		return "", err
	}
	if err := s.put(ctx, s.secret(cluster, AgentSecretName(cluster), PurposeAgent, digest(cred))); err != nil {
		return "", fmt.Errorf("storing the agent credential of cluster %s: %w", cluster, err)
	}
	return cred, nil
}

// CheckAgentCredential reports whether cred is the cluster's agent credential.
func (s *Store) CheckAgentCredential(ctx context.Context, cluster, cred string) error {
	sec := &corev1.Secret{}
	if err := s.Client.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: AgentSecretName(cluster)}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return ErrInvalid
		}
		return err
	}
	if sec.Labels[ClusterLabel] != cluster || subtle.ConstantTimeCompare(sec.Data[digestKey], digest(cred)) != 1 {
		return ErrInvalid
	}
	return nil
}

// PutKubeconfig stores the kubeconfig the host uses for the cluster.
func (s *Store) PutKubeconfig(ctx context.Context, cluster string, kubeconfig []byte) error {
	sec := s.secret(cluster, KubeconfigSecretName(cluster), PurposeKubeconfig, nil)
	sec.Data = map[string][]byte{"kubeconfig": kubeconfig}
	return s.put(ctx, sec)
}

// DeleteAll removes every Secret of the cluster.
func (s *Store) DeleteAll(ctx context.Context, cluster string) error {
	list := &corev1.SecretList{}
	if err := s.Client.List(ctx, list, client.InNamespace(s.Namespace), client.MatchingLabels{ClusterLabel: cluster}); err != nil {
		return err
	}
	for i := range list.Items {
		if err := s.Client.Delete(ctx, &list.Items[i]); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

// put creates the Secret or replaces the data of the existing one.
func (s *Store) put(ctx context.Context, sec *corev1.Secret) error {
	err := s.Client.Create(ctx, sec)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	cur := &corev1.Secret{}
	if err := s.Client.Get(ctx, client.ObjectKeyFromObject(sec), cur); err != nil {
		return err
	}
	cur.Labels, cur.Annotations, cur.Data, cur.StringData = sec.Labels, sec.Annotations, sec.Data, nil
	return s.Client.Update(ctx, cur)
}

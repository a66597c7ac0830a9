package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// CredentialStore keeps the agent credential between runs. The join token
// works once, so an agent that loses its credential cannot join again
// without a new token.
type CredentialStore interface {
	// Load returns the kept credential, or "" when none is kept yet.
	Load(ctx context.Context) (string, error)
	// Save keeps the credential.
	Save(ctx context.Context, credential string) error
	// String names where the credential is kept, for messages; never the
	// credential itself.
	String() string
}

// FileCredentials keeps the credential in a file of mode 0600.
type FileCredentials struct{ Path string }

// Load implements CredentialStore.
func (f FileCredentials) Load(context.Context) (string, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(bytes.TrimSpace(b)), nil
}

// Save implements CredentialStore.
func (f FileCredentials) Save(_ context.Context, credential string) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(f.Path, []byte(credential), 0o600)
}

func (f FileCredentials) String() string { return f.Path }

// CredentialKey is the key of the credential in a credential Secret.
const CredentialKey = "credential"

// SecretCredentials keeps the credential in a Secret of the member cluster,
// so that it survives the agent's pod. The Secret is made on the first
// save; it may exist before (empty), for example made by the chart's user.
type SecretCredentials struct {
	Secrets   corev1client.SecretsGetter
	Namespace string
	Name      string
}

// Load implements CredentialStore.
func (s SecretCredentials) Load(ctx context.Context) (string, error) {
	sec, err := s.Secrets.Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the credential Secret %s: %w", s, err)
	}
	return string(bytes.TrimSpace(sec.Data[CredentialKey])), nil
}

// Save implements CredentialStore.
func (s SecretCredentials) Save(ctx context.Context, credential string) error {
	secrets := s.Secrets.Secrets(s.Namespace)
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "ke-agent"}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{CredentialKey: []byte(credential)},
	}
	_, err := secrets.Create(ctx, sec, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return s.wrap(err)
	}
	existing, err := secrets.Get(ctx, s.Name, metav1.GetOptions{})
	if err != nil {
		return s.wrap(err)
	}
	if existing.Data == nil {
		existing.Data = map[string][]byte{}
	}
	existing.Data[CredentialKey] = []byte(credential)
	_, err = secrets.Update(ctx, existing, metav1.UpdateOptions{})
	return s.wrap(err)
}

// wrap names the Secret in an error; the API's errors never carry the
// Secret's data.
func (s SecretCredentials) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("writing the credential Secret %s: %w", s, err)
}

func (s SecretCredentials) String() string { return "Secret " + s.Namespace + "/" + s.Name }

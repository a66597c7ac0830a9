// Package passwordsecret keeps the bcrypt hashes of users' passwords out of
// the User objects: each user's hash lives in its own Secret in the
// platform's system namespace, named after the user, labelled with
// iam.superkube.io/user-ref and owned by the User (so that it goes with
// it). Only the platform's components may read those Secrets; whoever may
// read users reads no hash (docs/proposals/20261203-password-hashes-in-secrets.md).
package passwordsecret

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/utils/ptr"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

const (
	// Type is the type of the Secrets; the caches select on it.
	Type corev1.SecretType = "iam.superkube.io/password-hash"
	// HashKey is the data key that holds the bcrypt hash.
	HashKey = "hash"
	// namePrefix starts the name of every such Secret.
	namePrefix = "user-password-"
)

// Name is the name of the Secret of a user's password hash.
func Name(user string) string { return namePrefix + user }

// Store reads and writes the password hashes of users.
type Store struct {
	// Namespace is the platform's system namespace.
	Namespace string
	// Reader reads the Secrets: a cache restricted to them (CacheOptions) or
	// an uncached reader. Writer writes them.
	Reader client.Reader
	Writer client.Writer
}

// Hash returns the bcrypt hash of the user's password, or "" when the user
// has none. A Secret that belongs to another user of the same name (one
// deleted, whose Secret the garbage collector has not removed yet) does
// not count.
func (s *Store) Hash(ctx context.Context, u *iamv1beta1.User) (string, error) {
	sec := &corev1.Secret{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: Name(u.Name)}, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("reading the password of user %s: %w", u.Name, err)
	}
	if !belongsTo(sec, u) {
		return "", nil
	}
	return string(sec.Data[HashKey]), nil
}

// belongsTo reports whether the Secret is the user's: its type, label and
// owner reference name this user (by UID, when the user has one).
func belongsTo(sec *corev1.Secret, u *iamv1beta1.User) bool {
	if sec.Type != Type || sec.Labels[iamv1beta1.UserRefLabel] != u.Name || !sec.DeletionTimestamp.IsZero() {
		return false
	}
	for _, ref := range sec.OwnerReferences {
		if ref.Kind == "User" && ref.Name == u.Name && (u.UID == "" || ref.UID == u.UID) {
			return true
		}
	}
	return false
}

// Set stores the hash of the user's password, creating or replacing the
// Secret. u must be the stored User (with its UID), which will own it.
func (s *Store) Set(ctx context.Context, u *iamv1beta1.User, hash string) error {
	if u.UID == "" {
		return fmt.Errorf("storing the password of user %s: the user has no UID yet", u.Name)
	}
	want := s.secret(u, hash)
	err := s.Writer.Create(ctx, want)
	if apierrors.IsAlreadyExists(err) {
		// Replace whatever is there: an older hash, or the Secret of a
		// deleted user of the same name.
		err = s.Writer.Update(ctx, want)
	}
	if err != nil {
		return fmt.Errorf("storing the password of user %s: %w", u.Name, err)
	}
	return nil
}

// Delete removes the user's password Secret, if there is one.
func (s *Store) Delete(ctx context.Context, user string) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.Namespace, Name: Name(user)}}
	if err := s.Writer.Delete(ctx, sec); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the password of user %s: %w", user, err)
	}
	return nil
}

func (s *Store) secret(u *iamv1beta1.User, hash string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: s.Namespace, Name: Name(u.Name),
			Labels: map[string]string{iamv1beta1.UserRefLabel: u.Name},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: iamv1beta1.GroupVersion.String(), Kind: "User", Name: u.Name, UID: u.UID, Controller: ptr.To(true),
			}},
		},
		Type: Type,
		Data: map[string][]byte{HashKey: []byte(hash)},
	}
}

// CacheOptions restrict a cache to the password Secrets of the namespace:
// ke-apiserver reads hashes through such a cache, never through an
// informer of every Secret.
func CacheOptions(namespace string) (ctrlcache.ByObject, error) {
	req, err := labels.NewRequirement(iamv1beta1.UserRefLabel, selection.Exists, nil)
	if err != nil {
		return ctrlcache.ByObject{}, err
	}
	return ctrlcache.ByObject{
		Namespaces: map[string]ctrlcache.Config{namespace: {}},
		Label:      labels.NewSelector().Add(*req),
		Field:      fields.OneTermEqualSelector("type", string(Type)),
	}, nil
}

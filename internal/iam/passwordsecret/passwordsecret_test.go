package passwordsecret

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

func TestASecretCountsOnlyForTheUserItBelongsTo(t *testing.T) {
	alice := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice", UID: types.UID("uid-now")}}
	s := &Store{Namespace: "superkube-system"}
	now := func() *corev1.Secret { return s.secret(alice, "$2a$04$hash") }
	for _, tc := range []struct {
		name   string
		secret func() *corev1.Secret
		want   bool
	}{
		{"the Secret the store writes for the user", now, true},
		{"a Secret left by a deleted user of the same name", func() *corev1.Secret {
			sec := now()
			sec.OwnerReferences[0].UID = "uid-before"
			return sec
		}, false},
		{"a Secret of another type", func() *corev1.Secret {
			sec := now()
			sec.Type = corev1.SecretTypeOpaque
			return sec
		}, false},
		{"a Secret labelled for another user", func() *corev1.Secret {
			sec := now()
			sec.Labels[iamv1beta1.UserRefLabel] = "bob"
			return sec
		}, false},
		{"a Secret that no user owns", func() *corev1.Secret {
			sec := now()
			sec.OwnerReferences = nil
			return sec
		}, false},
		{"a Secret being deleted", func() *corev1.Secret {
			sec := now()
			at := metav1.Now()
			sec.DeletionTimestamp = &at
			return sec
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := belongsTo(tc.secret(), alice); got != tc.want {
				t.Fatalf("belongs %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTheSecretIsNamedLabelledAndOwnedByTheUser(t *testing.T) {
	u := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "alice", UID: types.UID("uid-1")}}
	sec := (&Store{Namespace: "superkube-system"}).secret(u, "$2a$04$hash")
	if sec.Namespace != "superkube-system" || sec.Name != "user-password-alice" || sec.Type != Type {
		t.Fatalf("%s/%s of type %s", sec.Namespace, sec.Name, sec.Type)
	}
	if sec.Labels[iamv1beta1.UserRefLabel] != "alice" {
		t.Fatalf("labels %v", sec.Labels)
	}
	ref := sec.OwnerReferences[0]
	if ref.Kind != "User" || ref.Name != "alice" || ref.UID != "uid-1" || ref.APIVersion != iamv1beta1.GroupVersion.String() {
		t.Fatalf("owner %+v", ref)
	}
	if string(sec.Data[HashKey]) != "$2a$04$hash" {
		t.Fatal("the hash is not under its key")
	}
}

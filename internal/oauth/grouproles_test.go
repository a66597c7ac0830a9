package oauth

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authn/tokenstore"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
	"github.com/superkube/super-kubenetes/internal/oauth/idp"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

func newTestServer(t *testing.T, groupRoles map[string][]GroupRole, objs ...client.Object) (*Server, client.Client) {
	t.Helper()
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).Build()
	// The server needs a token store that counts login attempts.
	store := tokenstore.NewMemory(clock.RealClock{})
	s, err := NewServer(Options{Issuer: "https://ke.test", BcryptCost: 4, GroupRoles: groupRoles},
		Deps{Users: c, Writer: c, Store: store, Passwords: &passwordsecret.Store{Namespace: "superkube-system", Reader: c, Writer: c}})
	if err != nil {
		t.Fatal(err)
	}
	s.providerMethods["corp"] = idp.MappingAuto
	s.providerMethods["staff"] = idp.MappingLookup
	return s, c
}

func binding(name, user, role string, labels map[string]string) *iamv1beta1.GlobalRoleBinding {
	l := map[string]string{iamv1beta1.UserRefLabel: user, iamv1beta1.RoleRefLabel: role}
	for k, v := range labels {
		l[k] = v
	}
	return &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l},
		RoleRef:    iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: role},
		Subjects:   []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	}
}

func bindingNames(t *testing.T, c client.Client) []string {
	t.Helper()
	list := &iamv1beta1.GlobalRoleBindingList{}
	if err := c.List(context.Background(), list); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range list.Items {
		names = append(names, b.Name)
	}
	slices.Sort(names)
	return names
}

func TestALoginGrantsTheRolesOfTheUsersGroupsAndTakesBackOnlyItsOwn(t *testing.T) {
	grantedByCorp := map[string]string{GrantedByLabel: "corp"}
	s, c := newTestServer(t, map[string][]GroupRole{"corp": {
		{Group: "developers", GlobalRole: "platform-regular"},
		{Group: "admins", GlobalRole: "platform-admin"},
		{Group: "ops", GlobalRole: "platform-regular"},
	}},
		// Granted by corp when dana was an admin; she has left the group.
		binding("dana-platform-admin", "dana", "platform-admin", grantedByCorp),
		// Made by an administrator, and by another provider's mapping.
		binding("dana-workspaces-manager", "dana", "workspaces-manager", nil),
		binding("dana-platform-self-provisioner", "dana", "platform-self-provisioner", map[string]string{GrantedByLabel: "other"}),
		// Another user's binding granted by corp.
		binding("erin-platform-admin", "erin", "platform-admin", grantedByCorp),
	)
	dana := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "dana"}}
	if err := s.syncGroupRoles(context.Background(), "corp", dana, []string{"developers", "ops", "Admins"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"dana-platform-regular", "dana-platform-self-provisioner", "dana-workspaces-manager", "erin-platform-admin"}
	if got := bindingNames(t, c); !slices.Equal(got, want) {
		t.Fatalf("bindings %v, want %v", got, want)
	}
	b := &iamv1beta1.GlobalRoleBinding{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: "dana-platform-regular"}, b); err != nil {
		t.Fatal(err)
	}
	if b.Labels[GrantedByLabel] != "corp" || b.Labels[iamv1beta1.UserRefLabel] != "dana" || b.Labels[iamv1beta1.RoleRefLabel] != "platform-regular" ||
		b.RoleRef.Kind != "GlobalRole" || b.RoleRef.Name != "platform-regular" || len(b.Subjects) != 1 || b.Subjects[0].Kind != "User" || b.Subjects[0].Name != "dana" {
		t.Fatalf("the binding is not as granted: %+v", b)
	}

	// A second login changes nothing; leaving every group takes back corp's.
	if err := s.syncGroupRoles(context.Background(), "corp", dana, []string{"developers"}); err != nil {
		t.Fatal(err)
	}
	if got := bindingNames(t, c); !slices.Equal(got, want) {
		t.Fatalf("bindings %v after a second login, want %v", got, want)
	}
	if err := s.syncGroupRoles(context.Background(), "corp", dana, nil); err != nil {
		t.Fatal(err)
	}
	want = []string{"dana-platform-self-provisioner", "dana-workspaces-manager", "erin-platform-admin"}
	if got := bindingNames(t, c); !slices.Equal(got, want) {
		t.Fatalf("bindings %v after leaving the groups, want %v", got, want)
	}
}

func TestAGroupRoleIsNotGrantedThroughSomeoneElsesBindingOfTheSameName(t *testing.T) {
	// "a-b" + "c" and "a" + "b-c" make the same name.
	s, c := newTestServer(t, map[string][]GroupRole{"corp": {{Group: "g", GlobalRole: "b-c"}}},
		binding("a-b-c", "a-b", "c", map[string]string{GrantedByLabel: "corp"}))
	if err := s.syncGroupRoles(context.Background(), "corp", &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "a"}}, []string{"g"}); err != nil {
		t.Fatal(err)
	}
	b := &iamv1beta1.GlobalRoleBinding{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: "a-b-c"}, b); err != nil {
		t.Fatal(err)
	}
	if b.RoleRef.Name != "c" || b.Subjects[0].Name != "a-b" {
		t.Fatalf("the other user's binding was changed: %+v", b)
	}
}

func TestExternalIdentitiesMapOnlyToUsersTheyMayHave(t *testing.T) {
	local := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Spec: iamv1beta1.UserSpec{Password: "$2a$04$abcdefghijklmnopqrstuv"}}
	stored := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "stored"}}
	storedHash := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: "superkube-system", Name: passwordsecret.Name("stored"),
			Labels:          map[string]string{iamv1beta1.UserRefLabel: "stored"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: iamv1beta1.GroupVersion.String(), Kind: "User", Name: "stored"}}},
		Type: passwordsecret.Type, Data: map[string][]byte{passwordsecret.HashKey: []byte("$2a$04$abcdefghijklmnopqrstuv")},
	}
	elsewhere := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere", Annotations: map[string]string{IdentityAnnotation("github"): "42"}}}
	prepared := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "prepared"}}
	linked := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "linked", Annotations: map[string]string{IdentityAnnotation("corp"): "uid-linked"}}}
	staffLinked := &iamv1beta1.User{ObjectMeta: metav1.ObjectMeta{Name: "staffer", Annotations: map[string]string{IdentityAnnotation("staff"): "uid-staffer"}}}
	s, c := newTestServer(t, nil, local, stored, storedHash, elsewhere, prepared, linked, staffLinked)
	for _, tc := range []struct {
		name, provider, user, uid string
		allowed                   bool
	}{
		{"auto creates a new user", "corp", "Fresh.User", "uid-fresh", true},
		{"auto refuses a local user", "corp", "local", "uid-x", false},
		{"auto refuses a local user whose password is in its Secret", "corp", "stored", "uid-x", false},
		{"auto refuses a user made by an administrator", "corp", "prepared", "uid-x", false},
		{"auto refuses a user linked to another provider", "corp", "elsewhere", "uid-x", false},
		{"auto accepts the linked identity", "corp", "linked", "uid-linked", true},
		{"auto refuses another identity of the linked name", "corp", "linked", "uid-other", false},
		{"lookup refuses a missing user", "staff", "missing", "uid-x", false},
		{"lookup refuses a local user", "staff", "local", "uid-x", false},
		{"lookup refuses a local user whose password is in its Secret", "staff", "stored", "uid-x", false},
		{"lookup refuses a user linked to another provider", "staff", "elsewhere", "uid-x", false},
		{"lookup refuses a user linked to another identity of the provider", "staff", "staffer", "uid-other", false},
		{"lookup accepts the linked identity", "staff", "staffer", "uid-staffer", true},
		{"lookup accepts a user made by an administrator", "staff", "prepared", "uid-x", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := bindingNames(t, c)
			u, err := s.mapIdentity(context.Background(), tc.provider, &idp.Identity{UID: tc.uid, Username: tc.user})
			if tc.allowed != (err == nil) {
				t.Fatalf("allowed %v, got %v %v", tc.allowed, u, err)
			}
			if err == nil && u.Name != normalizeName(tc.user) {
				t.Fatalf("mapped to %s", u.Name)
			}
			if !slices.Equal(before, bindingNames(t, c)) {
				t.Fatal("mapping changed bindings")
			}
		})
	}
	fresh := &iamv1beta1.User{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: "fresh-user"}, fresh); err != nil || fresh.Annotations[IdentityAnnotation("corp")] != "uid-fresh" {
		t.Fatalf("the new user is not linked: %v %v", fresh.Annotations, err)
	}
	for _, u := range []*iamv1beta1.User{local, stored, elsewhere, prepared} {
		got := &iamv1beta1.User{}
		if err := c.Get(context.Background(), client.ObjectKey{Name: u.Name}, got); err != nil {
			t.Fatal(err)
		}
		for k := range got.Annotations {
			if strings.HasPrefix(k, identityAnnotationPrefix) && u.Annotations[k] == "" {
				t.Fatalf("user %s was linked to %s", u.Name, k)
			}
		}
	}
	if err := c.Get(context.Background(), client.ObjectKey{Name: "missing"}, &iamv1beta1.User{}); !apierrors.IsNotFound(err) {
		t.Fatalf("lookup created a user: %v", err)
	}
}

func TestGroupRolesAreValidated(t *testing.T) {
	for name, roles := range map[string]map[string][]GroupRole{
		"an empty group":       {"corp": {{GlobalRole: "platform-regular"}}},
		"an invalid role name": {"corp": {{Group: "g", GlobalRole: "Platform Regular"}}},
		"a too long role name": {"corp": {{Group: "g", GlobalRole: strings.Repeat("r", 190)}}},
		"an unlabelable name":  {"corp ldap": {{Group: "g", GlobalRole: "platform-regular"}}},
	} {
		t.Run(name, func(t *testing.T) {
			o := Options{Issuer: "https://ke.test", GroupRoles: roles}
			if errs := o.Validate(); len(errs) != 1 {
				t.Fatalf("%d errors: %v", len(errs), errs)
			}
		})
	}
	o := Options{Issuer: "https://ke.test", GroupRoles: map[string][]GroupRole{"corp": {{Group: "cn=Dev Ops", GlobalRole: "platform-regular"}}}}
	if errs := o.Validate(); len(errs) != 0 {
		t.Fatal(errs)
	}
}

package iam_test

import (
	"context"
	"net/http"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	iamsvc "github.com/superkube/super-kubenetes/internal/services/iam"
	"github.com/superkube/super-kubenetes/internal/testutil/servicetest"
)

func group(name, displayName string) *iamv1beta1.Group {
	return &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: iamv1beta1.GroupSpec{DisplayName: displayName}}
}

func TestAGroupIsMadeGivenMembersAndDeleted(t *testing.T) {
	s, _ := newService()
	env.Create(t, servicetest.User("grouped-alice"), servicetest.User("grouped-bob"))
	for _, tt := range []struct {
		name  string
		call  func() error
		code  int32
		field string
	}{
		{"a group is created", func() error { _, err := s.CreateGroup(ctx, group("grouped", "Grouped")); return err }, 0, ""},
		{"a name that is taken is a duplicate", func() error { _, err := s.CreateGroup(ctx, group("grouped", "")); return err }, http.StatusConflict, "metadata.name"},
		{"a name that is no DNS label is refused", func() error { _, err := s.CreateGroup(ctx, group("Grouped_Bad", "")); return err }, http.StatusUnprocessableEntity, "metadata.name"},
		{"its display name changes", func() error {
			g, err := s.UpdateGroup(ctx, "grouped", group("grouped", "Renamed"))
			if err == nil && g.Spec.DisplayName != "Renamed" {
				t.Fatalf("the display name is %q", g.Spec.DisplayName)
			}
			return err
		}, 0, ""},
		{"users are added", func() error { return addGroupMembers(s, "grouped", "grouped-alice", "grouped-bob") }, 0, ""},
		{"a member is not added twice", func() error { return addGroupMembers(s, "grouped", "grouped-alice") }, http.StatusConflict, "username"},
		{"a user who does not exist is refused", func() error { return addGroupMembers(s, "grouped", "grouped-nobody") }, http.StatusUnprocessableEntity, "username"},
		{"the group lists its members", func() error {
			ms, err := s.GroupMembers(ctx, "grouped")
			if err == nil && (len(ms) != 2 || ms[0].Username != "grouped-alice" || ms[0].Email != "grouped-alice@example.com") {
				t.Fatalf("the members are %+v", ms)
			}
			return err
		}, 0, ""},
		{"a member is removed", func() error { return s.RemoveGroupMember(ctx, "grouped", "grouped-alice") }, 0, ""},
		{"a user who is no member is not found", func() error { return s.RemoveGroupMember(ctx, "grouped", "grouped-alice") }, http.StatusNotFound, ""},
		{"the group goes with its bindings", func() error {
			if err := s.DeleteGroup(ctx, "grouped"); err != nil {
				return err
			}
			list := &iamv1beta1.GroupBindingList{}
			if err := env.Client.List(ctx, list, client.MatchingLabels{iamv1beta1.GroupRefLabel: "grouped"}); err != nil || len(list.Items) != 0 {
				t.Fatalf("bindings left: %v (%v)", list.Items, err)
			}
			return nil
		}, 0, ""},
		{"a group that does not exist is not found", func() error { _, err := s.GetGroup(ctx, "grouped"); return err }, http.StatusNotFound, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			servicetest.Expect(t, err, tt.code, tt.field)
		})
	}
}

func addGroupMembers(s *iamsvc.Service, group string, users ...string) error {
	for _, u := range users {
		if _, err := s.AddGroupMember(ctx, group, iamsvc.GroupMemberRequest{Username: u}); err != nil {
			return err
		}
	}
	return nil
}

func TestChangingAGroupNeedsWhatTheGroupHolds(t *testing.T) {
	s, _ := newService()
	manager := userManager(t, "groupcheck-manager")
	env.Create(t, group("groupcheck-plain", ""), group("groupcheck-strong", ""), servicetest.GlobalRole("groupcheck-widgets", anyWidget),
		&iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "groupcheck-strong-widgets"},
			RoleRef:  iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: "groupcheck-widgets"},
			Subjects: []iamv1beta1.Subject{{Kind: "Group", APIGroup: iamv1beta1.GroupName, Name: "groupcheck-strong"}}})
	for _, tt := range []struct {
		name  string
		group string
		code  int32
	}{
		{"a user manager changes a group that holds less", "groupcheck-plain", 0},
		{"but not one that holds more", "groupcheck-strong", http.StatusForbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CheckActOnGroup(manager, tt.group)
			servicetest.Expect(t, err, tt.code, "")
		})
	}
}

// staleBindings is a cache that lags behind: the first read of each kind
// (a list and a get) shows a group binding as it was before its latest
// write, as ke-apiserver's cache does for a moment after a controller
// updated the binding.
type staleBindings struct {
	client.Reader
	stale           *iamv1beta1.GroupBinding
	listed, fetched bool
}

func (r *staleBindings) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if b, ok := obj.(*iamv1beta1.GroupBinding); ok && !r.fetched && key.Name == r.stale.Name {
		r.fetched = true
		r.stale.DeepCopyInto(b)
		return nil
	}
	return r.Reader.Get(ctx, key, obj, opts...)
}

func (r *staleBindings) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := r.Reader.List(ctx, list, opts...); err != nil {
		return err
	}
	if l, ok := list.(*iamv1beta1.GroupBindingList); ok && !r.listed {
		r.listed = true
		for i := range l.Items {
			if l.Items[i].Name == r.stale.Name {
				r.stale.DeepCopyInto(&l.Items[i])
			}
		}
	}
	return nil
}

func TestAMemberIsRemovedWhileTheCacheShowsAnOlderBinding(t *testing.T) {
	s, _ := newService()
	env.Create(t, servicetest.User("stale-alice"))
	if _, err := s.CreateGroup(ctx, group("stale-group", "")); err != nil {
		t.Fatal(err)
	}
	if err := addGroupMembers(s, "stale-group", "stale-alice"); err != nil {
		t.Fatal(err)
	}
	b := &iamv1beta1.GroupBinding{}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: iamsvc.MembersBindingName("stale-group")}, b); err != nil {
		t.Fatal(err)
	}
	stale := b.DeepCopy()
	// Another writer (a controller, another replica) changes the binding.
	b.Annotations = map[string]string{"example.com/touched": "true"}
	if err := env.Client.Update(ctx, b); err != nil {
		t.Fatal(err)
	}
	s.Reader = &staleBindings{Reader: env.Cache, stale: stale}
	if err := s.RemoveGroupMember(ctx, "stale-group", "stale-alice"); err != nil {
		t.Fatalf("removing a member while the cache is behind: %v", err)
	}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: b.Name}, &iamv1beta1.GroupBinding{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the binding without users is still there: %v", err)
	}
}

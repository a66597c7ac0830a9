package iam

import (
	"context"
	"slices"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// GroupMember is a user in a group.
type GroupMember struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Username          string `json:"username"`
	DisplayName       string `json:"displayName,omitempty"`
	Email             string `json:"email,omitempty"`
}

// GroupMemberRequest is the body that adds a user to a group.
type GroupMemberRequest struct {
	Username string `json:"username"`
}

// MembersBindingName is the GroupBinding the API adds a group's members to.
func MembersBindingName(group string) string { return group + "-members" }

func stripGroup(g *iamv1beta1.Group) *iamv1beta1.Group {
	out := g.DeepCopy()
	out.ManagedFields = nil
	out.APIVersion, out.Kind = iamv1beta1.GroupVersion.String(), "Group"
	return out
}

// ListGroups returns every group.
func (s *Service) ListGroups(ctx context.Context) ([]*iamv1beta1.Group, error) {
	list := &iamv1beta1.GroupList{}
	if err := s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]*iamv1beta1.Group, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, stripGroup(&list.Items[i]))
	}
	return out, nil
}

// GetGroup returns a group.
func (s *Service) GetGroup(ctx context.Context, name string) (*iamv1beta1.Group, error) {
	g, err := get[iamv1beta1.Group](ctx, s, groupsGR, name)
	if err != nil {
		return nil, err
	}
	return stripGroup(g), nil
}

func validateGroupSpec(spec *iamv1beta1.GroupSpec) field.ErrorList {
	p := field.NewPath("spec")
	var errs field.ErrorList
	if len(spec.DisplayName) > 128 {
		errs = append(errs, field.TooLong(p.Child("displayName"), "", 128))
	}
	if len(spec.Description) > 1024 {
		errs = append(errs, field.TooLong(p.Child("description"), "", 1024))
	}
	return errs
}

func syncGroupDisplayName(g *iamv1beta1.Group) {
	if g.Spec.DisplayName == "" {
		delete(g.Annotations, tenantv1beta1.DisplayNameAnnotation)
		return
	}
	if g.Annotations == nil {
		g.Annotations = map[string]string{}
	}
	g.Annotations[tenantv1beta1.DisplayNameAnnotation] = g.Spec.DisplayName
}

// CreateGroup creates a group.
func (s *Service) CreateGroup(ctx context.Context, in *iamv1beta1.Group) (*iamv1beta1.Group, error) {
	errs := validateName(field.NewPath("metadata", "name"), in.Name, false)
	errs = append(errs, validateGroupSpec(&in.Spec)...)
	if len(errs) > 0 {
		return nil, invalid("Group", in.Name, errs)
	}
	g := &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: in.Name, Labels: in.Labels, Annotations: in.Annotations}, Spec: in.Spec}
	syncGroupDisplayName(g)
	if err := s.Client.Create(ctx, g); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, duplicate(groupsGR, in.Name, "metadata.name", "a group of this name exists")
		}
		return nil, err
	}
	s.waitCached(ctx, g)
	return stripGroup(g), nil
}

// UpdateGroup changes the display name and description of a group.
func (s *Service) UpdateGroup(ctx context.Context, name string, desired *iamv1beta1.Group) (*iamv1beta1.Group, error) {
	g, err := get[iamv1beta1.Group](ctx, s, groupsGR, name)
	if err != nil {
		return nil, err
	}
	var errs field.ErrorList
	if desired.Name != "" && desired.Name != name {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), desired.Name, "must be the name in the path"))
	}
	errs = append(errs, validateGroupSpec(&desired.Spec)...)
	if len(errs) > 0 {
		return nil, invalid("Group", name, errs)
	}
	before := g.DeepCopy()
	var opts []client.MergeFromOption
	if desired.ResourceVersion != "" {
		before.ResourceVersion = desired.ResourceVersion
		opts = append(opts, client.MergeFromWithOptimisticLock{})
	}
	g.Spec = desired.Spec
	syncGroupDisplayName(g)
	if err := s.Client.Patch(ctx, g, client.MergeFromWithOptions(before, opts...)); err != nil {
		return nil, err
	}
	s.waitCached(ctx, g)
	return stripGroup(g), nil
}

// DeleteGroup deletes a group and its bindings, so that its users leave it.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	g, err := get[iamv1beta1.Group](ctx, s, groupsGR, name)
	if err != nil {
		return err
	}
	bindings, err := s.groupBindings(ctx, name)
	if err != nil {
		return err
	}
	for i := range bindings {
		if err := s.Client.Delete(ctx, &bindings[i]); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	if err := s.Client.Delete(ctx, g, client.Preconditions{UID: &g.UID}); err != nil {
		if apierrors.IsNotFound(err) {
			return apierrors.NewNotFound(groupsGR, name)
		}
		return err
	}
	s.waitGone(ctx, g)
	return nil
}

func (s *Service) groupBindings(ctx context.Context, group string) ([]iamv1beta1.GroupBinding, error) {
	list := &iamv1beta1.GroupBindingList{}
	if err := s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	var out []iamv1beta1.GroupBinding
	for _, b := range list.Items {
		if b.GroupRef.Name == group && b.DeletionTimestamp.IsZero() {
			out = append(out, b)
		}
	}
	return out, nil
}

// GroupMembers lists the users of a group, from all its bindings.
func (s *Service) GroupMembers(ctx context.Context, group string) ([]*GroupMember, error) {
	if _, err := get[iamv1beta1.Group](ctx, s, groupsGR, group); err != nil {
		return nil, err
	}
	bindings, err := s.groupBindings(ctx, group)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range bindings {
		for _, u := range b.Users {
			if !slices.Contains(names, u) {
				names = append(names, u)
			}
		}
	}
	sort.Strings(names)
	out := make([]*GroupMember, 0, len(names))
	for _, n := range names {
		out = append(out, s.groupMember(ctx, n, bindings))
	}
	return out, nil
}

func (s *Service) groupMember(ctx context.Context, username string, bindings []iamv1beta1.GroupBinding) *GroupMember {
	m := &GroupMember{TypeMeta: metav1.TypeMeta{APIVersion: iamv1beta1.GroupVersion.String(), Kind: "GroupMember"},
		ObjectMeta: metav1.ObjectMeta{Name: username}, Username: username}
	for _, b := range bindings {
		if slices.Contains(b.Users, username) {
			if ts := b.CreationTimestamp; m.CreationTimestamp.IsZero() || ts.Before(&m.CreationTimestamp) {
				m.CreationTimestamp = ts
			}
		}
	}
	u := &iamv1beta1.User{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: username}, u); err == nil {
		m.DisplayName, m.Email = u.Spec.DisplayName, u.Spec.Email
		if u.Spec.DisplayName != "" {
			m.Annotations = map[string]string{tenantv1beta1.DisplayNameAnnotation: u.Spec.DisplayName}
		}
	}
	return m
}

// AddGroupMember adds a user to a group, in the binding <group>-members.
func (s *Service) AddGroupMember(ctx context.Context, group string, req GroupMemberRequest) (*GroupMember, error) {
	if _, err := get[iamv1beta1.Group](ctx, s, groupsGR, group); err != nil {
		return nil, err
	}
	p := field.NewPath("username")
	errs := validateName(p, req.Username, false)
	if len(errs) == 0 {
		u := &iamv1beta1.User{}
		if err := s.Reader.Get(ctx, client.ObjectKey{Name: req.Username}, u); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, err
			}
			errs = append(errs, field.NotFound(p, req.Username))
		}
	}
	if len(errs) > 0 {
		return nil, invalid("GroupMember", req.Username, errs)
	}
	defer s.locks.lock("group/" + group)()
	bindings, err := s.groupBindings(ctx, group)
	if err != nil {
		return nil, err
	}
	for _, b := range bindings {
		if slices.Contains(b.Users, req.Username) {
			return nil, duplicate(groupMembersGR, req.Username, "username", "the user is already in group "+group)
		}
	}
	var written *iamv1beta1.GroupBinding
	// The cache may lag behind another replica's write: retry on a conflict.
	foreign := false
	retriable := func(err error) bool { return !foreign && (apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) }
	err = retry.OnError(retry.DefaultBackoff, retriable, func() error {
		b := &iamv1beta1.GroupBinding{}
		err := s.Reader.Get(ctx, client.ObjectKey{Name: MembersBindingName(group)}, b)
		switch {
		case apierrors.IsNotFound(err):
			b = &iamv1beta1.GroupBinding{
				ObjectMeta: metav1.ObjectMeta{Name: MembersBindingName(group), Labels: map[string]string{iamv1beta1.GroupRefLabel: group}},
				GroupRef:   iamv1beta1.GroupRef{APIGroup: iamv1beta1.GroupName, Kind: "Group", Name: group},
				Users:      []string{req.Username},
			}
			written = b
			return s.Client.Create(ctx, b)
		case err != nil:
			return err
		case b.GroupRef.Name != group:
			foreign = true
			return conflict(groupMembersGR, req.Username, "the GroupBinding "+b.Name+" belongs to group "+b.GroupRef.Name)
		}
		b.Users = append(b.Users, req.Username)
		sort.Strings(b.Users)
		written = b
		return s.Client.Update(ctx, b)
	})
	if err != nil {
		return nil, err
	}
	s.waitCached(ctx, written)
	return s.groupMember(ctx, req.Username, []iamv1beta1.GroupBinding{*written}), nil
}

// removeFromBinding takes a user out of one group binding, deleting the
// binding when no user is left. The binding is read again after a
// conflict: the cache may not show the latest write yet (a controller's
// status update, or another replica's member change), and the delete is
// conditional on the version read, so that a user added meanwhile is not
// dropped with it.
func (s *Service) removeFromBinding(ctx context.Context, name, username string) error {
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		b := &iamv1beta1.GroupBinding{}
		if err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, b); err != nil {
			return client.IgnoreNotFound(err)
		}
		if !slices.Contains(b.Users, username) {
			return nil
		}
		b.Users = slices.DeleteFunc(b.Users, func(u string) bool { return u == username })
		if len(b.Users) == 0 {
			if err := s.Client.Delete(ctx, b, client.Preconditions{UID: &b.UID, ResourceVersion: &b.ResourceVersion}); client.IgnoreNotFound(err) != nil {
				return err
			}
			s.waitGone(ctx, b)
			return nil
		}
		if err := s.Client.Update(ctx, b); err != nil {
			return err
		}
		s.waitCached(ctx, b)
		return nil
	})
}

// RemoveGroupMember takes a user out of every binding of a group; a
// binding left without users goes.
func (s *Service) RemoveGroupMember(ctx context.Context, group, username string) error {
	if _, err := get[iamv1beta1.Group](ctx, s, groupsGR, group); err != nil {
		return err
	}
	defer s.locks.lock("group/" + group)()
	bindings, err := s.groupBindings(ctx, group)
	if err != nil {
		return err
	}
	found := false
	for i := range bindings {
		if !slices.Contains(bindings[i].Users, username) {
			continue
		}
		found = true
		if err := s.removeFromBinding(ctx, bindings[i].Name, username); err != nil {
			return err
		}
	}
	if !found {
		return apierrors.NewNotFound(groupMembersGR, username)
	}
	return nil
}

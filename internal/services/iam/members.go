package iam

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// Member is a user's place at a level: the roles bound to them there.
// metadata.name is the user name; creationTimestamp is that of the oldest
// binding.
type Member struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Username          string `json:"username"`
	// Role is the role of the member; Roles lists every role when the user
	// is bound to several at the level.
	Role     string   `json:"role"`
	Roles    []string `json:"roles"`
	Bindings []string `json:"bindings"`
	// DisplayName and Email are the user's, when the user exists.
	DisplayName string `json:"displayName,omitempty"`
	Email       string `json:"email,omitempty"`
}

// MemberRequest is the body that adds a member (username and role) or
// changes a member's role (role).
type MemberRequest struct {
	Username string `json:"username,omitempty"`
	Role     string `json:"role"`
}

// memberBinding is a binding to users at a level, as membership sees it.
type memberBinding struct {
	obj   client.Object
	role  string
	users []string
	// subjects counts every subject of the binding, groups included.
	subjects int
}

// Members lists the members of a level.
func (s *Service) Members(ctx context.Context, at At) ([]*Member, error) {
	_, bs, err := s.levelBindings(ctx, at)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, b := range bs {
		for _, u := range b.users {
			if !slices.Contains(names, u) {
				names = append(names, u)
			}
		}
	}
	out := make([]*Member, 0, len(names))
	for _, n := range names {
		out = append(out, s.member(ctx, n, bs))
	}
	return out, nil
}

// GetMember returns one member of a level.
func (s *Service) GetMember(ctx context.Context, at At, username string) (*Member, error) {
	lv, bs, err := s.levelBindings(ctx, at)
	if err != nil {
		return nil, err
	}
	if len(bindingsOf(bs, username)) == 0 {
		return nil, apierrors.NewNotFound(lv.bindings.gr(), username)
	}
	return s.member(ctx, username, bs), nil
}

// levelBindings loads a level with members and lists its bindings.
func (s *Service) levelBindings(ctx context.Context, at At) (*level, []memberBinding, error) {
	lv, err := s.memberLevel(ctx, at)
	if err != nil {
		return nil, nil, err
	}
	bs, err := lv.bindings.list(ctx)
	if err != nil {
		return nil, nil, err
	}
	return lv, bs, nil
}

func memberOf(username string, bs []memberBinding, u *iamv1beta1.User) *Member {
	m := &Member{TypeMeta: metav1.TypeMeta{APIVersion: iamv1beta1.GroupVersion.String(), Kind: "Member"},
		ObjectMeta: metav1.ObjectMeta{Name: username}, Username: username, Roles: []string{}, Bindings: []string{}}
	for _, b := range bs {
		if !slices.Contains(b.users, username) {
			continue
		}
		m.Bindings = append(m.Bindings, b.obj.GetName())
		if !slices.Contains(m.Roles, b.role) {
			m.Roles = append(m.Roles, b.role)
		}
		if ts := b.obj.GetCreationTimestamp(); m.CreationTimestamp.IsZero() || ts.Before(&m.CreationTimestamp) {
			m.CreationTimestamp = ts
		}
	}
	sort.Strings(m.Roles)
	sort.Strings(m.Bindings)
	if len(m.Roles) > 0 {
		m.Role = m.Roles[0]
	}
	if u != nil {
		m.DisplayName, m.Email = u.Spec.DisplayName, u.Spec.Email
		if u.Spec.DisplayName != "" {
			m.Annotations = map[string]string{tenantv1beta1.DisplayNameAnnotation: u.Spec.DisplayName}
		}
	}
	return m
}

func bindingsOf(bs []memberBinding, username string) []memberBinding {
	var out []memberBinding
	for _, b := range bs {
		if slices.Contains(b.users, username) {
			out = append(out, b)
		}
	}
	return out
}

func holders(bs []memberBinding, role string) []string {
	var out []string
	for _, b := range bs {
		if b.role != role {
			continue
		}
		for _, u := range b.users {
			if !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

func (s *Service) member(ctx context.Context, username string, bs []memberBinding) *Member {
	u := &iamv1beta1.User{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: username}, u); err != nil {
		u = nil
	}
	return memberOf(username, bs, u)
}

// MayViewUsers reports whether the caller may read the platform's users.
// Answers about members to other callers never depend on whether a user
// exists: they carry no user details (WithoutUserDetails), and adding a
// user who does not exist makes the binding all the same, which grants
// nothing until the user exists.
func (s *Service) MayViewUsers(caller user.Info) bool {
	return s.Authorizer.Authorize(&authz.Attributes{User: caller.GetName(), Groups: caller.GetGroups(), ResourceRequest: true,
		Verb: "get", APIGroup: iamv1beta1.GroupName, Resource: "users"}).Allowed
}

// WithoutUserDetails removes from a member what comes from the user
// object (display name and e-mail address), for callers who may not view users.
func WithoutUserDetails(m *Member) {
	m.DisplayName, m.Email = "", ""
	delete(m.Annotations, tenantv1beta1.DisplayNameAnnotation)
}

// change is a member's new role at a level: checked, resolved, and with
// the level's bindings listed while its member changes are locked in this
// replica, until unlock.
type change struct {
	lv     *level
	role   string
	rules  []rbacv1.PolicyRule
	bs     []memberBinding
	unlock func()
}

// beginChange loads the level and checks a request that gives username a
// role there. A new member's name is checked, and with userMustExist the
// user must exist; a request about a member names no other user.
func (s *Service) beginChange(ctx context.Context, at At, username string, req MemberRequest, adding, userMustExist bool) (*change, error) {
	lv, err := s.memberLevel(ctx, at)
	if err != nil {
		return nil, err
	}
	if !adding && req.Username != "" && req.Username != username {
		return nil, invalid("Member", username, field.ErrorList{field.Invalid(field.NewPath("username"), req.Username, "must be the user in the path")})
	}
	role, rules, err := s.checkMemberRequest(ctx, lv, username, req.Role, adding, userMustExist)
	if err != nil {
		return nil, err
	}
	bs, unlock, err := s.lockedBindings(ctx, lv)
	if err != nil {
		return nil, err
	}
	return &change{lv: lv, role: role, rules: rules, bs: bs, unlock: unlock}, nil
}

// lockedBindings locks the member changes of the level in this replica and
// lists its bindings; unlock ends the lock.
func (s *Service) lockedBindings(ctx context.Context, lv *level) ([]memberBinding, func(), error) {
	unlock := s.locks.lock(lv.lockKey)
	bs, err := lv.bindings.list(ctx)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return bs, unlock, nil
}

// checkMemberRequest validates a username and a role, and resolves the
// role. With needUser the username is checked, and with userMustExist
// the user must exist.
func (s *Service) checkMemberRequest(ctx context.Context, lv *level, username, role string, needUser, userMustExist bool) (string, []rbacv1.PolicyRule, error) {
	var errs field.ErrorList
	if needUser {
		switch msgs := validation.IsDNS1123Label(username); {
		case username == "":
			errs = append(errs, field.Required(field.NewPath("username"), ""))
		case len(msgs) > 0:
			errs = append(errs, field.Invalid(field.NewPath("username"), username, strings.Join(msgs, "; ")))
		case userMustExist:
			u := &iamv1beta1.User{}
			if err := s.Reader.Get(ctx, client.ObjectKey{Name: username}, u); err != nil {
				if !apierrors.IsNotFound(err) {
					return "", nil, err
				}
				errs = append(errs, field.NotFound(field.NewPath("username"), username))
			}
		}
	}
	var resolved string
	var rules []rbacv1.PolicyRule
	if role == "" {
		errs = append(errs, field.Required(field.NewPath("role"), ""))
	} else {
		var ok bool
		var err error
		if resolved, rules, ok, err = s.resolveRole(ctx, lv, role); err != nil {
			return "", nil, err
		} else if !ok {
			errs = append(errs, field.NotFound(field.NewPath("role"), role))
		}
	}
	if len(errs) > 0 {
		return "", nil, invalid("Member", username, errs)
	}
	return resolved, rules, nil
}

// AddMember binds a user to a role at a level. A user who does not exist
// is refused (422) only to callers who may view users; for others the
// binding is made all the same (see MayViewUsers).
func (s *Service) AddMember(ctx context.Context, caller user.Info, at At, req MemberRequest) (*Member, error) {
	c, err := s.beginChange(ctx, at, req.Username, req, true, s.MayViewUsers(caller))
	if err != nil {
		return nil, err
	}
	defer c.unlock()
	lv, role, bs := c.lv, c.role, c.bs
	if mine := bindingsOf(bs, req.Username); len(mine) > 0 {
		have := memberOf(req.Username, mine, nil).Roles
		if slices.Contains(have, role) {
			return nil, duplicate(lv.bindings.gr(), req.Username, "username", fmt.Sprintf("the user is already a member with role %s", role))
		}
		return nil, conflict(lv.bindings.gr(), req.Username, fmt.Sprintf("user %s is already a member with role %s; change the role with PUT instead",
			req.Username, strings.Join(have, ", ")))
	}
	if err := s.checkEscalation(caller, "bind", lv.roles.gr(), role, c.rules, lv.At); err != nil {
		return nil, err
	}
	b, err := s.createBinding(ctx, lv, req.Username, role)
	if err != nil {
		return nil, err
	}
	bs = append(bs, b)
	return s.member(ctx, req.Username, bs), nil
}

// createBinding writes the binding <user>-<role>, or, when that name is
// another binding's, one with a generated name.
func (s *Service) createBinding(ctx context.Context, lv *level, username, role string) (memberBinding, error) {
	name := username + "-" + role
	if len(name) > validation.DNS1123SubdomainMaxLength-6 {
		// Room for a generated suffix; a name ends with a letter or digit.
		name = strings.TrimRight(name[:validation.DNS1123SubdomainMaxLength-6], "-.")
	}
	b := lv.bindings.build(name, username, role)
	err := s.Client.Create(ctx, b)
	if apierrors.IsAlreadyExists(err) {
		b = lv.bindings.build("", username, role)
		b.SetGenerateName(strings.TrimSuffix(name, "-") + "-")
		err = s.Client.Create(ctx, b)
	}
	if err != nil {
		return memberBinding{}, err
	}
	s.waitCached(ctx, b)
	return memberBinding{obj: b, role: role, users: []string{username}, subjects: 1}, nil
}

// SetMemberRole changes the role of a member. Role references are
// immutable, so the new binding is made first and the old ones go after.
func (s *Service) SetMemberRole(ctx context.Context, caller user.Info, at At, username string, req MemberRequest) (*Member, error) {
	c, err := s.beginChange(ctx, at, username, req, false, false)
	if err != nil {
		return nil, err
	}
	defer c.unlock()
	lv, role, bs := c.lv, c.role, c.bs
	mine := bindingsOf(bs, username)
	if len(mine) == 0 {
		return nil, apierrors.NewNotFound(lv.bindings.gr(), username)
	}
	have := memberOf(username, mine, nil).Roles
	if len(have) == 1 && have[0] == role {
		return s.member(ctx, username, bs), nil
	}
	if lv.keeper.user == username && role != lv.keeper.role {
		return nil, conflict(lv.bindings.gr(), username, lv.keeper.why)
	}
	if err := checkLastAdmin(lv, bs, username, role); err != nil {
		return nil, err
	}
	if err := s.checkEscalation(caller, "bind", lv.roles.gr(), role, c.rules, lv.At); err != nil {
		return nil, err
	}
	for _, b := range mine {
		if b.role != role {
			if err := s.checkTakeAway(ctx, caller, lv, b.role); err != nil {
				return nil, err
			}
		}
	}
	var kept []memberBinding
	if !slices.Contains(have, role) {
		b, err := s.createBinding(ctx, lv, username, role)
		if err != nil {
			return nil, err
		}
		kept = append(kept, b)
	}
	for _, b := range mine {
		if b.role == role && len(kept) == 0 {
			kept = append(kept, b) // keep one binding of the new role
			continue
		}
		if err := s.unbind(ctx, lv, b, username); err != nil {
			return nil, err
		}
	}
	return s.member(ctx, username, kept), nil
}

// RemoveMember removes a user from a level: from every binding there.
func (s *Service) RemoveMember(ctx context.Context, caller user.Info, at At, username string) error {
	lv, err := s.memberLevel(ctx, at)
	if err != nil {
		return err
	}
	bs, unlock, err := s.lockedBindings(ctx, lv)
	if err != nil {
		return err
	}
	defer unlock()
	mine := bindingsOf(bs, username)
	if len(mine) == 0 {
		return apierrors.NewNotFound(lv.bindings.gr(), username)
	}
	if lv.keeper.user == username {
		return conflict(lv.bindings.gr(), username, lv.keeper.why)
	}
	if err := checkLastAdmin(lv, bs, username, ""); err != nil {
		return err
	}
	for _, b := range mine {
		if err := s.checkTakeAway(ctx, caller, lv, b.role); err != nil {
			return err
		}
	}
	for _, b := range mine {
		if err := s.unbind(ctx, lv, b, username); err != nil {
			return err
		}
	}
	return nil
}

// checkLastAdmin refuses that the last holder of the level's admin role
// leaves it (newRole "" is a removal).
func checkLastAdmin(lv *level, bs []memberBinding, username, newRole string) error {
	if lv.admin == "" || newRole == lv.admin {
		return nil
	}
	hs := holders(bs, lv.admin)
	if len(hs) != 1 || hs[0] != username {
		return nil
	}
	what := "removed"
	if newRole != "" {
		what = "given another role"
	}
	gr := lv.bindings.gr()
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusConflict, Reason: metav1.StatusReasonConflict,
		Message: fmt.Sprintf("user %s is the last member with role %s and cannot be %s; make another member %s first", username, lv.admin, what, lv.admin),
		Details: &metav1.StatusDetails{Group: gr.Group, Kind: gr.Resource, Name: username,
			Causes: []metav1.StatusCause{{Type: "LastAdmin", Field: "role", Message: "the level needs at least one " + lv.admin}}}}}
}

// unbind takes the user out of a binding: deletes it when the user is its
// only subject, else removes the subject.
func (s *Service) unbind(ctx context.Context, lv *level, b memberBinding, username string) error {
	if len(b.users) == 1 && b.users[0] == username && b.subjects == 1 {
		if err := s.Client.Delete(ctx, b.obj, client.Preconditions{UID: ptrUID(b.obj)}); client.IgnoreNotFound(err) != nil {
			return err
		}
		s.waitGone(ctx, b.obj)
		return nil
	}
	updated := lv.bindings.withoutUser(b.obj, username)
	if err := s.Client.Update(ctx, updated); err != nil {
		return err
	}
	s.waitCached(ctx, updated)
	return nil
}

func ptrUID(o client.Object) *types.UID {
	u := o.GetUID()
	return &u
}

func bindingLabels(username, role string, extra map[string]string) map[string]string {
	l := map[string]string{iamv1beta1.UserRefLabel: username}
	if len(validation.IsValidLabelValue(role)) == 0 {
		l[iamv1beta1.RoleRefLabel] = role
	}
	maps.Copy(l, extra)
	return l
}

// appendUser adds a subject's name to users when it is a user not listed yet.
func appendUser(users []string, kind, name string) []string {
	if kind == rbacv1.UserKind && !slices.Contains(users, name) {
		return append(users, name)
	}
	return users
}

// appendNative adds a native binding that is not being deleted and is not
// a mirror of a platform binding, when it binds users.
func appendNative(out []memberBinding, b client.Object, role string, subjects []rbacv1.Subject) []memberBinding {
	if !b.GetDeletionTimestamp().IsZero() || !notMirror(b) {
		return out
	}
	var users []string
	for _, s := range subjects {
		users = appendUser(users, s.Kind, s.Name)
	}
	if len(users) == 0 {
		return out
	}
	return append(out, memberBinding{obj: b, role: role, users: users, subjects: len(subjects)})
}

func userSubject(username string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}
}

func nativeWithout(subjects []rbacv1.Subject, username string) []rbacv1.Subject {
	out := make([]rbacv1.Subject, 0, len(subjects))
	for _, s := range subjects {
		if s.Kind != rbacv1.UserKind || s.Name != username {
			out = append(out, s)
		}
	}
	return out
}

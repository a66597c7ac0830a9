package iam

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// LevelKind is one of the levels of the permission model.
type LevelKind string

// The levels.
const (
	LevelGlobal    LevelKind = "global"
	LevelCluster   LevelKind = "cluster"
	LevelWorkspace LevelKind = "workspace"
	LevelNamespace LevelKind = "namespace"
)

// Level is where members and roles are: the platform, the cluster, a
// workspace or a project (namespace), with its name.
type Level struct {
	Kind LevelKind
	Name string
}

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

// memberBinding is a binding at a level, as membership sees it.
type memberBinding struct {
	obj   client.Object
	role  string
	users []string
}

// memberLevel adapts the bindings of one level.
type memberLevel interface {
	gr() schema.GroupResource
	lockKey() string
	// load checks that the level exists (404 otherwise).
	load(ctx context.Context) error
	bindings(ctx context.Context) ([]memberBinding, error)
	// role resolves a role name of the level; ok is false when there is none.
	role(ctx context.Context, name string) (resolved string, rules []rbacv1.PolicyRule, ok bool, err error)
	roleGR() schema.GroupResource
	newBinding(name, username, role string) client.Object
	// withoutUser returns a copy of the binding without the user as subject.
	withoutUser(b memberBinding, username string) client.Object
	// keeper is the user the platform keeps bound to keeperRole at the
	// level (the workspace manager, the project creator), with why.
	keeper() (username, role, why string)
	// adminRole is the role whose last holder cannot leave, or "".
	adminRole() string
	place() place
}

func (s *Service) memberLevel(lv Level) (memberLevel, error) {
	switch lv.Kind {
	case LevelWorkspace:
		return &workspaceMembers{s: s, ws: lv.Name}, nil
	case LevelNamespace:
		return &projectMembers{s: s, ns: lv.Name}, nil
	case LevelCluster:
		return &clusterMembers{s: s}, nil
	}
	return nil, fmt.Errorf("no members at the %s level", lv.Kind)
}

// Members lists the members of a level.
func (s *Service) Members(ctx context.Context, lv Level) ([]*Member, error) {
	ml, err := s.memberLevel(lv)
	if err != nil {
		return nil, err
	}
	if err := ml.load(ctx); err != nil {
		return nil, err
	}
	bs, err := ml.bindings(ctx)
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

// GetMember returns one member of a level.
func (s *Service) GetMember(ctx context.Context, lv Level, username string) (*Member, error) {
	ml, err := s.memberLevel(lv)
	if err != nil {
		return nil, err
	}
	if err := ml.load(ctx); err != nil {
		return nil, err
	}
	bs, err := ml.bindings(ctx)
	if err != nil {
		return nil, err
	}
	if len(bindingsOf(bs, username)) == 0 {
		return nil, apierrors.NewNotFound(ml.gr(), username)
	}
	return s.member(ctx, username, bs), nil
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

// checkMemberRequest validates a username and a role, and resolves the
// role. With needUser the username is checked, and with userMustExist
// the user must exist.
func (s *Service) checkMemberRequest(ctx context.Context, ml memberLevel, username, role string, needUser, userMustExist bool) (string, []rbacv1.PolicyRule, error) {
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
		if resolved, rules, ok, err = ml.role(ctx, role); err != nil {
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
func (s *Service) AddMember(ctx context.Context, caller user.Info, lv Level, req MemberRequest) (*Member, error) {
	ml, err := s.memberLevel(lv)
	if err != nil {
		return nil, err
	}
	if err := ml.load(ctx); err != nil {
		return nil, err
	}
	role, rules, err := s.checkMemberRequest(ctx, ml, req.Username, req.Role, true, s.MayViewUsers(caller))
	if err != nil {
		return nil, err
	}
	defer s.locks.lock(ml.lockKey())()
	bs, err := ml.bindings(ctx)
	if err != nil {
		return nil, err
	}
	if mine := bindingsOf(bs, req.Username); len(mine) > 0 {
		have := memberOf(req.Username, mine, nil).Roles
		if slices.Contains(have, role) {
			return nil, duplicate(ml.gr(), req.Username, "username", fmt.Sprintf("the user is already a member with role %s", role))
		}
		return nil, conflict(ml.gr(), req.Username, fmt.Sprintf("user %s is already a member with role %s; change the role with PUT instead",
			req.Username, strings.Join(have, ", ")))
	}
	if err := s.checkEscalation(ctx, caller, "bind", ml.roleGR(), role, rules, ml.place()); err != nil {
		return nil, err
	}
	b, err := s.createBinding(ctx, ml, req.Username, role)
	if err != nil {
		return nil, err
	}
	bs = append(bs, memberBinding{obj: b, role: role, users: []string{req.Username}})
	return s.member(ctx, req.Username, bs), nil
}

// createBinding writes the binding <user>-<role>, or, when that name is
// another binding's, one with a generated name.
func (s *Service) createBinding(ctx context.Context, ml memberLevel, username, role string) (client.Object, error) {
	name := username + "-" + role
	if len(name) > validation.DNS1123SubdomainMaxLength-6 {
		// Room for a generated suffix; a name ends with a letter or digit.
		name = strings.TrimRight(name[:validation.DNS1123SubdomainMaxLength-6], "-.")
	}
	b := ml.newBinding(name, username, role)
	err := s.Client.Create(ctx, b)
	if apierrors.IsAlreadyExists(err) {
		b = ml.newBinding("", username, role)
		b.SetGenerateName(strings.TrimSuffix(name, "-") + "-")
		err = s.Client.Create(ctx, b)
	}
	if err != nil {
		return nil, err
	}
	s.waitCached(ctx, b)
	return b, nil
}

// SetMemberRole changes the role of a member. Role references are
// immutable, so the new binding is made first and the old ones go after.
func (s *Service) SetMemberRole(ctx context.Context, caller user.Info, lv Level, username string, req MemberRequest) (*Member, error) {
	ml, err := s.memberLevel(lv)
	if err != nil {
		return nil, err
	}
	if err := ml.load(ctx); err != nil {
		return nil, err
	}
	if req.Username != "" && req.Username != username {
		return nil, invalid("Member", username, field.ErrorList{field.Invalid(field.NewPath("username"), req.Username, "must be the user in the path")})
	}
	role, rules, err := s.checkMemberRequest(ctx, ml, username, req.Role, false, false)
	if err != nil {
		return nil, err
	}
	defer s.locks.lock(ml.lockKey())()
	bs, err := ml.bindings(ctx)
	if err != nil {
		return nil, err
	}
	mine := bindingsOf(bs, username)
	if len(mine) == 0 {
		return nil, apierrors.NewNotFound(ml.gr(), username)
	}
	have := memberOf(username, mine, nil).Roles
	if len(have) == 1 && have[0] == role {
		return s.member(ctx, username, bs), nil
	}
	if k, kr, why := ml.keeper(); k == username && role != kr {
		return nil, conflict(ml.gr(), username, why)
	}
	if err := s.checkLastAdmin(ml, bs, username, role); err != nil {
		return nil, err
	}
	if err := s.checkEscalation(ctx, caller, "bind", ml.roleGR(), role, rules, ml.place()); err != nil {
		return nil, err
	}
	for _, b := range mine {
		if b.role != role {
			if err := s.checkTakeAway(ctx, caller, ml, b.role); err != nil {
				return nil, err
			}
		}
	}
	var kept []memberBinding
	if !slices.Contains(have, role) {
		b, err := s.createBinding(ctx, ml, username, role)
		if err != nil {
			return nil, err
		}
		kept = append(kept, memberBinding{obj: b, role: role, users: []string{username}})
	}
	for _, b := range mine {
		if b.role == role && len(kept) == 0 {
			kept = append(kept, b) // keep one binding of the new role
			continue
		}
		if err := s.unbind(ctx, ml, b, username); err != nil {
			return nil, err
		}
	}
	return s.member(ctx, username, kept), nil
}

// RemoveMember removes a user from a level: from every binding there.
func (s *Service) RemoveMember(ctx context.Context, caller user.Info, lv Level, username string) error {
	ml, err := s.memberLevel(lv)
	if err != nil {
		return err
	}
	if err := ml.load(ctx); err != nil {
		return err
	}
	defer s.locks.lock(ml.lockKey())()
	bs, err := ml.bindings(ctx)
	if err != nil {
		return err
	}
	mine := bindingsOf(bs, username)
	if len(mine) == 0 {
		return apierrors.NewNotFound(ml.gr(), username)
	}
	if k, _, why := ml.keeper(); k == username {
		return conflict(ml.gr(), username, why)
	}
	if err := s.checkLastAdmin(ml, bs, username, ""); err != nil {
		return err
	}
	for _, b := range mine {
		if err := s.checkTakeAway(ctx, caller, ml, b.role); err != nil {
			return err
		}
	}
	for _, b := range mine {
		if err := s.unbind(ctx, ml, b, username); err != nil {
			return err
		}
	}
	return nil
}

// checkLastAdmin refuses that the last holder of the level's admin role
// leaves it (newRole "" is a removal).
func (s *Service) checkLastAdmin(ml memberLevel, bs []memberBinding, username, newRole string) error {
	admin := ml.adminRole()
	if admin == "" || newRole == admin {
		return nil
	}
	hs := holders(bs, admin)
	if len(hs) == 1 && hs[0] == username {
		what := "removed"
		if newRole != "" {
			what = "given another role"
		}
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusConflict, Reason: metav1.StatusReasonConflict,
			Message: fmt.Sprintf("user %s is the last member with role %s and cannot be %s; make another member %s first", username, admin, what, admin),
			Details: &metav1.StatusDetails{Group: ml.gr().Group, Kind: ml.gr().Resource, Name: username,
				Causes: []metav1.StatusCause{{Type: "LastAdmin", Field: "role", Message: "the level needs at least one " + admin}}}}}
	}
	return nil
}

// unbind takes the user out of a binding: deletes it when the user is its
// only subject, else removes the subject.
func (s *Service) unbind(ctx context.Context, ml memberLevel, b memberBinding, username string) error {
	if len(b.users) == 1 && b.users[0] == username && subjectCount(b.obj) == 1 {
		if err := s.Client.Delete(ctx, b.obj, client.Preconditions{UID: ptrUID(b.obj)}); client.IgnoreNotFound(err) != nil {
			return err
		}
		s.waitGone(ctx, b.obj)
		return nil
	}
	updated := ml.withoutUser(b, username)
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

func subjectCount(o client.Object) int {
	switch b := o.(type) {
	case *iamv1beta1.WorkspaceRoleBinding:
		return len(b.Subjects)
	case *rbacv1.RoleBinding:
		return len(b.Subjects)
	case *rbacv1.ClusterRoleBinding:
		return len(b.Subjects)
	}
	return 0
}

func bindingLabels(username, role string, extra map[string]string) map[string]string {
	l := map[string]string{iamv1beta1.UserRefLabel: username}
	if len(validation.IsValidLabelValue(role)) == 0 {
		l[iamv1beta1.RoleRefLabel] = role
	}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

func nativeUsers(subjects []rbacv1.Subject) []string {
	var out []string
	for _, s := range subjects {
		if s.Kind == rbacv1.UserKind && !slices.Contains(out, s.Name) {
			out = append(out, s.Name)
		}
	}
	return out
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

// Workspace members: WorkspaceRoleBindings labelled with the workspace.

type workspaceMembers struct {
	s  *Service
	ws string
	w  *tenantv1beta1.Workspace
}

func (l *workspaceMembers) gr() schema.GroupResource     { return workspaceMembersGR }
func (l *workspaceMembers) roleGR() schema.GroupResource { return workspaceRolesGR }
func (l *workspaceMembers) lockKey() string              { return "workspace/" + l.ws }
func (l *workspaceMembers) place() place                 { return place{Workspace: l.ws} }
func (l *workspaceMembers) adminRole() string {
	return builtin.WorkspaceRoleName(l.ws, builtin.WorkspaceAdmin)
}

func (l *workspaceMembers) load(ctx context.Context) error {
	w, err := l.s.workspace(ctx, l.ws)
	l.w = w
	return err
}

func (l *workspaceMembers) keeper() (string, string, string) {
	if l.w == nil || l.w.Spec.Manager == "" {
		return "", "", ""
	}
	return l.w.Spec.Manager, l.adminRole(), fmt.Sprintf("user %s is the manager of workspace %s (spec.manager), whom the platform keeps its administrator; make another user the manager first",
		l.w.Spec.Manager, l.ws)
}

func (l *workspaceMembers) bindings(ctx context.Context) ([]memberBinding, error) {
	list := &iamv1beta1.WorkspaceRoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.MatchingLabels{tenantv1beta1.WorkspaceLabel: l.ws}); err != nil {
		return nil, err
	}
	out := make([]memberBinding, 0, len(list.Items))
	for i := range list.Items {
		b := &list.Items[i]
		if !b.DeletionTimestamp.IsZero() {
			continue
		}
		var users []string
		for _, s := range b.Subjects {
			if s.Kind == rbacv1.UserKind && !slices.Contains(users, s.Name) {
				users = append(users, s.Name)
			}
		}
		if len(users) > 0 {
			out = append(out, memberBinding{obj: b, role: b.RoleRef.Name, users: users})
		}
	}
	return out, nil
}

// role resolves a role of the workspace. A built-in role that
// ke-controller-manager has not made yet resolves too (builtin/pending.go).
func (l *workspaceMembers) role(ctx context.Context, name string) (string, []rbacv1.PolicyRule, bool, error) {
	taken := false // a role of the name is another workspace's
	for _, n := range []string{name, builtin.WorkspaceRoleName(l.ws, name)} {
		r := &iamv1beta1.WorkspaceRole{}
		if err := l.s.Reader.Get(ctx, client.ObjectKey{Name: n}, r); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return "", nil, false, err
		}
		if r.Labels[tenantv1beta1.WorkspaceLabel] != l.ws {
			taken = true
			continue
		}
		var templates []string
		if r.AggregationRoleTemplates != nil {
			templates = r.AggregationRoleTemplates.TemplateNames
		}
		return n, l.s.effectiveRules(ctx, templates, r.AggregationRoleTemplates != nil, r.Rules), true, nil
	}
	if full, b, ok := builtin.PendingWorkspaceRole(l.ws, name); ok && !taken && l.w != nil {
		return full, b.EffectiveRules(), true, nil
	}
	return "", nil, false, nil
}

func (l *workspaceMembers) newBinding(name, username, role string) client.Object {
	b := &iamv1beta1.WorkspaceRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: bindingLabels(username, role, map[string]string{tenantv1beta1.WorkspaceLabel: l.ws})},
		RoleRef:    iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "WorkspaceRole", Name: role},
		Subjects:   []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}},
	}
	if l.w != nil {
		// The binding goes with its workspace.
		b.OwnerReferences = []metav1.OwnerReference{{APIVersion: tenantv1beta1.GroupVersion.String(), Kind: "Workspace", Name: l.w.Name, UID: l.w.UID}}
	}
	return b
}

func (l *workspaceMembers) withoutUser(b memberBinding, username string) client.Object {
	wrb := b.obj.(*iamv1beta1.WorkspaceRoleBinding).DeepCopy()
	kept := wrb.Subjects[:0]
	for _, s := range wrb.Subjects {
		if s.Kind != rbacv1.UserKind || s.Name != username {
			kept = append(kept, s)
		}
	}
	wrb.Subjects = kept
	return wrb
}

// Project members: RoleBindings to Roles of the namespace (not the mirrors
// of workspace bindings).

type projectMembers struct {
	s  *Service
	ns string
	n  *corev1.Namespace
}

func (l *projectMembers) gr() schema.GroupResource     { return projectMembersGR }
func (l *projectMembers) roleGR() schema.GroupResource { return rolesGR }
func (l *projectMembers) lockKey() string              { return "namespace/" + l.ns }
func (l *projectMembers) place() place                 { return place{Namespace: l.ns} }
func (l *projectMembers) adminRole() string            { return "" }

func (l *projectMembers) load(ctx context.Context) error {
	n, err := l.s.namespace(ctx, l.ns)
	l.n = n
	return err
}

func (l *projectMembers) keeper() (string, string, string) {
	if l.n == nil || l.n.Labels[tenantv1beta1.WorkspaceLabel] == "" {
		return "", "", ""
	}
	creator := l.n.Annotations[tenantv1beta1.CreatorAnnotation]
	if creator == "" {
		return "", "", ""
	}
	return creator, builtin.ProjectAdmin, fmt.Sprintf("user %s created project %s (annotation %s), and the platform keeps the creator its %s",
		creator, l.ns, tenantv1beta1.CreatorAnnotation, builtin.ProjectAdmin)
}

func (l *projectMembers) bindings(ctx context.Context) ([]memberBinding, error) {
	list := &rbacv1.RoleBindingList{}
	if err := l.s.Reader.List(ctx, list, client.InNamespace(l.ns)); err != nil {
		return nil, err
	}
	out := make([]memberBinding, 0, len(list.Items))
	for i := range list.Items {
		b := &list.Items[i]
		if !b.DeletionTimestamp.IsZero() || b.Labels[iamv1beta1.MirrorOfLabel] != "" || b.RoleRef.Kind != "Role" {
			continue
		}
		if users := nativeUsers(b.Subjects); len(users) > 0 {
			out = append(out, memberBinding{obj: b, role: b.RoleRef.Name, users: users})
		}
	}
	return out, nil
}

// role resolves a role of the project. A built-in role that
// ke-controller-manager has not made yet resolves too, in a namespace of
// an existing workspace (builtin/pending.go).
func (l *projectMembers) role(ctx context.Context, name string) (string, []rbacv1.PolicyRule, bool, error) {
	r := &rbacv1.Role{}
	if err := l.s.Reader.Get(ctx, client.ObjectKey{Namespace: l.ns, Name: name}, r); err != nil {
		if !apierrors.IsNotFound(err) {
			return "", nil, false, err
		}
		return l.pendingRole(ctx, name)
	}
	if r.Labels[iamv1beta1.ScopeLabel] != string(iamv1beta1.LevelNamespace) {
		return "", nil, false, nil
	}
	templates, err := roletemplate.NamesFromAnnotation(r.Annotations)
	aggregates := err == nil && templates != nil
	return name, l.s.effectiveRules(ctx, templates, aggregates, r.Rules), true, nil
}

// pendingRole resolves a built-in project role that does not exist yet,
// when ke-controller-manager will make it: in a project of a workspace
// that exists.
func (l *projectMembers) pendingRole(ctx context.Context, name string) (string, []rbacv1.PolicyRule, bool, error) {
	b, ok := builtin.PendingProjectRole(name)
	if !ok || l.n == nil || l.n.Labels[tenantv1beta1.WorkspaceLabel] == "" {
		return "", nil, false, nil
	}
	if _, err := l.s.workspace(ctx, l.n.Labels[tenantv1beta1.WorkspaceLabel]); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil, false, nil
		}
		return "", nil, false, err
	}
	return name, b.EffectiveRules(), true, nil
}

func (l *projectMembers) newBinding(name, username, role string) client.Object {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: l.ns, Name: name,
			Labels: bindingLabels(username, role, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelNamespace)})},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}},
	}
}

func (l *projectMembers) withoutUser(b memberBinding, username string) client.Object {
	rb := b.obj.(*rbacv1.RoleBinding).DeepCopy()
	rb.Subjects = nativeWithout(rb.Subjects, username)
	return rb
}

// Cluster members: ClusterRoleBindings to ClusterRoles labelled with the
// cluster scope.

type clusterMembers struct {
	s *Service
}

func (l *clusterMembers) gr() schema.GroupResource         { return clusterMembersGR }
func (l *clusterMembers) roleGR() schema.GroupResource     { return clusterRolesGR }
func (l *clusterMembers) lockKey() string                  { return "cluster" }
func (l *clusterMembers) place() place                     { return place{Cluster: true} }
func (l *clusterMembers) adminRole() string                { return "" }
func (l *clusterMembers) keeper() (string, string, string) { return "", "", "" }
func (l *clusterMembers) load(context.Context) error       { return nil }

func (l *clusterMembers) bindings(ctx context.Context) ([]memberBinding, error) {
	roles := &rbacv1.ClusterRoleList{}
	if err := l.s.Reader.List(ctx, roles, client.MatchingLabels{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)}); err != nil {
		return nil, err
	}
	scoped := map[string]bool{}
	for _, r := range roles.Items {
		scoped[r.Name] = true
	}
	list := &rbacv1.ClusterRoleBindingList{}
	if err := l.s.Reader.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]memberBinding, 0, len(list.Items))
	for i := range list.Items {
		b := &list.Items[i]
		if !b.DeletionTimestamp.IsZero() || b.Labels[iamv1beta1.MirrorOfLabel] != "" || b.RoleRef.Kind != "ClusterRole" || !scoped[b.RoleRef.Name] {
			continue
		}
		if users := nativeUsers(b.Subjects); len(users) > 0 {
			out = append(out, memberBinding{obj: b, role: b.RoleRef.Name, users: users})
		}
	}
	return out, nil
}

// role resolves a cluster-level role. A built-in one that
// ke-controller-manager has not made (or labelled) yet resolves too
// (builtin/pending.go).
func (l *clusterMembers) role(ctx context.Context, name string) (string, []rbacv1.PolicyRule, bool, error) {
	r := &rbacv1.ClusterRole{}
	if err := l.s.Reader.Get(ctx, client.ObjectKey{Name: name}, r); err != nil {
		if !apierrors.IsNotFound(err) {
			return "", nil, false, err
		}
		r = nil
	}
	if r == nil || r.Labels[iamv1beta1.ScopeLabel] != string(iamv1beta1.LevelCluster) {
		if b, ok := builtin.PendingClusterRole(name); ok {
			return name, b.EffectiveRules(), true, nil
		}
		return "", nil, false, nil
	}
	templates, err := roletemplate.NamesFromAnnotation(r.Annotations)
	aggregates := err == nil && templates != nil
	return name, l.s.effectiveRules(ctx, templates, aggregates, r.Rules), true, nil
}

func (l *clusterMembers) newBinding(name, username, role string) client.Object {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name,
			Labels: bindingLabels(username, role, map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster)})},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: username}},
	}
}

func (l *clusterMembers) withoutUser(b memberBinding, username string) client.Object {
	crb := b.obj.(*rbacv1.ClusterRoleBinding).DeepCopy()
	crb.Subjects = nativeWithout(crb.Subjects, username)
	return crb
}

// workspace returns a workspace, or 404.
func (s *Service) workspace(ctx context.Context, name string) (*tenantv1beta1.Workspace, error) {
	w := &tenantv1beta1.Workspace{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, w); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewNotFound(workspacesGR, name)
		}
		return nil, err
	}
	return w, nil
}

// namespace returns a namespace, or 404.
func (s *Service) namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	n := &corev1.Namespace{}
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, n); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, apierrors.NewNotFound(namespacesGR, name)
		}
		return nil, err
	}
	return n, nil
}

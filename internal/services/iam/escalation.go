package iam

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// checkEscalation refuses that a caller grants ("bind") or builds
// ("escalate") a role with permissions the caller does not hold where the
// role applies. Unlike Kubernetes RBAC there is no bind or escalate verb to
// get around it: role templates grant "*" verbs, which would include them,
// so that anyone who manages roles or members could hand out everything.
func (s *Service) checkEscalation(caller user.Info, verb string, role schema.GroupResource, name string, rules []rbacv1.PolicyRule, where At) error {
	missing := s.missingPermission(caller, rules, where)
	if missing == "" {
		return nil
	}
	what := "grant"
	if verb == "escalate" {
		what = "create or change"
	}
	return apierrors.NewForbidden(role, name, fmt.Errorf("user %s may not %s a role that allows %s %s, which the user may not do", caller.GetName(), what, missing, where))
}

// missingPermission returns the first permission of rules that u does not
// hold where, or "". Wildcards are held only through wildcards.
func (s *Service) missingPermission(u user.Info, rules []rbacv1.PolicyRule, where At) string {
	return authz.Missing(s.Authorizer, authz.Subject{User: u.GetName(), Groups: u.GetGroups()}, rules, where.place())
}

// checkTakeAway refuses that a caller takes a role away from a member when
// the role allows what the caller may not do where it applies: removing an
// administrator needs what an administrator holds.
func (s *Service) checkTakeAway(ctx context.Context, caller user.Info, lv *level, role string) error {
	_, rules, ok, err := s.resolveRole(ctx, lv, role)
	if err != nil || !ok {
		return err // a role that does not exist grants nothing to take away
	}
	missing := s.missingPermission(caller, rules, lv.At)
	if missing == "" {
		return nil
	}
	return apierrors.NewForbidden(lv.roles.gr(), role, fmt.Errorf("user %s may not take role %s away from a member: it allows %s %s, which user %s may not",
		caller.GetName(), role, missing, lv.At, caller.GetName()))
}

// Escalation answers whether a caller holds everything another user or
// group holds (*authz.Authorizer does).
type Escalation interface {
	MissingOf(caller, target authz.Subject) string
}

// CheckActOnUser refuses that caller acts on a user (changes, disables,
// deletes it, sets its password, changes its groups) who holds a
// permission the caller does not: a manager of users must not take over an
// administrator.
func (s *Service) CheckActOnUser(ctx context.Context, caller user.Info, name string) error {
	u := &iamv1beta1.User{}
	var groups []string
	if err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, u); err == nil {
		groups = u.Status.Groups
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	target := authz.Subject{User: name, Groups: append(slices.Clone(groups), user.AllAuthenticated)}
	if m := s.Escalation.MissingOf(authz.Subject{User: caller.GetName(), Groups: caller.GetGroups()}, target); m != "" {
		return apierrors.NewForbidden(usersGR, name, fmt.Errorf("user %s may not act on user %s, who may %s, which user %s may not",
			caller.GetName(), name, m, caller.GetName()))
	}
	return nil
}

// CheckActOnGroup refuses that caller changes or deletes a group, or its
// members, when the group holds a permission the caller does not.
func (s *Service) CheckActOnGroup(caller user.Info, group string) error {
	if m := s.Escalation.MissingOf(authz.Subject{User: caller.GetName(), Groups: caller.GetGroups()}, authz.Subject{Groups: []string{group}}); m != "" {
		return apierrors.NewForbidden(groupsGR, group, fmt.Errorf("user %s may not change group %s or its members: the group may %s, which user %s may not",
			caller.GetName(), group, m, caller.GetName()))
	}
	return nil
}

// lookupTemplate reads role templates from the cache.
func (s *Service) lookupTemplate(ctx context.Context) roletemplate.Lookup {
	return func(name string) (*iamv1beta1.RoleTemplate, bool) {
		t := &iamv1beta1.RoleTemplate{}
		if err := s.Reader.Get(ctx, client.ObjectKey{Name: name}, t); err != nil {
			return nil, false
		}
		return t, true
	}
}

// effectiveRules are the rules a role grants: those of its templates when
// it aggregates templates (the controller may not have caught up yet), else
// its own.
func (s *Service) effectiveRules(ctx context.Context, r roleObject) []rbacv1.PolicyRule {
	if r.templates == nil {
		return r.rules
	}
	rules, _ := roletemplate.Aggregate(r.templates, s.lookupTemplate(ctx))
	return rules
}

package iam

import (
	"context"
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
	"github.com/superkube/super-kubenetes/internal/iam/roletemplate"
)

// place is where a role applies, for the authorizer.
type place struct {
	Workspace, Namespace string
	// Cluster says that native ClusterRoleBindings count for non-resource
	// URLs (ke-apiserver's authorizer consults only platform bindings for them).
	Cluster bool
}

func (p place) String() string {
	switch {
	case p.Namespace != "":
		return "in namespace " + p.Namespace
	case p.Workspace != "":
		return "in workspace " + p.Workspace
	case p.Cluster:
		return "in the cluster"
	default:
		return "on the platform"
	}
}

// checkEscalation refuses that a caller grants ("bind") or builds
// ("escalate") a role with permissions the caller does not hold where the
// role applies. Unlike Kubernetes RBAC there is no bind or escalate verb to
// get around it: role templates grant "*" verbs, which would include them,
// so that anyone who manages roles or members could hand out everything.
func (s *Service) checkEscalation(ctx context.Context, caller user.Info, verb string, role schema.GroupResource, name string, rules []rbacv1.PolicyRule, where place) error {
	missing, err := s.missingPermission(ctx, caller, rules, where)
	if err != nil || missing == "" {
		return err
	}
	what := "grant"
	if verb == "escalate" {
		what = "create or change"
	}
	return apierrors.NewForbidden(role, name, fmt.Errorf("user %s may not %s a role that allows %s %s, which the user may not do", caller.GetName(), what, missing, where))
}

// missingPermission returns the first permission of rules that u does not
// hold where, or "". Wildcards are held only through wildcards.
func (s *Service) missingPermission(ctx context.Context, u user.Info, rules []rbacv1.PolicyRule, where place) (string, error) {
	for _, r := range rules {
		for _, verb := range r.Verbs {
			for _, url := range r.NonResourceURLs {
				a := &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), Verb: verb, Path: url}
				if s.Authorizer.Authorize(a).Allowed {
					continue
				}
				if where.Cluster {
					ok, err := s.clusterBindingsAllow(ctx, u, a)
					if err != nil {
						return "", err
					}
					if ok {
						continue
					}
				}
				return verb + " " + url, nil
			}
			for _, group := range r.APIGroups {
				for _, res := range r.Resources {
					resource, sub, _ := strings.Cut(res, "/")
					names := r.ResourceNames
					if len(names) == 0 {
						names = []string{""}
					}
					for _, name := range names {
						a := &authz.Attributes{User: u.GetName(), Groups: u.GetGroups(), ResourceRequest: true, Verb: verb,
							APIGroup: group, Resource: resource, Subresource: sub, Name: name, Workspace: where.Workspace, Namespace: where.Namespace}
						if !s.Authorizer.Authorize(a).Allowed {
							what := verb + " " + res
							if group != "" {
								what = verb + " " + group + "/" + res
							}
							if name != "" {
								what += " " + name
							}
							return what, nil
						}
					}
				}
			}
		}
	}
	return "", nil
}

// clusterBindingsAllow reports whether a native ClusterRoleBinding of u
// allows a non-resource request.
func (s *Service) clusterBindingsAllow(ctx context.Context, u user.Info, a *authz.Attributes) (bool, error) {
	list := &rbacv1.ClusterRoleBindingList{}
	if err := s.Reader.List(ctx, list); err != nil {
		return false, err
	}
	for i := range list.Items {
		b := &list.Items[i]
		if b.RoleRef.Kind != "ClusterRole" || !boundTo(b.Subjects, u) {
			continue
		}
		role := &rbacv1.ClusterRole{}
		if err := s.Reader.Get(ctx, client.ObjectKey{Name: b.RoleRef.Name}, role); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return false, err
		}
		if authz.RulesAllow(a, role.Rules) {
			return true, nil
		}
	}
	return false, nil
}

func boundTo(subjects []rbacv1.Subject, u user.Info) bool {
	for _, sub := range subjects {
		switch sub.Kind {
		case rbacv1.UserKind:
			if sub.Name == u.GetName() {
				return true
			}
		case rbacv1.GroupKind:
			if contains(u.GetGroups(), sub.Name) {
				return true
			}
		}
	}
	return false
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
func (s *Service) effectiveRules(ctx context.Context, templates []string, aggregates bool, own []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	if !aggregates {
		return own
	}
	rules, _ := roletemplate.Aggregate(templates, s.lookupTemplate(ctx))
	return rules
}

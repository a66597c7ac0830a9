package authz

import (
	"strings"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
)

// SelfService lets every authenticated user act on their own account:
// read it, edit its profile (the update endpoint takes profile fields only),
// change its password, get its kubeconfig, role templates and login
// records, and ask what they may do. Disabling, enabling or unlocking
// oneself is not among them. Everything else goes to Next, which also
// decides actions on user and group subresources that role templates do
// not name by what they amount to (see subresourceAction).
type SelfService struct{ Next Decider }

// Authorize implements Decider.
func (s SelfService) Authorize(a *Attributes) Decision {
	if a.ResourceRequest && a.APIGroup == iamv1beta1.GroupName && !strings.HasPrefix(a.User, "system:") {
		switch {
		case a.Resource == "users" && a.Name == a.User && a.Subresource == "" && (a.Verb == "get" || a.Verb == "update" || a.Verb == "patch"),
			a.Resource == "users" && a.Name == a.User && a.Subresource == "password" && a.Verb == "update",
			a.Resource == "users" && a.Name == a.User && (a.Subresource == "kubeconfig" || a.Subresource == "roletemplates" || a.Subresource == "loginrecords") && a.Verb == "get",
			a.Resource == "subjectaccessreviews" && a.Subresource == "" && a.Verb == "create":
			return Decision{Allowed: true, Reason: "users may act on their own account"}
		}
	}
	d := s.Next.Authorize(a)
	if !d.Allowed {
		if m := subresourceAction(a); m != nil {
			if md := s.Next.Authorize(m); md.Allowed {
				return md
			}
		}
	}
	return d
}

// subresourceAction returns what an action on a subresource of users or
// groups that role templates do not name amounts to, or nil:
//   - POST users/{u}/disable, enable, unlock: update users {u};
//   - GET users/{u}/loginrecords: list loginrecords;
//   - groups/{g}/members[/{u}]: the same verb on groupbindings (get is list).
func subresourceAction(a *Attributes) *Attributes {
	if !a.ResourceRequest || a.APIGroup != iamv1beta1.GroupName {
		return nil
	}
	m := *a
	switch {
	case a.Resource == "users" && a.Verb == "create" && (a.Subresource == "disable" || a.Subresource == "enable" || a.Subresource == "unlock"):
		m.Verb, m.Subresource = "update", ""
	case a.Resource == "users" && a.Subresource == "loginrecords" && (a.Verb == "get" || a.Verb == "list"):
		m.Verb, m.Resource, m.Subresource, m.Name = "list", "loginrecords", "", ""
	case a.Resource == "groups" && (a.Subresource == "members" || strings.HasPrefix(a.Subresource, "members/")):
		m.Resource, m.Subresource, m.Name = "groupbindings", "", ""
		if m.Verb == "get" {
			m.Verb = "list"
		}
	default:
		return nil
	}
	return &m
}

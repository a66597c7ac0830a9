package filters

import (
	"slices"

	"k8s.io/apiserver/pkg/authentication/user"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/request"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// Rule adapts the authorization of a platform route whose URL names a
// resource the roles know under another group or name (for example a
// workspace's projects are namespaces), or whose handler authorizes itself
// (lists trimmed to what the caller may see).
type Rule struct {
	// Group and Resource match the request info (the URL); Resource "*"
	// matches every resource of the group.
	Group, Resource string
	// Level, when set, restricts the rule to requests at that level.
	Level iamv1beta1.Level
	// AuthzGroup and AuthzResource are what the authorizer checks instead.
	AuthzGroup, AuthzResource string
	// Delegate lets the request through to its handler, which authorizes
	// every object it returns or changes.
	Delegate bool
	// Verbs, when set, restricts a Delegate rule to these verbs.
	Verbs []string
	// Discovery, with Delegate, lets every authenticated user read the
	// group's discovery document (GET /kapis/{group}/{version}), which is
	// not a resource; the rule matches nothing else.
	Discovery bool
}

// Rules maps requests to authorization attributes.
type Rules []Rule

// Map returns the attributes to authorize, or delegate when the handler
// authorizes the request itself.
func (rs Rules) Map(u user.Info, info *request.Info) (a *authz.Attributes, delegate bool) {
	a = AttributesFor(u, info)
	if info.APIPrefix != "kapis" {
		return a, false
	}
	if !info.IsResourceRequest {
		return a, rs.discovery(info)
	}
	for _, r := range rs {
		if r.Discovery {
			continue
		}
		if r.Group != info.APIGroup || (r.Resource != "*" && r.Resource != info.Resource) || (r.Level != "" && r.Level != info.Level) {
			continue
		}
		if r.Delegate && (len(r.Verbs) == 0 || slices.Contains(r.Verbs, info.Verb)) {
			return a, true
		}
		if r.AuthzResource != "" {
			a.APIGroup, a.Resource = r.AuthzGroup, r.AuthzResource
		}
		return a, false
	}
	return a, false
}

// discovery reports whether a Discovery rule delegates the request: a GET
// of a group version's discovery document.
func (rs Rules) discovery(info *request.Info) bool {
	if info.APIGroup == "" || len(info.Parts) != 0 || info.Verb != "get" {
		return false
	}
	for _, r := range rs {
		if r.Discovery && r.Delegate && r.Group == info.APIGroup {
			return true
		}
	}
	return false
}

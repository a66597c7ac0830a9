package iam

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/authz"
)

// The level model (docs/proposals/20261203-level-model.md): members and
// roles of the four levels go through one level, loaded by Service.level,
// which knows the level's kind of role and of binding, the lock of its
// member changes and the member the platform keeps. The kinds of each level
// are in platform.go, cluster.go, workspace.go and project.go; members.go
// and roles.go hold what every level does alike.

// At names one place of a level: the platform or the cluster (no name), a
// workspace or a project (a namespace) by its name.
type At struct {
	Level iamv1beta1.Level
	Name  string
}

// String says where, for messages: "in workspace acme".
func (a At) String() string {
	switch a.Level {
	case iamv1beta1.LevelNamespace:
		return "in namespace " + a.Name
	case iamv1beta1.LevelWorkspace:
		return "in workspace " + a.Name
	case iamv1beta1.LevelCluster:
		return "in the cluster"
	}
	return "on the platform"
}

// place is where the authorizer checks a permission that applies at a:
// the cluster is checked as the platform is.
func (a At) place() authz.Place {
	switch a.Level {
	case iamv1beta1.LevelNamespace:
		return authz.Place{Namespace: a.Name}
	case iamv1beta1.LevelWorkspace:
		return authz.Place{Workspace: a.Name}
	}
	return authz.Place{}
}

// level is a loaded place of a level: what its roles and bindings are, and
// the rules its members keep to.
type level struct {
	At
	roles roleKind
	// bindings is nil on the platform, whose bindings the API does not
	// manage as members.
	bindings bindingKind
	// lockKey serializes the member changes of the level in this replica.
	lockKey string
	// keeper is the user the platform keeps bound to keeper.role at the
	// level (a workspace's manager, a project's creator), if any.
	keeper keeper
	// admin is the role whose last holder cannot leave, or "".
	admin string
}

// keeper is a member the platform keeps, with its role and why.
type keeper struct {
	user, role, why string
}

// roleKind is the kind of role of a level.
type roleKind interface {
	// kind is the role's Kind; gr its resource, for errors.
	kind() string
	gr() schema.GroupResource
	list(ctx context.Context) ([]client.Object, error)
	// get returns the object of the name (nil when there is none) and
	// whether it is a role of the level.
	get(ctx context.Context, name string) (obj client.Object, ours bool, err error)
	// build returns a new role, or a changed copy of existing.
	build(existing client.Object, name string, annotations map[string]string, templates []string, rules []rbacv1.PolicyRule) client.Object
	// inUse counts the bindings that grant the role.
	inUse(ctx context.Context, name string) (int, error)
	checkName(name string) field.ErrorList
	// names are the names a member's role may be given as ("admin" for
	// "<ws>-admin" in a workspace), in the order they are tried.
	names(name string) []string
	// pending returns a built-in role of the level that ke-controller-manager
	// has not made yet (builtin/pending.go), by its full name. taken says
	// that an object of the name exists that is not a role of the level.
	pending(ctx context.Context, name string, taken bool) (string, []rbacv1.PolicyRule, bool, error)
}

// bindingKind is the kind of binding that makes a user a member of a level.
type bindingKind interface {
	// gr is the members' resource, for errors.
	gr() schema.GroupResource
	// list returns the bindings to users at the level.
	list(ctx context.Context) ([]memberBinding, error)
	build(name, username, role string) client.Object
	// withoutUser returns a copy of the binding without the user as subject.
	withoutUser(obj client.Object, username string) client.Object
}

// level loads the place at: 404 when its workspace or namespace does not exist.
func (s *Service) level(ctx context.Context, at At) (*level, error) {
	switch at.Level {
	case iamv1beta1.LevelGlobal:
		return s.platformLevel(), nil
	case iamv1beta1.LevelCluster:
		return s.clusterLevel(), nil
	case iamv1beta1.LevelWorkspace:
		return s.workspaceLevel(ctx, at.Name)
	case iamv1beta1.LevelNamespace:
		return s.projectLevel(ctx, at.Name)
	}
	return nil, fmt.Errorf("no level %q", at.Level)
}

// memberLevel loads a level whose members the API manages.
func (s *Service) memberLevel(ctx context.Context, at At) (*level, error) {
	if at.Level == iamv1beta1.LevelGlobal {
		return nil, fmt.Errorf("no members at the %s level", at.Level)
	}
	return s.level(ctx, at)
}

// resolveRole resolves a role that a member of the level may be given:
// its full name and the rules it grants. ok is false when there is none.
func (s *Service) resolveRole(ctx context.Context, lv *level, name string) (resolved string, rules []rbacv1.PolicyRule, ok bool, err error) {
	taken := false
	for _, n := range lv.roles.names(name) {
		obj, ours, err := lv.roles.get(ctx, n)
		if err != nil {
			return "", nil, false, err
		}
		if ours {
			return n, s.effectiveRules(ctx, roleOf(obj)), true, nil
		}
		taken = taken || obj != nil
	}
	return lv.roles.pending(ctx, name, taken)
}

// lookup reads obj from the cache; nil when there is none.
func (s *Service) lookup(ctx context.Context, key client.ObjectKey, obj client.Object) (client.Object, error) {
	if err := s.Reader.Get(ctx, key, obj); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return obj, nil
}

// objects returns the items of a list as objects, those that keep accepts
// (all with a nil keep).
func objects[T any, P interface {
	*T
	client.Object
}](items []T, keep func(P) bool) []client.Object {
	out := make([]client.Object, 0, len(items))
	for i := range items {
		if p := P(&items[i]); keep == nil || keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// count counts the items that match.
func count[T any](items []T, match func(*T) bool) int {
	n := 0
	for i := range items {
		if match(&items[i]) {
			n++
		}
	}
	return n
}

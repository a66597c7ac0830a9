// Package bootstrap creates what the platform needs before anyone logs in:
// the system namespace, the built-in role templates and roles, the host
// cluster, and an initial administrator whose generated password is kept in
// a Secret until it is changed.
package bootstrap

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	clusterv1alpha1 "github.com/superkube/super-kubenetes/api/cluster/v1alpha1"
	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/nativerole"
	"github.com/superkube/super-kubenetes/internal/iam/builtin"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
)

// Names of what the bootstrap creates.
const (
	// AdminUser is the initial administrator.
	AdminUser = "admin"
	// AdminPasswordSecret holds the initial administrator's generated
	// password until it is changed (keys "username" and "password").
	AdminPasswordSecret = "admin-initial-password"
	// FieldOwner is the manager name of the bootstrap's writes.
	FieldOwner = "ke-controller-manager-bootstrap"
)

// Bootstrap is a manager Runnable that runs once on the leader.
type Bootstrap struct {
	Client client.Client
	// Reader reads Secrets directly, without caching them.
	Reader          client.Reader
	SystemNamespace string
	AdminEmail      string
	BcryptCost      int
	// Passwords keeps the administrator's password hash.
	Passwords *passwordsecret.Store
	// Elected, with leader election, is closed when this replica leads (the
	// manager's Elected()). A standby replica reports ready: it has nothing
	// to do until it leads. Without leader election it is nil.
	Elected <-chan struct{}
	done    atomic.Bool
}

// NeedLeaderElection makes only the leader bootstrap.
func (b *Bootstrap) NeedLeaderElection() bool { return true }

// Start bootstraps, retrying with back-off until it succeeds or ctx ends.
func (b *Bootstrap) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("bootstrap")
	backoff := wait.Backoff{Duration: time.Second, Factor: 2, Steps: 8, Cap: time.Minute}
	for {
		err := b.Run(ctx)
		if err == nil {
			b.done.Store(true)
			log.Info("Bootstrap complete")
			return nil
		}
		log.Error(err, "Bootstrap failed; retrying")
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff.Step()):
		}
	}
}

// Ready is a readiness check: the leader is ready once the bootstrap has
// completed; a standby replica is ready at once.
func (b *Bootstrap) Ready(*http.Request) error {
	if b.Elected != nil {
		select {
		case <-b.Elected:
		default:
			return nil
		}
	}
	if !b.done.Load() {
		return errors.New("bootstrap has not completed")
	}
	return nil
}

// Completed reports whether this replica has bootstrapped.
func (b *Bootstrap) Completed() bool { return b.done.Load() }

// Run performs every step once; each is idempotent.
func (b *Bootstrap) Run(ctx context.Context) error {
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{
		{"system namespace", b.namespace},
		{"role templates", b.templates},
		{"global roles", b.globalRoles},
		{"cluster roles", b.clusterRoles},
		{"host cluster", b.hostCluster},
		{"administrator", b.admin},
	}
	for _, s := range steps {
		if err := s.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func (b *Bootstrap) namespace(ctx context.Context) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.SystemNamespace}}
	err := b.Client.Create(ctx, ns)
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (b *Bootstrap) templates(ctx context.Context) error {
	for _, t := range builtin.Templates() {
		rt := &iamv1beta1.RoleTemplate{ObjectMeta: metav1.ObjectMeta{Name: t.Name}}
		if _, err := controllerutil.CreateOrPatch(ctx, b.Client, rt, func() error {
			rt.Labels = merge(rt.Labels, map[string]string{
				iamv1beta1.ScopeLabel:    string(t.Scope),
				iamv1beta1.CategoryLabel: t.Category,
				iamv1beta1.BuiltinLabel:  "true",
			})
			rt.Spec = iamv1beta1.RoleTemplateSpec{DisplayName: t.DisplayName, Description: t.Description, Rules: t.Rules, Dependencies: t.Dependencies}
			return nil
		}); err != nil {
			return fmt.Errorf("role template %s: %w", t.Name, err)
		}
	}
	return nil
}

func (b *Bootstrap) globalRoles(ctx context.Context) error {
	for _, r := range builtin.GlobalRoles() {
		gr := &iamv1beta1.GlobalRole{ObjectMeta: metav1.ObjectMeta{Name: r.Name}}
		if _, err := controllerutil.CreateOrPatch(ctx, b.Client, gr, func() error {
			gr.Labels = merge(gr.Labels, map[string]string{iamv1beta1.BuiltinLabel: "true", iamv1beta1.ScopeLabel: string(iamv1beta1.LevelGlobal)})
			gr.Annotations = merge(gr.Annotations, map[string]string{tenantv1beta1.DisplayNameAnnotation: r.DisplayName["en"]})
			if r.Templates != nil {
				gr.AggregationRoleTemplates = &iamv1beta1.AggregationRoleTemplates{TemplateNames: r.Templates}
			} else {
				gr.AggregationRoleTemplates = nil
				gr.Rules = r.Rules
			}
			return nil
		}); err != nil {
			return fmt.Errorf("global role %s: %w", r.Name, err)
		}
	}
	return nil
}

func (b *Bootstrap) clusterRoles(ctx context.Context) error {
	return EnsureClusterRoles(ctx, b.Client, b.Reader, b.Client)
}

// EnsureClusterRoles makes a cluster's built-in cluster-level roles: it
// labels Kubernetes' own cluster-admin, and makes cluster-viewer from the
// role templates that templates reads (the host's). w writes and r reads
// the cluster's roles (the host's or a member's).
func EnsureClusterRoles(ctx context.Context, w client.Client, r client.Reader, templates client.Reader) error {
	// cluster-admin is Kubernetes' own role: label it so it lists as a
	// cluster-level role, and leave its rules to kube-apiserver.
	admin := &rbacv1.ClusterRole{}
	if err := r.Get(ctx, types.NamespacedName{Name: builtin.ClusterAdmin}, admin); err != nil {
		return err
	}
	labels := map[string]string{iamv1beta1.ScopeLabel: string(iamv1beta1.LevelCluster), iamv1beta1.BuiltinLabel: "true"}
	if admin.Labels[iamv1beta1.ScopeLabel] != labels[iamv1beta1.ScopeLabel] || admin.Labels[iamv1beta1.BuiltinLabel] != "true" {
		before := admin.DeepCopy()
		admin.Labels = merge(admin.Labels, labels)
		if err := w.Patch(ctx, admin, client.MergeFrom(before)); err != nil {
			return err
		}
	}
	return nativerole.Ensure(ctx, w, nativerole.ClusterRoles, types.NamespacedName{Name: builtin.ClusterViewer}, builtin.ClusterViewerTemplates(),
		labels, map[string]string{tenantv1beta1.DisplayNameAnnotation: "Cluster viewer"},
		func(name string) (*iamv1beta1.RoleTemplate, bool) {
			t := &iamv1beta1.RoleTemplate{}
			return t, templates.Get(ctx, types.NamespacedName{Name: name}, t) == nil
		})
}

func (b *Bootstrap) hostCluster(ctx context.Context) error {
	c := &clusterv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: clusterv1alpha1.HostClusterName}}
	_, err := controllerutil.CreateOrPatch(ctx, b.Client, c, func() error {
		c.Labels = merge(c.Labels, map[string]string{clusterv1alpha1.HostClusterLabel: ""})
		c.Spec.Connection = clusterv1alpha1.Connection{Type: clusterv1alpha1.ConnectionHost}
		if c.Spec.Provider == "" {
			c.Spec.Provider = "local"
		}
		if c.CreationTimestamp.IsZero() {
			c.Spec.Enable = true
		}
		return nil
	})
	return err
}

// admin creates the initial administrator once. Its password is generated
// and kept in a Secret first (so that a crash in between does not lose it);
// its hash goes into the administrator's password Secret, never into the
// User.
func (b *Bootstrap) admin(ctx context.Context) error {
	u := &iamv1beta1.User{}
	err := b.Client.Get(ctx, types.NamespacedName{Name: AdminUser}, u)
	switch {
	case err == nil:
	case apierrors.IsNotFound(err):
		if _, err := b.initialPassword(ctx, true); err != nil {
			return err
		}
		u = &iamv1beta1.User{
			ObjectMeta: metav1.ObjectMeta{Name: AdminUser, Annotations: map[string]string{tenantv1beta1.DisplayNameAnnotation: "Administrator"}},
			Spec: iamv1beta1.UserSpec{
				Email:                  b.AdminEmail,
				DisplayName:            "Administrator",
				PasswordChangeRequired: true,
			},
		}
		if err := b.Client.Create(ctx, u); err != nil {
			if !apierrors.IsAlreadyExists(err) {
				return err
			}
			if err := b.Reader.Get(ctx, types.NamespacedName{Name: AdminUser}, u); err != nil {
				return err
			}
		}
	default:
		return err
	}
	if err := b.adminPassword(ctx, u); err != nil {
		return err
	}
	return b.bindAdmin(ctx)
}

// initialPassword returns the generated password kept in the Secret,
// making it first when create is set; "" when there is none.
func (b *Bootstrap) initialPassword(ctx context.Context, create bool) (string, error) {
	secret := &corev1.Secret{}
	err := b.Reader.Get(ctx, types.NamespacedName{Namespace: b.SystemNamespace, Name: AdminPasswordSecret}, secret)
	switch {
	case err == nil:
		return string(secret.Data["password"]), nil
	case !apierrors.IsNotFound(err):
		return "", err
	case !create:
		return "", nil
	}
	plain, err := Generate(20)
	if err != nil {
		return "", err
	}
	secret = &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: b.SystemNamespace, Name: AdminPasswordSecret,
			Labels: map[string]string{iamv1beta1.UserRefLabel: AdminUser}},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{"username": AdminUser, "password": plain},
	}
	if err := b.Client.Create(ctx, secret); err != nil {
		return "", err
	}
	return plain, nil
}

// adminPassword stores the hash of the generated password while its Secret
// is there and the administrator has no password yet: at the first start,
// or when a crash came between making the user and storing the hash.
func (b *Bootstrap) adminPassword(ctx context.Context, u *iamv1beta1.User) error {
	if u.Spec.Password != "" {
		return nil // the user controller moves it
	}
	plain, err := b.initialPassword(ctx, false)
	if err != nil || plain == "" {
		return err
	}
	if hash, err := b.Passwords.Hash(ctx, u); err != nil || hash != "" {
		return err
	}
	hash, err := password.Hash(plain, b.BcryptCost)
	if err != nil {
		return err
	}
	return b.Passwords.Set(ctx, u, hash)
}

func (b *Bootstrap) bindAdmin(ctx context.Context) error {
	grb := &iamv1beta1.GlobalRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: AdminUser + "-" + builtin.PlatformAdmin}}
	_, err := controllerutil.CreateOrPatch(ctx, b.Client, grb, func() error {
		grb.Labels = merge(grb.Labels, map[string]string{iamv1beta1.UserRefLabel: AdminUser, iamv1beta1.RoleRefLabel: builtin.PlatformAdmin})
		grb.RoleRef = iamv1beta1.RoleRef{APIGroup: iamv1beta1.GroupName, Kind: "GlobalRole", Name: builtin.PlatformAdmin}
		grb.Subjects = []iamv1beta1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: AdminUser}}
		return nil
	})
	return err
}

// Generate returns a random password of n characters with lower- and
// upper-case letters, digits and symbols.
func Generate(n int) (string, error) {
	const (
		lower  = "abcdefghijkmnopqrstuvwxyz"
		upper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digits = "23456789"
		symbol = "!#%+-=?@_"
	)
	classes := []string{lower, upper, digits, symbol}
	all := lower + upper + digits + symbol
	out := make([]byte, n)
	for i := range out {
		set := all
		if i < len(classes) {
			set = classes[i] // one of each class at least
		}
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return "", err
		}
		out[i] = set[k.Int64()]
	}
	// Shuffle so the guaranteed characters are not always first.
	for i := len(out) - 1; i > 0; i-- {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		j := k.Int64()
		out[i], out[j] = out[j], out[i]
	}
	return string(out), nil
}

func merge(into, from map[string]string) map[string]string {
	if into == nil {
		into = map[string]string{}
	}
	for k, v := range from {
		into[k] = v
	}
	return into
}

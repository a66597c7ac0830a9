// Package release wraps the Helm SDK's actions (install, upgrade,
// rollback, uninstall, history, get, dry-run render) for the app store.
// Every action runs as a user: the Helm clients impersonate the user and
// the user's groups (see Getter), so the release's objects and Helm's
// release records (Secrets in the release's namespace, Helm's default
// storage) are written with that user's permissions only.
package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v4/pkg/action"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	hrelease "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/rest"
)

// Release is Helm's record of one revision of a release.
type Release = hrelease.Release

// MaxHistory is how many revisions Helm keeps per release (older release
// Secrets are deleted on upgrade and rollback).
const MaxHistory = 20

// ErrNotFound says the release has no revision (never installed, or
// uninstalled).
var ErrNotFound = driver.ErrReleaseNotFound

// Client runs Helm's actions as users.
type Client struct {
	// Config is ke-controller-manager's identity, which may impersonate.
	Config *rest.Config
	// Log receives Helm's log lines (discarded if unset).
	Log logr.Logger
}

// Operation is one action on a release.
type Operation struct {
	// Name and Namespace of the release.
	Name, Namespace string
	// User the action runs as.
	User user.Info
	// Chart and Values (user-supplied values; the chart's defaults apply
	// underneath) for install, upgrade and dry-run.
	Chart  *chart.Chart
	Values map[string]any
	// Timeout bounds the waits on hooks (and Helm's own operation).
	Timeout time.Duration
	// Description is written to the revision (Helm's default if empty).
	Description string
}

// configuration returns an initialised action configuration acting as u.
func (c *Client) configuration(ns string, u user.Info) (*action.Configuration, error) {
	if u == nil || u.GetName() == "" {
		return nil, errors.New("no user to act as")
	}
	h := slog.DiscardHandler
	if c.Log.GetSink() != nil {
		h = logr.ToSlogHandler(c.Log)
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(h))
	getter := NewGetter(c.Config, ns, u)
	if err := cfg.Init(getter, ns, "secret"); err != nil {
		return nil, err
	}
	if kc, ok := cfg.KubeClient.(*kube.Client); ok {
		kc.Namespace = ns
		kc.SetLogger(h)
	}
	return cfg, nil
}

func asRelease(r ri.Releaser) *Release {
	rel, _ := r.(*Release)
	return rel
}

// Install installs a chart as a new release (Helm's install; only the
// hooks are waited for). A release whose revisions all failed is replaced.
func (c *Client) Install(ctx context.Context, op Operation) (*Release, error) {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return nil, err
	}
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace = op.Name, op.Namespace
	in.Timeout = op.Timeout
	in.WaitStrategy = kube.HookOnlyStrategy
	in.Replace = true // only a failed or uninstalled release may be replaced (Helm checks)
	in.Description = op.Description
	r, err := in.RunWithContext(ctx, op.Chart, op.Values)
	return asRelease(r), err
}

// Upgrade upgrades a release to a chart and values (Helm's upgrade with
// the given values only, not reusing the previous ones).
func (c *Client) Upgrade(ctx context.Context, op Operation) (*Release, error) {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return nil, err
	}
	up := action.NewUpgrade(cfg)
	up.Namespace = op.Namespace
	up.Timeout = op.Timeout
	up.WaitStrategy = kube.HookOnlyStrategy
	up.MaxHistory = MaxHistory
	up.ResetValues = true
	up.Description = op.Description
	r, err := up.RunWithContext(ctx, op.Name, op.Chart, op.Values)
	return asRelease(r), err
}

// Rollback rolls a release back to revision (a new revision with the old
// one's chart and values).
func (c *Client) Rollback(ctx context.Context, op Operation, revision int) error {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return err
	}
	rb := action.NewRollback(cfg)
	rb.Version = revision
	rb.Timeout = op.Timeout
	rb.WaitStrategy = kube.HookOnlyStrategy
	rb.MaxHistory = MaxHistory
	rb.Description = op.Description
	// Helm's rollback takes no context; it ends by its timeout.
	done := make(chan error, 1)
	go func() { done <- rb.Run(op.Name) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Uninstall uninstalls a release and deletes its history (no Helm Secret
// is left). A release that does not exist is not an error.
func (c *Client) Uninstall(ctx context.Context, op Operation) error {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return err
	}
	un := action.NewUninstall(cfg)
	un.Timeout = op.Timeout
	un.WaitStrategy = kube.HookOnlyStrategy
	un.IgnoreNotFound = true
	un.DeletionPropagation = "background"
	done := make(chan error, 1)
	go func() {
		_, err := un.Run(op.Name)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// History returns the release's revisions, in no particular order; none
// (and no error) when the release does not exist.
func (c *Client) History(_ context.Context, op Operation) ([]*Release, error) {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return nil, err
	}
	rs, err := action.NewHistory(cfg).Run(op.Name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]*Release, 0, len(rs))
	for _, r := range rs {
		if rel := asRelease(r); rel != nil {
			out = append(out, rel)
		}
	}
	return out, nil
}

// Get returns a revision of the release (0: the latest); ErrNotFound if
// there is none.
func (c *Client) Get(_ context.Context, op Operation, revision int) (*Release, error) {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return nil, err
	}
	g := action.NewGet(cfg)
	g.Version = revision
	r, err := g.Run(op.Name)
	if err != nil {
		return nil, err
	}
	return asRelease(r), nil
}

// Rendered is the result of a dry run.
type Rendered struct {
	// Manifest is the rendered objects (hooks follow, each under a
	// "# Source:" comment); Current is the deployed revision's, "" when the
	// release is new. Notes is the rendered NOTES.txt.
	Manifest, Current, Notes string
}

// DryRun renders what an install (or, when the release exists, an
// upgrade) would apply, as the user, against the server (the user's
// lookups and the server's validation apply) without changing anything.
func (c *Client) DryRun(ctx context.Context, op Operation) (*Rendered, error) {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return nil, err
	}
	var current *Release
	if last, err := cfg.Releases.Deployed(op.Name); err == nil {
		current = asRelease(last)
	} else if !errors.Is(err, driver.ErrNoDeployedReleases) && !errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, err
	}
	var r *Release
	if hist, _ := cfg.Releases.History(op.Name); len(hist) > 0 {
		up := action.NewUpgrade(cfg)
		up.Namespace = op.Namespace
		up.DryRunStrategy = action.DryRunServer
		up.ResetValues = true
		res, err := up.RunWithContext(ctx, op.Name, op.Chart, op.Values)
		if err != nil {
			return nil, err
		}
		r = asRelease(res)
	} else {
		in := action.NewInstall(cfg)
		in.ReleaseName, in.Namespace = op.Name, op.Namespace
		in.DryRunStrategy = action.DryRunServer
		res, err := in.RunWithContext(ctx, op.Chart, op.Values)
		if err != nil {
			return nil, err
		}
		r = asRelease(res)
	}
	out := &Rendered{}
	if r != nil {
		out.Manifest, out.Notes = withHooks(r), notes(r)
	}
	if current != nil {
		out.Current = withHooks(current)
	}
	return out, nil
}

func notes(r *Release) string {
	if r.Info == nil {
		return ""
	}
	return r.Info.Notes
}

// withHooks is the release's manifest followed by its hooks.
func withHooks(r *Release) string {
	var b bytes.Buffer
	b.WriteString(r.Manifest)
	for _, h := range r.Hooks {
		fmt.Fprintf(&b, "\n---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String()
}

// Pending returns the latest revision when Helm records it as pending
// (pending-install, pending-upgrade or pending-rollback), else nil.
func (c *Client) Pending(ctx context.Context, op Operation) (*Release, error) {
	r, err := c.Get(ctx, op, 0)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if r == nil || r.Info == nil || !r.Info.Status.IsPending() {
		return nil, nil
	}
	return r, nil
}

// MarkFailed records a pending revision as failed with description, as
// Helm's own failure does, so that the next upgrade, rollback or install
// may proceed (Helm refuses to act on a release whose last revision is
// pending: "another operation is in progress").
func (c *Client) MarkFailed(_ context.Context, op Operation, r *Release, description string) error {
	cfg, err := c.configuration(op.Namespace, op.User)
	if err != nil {
		return err
	}
	r.SetStatus(rcommon.StatusFailed, description)
	return cfg.Releases.Update(r)
}

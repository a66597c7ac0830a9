package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	devopsv1alpha3 "github.com/superkube/super-kubenetes/api/devops/v1alpha3"
	"github.com/superkube/super-kubenetes/internal/devops/gitea"
	"github.com/superkube/super-kubenetes/internal/devops/names"
)

// DefaultDiscoveryInterval is the time between two scans of a pipeline's
// branches when discovery.interval is not set.
const DefaultDiscoveryInterval = 5 * time.Minute

// Ref is a discovered branch or pull request.
type Ref struct {
	// Name is the branch, or "pr-<n>".
	Name string
	// Branch is the branch the child builds (a pull request's head).
	Branch string
}

// Discoverer lists the branches and open pull requests of a source.
type Discoverer interface {
	// Discover returns the source's branches and, with pullRequests, its
	// open pull requests (as "pr-<n>").
	Discover(ctx context.Context, src *devopsv1alpha3.Source, credential map[string][]byte, pullRequests bool) ([]Ref, error)
}

// GiteaDiscoverer discovers through Gitea's API.
type GiteaDiscoverer struct {
	// HTTPClient; nil is one with a 30s timeout.
	HTTPClient *http.Client
}

// Discover lists the branches and open pull requests.
func (g *GiteaDiscoverer) Discover(ctx context.Context, src *devopsv1alpha3.Source, cred map[string][]byte, pullRequests bool) ([]Ref, error) {
	base, owner, repo, err := gitea.SplitCloneURL(src.URL)
	if err != nil {
		return nil, err
	}
	var auth gitea.Auth
	switch {
	case len(cred["password"]) > 0:
		auth = gitea.Auth{Username: string(cred["username"]), Password: string(cred["password"])}
	case len(cred["secret"]) > 0:
		auth = gitea.Auth{Token: string(cred["secret"])}
	}
	hc := g.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	c := gitea.New(base, auth, hc)
	branches, err := c.Branches(ctx, owner, repo)
	if err != nil {
		return nil, err
	}
	var refs []Ref
	for _, b := range branches {
		refs = append(refs, Ref{Name: b.Name, Branch: b.Name})
	}
	if pullRequests {
		prs, err := c.OpenPullRequests(ctx, owner, repo)
		if err != nil {
			return nil, err
		}
		for _, pr := range prs {
			refs = append(refs, Ref{Name: "pr-" + strconv.FormatInt(pr.Number, 10), Branch: pr.Head})
		}
	}
	return refs, nil
}

// scans remembers when each pipeline was scanned, and for which request
// and generation, so that a reconcile for another reason scans nothing.
type scans struct {
	mu   sync.Mutex
	last map[types.NamespacedName]scan
}

type scan struct {
	at         time.Time
	request    string
	generation int64
}

// discovering says whether the pipeline discovers branches.
func discovering(p *devopsv1alpha3.Pipeline) bool {
	s := p.Spec.Source
	return s != nil && s.Discovery != nil && s.Provider == "gitea"
}

func interval(p *devopsv1alpha3.Pipeline) time.Duration {
	if d := p.Spec.Source.Discovery.Interval; d != nil && d.Duration > 0 {
		return d.Duration
	}
	return DefaultDiscoveryInterval
}

// matches says whether a branch matches the discovery's globs.
func matches(globs []string, branch string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, g := range globs {
		if ok, err := path.Match(g, branch); err == nil && ok {
			return true
		}
	}
	return false
}

// discover scans the pipeline's branches when it is due and keeps one
// child pipeline per matching branch and pull request. It returns the
// wait until the next scan.
func (r *Reconciler) discover(ctx context.Context, p *devopsv1alpha3.Pipeline) (time.Duration, error) {
	key := client.ObjectKeyFromObject(p)
	if !discovering(p) || r.Discoverer == nil {
		if len(p.Status.Branches) > 0 {
			// Discovery was turned off: the children go.
			if err := r.pruneChildren(ctx, p, nil); err != nil {
				return 0, err
			}
			p.Status.Branches = nil
		}
		return 0, nil
	}
	every := interval(p)
	request := p.Annotations[devopsv1alpha3.ScanRequestedAnnotation]
	now := r.now()
	r.scans.mu.Lock()
	if r.scans.last == nil {
		r.scans.last = map[types.NamespacedName]scan{}
	}
	last, seen := r.scans.last[key]
	r.scans.mu.Unlock()
	if seen && last.request == request && last.generation == p.Generation && now.Sub(last.at) < every {
		return every - now.Sub(last.at), nil
	}
	var cred map[string][]byte
	if name := p.Spec.Source.Credential; name != "" {
		s := &corev1.Secret{}
		if err := r.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: name}, s); err != nil {
			return every, client.IgnoreNotFound(err)
		}
		cred = s.Data
	}
	refs, err := r.Discoverer.Discover(ctx, p.Spec.Source, cred, p.Spec.Source.Discovery.PullRequests)
	if err != nil {
		// The Git server may be away: the children stay, the next scan
		// tries again.
		logger(ctx).Error(err, "discovering the branches", "pipeline", key)
		r.event(p, corev1.EventTypeWarning, "DiscoveryFailed", fmt.Sprintf("listing the branches: %v", err))
		return time.Minute, nil
	}
	want := map[string]Ref{}
	for _, ref := range refs {
		if ref.Name != ref.Branch || matches(p.Spec.Source.Discovery.Branches, ref.Branch) {
			want[names.BranchPipeline(p.Name, ref.Name)] = ref
		}
	}
	var found []string
	for name, ref := range want {
		if err := r.ensureChild(ctx, p, name, ref); err != nil {
			return 0, err
		}
		found = append(found, ref.Name)
	}
	if err := r.pruneChildren(ctx, p, want); err != nil {
		return 0, err
	}
	slices.Sort(found)
	if len(found) > 500 {
		found = found[:500]
	}
	p.Status.Branches = found
	r.scans.mu.Lock()
	r.scans.last[key] = scan{at: now, request: request, generation: p.Generation}
	r.scans.mu.Unlock()
	return every, nil
}

// ensureChild creates or updates the child pipeline of a ref: the
// parent's spec building the ref's branch, without discovery.
func (r *Reconciler) ensureChild(ctx context.Context, p *devopsv1alpha3.Pipeline, name string, ref Ref) error {
	spec := p.Spec.DeepCopy()
	spec.Source.Branch = ref.Branch
	spec.Source.Discovery = nil
	labels := map[string]string{devopsv1alpha3.PipelineLabel: p.Name, devopsv1alpha3.BranchLabel: names.BranchLabel(ref.Name)}
	child := &devopsv1alpha3.Pipeline{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: p.Namespace, Name: name}, child)
	switch {
	case apierrors.IsNotFound(err):
		child = &devopsv1alpha3.Pipeline{ObjectMeta: metav1.ObjectMeta{Namespace: p.Namespace, Name: name, Labels: labels}, Spec: *spec}
		if c := p.Annotations[devopsv1alpha3.CreatorAnnotation]; c != "" {
			child.Annotations = map[string]string{devopsv1alpha3.CreatorAnnotation: c}
		}
		if err := controllerutil.SetControllerReference(p, child, r.Client.Scheme()); err != nil {
			return err
		}
		if err := r.Client.Create(ctx, child); err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		return nil
	case err != nil:
		return err
	}
	if !metav1.IsControlledBy(child, p) {
		// A pipeline of that name that is not the parent's child is left alone.
		r.event(p, corev1.EventTypeWarning, "DiscoveryConflict", fmt.Sprintf("pipeline %s exists and is not a child of %s; branch %s is not built", name, p.Name, ref.Name))
		return nil
	}
	before := child.DeepCopy()
	child.Spec = *spec
	for k, v := range labels {
		if child.Labels == nil {
			child.Labels = map[string]string{}
		}
		child.Labels[k] = v
	}
	if equality.Semantic.DeepEqual(before.Spec, child.Spec) && equality.Semantic.DeepEqual(before.Labels, child.Labels) {
		return nil
	}
	return client.IgnoreNotFound(r.Client.Patch(ctx, child, client.MergeFrom(before)))
}

// pruneChildren deletes the parent's children that want does not name.
func (r *Reconciler) pruneChildren(ctx context.Context, p *devopsv1alpha3.Pipeline, want map[string]Ref) error {
	var list devopsv1alpha3.PipelineList
	if err := r.Client.List(ctx, &list, client.InNamespace(p.Namespace), client.MatchingLabels{devopsv1alpha3.PipelineLabel: p.Name}); err != nil {
		return err
	}
	for i := range list.Items {
		c := &list.Items[i]
		if _, ok := want[c.Name]; ok || !metav1.IsControlledBy(c, p) {
			continue
		}
		if err := r.Client.Delete(ctx, c); client.IgnoreNotFound(err) != nil {
			return err
		}
	}
	return nil
}

func (r *Reconciler) event(p *devopsv1alpha3.Pipeline, kind, reason, note string) {
	if r.Recorder != nil {
		r.Recorder.Eventf(p, nil, kind, reason, "Discover", "%s", note)
	}
}

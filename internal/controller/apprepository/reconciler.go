// Package apprepository syncs the app store's Repositories: it reads a
// repository's index (HTTP index.yaml or OCI registry) and makes one
// Application per chart and one ApplicationVersion per chart version, and
// reports the sync in the Repository's status.
//
// When a sync happens: at once when the spec changes (which includes a
// new spec.syncRequestedAt, the console's "sync" button), then every
// spec.syncInterval (at least 5 minutes; 0 means never on its own). A
// failed sync is retried after RetryDelay. An interval sync whose index is
// unchanged (same status.indexDigest) writes nothing but the sync time.
//
// Review state of a new version: active when the repository is trusted;
// submitted (awaiting an app reviewer) for an untrusted platform
// repository; draft for an untrusted workspace repository. A version whose
// archive digest changes in an untrusted repository goes back to that
// state, with a review event saying why. When a repository becomes
// trusted, its draft, submitted and passed versions become active.
//
// Versions that vanished from the repository are deleted, except those an
// ApplicationRelease uses: they stay (annotated RemovedAnnotation) until no
// release uses them, so that a release can still be upgraded from, rolled
// back or uninstalled. An Application goes when none of its versions is
// left. Applications are owned by their Repository and versions by their
// Application, so deleting a Repository deletes what it synced (releases
// already installed stay installed).
package apprepository

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/superkube/super-kubenetes/internal/application/chartsource"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/application/names"
	"github.com/superkube/super-kubenetes/internal/application/repo"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
)

// +kubebuilder:rbac:groups=application.superkube.io,resources=repositories,verbs=get;list;watch
// +kubebuilder:rbac:groups=application.superkube.io,resources=repositories/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=application.superkube.io,resources=repositories/finalizers;applications/finalizers,verbs=update
// +kubebuilder:rbac:groups=application.superkube.io,resources=applications;applicationversions,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationreleases,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Defaults.
const (
	// MinInterval is the shortest sync interval; a shorter one counts as it.
	MinInterval = 5 * time.Minute
	// DefaultRetryDelay is the wait after a failed sync.
	DefaultRetryDelay = time.Minute
	// Reviewer is the user named in the review events the sync writes.
	Reviewer = "ke-controller-manager"
	// RemovedAnnotation marks a version that vanished from its repository
	// and is kept because a release uses it.
	RemovedAnnotation = "application.superkube.io/removed-from-repository"
	// CategoriesAnnotation of a chart (Chart.yaml annotations) lists the
	// Category names of a new Application, comma-separated.
	CategoriesAnnotation = "superkube.io/categories"
)

// Reconciler syncs Repositories.
type Reconciler struct {
	Client client.Client
	// Reader reads credentials Secrets, and objects again after a conflict
	// (uncached).
	Reader client.Reader
	// SecretNamespace holds credentials Secrets (superkube-system).
	SecretNamespace string
	Clock           clock.PassiveClock
	// RetryDelay after a failed sync; 0 means DefaultRetryDelay.
	RetryDelay time.Duration
	// Timeout of one repository read; 0 means repo.DefaultTimeout.
	Timeout time.Duration
	// Workers write objects in parallel; 0 means 8.
	Workers int
	// Transport replaces the HTTP transport of repository reads (tests).
	Transport http.RoundTripper
	// PlainHTTP reads OCI registries over plain HTTP (tests, ke-dev).
	PlainHTTP bool
	// WorkspaceAllowedCIDRs are the internal networks a workspace's
	// repository may reach; otherwise it reaches public addresses only.
	WorkspaceAllowedCIDRs []netip.Prefix
}

// SetupWithManager registers the controller.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Reader == nil {
		return errors.New("apprepository: Client and Reader are required")
	}
	if r.SecretNamespace == "" {
		r.SecretNamespace = appv2.SecretNamespace
	}
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	return ctrl.NewControllerManagedBy(mgr).Named("apprepository").
		// Status writes (the sync's own) do not start a sync.
		For(&appv2.Repository{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Complete(r)
}

// Reconcile syncs a repository when it is due.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rp := &appv2.Repository{}
	if err := r.Client.Get(ctx, req.NamespacedName, rp); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if rp.DeletionTimestamp != nil {
		return ctrl.Result{}, nil
	}
	now := r.Clock.Now()
	if due, wait := r.due(rp, now); !due {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	res, err := r.Sync(ctx, rp)
	if err := r.writeStatus(ctx, rp, res, err); err != nil {
		return ctrl.Result{}, err
	}
	if err != nil {
		log.FromContext(ctx).Info("repository sync failed", "repository", rp.Name, "error", err.Error())
		return ctrl.Result{RequeueAfter: r.retryDelay()}, nil
	}
	if iv := interval(rp); iv > 0 {
		return ctrl.Result{RequeueAfter: iv}, nil
	}
	return ctrl.Result{}, nil
}

func (r *Reconciler) retryDelay() time.Duration {
	if r.RetryDelay > 0 {
		return r.RetryDelay
	}
	return DefaultRetryDelay
}

func interval(rp *appv2.Repository) time.Duration {
	iv := rp.Spec.SyncInterval.Duration
	if iv <= 0 {
		return 0
	}
	return max(iv, MinInterval)
}

// due says whether rp should be synced now, else how long to wait (0:
// until the spec changes).
func (r *Reconciler) due(rp *appv2.Repository, now time.Time) (bool, time.Duration) {
	cond := meta.FindStatusCondition(rp.Status.Conditions, appv2.ReadyCondition)
	last := rp.Status.LastSyncTime
	if cond == nil || last == nil || cond.ObservedGeneration != rp.Generation {
		return true, 0
	}
	var next time.Time
	switch {
	case cond.Status != metav1.ConditionTrue:
		next = last.Add(r.retryDelay())
	case interval(rp) > 0:
		next = last.Add(interval(rp))
	default:
		return false, 0
	}
	if !now.Before(next) {
		return true, 0
	}
	return false, next.Sub(now)
}

// Result is what a sync found.
type Result struct {
	Applications, Versions int
	IndexDigest            string
	// Skipped are entries left out, with why.
	Skipped []string
	// Unchanged: the index was the one synced last; nothing was written.
	Unchanged bool
}

// Sync reads rp's repository and applies it.
func (r *Reconciler) Sync(ctx context.Context, rp *appv2.Repository) (Result, error) {
	opts, err := r.options(ctx, rp)
	if err != nil {
		return Result{}, err
	}
	idx, err := repo.List(ctx, rp.Spec.URL, opts)
	if err != nil {
		return Result{}, err
	}
	cond := meta.FindStatusCondition(rp.Status.Conditions, appv2.ReadyCondition)
	if idx.Digest == rp.Status.IndexDigest && cond != nil && cond.Status == metav1.ConditionTrue && cond.ObservedGeneration == rp.Generation {
		return Result{Applications: rp.Status.Applications, Versions: rp.Status.Versions, IndexDigest: idx.Digest, Unchanged: true}, nil
	}
	res, err := r.apply(ctx, rp, idx)
	res.IndexDigest = idx.Digest
	res.Skipped = append(idx.Skipped, res.Skipped...)
	return res, err
}

// options reads the credentials Secret.
func (r *Reconciler) options(ctx context.Context, rp *appv2.Repository) (repo.Options, error) {
	opts := repo.Options{Timeout: r.Timeout, Transport: r.Transport, PlainHTTP: r.PlainHTTP, Guard: chartsource.Guard(rp, r.WorkspaceAllowedCIDRs)}
	if rp.Spec.CredentialsSecret == "" {
		return opts, nil
	}
	s := &corev1.Secret{}
	if err := r.Reader.Get(ctx, types.NamespacedName{Namespace: r.SecretNamespace, Name: rp.Spec.CredentialsSecret}, s); err != nil {
		if apierrors.IsNotFound(err) {
			return opts, fmt.Errorf("the credentials Secret %s/%s does not exist", r.SecretNamespace, rp.Spec.CredentialsSecret)
		}
		return opts, fmt.Errorf("reading the credentials Secret %s/%s: %w", r.SecretNamespace, rp.Spec.CredentialsSecret, err)
	}
	// The label says the Secret was made for this repository, so that a
	// repository cannot borrow another's credentials.
	if s.Labels[appv2.RepositoryLabel] != rp.Name {
		return opts, fmt.Errorf("the credentials Secret %s/%s is not labelled %s=%s", r.SecretNamespace, s.Name, appv2.RepositoryLabel, rp.Name)
	}
	opts.Username, opts.Password, opts.CAData = string(s.Data["username"]), string(s.Data["password"]), s.Data["ca.crt"]
	return opts, nil
}

// initialState of a new version of rp.
func initialState(rp *appv2.Repository) appv2.ReviewState {
	switch {
	case rp.Spec.Trusted:
		return appv2.StateActive
	case rp.Labels[appv2.WorkspaceLabel] != "":
		return appv2.StateDraft
	default:
		return appv2.StateSubmitted
	}
}

type desiredApp struct {
	app      *appv2.Application
	versions []*appv2.ApplicationVersion
}

func (r *Reconciler) apply(ctx context.Context, rp *appv2.Repository, idx *repo.Index) (Result, error) {
	var res Result
	now := metav1.NewTime(r.Clock.Now().UTC().Truncate(time.Second))
	sel := client.MatchingLabels{appv2.RepositoryLabel: rp.Name}
	var apps appv2.ApplicationList
	if err := r.Client.List(ctx, &apps, sel); err != nil {
		return res, err
	}
	var vers appv2.ApplicationVersionList
	if err := r.Client.List(ctx, &vers, sel); err != nil {
		return res, err
	}
	oldApps := make(map[string]*appv2.Application, len(apps.Items))
	for i := range apps.Items {
		oldApps[apps.Items[i].Name] = &apps.Items[i]
	}
	oldVers := make(map[string]*appv2.ApplicationVersion, len(vers.Items))
	for i := range vers.Items {
		oldVers[vers.Items[i].Name] = &vers.Items[i]
	}

	charts := make([]string, 0, len(idx.Charts))
	for name := range idx.Charts {
		charts = append(charts, name)
	}
	sort.Strings(charts)
	var desired []desiredApp
	wantApps, wantVers := map[string]bool{}, map[string]bool{}
	for _, name := range charts {
		cvs := idx.Charts[name]
		appName := names.Application(rp.Name, name)
		if wantApps[appName] {
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s: its application name %s is taken by another chart", name, appName))
			continue
		}
		wantApps[appName] = true
		d := desiredApp{app: desiredApplication(rp, appName, cvs[0])}
		for _, cv := range cvs {
			vn := names.Version(appName, cv.Version)
			if wantVers[vn] {
				res.Skipped = append(res.Skipped, fmt.Sprintf("%s %s: its version name %s is taken by another version", name, cv.Version, vn))
				continue
			}
			wantVers[vn] = true
			d.versions = append(d.versions, desiredVersion(rp, appName, vn, cv))
		}
		desired = append(desired, d)
	}

	// Applications first (versions name them as owners), then versions.
	var mu sync.Mutex
	skip := func(s string) { mu.Lock(); res.Skipped = append(res.Skipped, s); mu.Unlock() }
	owners := make([]*appv2.Application, len(desired))
	if err := r.parallel(len(desired), func(i int) error {
		a, err := r.applyApp(ctx, rp, desired[i].app, oldApps[desired[i].app.Name])
		if errors.Is(err, errTaken) {
			skip(fmt.Sprintf("%s: %v", desired[i].app.Spec.ChartName, err))
			return nil
		}
		owners[i] = a
		return err
	}); err != nil {
		return res, err
	}
	type job struct {
		owner *appv2.Application
		v     *appv2.ApplicationVersion
	}
	var jobs []job
	for i, d := range desired {
		if owners[i] == nil {
			continue
		}
		res.Applications++
		for _, v := range d.versions {
			jobs = append(jobs, job{owners[i], v})
		}
	}
	if err := r.parallel(len(jobs), func(i int) error {
		err := r.applyVersion(ctx, rp, jobs[i].owner, jobs[i].v, oldVers[jobs[i].v.Name], now)
		if errors.Is(err, errTaken) {
			skip(fmt.Sprintf("%s %s: %v", jobs[i].owner.Spec.ChartName, jobs[i].v.Spec.Version, err))
			return nil
		}
		return err
	}); err != nil {
		return res, err
	}
	res.Versions = len(jobs)

	// What vanished from the repository.
	inUse, err := r.versionsInUse(ctx)
	if err != nil {
		return res, err
	}
	keptApps := map[string]bool{}
	var stale []*appv2.ApplicationVersion
	for name, v := range oldVers {
		if wantVers[name] {
			continue
		}
		if inUse[name] {
			keptApps[v.Spec.Application] = true
			if v.Annotations[RemovedAnnotation] == "" {
				patch := client.MergeFrom(v.DeepCopy())
				metav1.SetMetaDataAnnotation(&v.ObjectMeta, RemovedAnnotation, now.Format(time.RFC3339))
				if err := r.Client.Patch(ctx, v, patch); client.IgnoreNotFound(err) != nil {
					return res, err
				}
			}
			continue
		}
		stale = append(stale, v)
	}
	if err := r.parallel(len(stale), func(i int) error {
		return client.IgnoreNotFound(r.Client.Delete(ctx, stale[i], client.Preconditions{UID: &stale[i].UID}))
	}); err != nil {
		return res, err
	}
	for name, a := range oldApps {
		if wantApps[name] || keptApps[name] {
			continue
		}
		if err := r.Client.Delete(ctx, a, client.Preconditions{UID: &a.UID}); client.IgnoreNotFound(err) != nil {
			return res, err
		}
	}
	sort.Strings(res.Skipped)
	return res, nil
}

// versionsInUse are the names of the versions that releases install.
func (r *Reconciler) versionsInUse(ctx context.Context) (map[string]bool, error) {
	var rels appv2.ApplicationReleaseList
	if err := r.Client.List(ctx, &rels); err != nil {
		return nil, err
	}
	in := make(map[string]bool, len(rels.Items))
	for _, rel := range rels.Items {
		in[rel.Spec.Version] = true
	}
	return in, nil
}

func (r *Reconciler) parallel(n int, fn func(int) error) error {
	workers := r.Workers
	if workers <= 0 {
		workers = 8
	}
	workers = min(workers, n)
	if workers == 0 {
		return nil
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if first != nil || next >= n {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return first
}

var errTaken = errors.New("the name is taken by an object that is not from this repository")

func ownedBy(obj metav1.Object, rp *appv2.Repository) bool {
	return obj.GetLabels()[appv2.RepositoryLabel] == rp.Name
}

// applyApp creates or updates an Application; the sync owns its spec but
// for the categories, which it sets only at creation (administrators
// change them).
func (r *Reconciler) applyApp(ctx context.Context, rp *appv2.Repository, want, have *appv2.Application) (*appv2.Application, error) {
	if have == nil {
		if err := controllerutil.SetControllerReference(rp, want, r.Client.Scheme()); err != nil {
			return nil, err
		}
		err := r.Client.Create(ctx, want)
		if err == nil {
			return want, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, err
		}
		// The cache had not seen it yet, or the name is someone else's.
		have = &appv2.Application{}
		if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(want), have); err != nil {
			return nil, err
		}
	}
	var result *appv2.Application
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !ownedBy(have, rp) {
			return fmt.Errorf("application %s: %w", have.Name, errTaken)
		}
		out := have.DeepCopy()
		spec := *want.Spec.DeepCopy()
		spec.Categories = have.Spec.Categories
		out.Spec = spec
		for k, v := range want.Labels {
			if !strings.HasPrefix(k, appv2.CategoryLabelPrefix) {
				metav1.SetMetaDataLabel(&out.ObjectMeta, k, v)
			}
		}
		if err := controllerutil.SetControllerReference(rp, out, r.Client.Scheme()); err != nil {
			return err
		}
		if equality.Semantic.DeepEqual(have.Spec, out.Spec) && equality.Semantic.DeepEqual(have.Labels, out.Labels) &&
			equality.Semantic.DeepEqual(have.OwnerReferences, out.OwnerReferences) {
			result = have
			return nil
		}
		err := r.Client.Update(ctx, out)
		if apierrors.IsConflict(err) {
			fresh := &appv2.Application{}
			if gerr := r.Reader.Get(ctx, client.ObjectKeyFromObject(have), fresh); gerr != nil {
				return gerr
			}
			have = fresh
		}
		result = out
		return err
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// applyVersion creates or updates an ApplicationVersion.
func (r *Reconciler) applyVersion(ctx context.Context, rp *appv2.Repository, owner *appv2.Application, want, have *appv2.ApplicationVersion, now metav1.Time) error {
	initial := initialState(rp)
	if have == nil {
		if err := controllerutil.SetControllerReference(owner, want, r.Client.Scheme()); err != nil {
			return err
		}
		want.Spec.State = initial
		want.Spec.Reviews = []appv2.ReviewEvent{{To: initial, User: Reviewer, Time: now,
			Message: fmt.Sprintf("synced from repository %s", rp.Name)}}
		err := r.Client.Create(ctx, want)
		if err == nil || !apierrors.IsAlreadyExists(err) {
			return err
		}
		have = &appv2.ApplicationVersion{}
		if err := r.Reader.Get(ctx, client.ObjectKeyFromObject(want), have); err != nil {
			return err
		}
	}
	if !ownedBy(have, rp) || have.Spec.Application != owner.Name {
		return fmt.Errorf("version %s: %w", have.Name, errTaken)
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		out := have.DeepCopy()
		out.Spec.AppVersion, out.Spec.Description, out.Spec.Created, out.Spec.Source = want.Spec.AppVersion, want.Spec.Description, want.Spec.Created, want.Spec.Source
		if have.Spec.Source.Digest != want.Spec.Source.Digest {
			// Known again when the new archive is read.
			out.Spec.HasSchema = false
		}
		for k, v := range want.Labels {
			metav1.SetMetaDataLabel(&out.ObjectMeta, k, v)
		}
		delete(out.Annotations, RemovedAnnotation)
		move := func(to appv2.ReviewState, why string) {
			out.Spec.Reviews = append(out.Spec.Reviews, appv2.ReviewEvent{From: out.Spec.State, To: to, User: Reviewer, Time: now, Message: why})
			out.Spec.State = to
		}
		if d0, d1 := have.Spec.Source.Digest, want.Spec.Source.Digest; d0 != d1 && !rp.Spec.Trusted && out.Spec.State != initial {
			move(initial, fmt.Sprintf("the chart archive changed in repository %s (digest %s, was %s): to be reviewed again", rp.Name, short(d1), short(d0)))
		}
		if rp.Spec.Trusted {
			switch out.Spec.State {
			case appv2.StateDraft, appv2.StateSubmitted, appv2.StatePassed:
				move(appv2.StateActive, fmt.Sprintf("repository %s is trusted", rp.Name))
			}
		}
		if err := controllerutil.SetControllerReference(owner, out, r.Client.Scheme()); err != nil {
			return err
		}
		if equality.Semantic.DeepEqual(have.Spec, out.Spec) && equality.Semantic.DeepEqual(have.Labels, out.Labels) &&
			equality.Semantic.DeepEqual(have.Annotations, out.Annotations) && equality.Semantic.DeepEqual(have.OwnerReferences, out.OwnerReferences) {
			return nil
		}
		err := r.Client.Update(ctx, out)
		if apierrors.IsConflict(err) {
			fresh := &appv2.ApplicationVersion{}
			if gerr := r.Reader.Get(ctx, client.ObjectKeyFromObject(have), fresh); gerr != nil {
				return gerr
			}
			have = fresh
		}
		return err
	})
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	if d == "" {
		return "none"
	}
	return d
}

// writeStatus records a sync.
func (r *Reconciler) writeStatus(ctx context.Context, rp *appv2.Repository, res Result, syncErr error) error {
	now := metav1.NewTime(r.Clock.Now())
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur := &appv2.Repository{}
		if err := r.Client.Get(ctx, client.ObjectKeyFromObject(rp), cur); err != nil {
			return client.IgnoreNotFound(err)
		}
		st := &cur.Status
		st.LastSyncTime = &now
		if syncErr != nil {
			msg := conditions.Message(syncErr)
			st.SyncError = msg
			conditions.SetReady(&st.Conditions, rp.Generation, false, appv2.ReasonSyncFailed, msg)
		} else {
			st.SyncError = ""
			st.LastSuccessfulSyncTime = &now
			st.Applications, st.Versions, st.IndexDigest = res.Applications, res.Versions, res.IndexDigest
			st.ObservedGeneration = rp.Generation
			msg := fmt.Sprintf("%d applications, %d versions", res.Applications, res.Versions)
			if len(res.Skipped) > 0 {
				msg += fmt.Sprintf("; %d entries skipped: %s", len(res.Skipped), strings.Join(res.Skipped[:min(len(res.Skipped), 5)], "; "))
			}
			if res.Unchanged {
				msg = meta.FindStatusCondition(st.Conditions, appv2.ReadyCondition).Message
			}
			conditions.SetReady(&st.Conditions, rp.Generation, true, appv2.ReasonSynced, msg)
		}
		return r.Client.Status().Update(ctx, cur)
	})
}

// desiredApplication is the Application of a chart, from its newest
// version.
func desiredApplication(rp *appv2.Repository, name string, cv repo.ChartVersion) *appv2.Application {
	a := &appv2.Application{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels(rp, "")},
		Spec: appv2.ApplicationSpec{
			DisplayName: cut(cv.Name, 128),
			Description: cut(cv.Description, 4096),
			Icon:        icon(cv.Icon),
			Keywords:    firstN(cv.Keywords, 32, 253),
			Home:        urlOrEmpty(cv.Home),
			Sources:     firstN(cv.Sources, 16, 2048),
			ChartName:   cv.Name,
		},
	}
	for _, m := range cv.Maintainers {
		if len(a.Spec.Maintainers) == 32 {
			break
		}
		a.Spec.Maintainers = append(a.Spec.Maintainers, appv2.Maintainer{Name: cut(m.Name, 128), Email: cut(m.Email, 256), URL: urlOrEmpty(m.URL)})
	}
	for c := range strings.SplitSeq(cv.Annotations[CategoriesAnnotation], ",") {
		if c = strings.TrimSpace(c); c != "" && len(c) <= 63 && len(a.Spec.Categories) < 16 {
			a.Spec.Categories = append(a.Spec.Categories, c)
			a.Labels[appv2.CategoryLabelPrefix+c] = "true"
		}
	}
	return a
}

func desiredVersion(rp *appv2.Repository, app, name string, cv repo.ChartVersion) *appv2.ApplicationVersion {
	v := &appv2.ApplicationVersion{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels(rp, app)},
		Spec: appv2.ApplicationVersionSpec{
			Application: app,
			Version:     cv.Version,
			AppVersion:  cut(cv.AppVersion, 128),
			Description: cut(cv.Description, 4096),
			Source:      appv2.ChartSource{Repository: rp.Name, URL: cut(cv.URL, 2048), Digest: cv.Digest},
		},
	}
	if !cv.Created.IsZero() {
		t := metav1.NewTime(cv.Created.UTC().Truncate(time.Second))
		v.Spec.Created = &t
	}
	return v
}

func labels(rp *appv2.Repository, app string) map[string]string {
	l := map[string]string{appv2.RepositoryLabel: rp.Name}
	if ws := rp.Labels[appv2.WorkspaceLabel]; ws != "" {
		l[appv2.WorkspaceLabel] = ws
	}
	if app != "" {
		l[appv2.ApplicationLabel] = app
	}
	return l
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	// Not in the middle of a UTF-8 sequence.
	for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] >= 0xC0 {
		s = s[:len(s)-1]
	}
	return s
}

func firstN(in []string, n, maxLen int) []string {
	var out []string
	for _, s := range in {
		if len(out) == n {
			break
		}
		if s != "" && len(s) <= maxLen {
			out = append(out, s)
		}
	}
	return out
}

// icon keeps an https URL or a data: URI of at most 64 KiB.
func icon(s string) string {
	if len(s) > 65536 {
		return ""
	}
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "data:image/") {
		return s
	}
	return ""
}

func urlOrEmpty(s string) string {
	if len(s) > 2048 || (!strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://")) {
		return ""
	}
	return s
}

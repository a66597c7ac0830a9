// Package application keeps the summaries of the app store up to date:
// an Application's status from its ApplicationVersions (state, latest and
// latest active version, count, last change), and a Category's status
// (how many active Applications it has).
package application

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

// +kubebuilder:rbac:groups=application.superkube.io,resources=applications,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=application.superkube.io,resources=applicationversions;categories,verbs=get;list;watch
// +kubebuilder:rbac:groups=application.superkube.io,resources=applications/status;categories/status,verbs=get;update;patch

// Reconciler writes Application.status.
type Reconciler struct {
	Client client.Client
}

// SetupWithManager registers the Application and Category controllers.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil {
		return errors.New("application: Client is required")
	}
	byApp := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		v, ok := o.(*appv2.ApplicationVersion)
		if !ok || v.Spec.Application == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: v.Spec.Application}}}
	})
	err := ctrl.NewControllerManagedBy(mgr).Named("application").
		For(&appv2.Application{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&appv2.ApplicationVersion{}, byApp).
		Complete(r)
	if err != nil {
		return err
	}
	c := &categories{Client: r.Client}
	// A change of an app's categories or state recounts every category
	// (there are few).
	all := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
		var list appv2.CategoryList
		if err := r.Client.List(ctx, &list); err != nil {
			return nil
		}
		out := make([]reconcile.Request, 0, len(list.Items))
		for _, cat := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: cat.Name}})
		}
		return out
	})
	return ctrl.NewControllerManagedBy(mgr).Named("appcategory").
		For(&appv2.Category{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&appv2.Application{}, all, builder.WithPredicates(appSummaryChanged{})).
		Complete(c)
}

// appSummaryChanged passes creates, deletes, and updates that change an
// app's categories or state.
type appSummaryChanged struct{ predicate.Funcs }

func (appSummaryChanged) Create(event.CreateEvent) bool   { return true }
func (appSummaryChanged) Delete(event.DeleteEvent) bool   { return true }
func (appSummaryChanged) Generic(event.GenericEvent) bool { return false }
func (appSummaryChanged) Update(e event.UpdateEvent) bool {
	a, ok1 := e.ObjectOld.(*appv2.Application)
	b, ok2 := e.ObjectNew.(*appv2.Application)
	if !ok1 || !ok2 {
		return true
	}
	return a.Status.State != b.Status.State || !equality.Semantic.DeepEqual(a.Spec.Categories, b.Spec.Categories)
}

// Reconcile writes an Application's status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	app := &appv2.Application{}
	if err := r.Client.Get(ctx, req.NamespacedName, app); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var vers appv2.ApplicationVersionList
	if err := r.Client.List(ctx, &vers, client.MatchingLabels{appv2.ApplicationLabel: app.Name}); err != nil {
		return ctrl.Result{}, err
	}
	// The category labels follow spec.categories, so that lists select
	// on them.
	labels := maps.Clone(app.Labels)
	for k := range labels {
		if strings.HasPrefix(k, appv2.CategoryLabelPrefix) && !slices.Contains(app.Spec.Categories, strings.TrimPrefix(k, appv2.CategoryLabelPrefix)) {
			delete(labels, k)
		}
	}
	for _, c := range app.Spec.Categories {
		if len(validation.IsQualifiedName(appv2.CategoryLabelPrefix+c)) == 0 {
			if labels == nil {
				labels = map[string]string{}
			}
			labels[appv2.CategoryLabelPrefix+c] = "true"
		}
	}
	if !maps.Equal(labels, app.Labels) {
		app.Labels = labels
		if err := r.Client.Update(ctx, app); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	st := Summary(app.Name, vers.Items)
	if equality.Semantic.DeepEqual(app.Status, st) {
		return ctrl.Result{}, nil
	}
	app.Status = st
	return ctrl.Result{}, client.IgnoreNotFound(r.Client.Status().Update(ctx, app))
}

// Summary is the status of the Application app with versions (others'
// versions in the list are ignored).
func Summary(app string, versions []appv2.ApplicationVersion) appv2.ApplicationStatus {
	var (
		st                   appv2.ApplicationStatus
		latest, latestActive *semver.Version
		anyActive, anySusp   bool
	)
	for i := range versions {
		v := &versions[i]
		if v.Spec.Application != app || v.DeletionTimestamp != nil {
			continue
		}
		st.Versions++
		sv, err := semver.NewVersion(v.Spec.Version)
		if err == nil && (latest == nil || sv.GreaterThan(latest)) {
			latest, st.LatestVersion = sv, v.Spec.Version
		}
		switch v.Spec.State {
		case appv2.StateActive:
			anyActive = true
			if err == nil && (latestActive == nil || sv.GreaterThan(latestActive)) {
				latestActive, st.LatestActiveVersion = sv, v.Spec.Version
			}
		case appv2.StateSuspended:
			anySusp = true
		}
		t := v.CreationTimestamp
		if n := len(v.Spec.Reviews); n > 0 && v.Spec.Reviews[n-1].Time.After(t.Time) {
			t = v.Spec.Reviews[n-1].Time
		}
		if !t.IsZero() && (st.UpdateTime == nil || t.After(st.UpdateTime.Time)) {
			tt := metav1.NewTime(t.Time)
			st.UpdateTime = &tt
		}
	}
	switch {
	case anyActive:
		st.State = appv2.StateActive
	case anySusp:
		st.State = appv2.StateSuspended
	default:
		st.State = appv2.StateDraft
	}
	return st
}

// categories writes Category.status.
type categories struct {
	Client client.Client
}

// Reconcile counts a category's active apps.
func (c *categories) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	cat := &appv2.Category{}
	if err := c.Client.Get(ctx, req.NamespacedName, cat); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	var apps appv2.ApplicationList
	if err := c.Client.List(ctx, &apps); err != nil {
		return ctrl.Result{}, err
	}
	n := 0
	for _, a := range apps.Items {
		if a.Status.State == appv2.StateActive && a.DeletionTimestamp == nil && slices.Contains(a.Spec.Categories, cat.Name) {
			n++
		}
	}
	if cat.Status.Applications == n {
		return ctrl.Result{}, nil
	}
	cat.Status.Applications = n
	return ctrl.Result{}, client.IgnoreNotFound(c.Client.Status().Update(ctx, cat))
}

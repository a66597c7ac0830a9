// Package loginrecord enforces the retention of login records: per user, it
// keeps at most a number of records and none older than a maximum age.
package loginrecord

import (
	"context"
	"errors"
	"sort"
	"time"

	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/index"
)

// Retention says which login records to keep.
type Retention struct {
	// MaxAge deletes records older than it.
	MaxAge time.Duration
	// MaxPerUser keeps only the newest records of each user.
	MaxPerUser int
}

// Reconciler applies the retention to one user's records; requests are
// keyed by the user's name.
type Reconciler struct {
	Client    client.Client
	Clock     clock.PassiveClock
	Retention Retention
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Clock == nil {
		return errors.New("loginrecord: Client and Clock are required")
	}
	if r.Retention.MaxAge <= 0 || r.Retention.MaxPerUser <= 0 {
		return errors.New("loginrecord: the retention needs a positive age and count")
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("loginrecord").
		Watches(&iamv1beta1.LoginRecord{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			return []ctrl.Request{{NamespacedName: client.ObjectKey{Name: o.GetLabels()[iamv1beta1.UserRefLabel]}}}
		})).
		Complete(r)
}

// Reconcile deletes the records of one user that the retention does not keep.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	list := &iamv1beta1.LoginRecordList{}
	opts := []client.ListOption{client.MatchingFields{index.UserRef: req.Name}}
	if req.Name == "" {
		// Records without a user label are only subject to the age limit.
		opts = []client.ListOption{client.MatchingLabels{}}
	}
	if err := r.Client.List(ctx, list, opts...); err != nil {
		return ctrl.Result{}, err
	}
	records := list.Items
	if req.Name == "" {
		records = records[:0]
		for _, rec := range list.Items {
			if rec.Labels[iamv1beta1.UserRefLabel] == "" {
				records = append(records, rec)
			}
		}
	}
	// Newest first; names break ties (timestamps have one-second precision),
	// so that every pass over a stale cache picks the same records to keep.
	sort.Slice(records, func(i, j int) bool {
		a, b := records[i].CreationTimestamp.Time, records[j].CreationTimestamp.Time
		if !a.Equal(b) {
			return a.After(b)
		}
		return records[i].Name > records[j].Name
	})
	now := r.Clock.Now()
	var errs []error
	var next time.Duration
	for i := range records {
		rec := &records[i]
		age := now.Sub(rec.CreationTimestamp.Time)
		if (req.Name != "" && i >= r.Retention.MaxPerUser) || age > r.Retention.MaxAge {
			if err := r.Client.Delete(ctx, rec); client.IgnoreNotFound(err) != nil {
				errs = append(errs, err)
			}
			continue
		}
		// Come back when the oldest kept record expires.
		next = r.Retention.MaxAge - age + time.Second
	}
	return ctrl.Result{RequeueAfter: next}, kerrors.NewAggregate(errs)
}

// Package user reconciles User objects: it moves a password written into
// spec.password (hashed, if it is a plaintext) into the user's password
// Secret, keeps the account state (Active, Disabled,
// AuthLimitExceeded) and the user's groups in the status, and on deletion
// removes the user's bindings, login records and password Secret.
package user

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/controller/index"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
)

// Finalizer lets the controller remove the user's bindings and records
// before the user goes.
const Finalizer = "iam.superkube.io/user-cleanup"

// lastApplied is the annotation kubectl apply keeps a copy of the object in.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Lockout says when failed logins lock a user.
type Lockout struct {
	// MaxFailures failed logins within Window lock the user.
	MaxFailures int
	Window      time.Duration
}

// Reconciler reconciles users.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
	Lockout  Lockout
	// BcryptCost is the cost of new password hashes.
	BcryptCost int
	// Passwords keeps the users' password hashes.
	Passwords *passwordsecret.Store
}

// SetupWithManager registers the reconciler.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Client == nil || r.Recorder == nil || r.Clock == nil || r.Passwords == nil {
		return errors.New("user: Client, Recorder, Clock and Passwords are required")
	}
	if r.Lockout.MaxFailures <= 0 || r.Lockout.Window <= 0 {
		return errors.New("user: the lockout needs a positive number of failures and window")
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&iamv1beta1.User{}).
		Watches(&iamv1beta1.LoginRecord{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			if u := o.GetLabels()[iamv1beta1.UserRefLabel]; u != "" {
				return []ctrl.Request{{NamespacedName: client.ObjectKey{Name: u}}}
			}
			return nil
		})).
		Watches(&iamv1beta1.GroupBinding{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			users := o.(*iamv1beta1.GroupBinding).Users
			reqs := make([]ctrl.Request, 0, len(users))
			for _, u := range users {
				reqs = append(reqs, ctrl.Request{NamespacedName: client.ObjectKey{Name: u}})
			}
			return reqs
		})).
		Complete(r)
}

// Reconcile brings one user in line.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (_ ctrl.Result, retErr error) {
	u := &iamv1beta1.User{}
	if err := r.Client.Get(ctx, req.NamespacedName, u); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !u.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.delete(ctx, u)
	}
	if controllerutil.AddFinalizer(u, Finalizer) {
		if err := r.Client.Update(ctx, u); err != nil {
			return ctrl.Result{}, err
		}
	}

	before := u.DeepCopy()
	ready, reason, message := true, iamv1beta1.ReasonReconciled, ""
	defer func() {
		conditions.Finish(&u.Status.Conditions, &u.Status.ObservedGeneration, u.Generation, ready, reason, message, retErr)
		if equality.Semantic.DeepEqual(before.Status, u.Status) {
			return
		}
		if err := r.Client.Status().Patch(ctx, u, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
			retErr = errors.Join(retErr, err)
		}
	}()

	if err := r.movePassword(ctx, u, before); err != nil {
		if errors.Is(err, password.ErrTooLong) {
			ready, reason, message = false, iamv1beta1.ReasonInvalidPassword, conditions.Message(err)
			r.Recorder.Eventf(u, nil, "Warning", reason, "MovePassword", message)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	requeue, err := r.updateState(ctx, u)
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("reading the login records: %w", err)
	}
	if err := r.updateGroups(ctx, u); err != nil {
		return ctrl.Result{}, fmt.Errorf("reading the groups: %w", err)
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

// movePassword moves a password written into spec.password (a plaintext,
// which it hashes, or a bcrypt hash the administrator made) into the user's
// password Secret, and clears it from the spec and from kubectl's
// last-applied copy. A User of an older version, whose spec.password still
// holds its hash, is migrated the same way. No API path then returns the
// hash: whoever may read users cannot read the Secret.
func (r *Reconciler) movePassword(ctx context.Context, u, before *iamv1beta1.User) error {
	scrub := lastAppliedHasPassword(u.Annotations[lastApplied])
	if u.Spec.Password == "" && !scrub {
		return nil
	}
	changed, plain := false, false
	if u.Spec.Password != "" {
		hash := u.Spec.Password
		if !password.IsHash(hash) {
			var err error
			if hash, err = password.Hash(hash, r.BcryptCost); err != nil {
				return err
			}
			plain = true
		}
		old, err := r.Passwords.Hash(ctx, u)
		if err != nil {
			return err
		}
		if err := r.Passwords.Set(ctx, u, hash); err != nil {
			return err
		}
		// A first hash moved from the spec (a new user, or one of an older
		// version) changes nothing that tokens were issued for.
		changed = plain || (old != "" && old != hash)
	}
	u.Spec.Password = ""
	if scrub {
		u.Annotations[lastApplied] = scrubLastApplied(u.Annotations[lastApplied])
	}
	// With optimistic locking: a password written meanwhile is not cleared
	// unmoved; the conflict brings the user back with it.
	if err := r.Client.Patch(ctx, u, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("clearing the password of user %s: %w", u.Name, err)
	}
	// The patch refreshed u; keep status comparisons against the stored object.
	status := before.Status
	*before = *u.DeepCopy()
	before.Status = status
	if changed {
		now := metav1.NewTime(r.Clock.Now())
		u.Status.PasswordChangedAt = &now
	}
	msg := "The password was moved from spec.password into the user's password Secret"
	if plain {
		msg = "The plaintext password was hashed and moved from spec.password into the user's password Secret"
	}
	r.Recorder.Eventf(u, nil, "Normal", iamv1beta1.ReasonPasswordHashed, "MovePassword", msg)
	return nil
}

// lastAppliedHasPassword reports whether kubectl's copy of the applied
// object holds a password.
func lastAppliedHasPassword(v string) bool {
	if v == "" {
		return false
	}
	var obj struct {
		Spec map[string]json.RawMessage `json:"spec"`
	}
	if err := json.Unmarshal([]byte(v), &obj); err != nil {
		return true // unreadable: scrubLastApplied empties it
	}
	_, ok := obj.Spec["password"]
	return ok
}

// scrubLastApplied removes the password from kubectl's copy of the applied object.
func scrubLastApplied(v string) string {
	var obj map[string]any
	if err := json.Unmarshal([]byte(v), &obj); err != nil {
		return ""
	}
	if spec, ok := obj["spec"].(map[string]any); ok {
		delete(spec, "password")
	}
	data, err := json.Marshal(obj)
	if err != nil {
		return ""
	}
	return string(data)
}

// updateState sets Active, Disabled or AuthLimitExceeded and returns when to
// look again (when a lockout ends).
func (r *Reconciler) updateState(ctx context.Context, u *iamv1beta1.User) (time.Duration, error) {
	records := &iamv1beta1.LoginRecordList{}
	if err := r.Client.List(ctx, records, client.MatchingFields{index.UserRef: u.Name}); err != nil {
		return 0, err
	}
	now := r.Clock.Now()
	since := now.Add(-r.Lockout.Window)
	if t, err := time.Parse(time.RFC3339Nano, u.Annotations[iamv1beta1.UnlockedAtAnnotation]); err == nil {
		if t.Nanosecond() == 0 {
			// Whole seconds stand for the end of the second, as in ke-apiserver's count.
			t = t.Add(time.Second - time.Nanosecond)
		}
		if t.After(since) {
			since = t
		}
	}
	var failures []time.Time
	for _, rec := range records.Items {
		at := attemptTime(&rec)
		if rec.Spec.Success {
			if u.Status.LastLoginTime == nil || at.After(u.Status.LastLoginTime.Time) {
				u.Status.LastLoginTime = &metav1.Time{Time: at}
			}
			continue
		}
		if at.After(since) {
			failures = append(failures, at)
		}
	}
	// Newest first: the lockout lasts until the MaxFailures-th newest failure
	// leaves the window.
	sort.Slice(failures, func(i, j int) bool { return failures[i].After(failures[j]) })

	switch {
	case u.Spec.Disabled:
		u.Status.State, u.Status.LockedUntil = iamv1beta1.UserDisabled, nil
	case len(failures) >= r.Lockout.MaxFailures:
		until := failures[r.Lockout.MaxFailures-1].Add(r.Lockout.Window)
		if u.Status.State != iamv1beta1.UserAuthLimitExceeded {
			r.Recorder.Eventf(u, nil, "Warning", string(iamv1beta1.UserAuthLimitExceeded), "Lock",
				"%d failed logins within %s; locked until %s", len(failures), r.Lockout.Window, until.UTC().Format(time.RFC3339))
		}
		u.Status.State, u.Status.LockedUntil = iamv1beta1.UserAuthLimitExceeded, &metav1.Time{Time: until}
		return until.Sub(now) + time.Second, nil
	default:
		u.Status.State, u.Status.LockedUntil = iamv1beta1.UserActive, nil
	}
	return 0, nil
}

// attemptTime is when a login record's attempt was made: its annotation,
// which ke-apiserver sets when it queues the record (the record may be
// written later, after an outage of kube-apiserver), or else its creation.
func attemptTime(rec *iamv1beta1.LoginRecord) time.Time {
	if t, err := time.Parse(time.RFC3339Nano, rec.Annotations[iamv1beta1.AttemptedAtAnnotation]); err == nil && t.Before(rec.CreationTimestamp.Add(time.Second)) {
		return t
	}
	return rec.CreationTimestamp.Time
}

// updateGroups keeps the names of the user's groups in the status.
func (r *Reconciler) updateGroups(ctx context.Context, u *iamv1beta1.User) error {
	bindings := &iamv1beta1.GroupBindingList{}
	if err := r.Client.List(ctx, bindings, client.MatchingFields{index.UserSubject: u.Name}); err != nil {
		return err
	}
	var groups []string
	for _, b := range bindings.Items {
		if b.DeletionTimestamp.IsZero() && !slices.Contains(groups, b.GroupRef.Name) {
			groups = append(groups, b.GroupRef.Name)
		}
	}
	sort.Strings(groups)
	u.Status.Groups = groups
	return nil
}

// delete removes what belongs to the user, then the finalizer.
func (r *Reconciler) delete(ctx context.Context, u *iamv1beta1.User) error {
	if !controllerutil.ContainsFinalizer(u, Finalizer) {
		return nil
	}
	byLabel := client.MatchingLabels{iamv1beta1.UserRefLabel: u.Name}
	byIndex := client.MatchingFields{index.UserRef: u.Name}
	var errs []error
	for _, target := range []struct {
		list client.ObjectList
		opts []client.ListOption
	}{
		{&iamv1beta1.GlobalRoleBindingList{}, []client.ListOption{byLabel}},
		{&iamv1beta1.WorkspaceRoleBindingList{}, []client.ListOption{byLabel}},
		{&rbacv1.ClusterRoleBindingList{}, []client.ListOption{byLabel}},
		{&rbacv1.RoleBindingList{}, []client.ListOption{byIndex}},
		{&iamv1beta1.LoginRecordList{}, []client.ListOption{byIndex}},
	} {
		errs = append(errs, r.deleteAll(ctx, target.list, target.opts...))
	}
	groups := &iamv1beta1.GroupBindingList{}
	if err := r.Client.List(ctx, groups, client.MatchingFields{index.UserSubject: u.Name}); err != nil {
		errs = append(errs, err)
	}
	for i := range groups.Items {
		gb := &groups.Items[i]
		before := gb.DeepCopy()
		gb.Users = slices.DeleteFunc(gb.Users, func(n string) bool { return n == u.Name })
		if err := r.Client.Patch(ctx, gb, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, r.Passwords.Delete(ctx, u.Name))
	if err := kerrors.NewAggregate(errs); err != nil {
		return fmt.Errorf("removing what belongs to user %s: %w", u.Name, err)
	}
	controllerutil.RemoveFinalizer(u, Finalizer)
	return client.IgnoreNotFound(r.Client.Update(ctx, u))
}

func (r *Reconciler) deleteAll(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	if err := r.Client.List(ctx, list, opts...); err != nil {
		return err
	}
	items, err := metaItems(list)
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range items {
		if err := r.Client.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting %s: %w", strings.TrimPrefix(fmt.Sprintf("%T", o), "*"), err))
		}
	}
	return kerrors.NewAggregate(errs)
}

func metaItems(list client.ObjectList) ([]client.Object, error) {
	objs, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(objs))
	for _, o := range objs {
		if co, ok := o.(client.Object); ok {
			out = append(out, co)
		}
	}
	return out, nil
}

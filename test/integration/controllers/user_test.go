package controllers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	userctrl "github.com/superkube/super-kubenetes/internal/controller/user"
	"github.com/superkube/super-kubenetes/internal/iam/password"
	"github.com/superkube/super-kubenetes/internal/iam/passwordsecret"
)

func loginRecord(user string, success bool) *iamv1beta1.LoginRecord {
	return &iamv1beta1.LoginRecord{
		ObjectMeta: metav1.ObjectMeta{GenerateName: user + "-", Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
		Spec:       iamv1beta1.LoginRecordSpec{Type: iamv1beta1.LoginPassword, Success: success, SourceIP: "192.0.2.1"},
	}
}

func userState(t *testing.T, name string, want iamv1beta1.UserState) *iamv1beta1.User {
	t.Helper()
	u := &iamv1beta1.User{}
	eventually(t, fmt.Sprintf("user %s is %s", name, want), func() error {
		if err := get(u, name); err != nil {
			return err
		}
		if u.Status.State != want {
			return fmt.Errorf("state %q", u.Status.State)
		}
		return nil
	})
	return u
}

// storedHash reads the hash in the user's password Secret ("" without one).
func storedHash(t *testing.T, u *iamv1beta1.User) string {
	t.Helper()
	h, err := (&passwordsecret.Store{Namespace: cfg.SystemNamespace, Reader: k8s}).Hash(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// passwordMoved waits until the user's spec.password is empty and its
// password Secret holds a hash, and returns the user and the hash.
func passwordMoved(t *testing.T, name string) (*iamv1beta1.User, string) {
	t.Helper()
	u := &iamv1beta1.User{}
	var hash string
	eventually(t, "the password is moved into its Secret", func() error {
		if err := get(u, name); err != nil {
			return err
		}
		hash = storedHash(t, u)
		if u.Spec.Password != "" || !password.IsHash(hash) {
			return errString("not moved yet")
		}
		return nil
	})
	return u, hash
}

func TestAPlaintextPasswordIsHashedAndMovedOutOfTheUser(t *testing.T) {
	const plain = "Plaintext-Secret-123"
	u := newUser("hash-me")
	u.Spec.Password = plain
	// What `kubectl apply` would leave behind.
	u.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"apiVersion":"iam.superkube.io/v1beta1","kind":"User","metadata":{"name":"hash-me"},"spec":{"email":"hash-me@example.com","password":"` + plain + `"}}`}
	create(t, u)
	u, hash := passwordMoved(t, u.Name)
	if !password.Matches(hash, plain) {
		t.Fatal("the hash does not match the password")
	}
	if js := mustJSON(t, u); strings.Contains(js, plain) || strings.Contains(js, hash) || strings.Contains(js, `"password"`) {
		t.Fatalf("the password survives in the object: %s", js)
	}
	u = userState(t, u.Name, iamv1beta1.UserActive)
	if u.Status.PasswordChangedAt == nil || !conditions.IsReady(u.Status.Conditions) {
		t.Fatalf("status %+v", u.Status)
	}

	eventually(t, "an event tells that the password was moved, without it", func() error {
		events := &eventsv1.EventList{}
		if err := k8s.List(context.Background(), events); err != nil {
			return err
		}
		moved := false
		for _, e := range events.Items {
			if e.Regarding.Name != u.Name {
				continue
			}
			if js := mustJSON(t, e); strings.Contains(js, plain) || strings.Contains(js, hash) || strings.Contains(js, "$2a$") {
				t.Fatalf("an event holds the password or its hash: %s", js)
			}
			moved = moved || e.Reason == iamv1beta1.ReasonPasswordHashed
		}
		if !moved {
			return errString("no event yet")
		}
		return nil
	})

	sec := &corev1.Secret{}
	if err := k8s.Get(context.Background(), types.NamespacedName{Namespace: cfg.SystemNamespace, Name: passwordsecret.Name(u.Name)}, sec); err != nil {
		t.Fatal(err)
	}
	if sec.Labels[iamv1beta1.UserRefLabel] != u.Name || len(sec.OwnerReferences) != 1 || sec.OwnerReferences[0].UID != u.UID {
		t.Fatalf("the Secret is not labelled and owned by the user: %v %v", sec.Labels, sec.OwnerReferences)
	}

	t.Run("a new plaintext replaces the hash and ends the tokens issued before", func(t *testing.T) {
		const next = "Another-Secret-456"
		changed := u.Status.PasswordChangedAt.DeepCopy()
		clock.Step(time.Minute)
		before := u.DeepCopy()
		u.Spec.Password = next
		if err := k8s.Patch(context.Background(), u, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the new password is stored", func() error {
			if err := get(u, u.Name); err != nil {
				return err
			}
			if u.Spec.Password != "" || !password.Matches(storedHash(t, u), next) || !u.Status.PasswordChangedAt.After(changed.Time) {
				return errString("not yet")
			}
			return nil
		})
	})

	t.Run("the Secret goes with the user", func(t *testing.T) {
		if err := k8s.Delete(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the Secret is gone", func() error {
			err := k8s.Get(context.Background(), types.NamespacedName{Namespace: cfg.SystemNamespace, Name: passwordsecret.Name("hash-me")}, &corev1.Secret{})
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("still there: %v", err)
			}
			return nil
		})
	})
}

func TestABcryptHashWrittenIntoTheUserIsMovedAsItIs(t *testing.T) {
	const plain = "Hashed-By-The-Admin-1"
	hash, err := password.Hash(plain, 4)
	if err != nil {
		t.Fatal(err)
	}
	u := newUser("admin-hashed")
	u.Spec.Password = hash
	create(t, u)
	u, stored := passwordMoved(t, u.Name)
	if stored != hash {
		t.Fatal("the stored hash is not the one the administrator wrote")
	}
	if u.Status.PasswordChangedAt != nil {
		t.Fatalf("a first password ends tokens: passwordChangedAt %v", u.Status.PasswordChangedAt)
	}
}

// A User of an older version keeps its bcrypt hash in spec.password (with
// ke-controller-manager stopped meanwhile, as during an upgrade): the next
// reconcile moves it, and the tokens issued before stay valid.
func TestAUserOfTheOldLayoutIsMigrated(t *testing.T) {
	hash, err := password.Hash("Old-Layout-Pass-1", 4)
	if err != nil {
		t.Fatal(err)
	}
	u := newUser("old-layout")
	u.Finalizers = []string{userctrl.Finalizer}
	u.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"spec":{"password":"` + hash + `"}}`}
	u.Spec.Password = hash
	create(t, u)
	u, stored := passwordMoved(t, u.Name)
	if stored != hash || u.Status.PasswordChangedAt != nil {
		t.Fatalf("hash kept %v, passwordChangedAt %v", stored == hash, u.Status.PasswordChangedAt)
	}
	if strings.Contains(mustJSON(t, u), hash) {
		t.Fatalf("the hash survives in the object: %s", mustJSON(t, u))
	}
}

func TestFailedLoginsLockAUserUntilTheWindowPassesOrAnAdminUnlocks(t *testing.T) {
	ctx := context.Background()
	// Login records carry kube-apiserver's real creation time; start the
	// controllers' clock there.
	clock.SetTime(time.Now())
	create(t, newUser("careless"))
	userState(t, "careless", iamv1beta1.UserActive)
	create(t, loginRecord("careless", true))
	lock := func() *iamv1beta1.User {
		for range maxFailures {
			create(t, loginRecord("careless", false))
		}
		return userState(t, "careless", iamv1beta1.UserAuthLimitExceeded)
	}
	u := lock()
	if u.Status.LockedUntil == nil || u.Status.LockedUntil.Time.Before(clock.Now()) {
		t.Fatalf("lockedUntil %v is not in the future", u.Status.LockedUntil)
	}
	if u.Status.LastLoginTime == nil {
		t.Fatal("the successful login is not recorded as the last login")
	}

	t.Run("an administrator's unlock ends a lockout at once", func(t *testing.T) {
		before := u.DeepCopy()
		u.Annotations = map[string]string{iamv1beta1.UnlockedAtAnnotation: clock.Now().Add(time.Second).UTC().Format(time.RFC3339)}
		if err := k8s.Patch(ctx, u, client.MergeFrom(before)); err != nil {
			t.Fatal(err)
		}
		userState(t, "careless", iamv1beta1.UserActive)
	})

	t.Run("the lockout ends when the window passes", func(t *testing.T) {
		time.Sleep(2100 * time.Millisecond) // past the unlock time, in whole seconds
		clock.SetTime(time.Now())
		lock()
		clock.Step(window + time.Minute)
		touch(t, "careless")
		userState(t, "careless", iamv1beta1.UserActive)
	})
}

func TestADisabledUserIsDisabled(t *testing.T) {
	u := newUser("disabled-user")
	u.Spec.Disabled = true
	create(t, u)
	userState(t, "disabled-user", iamv1beta1.UserDisabled)
}

func TestLoginRecordsAreKeptByCountAndAge(t *testing.T) {
	ctx := context.Background()
	create(t, newUser("frequent"))
	for range maxRecords + 3 {
		create(t, loginRecord("frequent", true))
	}
	count := func() int {
		list := &iamv1beta1.LoginRecordList{}
		if err := k8s.List(ctx, list, client.MatchingLabels{iamv1beta1.UserRefLabel: "frequent"}); err != nil {
			t.Fatal(err)
		}
		return len(list.Items)
	}
	eventually(t, "only the newest records are kept", func() error {
		if n := count(); n != maxRecords {
			return fmt.Errorf("%d records", n)
		}
		return nil
	})
	// Move the clock so that the records so far are just past the maximum
	// age, while a record made two seconds later is not.
	list := &iamv1beta1.LoginRecordList{}
	if err := k8s.List(ctx, list, client.MatchingLabels{iamv1beta1.UserRefLabel: "frequent"}); err != nil {
		t.Fatal(err)
	}
	var newest time.Time
	for _, r := range list.Items {
		if r.CreationTimestamp.After(newest) {
			newest = r.CreationTimestamp.Time
		}
	}
	time.Sleep(2100 * time.Millisecond)
	clock.SetTime(newest.Add(maxAge + time.Second))
	create(t, loginRecord("frequent", true))
	eventually(t, "records older than the maximum age are deleted", func() error {
		if n := count(); n != 1 {
			return fmt.Errorf("%d records", n)
		}
		return nil
	})
}

func TestDeletingAUserRemovesItsBindingsAndRecords(t *testing.T) {
	ctx := context.Background()
	create(t, newUser("leaver"))
	userState(t, "leaver", iamv1beta1.UserActive)
	grb := &iamv1beta1.GlobalRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "leaver-platform-regular", Labels: map[string]string{iamv1beta1.UserRefLabel: "leaver"}},
		RoleRef:    iamv1beta1.RoleRef{Kind: "GlobalRole", Name: "platform-regular"},
		Subjects:   []iamv1beta1.Subject{{Kind: "User", Name: "leaver"}},
	}
	create(t, grb)
	create(t, newProject("leaver-ns", "no-such-workspace-for-leaver", ""))
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: "leaver-ns", Name: "leaver-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: "leaver"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: "leaver"}},
	}
	create(t, rb)
	create(t, loginRecord("leaver", true))
	group := &iamv1beta1.Group{ObjectMeta: metav1.ObjectMeta{Name: "leavers"}}
	create(t, group)
	gb := &iamv1beta1.GroupBinding{ObjectMeta: metav1.ObjectMeta{Name: "leavers-members"}, GroupRef: iamv1beta1.GroupRef{Name: "leavers"}, Users: []string{"leaver", "stayer"}}
	create(t, gb)

	if err := k8s.Delete(ctx, newUser("leaver")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the user and what belongs to it are gone", func() error {
		for _, o := range []client.Object{&iamv1beta1.User{}, &iamv1beta1.GlobalRoleBinding{}} {
			name := "leaver"
			if _, ok := o.(*iamv1beta1.GlobalRoleBinding); ok {
				name = grb.Name
			}
			if err := get(o, name); !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T still exists (%v)", o, err)
			}
		}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(rb), &rbacv1.RoleBinding{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("the RoleBinding still exists (%v)", err)
		}
		records := &iamv1beta1.LoginRecordList{}
		if err := k8s.List(ctx, records, client.MatchingLabels{iamv1beta1.UserRefLabel: "leaver"}); err != nil || len(records.Items) > 0 {
			return fmt.Errorf("%d login records remain (%v)", len(records.Items), err)
		}
		if err := get(gb, gb.Name); err != nil {
			return err
		}
		if len(gb.Users) != 1 || gb.Users[0] != "stayer" {
			return fmt.Errorf("group binding users %v", gb.Users)
		}
		return nil
	})
}

// touch changes an annotation so that the user is reconciled again.
func touch(t *testing.T, name string) {
	t.Helper()
	u := &iamv1beta1.User{}
	if err := get(u, name); err != nil {
		t.Fatal(err)
	}
	before := u.DeepCopy()
	if u.Annotations == nil {
		u.Annotations = map[string]string{}
	}
	u.Annotations["test/touched"] = clock.Now().Format(time.RFC3339Nano)
	if err := k8s.Patch(context.Background(), u, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
}

func TestARecordWrittenLateCountsAtTheTimeOfItsAttempt(t *testing.T) {
	// Login records queued during an outage of kube-apiserver are created
	// after it; the annotation keeps the time of their attempts.
	clock.SetTime(time.Now())
	create(t, newUser("late-records"))
	userState(t, "late-records", iamv1beta1.UserActive)
	longAgo := clock.Now().Add(-window - time.Minute).UTC().Format(time.RFC3339Nano)
	for range maxFailures {
		r := loginRecord("late-records", false)
		r.Annotations = map[string]string{iamv1beta1.AttemptedAtAnnotation: longAgo}
		create(t, r)
	}
	recent := loginRecord("late-records", false)
	recent.Annotations = map[string]string{iamv1beta1.AttemptedAtAnnotation: clock.Now().UTC().Format(time.RFC3339Nano)}
	create(t, recent)
	// A successful login, last: once the status shows it, the controller
	// has counted every record.
	create(t, loginRecord("late-records", true))
	u := &iamv1beta1.User{}
	eventually(t, "the records are counted", func() error {
		if err := get(u, "late-records"); err != nil {
			return err
		}
		if u.Status.LastLoginTime == nil {
			return errString("no last login yet")
		}
		return nil
	})
	if u.Status.State != iamv1beta1.UserActive || u.Status.LockedUntil != nil {
		t.Fatalf("failures outside the window lock the user: state %s until %v", u.Status.State, u.Status.LockedUntil)
	}
}

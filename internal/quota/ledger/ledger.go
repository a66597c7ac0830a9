// Package ledger is the elected ke-controller-manager's book of workspace
// quotas: for each quota, what its workspace's projects used at the last
// count and the creates the webhook admitted since that the count has not
// seen yet. The webhook decides and charges against the book in memory,
// so that an admission costs no write to kube-apiserver; the quota
// controller recounts from the cache, settles the book, and writes it to
// the quota's status, from where the next leader loads the charges.
//
// Only one process may charge a quota, or two could each admit the last
// room: the webhook of a replica that is not the leader forwards to the
// leader (see package webhook).
package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	quota "k8s.io/apiserver/pkg/quota/v1"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	"github.com/superkube/super-kubenetes/internal/quota/count"
)

// MaxPending bounds a quota's charges not counted yet: beyond it a create
// is asked to try again rather than let the status grow without end.
const MaxPending = 500

// Book holds the accounts of the quotas this process charges.
type Book struct {
	mu       sync.Mutex
	accounts map[types.UID]*account
}

// account is one quota's book. mu guards the fields and is held only for
// a decision or a settlement; counting holds counting, so that two counts
// never settle out of order.
type account struct {
	counting sync.Mutex

	mu     sync.Mutex
	loaded bool
	// generation and hard are the quota's spec that counted is for.
	generation int64
	hard       corev1.ResourceList
	// namespaces and counted are the last count: each project's usage
	// and their sum.
	namespaces []quotav1alpha2.NamespaceUsage
	counted    corev1.ResourceList
	// pending are the charges admitted and not seen by a count, oldest
	// first.
	pending []quotav1alpha2.Charge
}

// Snapshot is an account as the controller writes it to the status.
type Snapshot struct {
	Namespaces []quotav1alpha2.NamespaceUsage
	Pending    []quotav1alpha2.Charge
	// Used is the count plus the pending charges.
	Used corev1.ResourceList
}

func (b *Book) account(uid types.UID) *account {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.accounts == nil {
		b.accounts = map[types.UID]*account{}
	}
	a, ok := b.accounts[uid]
	if !ok {
		a = &account{}
		b.accounts[uid] = a
	}
	return a
}

// Forget drops a deleted quota's account.
func (b *Book) Forget(uid types.UID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.accounts, uid)
}

// Recount counts q's workspace on its places and settles the book: the
// charges whose objects the count saw (or that expired at now) are
// dropped, the others still count. A place that cannot be read keeps its
// last count (from the status for a quota this process has not counted
// before). A quota this process has not counted before starts with the
// charges its status holds (a previous leader's).
func (b *Book) Recount(ctx context.Context, places []count.Place, q *quotav1alpha2.ResourceQuota, now time.Time) (Snapshot, error) {
	a := b.account(q.UID)
	a.counting.Lock()
	defer a.counting.Unlock()

	a.mu.Lock()
	if !a.loaded {
		a.pending = slices.Clone(q.Status.Pending)
		a.namespaces = q.Status.Namespaces
		a.loaded = true
	}
	charges := slices.Clone(a.pending)
	last := a.namespaces
	a.mu.Unlock()

	// Which charges the count will include is decided before counting: an
	// object in the cache now is in the count that follows (or deleted,
	// and then it uses nothing). One that appears during the count stays
	// pending and counts twice until the next count, never zero times.
	seen := map[chargeKey]bool{}
	for _, c := range charges {
		if now.Sub(c.Time.Time) >= count.ChargeTTL {
			seen[key(c)] = true
			continue
		}
		ok, err := count.Counted(ctx, count.Reader(places, c.Cluster), c)
		if err != nil {
			return Snapshot{}, err
		}
		if ok {
			seen[key(c)] = true
		}
	}
	nss, err := count.Workspace(ctx, places, q.Spec.Workspace, q.Spec.Hard)
	if err != nil {
		return Snapshot{}, err
	}
	// A member that cannot be read now keeps what it used at its last
	// count: its objects did not go away.
	for _, p := range places {
		if p.Reader != nil {
			continue
		}
		for _, ns := range last {
			if ns.Cluster == p.Cluster {
				nss = append(nss, ns)
			}
		}
	}
	count.Sort(nss)

	a.mu.Lock()
	defer a.mu.Unlock()
	a.generation, a.hard = q.Generation, q.Spec.Hard
	a.namespaces, a.counted = nss, count.Total(nss, nil)
	a.pending = slices.DeleteFunc(a.pending, func(c quotav1alpha2.Charge) bool { return seen[key(c)] })
	return a.snapshot(), nil
}

// Charge decides whether want fits in q and, unless dryRun, charges c
// with it. It returns the refusal when it does not fit, and retry when the
// book has too many charges not counted yet. The caller recounts first
// when Current says the account is not current.
func (b *Book) Charge(q *quotav1alpha2.ResourceQuota, want corev1.ResourceList, c quotav1alpha2.Charge, dryRun bool) (refusal string, retry bool) {
	a := b.account(q.UID)
	a.mu.Lock()
	defer a.mu.Unlock()
	used := quota.Add(a.counted, sum(a.pending))
	if msg := Refusal(q, used, want); msg != "" {
		return msg, false
	}
	if dryRun {
		return "", false
	}
	if len(a.pending) >= MaxPending {
		return "", true
	}
	c.Used = want
	a.pending = append(slices.DeleteFunc(a.pending, func(p quotav1alpha2.Charge) bool { return key(p) == key(c) }), c)
	return "", false
}

// Current says whether the book has counted q's workspace for q's spec.
func (b *Book) Current(q *quotav1alpha2.ResourceQuota) bool {
	a := b.account(q.UID)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.loaded && a.generation == q.Generation && quota.Equals(a.hard, q.Spec.Hard)
}

// Snapshot is q's account now (ok is false if it was never counted).
func (b *Book) Snapshot(uid types.UID) (s Snapshot, ok bool) {
	a := b.account(uid)
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.snapshot(), a.loaded
}

func (a *account) snapshot() Snapshot {
	return Snapshot{Namespaces: a.namespaces, Pending: slices.Clone(a.pending),
		Used: quota.Add(a.counted, sum(a.pending))}
}

// chargeKey tells charges apart: a claim grown twice before a count has
// two charges with its UID.
type chargeKey struct {
	uid     types.UID
	request string
}

func key(c quotav1alpha2.Charge) chargeKey {
	k := chargeKey{uid: c.UID}
	if c.Request != nil {
		k.request = c.Request.String()
	}
	return k
}

func sum(charges []quotav1alpha2.Charge) corev1.ResourceList {
	total := corev1.ResourceList{}
	for _, c := range charges {
		total = quota.Add(total, c.Used)
	}
	return total
}

// Refusal says why want does not fit in q when used is used, or "" if it
// does: the quota, each resource over, what was asked, what is used and
// what is left.
func Refusal(q *quotav1alpha2.ResourceQuota, used, want corev1.ResourceList) string {
	var over []string
	names := quota.ResourceNames(want)
	slices.Sort(names)
	for _, name := range names {
		req, hard := want[name], q.Spec.Hard[name]
		u := used[name]
		total := u.DeepCopy()
		total.Add(req)
		if total.Cmp(hard) <= 0 {
			continue
		}
		left := hard.DeepCopy()
		left.Sub(u)
		if left.Sign() < 0 {
			left = resource.Quantity{Format: hard.Format}
		}
		over = append(over, fmt.Sprintf("requested %s=%s, used %s of %s (%s left)", name, req.String(), u.String(), hard.String(), left.String()))
	}
	if len(over) == 0 {
		return ""
	}
	return fmt.Sprintf("exceeded workspace quota %q of workspace %s: %s", q.Name, q.Spec.Workspace, strings.Join(over, "; "))
}

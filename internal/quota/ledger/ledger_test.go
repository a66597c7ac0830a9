package ledger_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/count"
	"github.com/superkube/super-kubenetes/internal/quota/ledger"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

var now = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

func cpu(s string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse(s)}
}

func pod(ns, name string, uid types.UID, req string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: uid}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(req)}}}}}}
}

func charge(ns, name string, uid types.UID, at time.Time) quotav1alpha2.Charge {
	return quotav1alpha2.Charge{UID: uid, Resource: "pods", Namespace: ns, Name: name, Time: metav1.NewTime(at)}
}

// setup is a workspace of two projects, one running a 1-CPU pod, and a
// quota of 4 CPUs on it.
func setup(t *testing.T, objs ...client.Object) (client.Client, *quotav1alpha2.ResourceQuota) {
	t.Helper()
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "ws"}
	objs = append(objs,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: ws}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: ws}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}},
		pod("a", "running", "u-running", "1"),
		pod("other", "elsewhere", "u-elsewhere", "8"))
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).Build()
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "q", UID: "q-uid", Generation: 1},
		Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "ws", Hard: cpu("4")}}
	return c, q
}

func TestChargesCountUntilTheirObjectsAreCounted(t *testing.T) {
	ctx := context.Background()
	c, q := setup(t)
	var b ledger.Book
	if b.Current(q) {
		t.Fatal("a book never counted says it is current")
	}
	s, err := b.Recount(ctx, host(c), q, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("1")) != 0 || len(s.Namespaces) != 2 {
		t.Fatalf("counted %s over %d namespaces, want 1 CPU over 2 (the other namespace is not the workspace's)", got.String(), len(s.Namespaces))
	}
	if !b.Current(q) {
		t.Fatal("a counted book is not current")
	}
	// Three 1-CPU creates fit; the fourth does not, and says what is left.
	for i, name := range []string{"p1", "p2", "p3"} {
		if msg, retry := b.Charge(q, cpu("1"), charge("b", name, types.UID("u-"+name), now), false); msg != "" || retry {
			t.Fatalf("create %d refused: %q %v", i+1, msg, retry)
		}
	}
	msg, _ := b.Charge(q, cpu("1"), charge("b", "p4", "u-p4", now), false)
	for _, want := range []string{`exceeded workspace quota "q" of workspace ws`, "requested requests.cpu=1", "used 4 of 4", "(0 left)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q does not say %q", msg, want)
		}
	}
	// A dry run is decided, not charged.
	if msg, _ := b.Charge(q, cpu("1"), charge("b", "dry", "u-dry", now), true); msg == "" {
		t.Error("a dry run past the quota was admitted")
	}

	// p1 appears; p2 appears with another UID (a different object); p3
	// never does. The recount counts p1 and drops its charge, keeps p2's
	// and p3's.
	if err := c.Create(ctx, pod("b", "p1", "u-p1", "1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(ctx, pod("b", "p2", "u-other", "1")); err != nil {
		t.Fatal(err)
	}
	s, err = b.Recount(ctx, host(c), q, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var pending []string
	for _, ch := range s.Pending {
		pending = append(pending, ch.Name)
	}
	if strings.Join(pending, ",") != "p2,p3" {
		t.Errorf("pending after the recount = %v, want p2,p3", pending)
	}
	// running + p1 + the other p2 counted (3), p2 and p3 pending (2).
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("5")) != 0 {
		t.Errorf("used = %s, want 5", got.String())
	}

	// A minute later the charges of objects that never appeared expire.
	s, err = b.Recount(ctx, host(c), q, now.Add(count.ChargeTTL))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pending) != 0 {
		t.Errorf("expired charges still pending: %v", s.Pending)
	}
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("3")) != 0 {
		t.Errorf("used = %s, want 3", got.String())
	}
}

func TestANewLeaderStartsWithTheChargesInTheStatus(t *testing.T) {
	ctx := context.Background()
	c, q := setup(t)
	// The previous leader charged 3 CPUs for a pod not created yet.
	prev := charge("b", "big", "u-big", now)
	prev.Used = cpu("3")
	q.Status.Pending = []quotav1alpha2.Charge{prev}
	var b ledger.Book
	if _, err := b.Recount(ctx, host(c), q, now); err != nil {
		t.Fatal(err)
	}
	if msg, _ := b.Charge(q, cpu("1"), charge("b", "small", "u-small", now), false); msg == "" {
		t.Fatal("the previous leader's charge was forgotten: 1 + 3 + 1 CPUs admitted under 4")
	}
	// A spec change makes the book stale until it is counted again.
	q.Generation, q.Spec.Hard = 2, cpu("10")
	if b.Current(q) {
		t.Fatal("the book is current for a spec it did not count")
	}
}

func TestChargesBeyondTheBoundAskToRetry(t *testing.T) {
	ctx := context.Background()
	c, q := setup(t)
	q.Spec.Hard = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("100000")}
	var b ledger.Book
	if _, err := b.Recount(ctx, host(c), q, now); err != nil {
		t.Fatal(err)
	}
	one := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}
	for i := range ledger.MaxPending {
		if msg, retry := b.Charge(q, one, charge("b", "p", types.UID(rune('a'+i%26))+types.UID(strings.Repeat("x", i)), now), false); msg != "" || retry {
			t.Fatalf("charge %d: %q %v", i, msg, retry)
		}
	}
	if _, retry := b.Charge(q, one, charge("b", "p", "last", now), false); !retry {
		t.Fatal("a charge beyond the bound was not asked to retry")
	}
	s, _ := b.Snapshot(q.UID)
	if len(s.Pending) != ledger.MaxPending {
		t.Fatalf("%d pending, want %d", len(s.Pending), ledger.MaxPending)
	}
}

func host(c client.Reader) []count.Place { return []count.Place{{Reader: c}} }

// A member's projects count with the host's; its charges are seen in its
// own cache; a member that cannot be read keeps its last count.
func TestMembersCountWithTheHost(t *testing.T) {
	ctx := context.Background()
	c, q := setup(t)
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "ws"}
	member := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: ws}},
		pod("a", "far", "u-far", "2")).Build()
	places := []count.Place{{Reader: c}, {Cluster: "edge", Reader: member}}
	var b ledger.Book
	s, err := b.Recount(ctx, places, q, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("3")) != 0 {
		t.Fatalf("used %s, want 3 (1 on the host, 2 on the member)", got.String())
	}
	if len(s.Namespaces) != 3 || s.Namespaces[0].Cluster != "" || s.Namespaces[2].Cluster != "edge" || s.Namespaces[2].Namespace != "a" {
		t.Fatalf("namespaces %+v, want the host's a and b, then edge's a", s.Namespaces)
	}
	// One CPU is left across both clusters.
	far := charge("a", "next", "u-next", now)
	far.Cluster = "edge"
	if msg, _ := b.Charge(q, cpu("1"), far, false); msg != "" {
		t.Fatalf("refused: %s", msg)
	}
	if msg, _ := b.Charge(q, cpu("1"), charge("b", "host", "u-host", now), false); !strings.Contains(msg, "used 4 of 4") {
		t.Fatalf("the host admitted past the room the member took: %q", msg)
	}
	// The member's object appears in the member's cache (a host object of
	// the same name and UID would not count it).
	if err := member.Create(ctx, pod("a", "next", "u-next", "1")); err != nil {
		t.Fatal(err)
	}
	if s, err = b.Recount(ctx, places, q, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if len(s.Pending) != 0 {
		t.Fatalf("pending %+v after the member's object was counted", s.Pending)
	}
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("4")) != 0 {
		t.Fatalf("used %s, want 4", got.String())
	}
	// The member cannot be read: its last count stays.
	s, err = b.Recount(ctx, []count.Place{{Reader: c}, {Cluster: "edge"}}, q, now.Add(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("4")) != 0 || len(s.Namespaces) != 3 {
		t.Fatalf("used %s over %d namespaces with the member unreadable, want 4 over 3", got.String(), len(s.Namespaces))
	}
	// A workspace no longer placed there: the member's projects leave the count.
	if s, err = b.Recount(ctx, host(c), q, now.Add(3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := s.Used[corev1.ResourceRequestsCPU]; got.Cmp(resource.MustParse("1")) != 0 || len(s.Namespaces) != 2 {
		t.Fatalf("used %s over %d namespaces after the member left, want 1 over 2", got.String(), len(s.Namespaces))
	}
}

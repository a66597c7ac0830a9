//go:build faults

package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
)

// loadClients is how many clients run while a replica is killed.
const loadClients = 8

// outcome is one request of a client under load.
type outcome struct {
	at, took time.Duration
	code     int
	err      error
}

func (o outcome) ok() bool { return o.err == nil && o.code == http.StatusOK }

// load is what clients saw while a replica was killed.
type load struct {
	clients [][]outcome
}

// runLoad runs n clients, each sending one request after another (do, with
// its own connections) until stop is closed.
func runLoad(n int, do func(client int) (int, error), stop <-chan struct{}) *load {
	l := &load{clients: make([][]outcome, n)}
	begin := time.Now()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				start := time.Since(begin)
				code, err := do(i)
				l.clients[i] = append(l.clients[i], outcome{at: start, took: time.Since(begin) - start, code: code, err: err})
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	return l
}

// report prints the figures of a load and returns how many requests
// answered 401 (a logged-out user).
func (l *load) report(t *testing.T, what string) int {
	t.Helper()
	var total, failed, unauthorized, streak, longest int
	var longestFor time.Duration
	kinds := map[string]int{}
	for _, reqs := range l.clients {
		streak = 0
		var streakStart time.Duration
		for _, o := range reqs {
			total++
			if o.ok() {
				streak = 0
				continue
			}
			failed++
			kind := fmt.Sprint(o.code)
			if o.err != nil {
				kind = errorKind(o.err)
			}
			kinds[kind]++
			if o.code == http.StatusUnauthorized {
				unauthorized++
			}
			if streak == 0 {
				streakStart = o.at
			}
			streak++
			if streak > longest || (streak == longest && o.at+o.took-streakStart > longestFor) {
				longest, longestFor = streak, o.at+o.took-streakStart
			}
		}
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s×%d", k, n))
	}
	slices.Sort(ks)
	rate := 0.0
	if total > 0 {
		rate = 100 * float64(failed) / float64(total)
	}
	t.Logf("FIGURE %s: %d clients, %d requests, %d failed (%.2f%%: %s), %d answered 401; longest failed streak of one client: %d requests over %.2fs",
		what, len(l.clients), total, failed, rate, strings.Join(ks, ", "), unauthorized, longest, longestFor.Seconds())
	return unauthorized
}

// errorKind names a transport error briefly.
func errorKind(err error) string {
	s := err.Error()
	for _, k := range []string{"connection reset", "EOF", "connection refused", "timeout", "broken pipe"} {
		if strings.Contains(s, k) {
			return strings.ReplaceAll(k, " ", "-")
		}
	}
	return "error"
}

// killUnderLoad runs the load, kills one replica with SIGKILL after a few
// seconds, and stops the load a few seconds after ke-dev has it running
// again.
func killUnderLoad(t *testing.T, p *Platform, name string, do func(client int) (int, error)) *load {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan *load)
	go func() { done <- runLoad(loadClients, do, stop) }()
	time.Sleep(3 * time.Second)
	took := p.Restart(t, name, syscall.SIGKILL)
	t.Logf("FIGURE %s back after kill -9 under load in %.1fs", name, took.Seconds())
	time.Sleep(3 * time.Second)
	close(stop)
	return <-done
}

// apiserverReplicaKilledUnderLoad kills one ke-apiserver replica while 8
// clients call it through the balancer, twice: clients that keep their
// connections (and, like Go's and browsers' HTTP clients, send an idempotent
// request again when a kept connection dies), then clients that open a new
// connection for every request and never retry.
func apiserverReplicaKilledUnderLoad(t *testing.T, p *Platform) {
	const user, pass = "load-api", "Load-Passw0rd!"
	p.NewUser(t, user, pass)
	tokens := make([]string, loadClients)
	for i := range tokens {
		tokens[i] = p.Login(t, user, pass).Access
	}
	for i, variant := range []struct {
		what   string
		client func() *http.Client
	}{
		{"clients that keep their connections", p.HTTPClient},
		{"clients with a new connection per request", func() *http.Client {
			c := p.HTTPClient()
			c.Transport.(*http.Transport).DisableKeepAlives = true
			return c
		}},
	} {
		clients := make([]*http.Client, loadClients)
		for i := range clients {
			clients[i] = variant.client()
		}
		victim := p.Replicas("ke-apiserver")[i%2]
		l := killUnderLoad(t, p, victim, func(i int) (int, error) {
			code, _, err := p.Call(clients[i], http.MethodGet, UserPath(user), tokens[i])
			return code, err
		})
		if n := l.report(t, victim+" killed under load, "+variant.what); n > 0 {
			t.Errorf("%d requests answered 401: users were logged out", n)
		}
		p.Healthy(t)
		for i, tok := range tokens {
			if code, body, err := p.Call(clients[i], http.MethodGet, UserPath(user), tok); err != nil || code != http.StatusOK {
				t.Errorf("client %d after the kill: %d %.200s %v", i, code, body, err)
			}
		}
	}
}

func consoleReplicaKilledUnderLoad(t *testing.T, p *Platform) {
	const pass = "Load-Passw0rd!"
	var users []string
	var browsers []*Browser
	for i := range loadClients {
		u := fmt.Sprintf("load-console-%d", i)
		p.NewUser(t, u, pass)
		b := p.NewBrowser()
		b.Login(t, u, pass)
		users, browsers = append(users, u), append(browsers, b)
	}
	l := killUnderLoad(t, p, p.Replicas("ke-console")[0], func(i int) (int, error) {
		code, _, err := browsers[i].Do(http.MethodGet, strings.TrimPrefix(UserPath(users[i]), "/"), nil)
		return code, err
	})
	if n := l.report(t, "ke-console-1 killed under load"); n > 0 {
		t.Errorf("%d requests answered 401: browsers lost their sessions", n)
	}
	for i, b := range browsers {
		if err := b.LoggedIn(users[i]); err != nil {
			t.Errorf("browser %d after the kill: %v", i, err)
		}
	}
}

// leader returns the ke-controller-manager replica that holds the lease, as
// its log since its last start says.
func (p *Platform) leader(t *testing.T) string {
	t.Helper()
	var found []string
	for _, name := range p.Replicas("ke-controller-manager") {
		data, err := os.ReadFile(p.Log(name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if i := strings.LastIndex(s, "\n===== "); i >= 0 {
			s = s[i:]
		}
		if strings.Contains(s, "Successfully acquired lease") {
			found = append(found, name)
		}
	}
	if len(found) != 1 {
		t.Fatalf("replicas that say they lead: %v", found)
	}
	return found[0]
}

// controllerManagerFailover kills the leading ke-controller-manager and
// measures how long until the other holds the lease and until a workspace
// created right after the kill is reconciled.
func controllerManagerFailover(t *testing.T, p *Platform) {
	ctx := context.Background()
	leader := p.leader(t)
	key := types.NamespacedName{Namespace: "superkube-system", Name: "ke-controller-manager"}
	lease := &coordinationv1.Lease{}
	if err := p.Kube.Get(ctx, key, lease); err != nil {
		t.Fatal(err)
	}
	holder := *lease.Spec.HolderIdentity
	t.Logf("Lease held by %s (%s); duration %ds", holder, leader, *lease.Spec.LeaseDurationSeconds)

	restarts := p.restarts(leader)
	begin := time.Now()
	p.Signal(t, leader, syscall.SIGKILL)
	ws := &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "failover"}}
	if err := p.Kube.Create(ctx, ws); err != nil {
		t.Fatal(err)
	}
	var leaseAt, reconciledAt time.Duration
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if leaseAt == 0 {
			l := &coordinationv1.Lease{}
			if err := p.Kube.Get(ctx, key, l); err == nil && l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" && *l.Spec.HolderIdentity != holder {
				leaseAt = time.Since(begin)
			}
		}
		if reconciledAt == 0 {
			got := &tenantv1beta1.Workspace{}
			if err := p.Kube.Get(ctx, types.NamespacedName{Name: ws.Name}, got); err == nil && meta.IsStatusConditionTrue(got.Status.Conditions, tenantv1beta1.ReadyCondition) {
				reconciledAt = time.Since(begin)
			}
		}
		return leaseAt != 0 && reconciledAt != 0, nil
	})
	if err != nil {
		t.Fatalf("after kill -9 of the leader %s: lease taken over after %s, workspace reconciled after %s (0: not within 2 minutes)", leader, leaseAt, reconciledAt)
	}
	t.Logf("FIGURE ke-controller-manager failover after kill -9 of the leader: the lease changed hands after %.1fs, a workspace created right after the kill was Ready after %.1fs",
		leaseAt.Seconds(), reconciledAt.Seconds())
	p.waitOutput(t, leader+" runs again", 3*time.Minute, func() bool { return p.restarts(leader) > restarts })
}

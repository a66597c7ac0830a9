//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/console/auth"
	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

// What ke-dev configures: it gives ke-apiserver and ke-controller-manager no
// configuration file, so these are their defaults.
const (
	// requestTimeout is ke-apiserver's kubernetes.requestTimeout: how long
	// kube-apiserver has to begin its answer to a forwarded request.
	requestTimeout = 10 * time.Second
	// maxFailedLogins is authentication.maxFailedLogins of ke-apiserver and
	// ke-controller-manager.
	maxFailedLogins = 5
	// lateness is how much later than requestTimeout a 504 may come on a
	// busy machine.
	lateness = 3 * time.Second
	// consoleFindsHungAPIServer is how soon ke-console gives up on a
	// ke-apiserver that takes connections and answers nothing.
	consoleFindsHungAPIServer = 10 * time.Second
	// catchUp is how soon after its creation the list engine must show an
	// object made once kube-apiserver is back.
	catchUp = 5 * time.Second
)

const (
	iamAPI        = "/kapis/iam.superkube.io/v1beta1"
	tenantAPI     = "/kapis/tenant.superkube.io/v1beta1"
	podsOfDefault = "/kapis/resources.superkube.io/v1alpha3/namespaces/default/pods"
)

// stale tells whether a list engine answer carries the stale marker: the
// header and the freshness field, which must agree.
func stale(a Answer) (bool, error) {
	f, _ := a.JSON()["freshness"].(map[string]any)
	body := f != nil && f["stale"] == true
	header := a.Header.Get(resources.StaleHeader) != ""
	if body != header {
		return false, fmt.Errorf("the header says stale=%v and the body %v: %s", header, body, a)
	}
	if body && (f["reason"] == "" || f["since"] == nil || !strings.Contains(a.Header.Get("Warning"), "stale")) {
		return false, fmt.Errorf("a stale answer without reason, since or warning: %v %s", a.Header, a)
	}
	return body, nil
}

// apiReplicas are the addresses of ke-apiserver's processes by name: its
// replicas' own addresses with HA, else its one address.
func (p *Platform) apiReplicas(t *testing.T) map[string]string {
	t.Helper()
	if !p.HA {
		return map[string]string{"ke-apiserver": p.APIURL}
	}
	out := map[string]string{}
	for name, addr := range p.Backends(t, "ke-apiserver") {
		out[name] = "https://" + addr
	}
	return out
}

// gatewayTimeout checks that a forwarded request was answered 504 by
// ke-apiserver's upstream timeout: a Timeout Status with Retry-After, no
// later than requestTimeout (and a little lateness).
func gatewayTimeout(a Answer) error {
	st := a.JSON()
	if a.Err != nil || a.Code != http.StatusGatewayTimeout || st["kind"] != "Status" || st["code"] != float64(http.StatusGatewayTimeout) ||
		st["reason"] != string(metav1.StatusReasonTimeout) || a.Header.Get("Retry-After") == "" ||
		!strings.Contains(fmt.Sprint(st["message"]), "did not answer within "+requestTimeout.String()) {
		return fmt.Errorf("want a 504 Timeout Status with Retry-After, got %s (Retry-After %q)", a, a.Header.Get("Retry-After"))
	}
	if a.Took > requestTimeout+lateness {
		return fmt.Errorf("answered after %.1fs; the timeout is %s", a.Took.Seconds(), requestTimeout)
	}
	return nil
}

// kubeAPIServerStopped stops kube-apiserver with SIGSTOP (a hung process,
// its port open): ke-apiserver says it is not ready, marks its lists stale
// and answers forwarded requests 504 within its timeout; once kube-apiserver
// goes on, the list engine shows a new pod within seconds.
func kubeAPIServerStopped(t *testing.T, p *Platform) {
	const user, pass = "stop-kube", "Outage-Passw0rd!"
	p.NewAdmin(t, user, pass)
	tok := p.Login(t, user, pass).Access
	c := p.HTTPClient()
	if a := p.Send(c, http.MethodGet, podsOfDefault, tok, nil); a.Code != http.StatusOK {
		t.Fatalf("the list before: %s", a)
	} else if s, err := stale(a); s || err != nil {
		t.Fatalf("the list before is stale (%v): %s", err, a)
	}

	p.Pause(t, "kube-apiserver")
	paused := time.Now()
	forwarded := make(chan Answer, 1)
	go func() {
		forwarded <- p.Send(p.HTTPClient(), http.MethodGet, "/api/v1/namespaces/default/pods", tok, nil)
	}()

	for name, u := range p.apiReplicas(t) {
		platform.Eventually(t, name+" is not ready", 10*time.Second, func() error {
			code, body, err := get(p.tls, u+"/readyz", "")
			if err != nil || code != http.StatusServiceUnavailable || !strings.Contains(string(body), "kube-apiserver") {
				return fmt.Errorf("/readyz: %d %s %v", code, body, err)
			}
			return nil
		})
		t.Logf("FIGURE %s's /readyz answered 503 %.1fs after kube-apiserver stopped", name, time.Since(paused).Seconds())
	}
	var list Answer
	platform.Eventually(t, "the list engine marks its answers stale", 10*time.Second, func() error {
		list = p.Send(c, http.MethodGet, podsOfDefault, tok, nil)
		if s, err := stale(list); list.Code != http.StatusOK || !s || err != nil {
			return fmt.Errorf("stale=%v %v: %s", s, err, list)
		}
		return nil
	})
	t.Logf("While kube-apiserver is stopped, the list answers 200 with %s: %s, Warning %s, freshness %v",
		resources.StaleHeader, list.Header.Get(resources.StaleHeader), list.Header.Get("Warning"), list.JSON()["freshness"])
	a := <-forwarded
	t.Logf("FIGURE a request forwarded to the stopped kube-apiserver answered %d after %.1fs (kubernetes.requestTimeout %s)", a.Code, a.Took.Seconds(), requestTimeout)
	if err := gatewayTimeout(a); err != nil {
		t.Errorf("a request forwarded while kube-apiserver is stopped: %v", err)
	}

	p.Resume(t, "kube-apiserver")
	resumed := time.Now()
	t.Logf("kube-apiserver was stopped for %.1fs", resumed.Sub(paused).Seconds())
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "after-the-stop"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	platform.Eventually(t, "kube-apiserver takes a new pod", time.Minute, func() error {
		err := p.Kube.Create(context.Background(), pod)
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
	created := time.Now()
	t.Cleanup(func() { _ = p.Kube.Delete(context.Background(), pod) })
	platform.Eventually(t, "the list engine shows the new pod", time.Minute, func() error {
		a := p.Send(c, http.MethodGet, podsOfDefault+"?names="+pod.Name, tok, nil)
		if n, _ := a.JSON()["totalItems"].(float64); a.Code != http.StatusOK || n != 1 {
			return fmt.Errorf("%s", a)
		}
		return nil
	})
	shown := time.Now()
	t.Logf("FIGURE after kube-apiserver was stopped %.1fs, the list engine showed a pod created %.1fs after SIGCONT within %.2fs of its creation",
		resumed.Sub(paused).Seconds(), created.Sub(resumed).Seconds(), shown.Sub(created).Seconds())
	if took := shown.Sub(created); took > catchUp {
		t.Errorf("the list engine showed the new pod %.1fs after its creation, want within %s", took.Seconds(), catchUp)
	}
	platform.Eventually(t, "the list is fresh again", 30*time.Second, func() error {
		a := p.Send(c, http.MethodGet, podsOfDefault, tok, nil)
		if s, err := stale(a); a.Code != http.StatusOK || s || err != nil {
			return fmt.Errorf("stale=%v %v: %s", s, err, a)
		}
		return nil
	})
	t.Logf("FIGURE the list engine's answers were fresh again %.1fs after kube-apiserver went on", time.Since(resumed).Seconds())
}

// etcdStopped stops etcd with SIGSTOP: kube-apiserver runs but cannot read
// or write, and requests forwarded to it answer 504 within ke-apiserver's
// timeout instead of hanging.
func etcdStopped(t *testing.T, p *Platform) {
	const user, pass = "stop-etcd", "Outage-Passw0rd!"
	p.NewAdmin(t, user, pass)
	tok := p.Login(t, user, pass).Access
	const name = "during-etcd-stop"
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": name}, "data": map[string]string{"k": "v"}}
	t.Cleanup(func() {
		_ = p.Kube.Delete(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name}})
	})

	p.Pause(t, "etcd")
	paused := time.Now()
	requests := []struct {
		what, method, path string
		body               any
	}{
		{"a list", http.MethodGet, "/api/v1/namespaces/default/configmaps", nil},
		{"a get", http.MethodGet, "/api/v1/namespaces/default/serviceaccounts/default", nil},
		{"a create", http.MethodPost, "/api/v1/namespaces/default/configmaps", cm},
	}
	answers := make([]Answer, len(requests))
	var wg sync.WaitGroup
	for i, r := range requests {
		wg.Go(func() { answers[i] = p.Send(p.HTTPClient(), r.method, r.path, tok, r.body) })
	}
	wg.Wait()
	p.Resume(t, "etcd")
	t.Logf("etcd was stopped for %.1fs", time.Since(paused).Seconds())
	for i, r := range requests {
		t.Logf("FIGURE %s forwarded while etcd was stopped answered %d after %.1fs (kubernetes.requestTimeout %s)", r.what, answers[i].Code, answers[i].Took.Seconds(), requestTimeout)
		if err := gatewayTimeout(answers[i]); err != nil {
			t.Errorf("%s forwarded while etcd is stopped: %v", r.what, err)
		}
	}
}

// kubeAPIServerKilled kills kube-apiserver (kill -9), which ke-dev starts
// again, while a client keeps sending an allowed request through
// ke-apiserver: it gets 200, or 503 with Retry-After while kube-apiserver is
// away or starting, never 403.
func kubeAPIServerKilled(t *testing.T, p *Platform) {
	const user, pass = "kill-kube", "Outage-Passw0rd!"
	p.NewAdmin(t, user, pass)
	tok := p.Login(t, user, pass).Access
	c := p.HTTPClient()
	if a := p.Send(c, http.MethodGet, "/api/v1/namespaces", tok, nil); a.Code != http.StatusOK {
		t.Fatalf("before: %s", a)
	}
	var mu sync.Mutex
	var answers []Answer
	restarted := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		oks := 0
		deadline := time.Now().Add(3 * time.Minute)
		for time.Now().Before(deadline) {
			a := p.Send(c, http.MethodGet, "/api/v1/namespaces", tok, nil)
			mu.Lock()
			answers = append(answers, a)
			mu.Unlock()
			select {
			case <-restarted:
				// Go on until kube-apiserver has answered 20 times after ke-dev restarted it.
				if a.Code == http.StatusOK {
					if oks++; oks == 20 {
						return
					}
				}
			default:
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	time.Sleep(time.Second)
	took := p.Restart(t, "kube-apiserver", syscall.SIGKILL)
	close(restarted)
	<-done
	t.Logf("FIGURE kube-apiserver back after kill -9 in %.1fs", took.Seconds())

	codes := map[string]int{}
	var wrong []string
	for _, a := range answers {
		kind := strconv.Itoa(a.Code)
		if a.Err != nil {
			kind = errorKind(a.Err)
		}
		codes[kind]++
		switch {
		case a.Err == nil && a.Code == http.StatusOK:
		case a.Err == nil && a.Code == http.StatusServiceUnavailable && a.Header.Get("Retry-After") != "" && a.JSON()["code"] == float64(http.StatusServiceUnavailable):
			if codes[kind] == 1 {
				t.Logf("The first 503: %s", a)
			}
		default:
			wrong = append(wrong, a.String())
		}
	}
	var seen []string
	for k, n := range codes {
		seen = append(seen, k+"×"+strconv.Itoa(n))
	}
	sort.Strings(seen)
	t.Logf("FIGURE answers to an allowed request while kube-apiserver was killed and restarted: %s", strings.Join(seen, ", "))
	if len(wrong) > 0 {
		t.Errorf("%d answers were neither 200 nor 503 with Retry-After, first: %s", len(wrong), wrong[0])
	}
}

// logLines counts the lines of the logs of ke-apiserver's processes, from
// the offsets given (their sizes before), that contain s.
func (p *Platform) logLines(offsets map[string]int64, s string) int {
	n := 0
	for name, off := range offsets {
		data, err := os.ReadFile(p.Log(name))
		if err != nil || int64(len(data)) < off {
			continue
		}
		n += strings.Count(string(data[off:]), s)
	}
	return n
}

// logSizes are the sizes of the logs of some processes now.
func (p *Platform) logSizes(names []string) map[string]int64 {
	out := map[string]int64{}
	for _, n := range names {
		if fi, err := os.Stat(p.Log(n)); err == nil {
			out[n] = fi.Size()
		}
	}
	return out
}

func loginRecords(t *testing.T, p *Platform, user string) []iamv1beta1.LoginRecord {
	t.Helper()
	list := &iamv1beta1.LoginRecordList{}
	if err := p.Kube.List(context.Background(), list, client.MatchingLabels{iamv1beta1.UserRefLabel: user}); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// loginsWhileKubeAPIServerStopped logs in while kube-apiserver is stopped
// (SIGSTOP): wrong passwords still lock the user, and every attempt, the
// successful ones too, is recorded once kube-apiserver goes on.
func loginsWhileKubeAPIServerStopped(t *testing.T, p *Platform) {
	const victim, other, pass, wrong = "stop-victim", "stop-login", "Outage-Passw0rd!", "Wrong-Passw0rd!"
	p.NewUser(t, victim, pass)
	p.NewUser(t, other, pass)
	logs := p.logSizes(p.Replicas("ke-apiserver"))
	c := p.HTTPClient()
	earlier := knownToEveryReplica(t, p, c, pass, victim, other)

	p.Pause(t, "kube-apiserver")
	paused := time.Now()
	if code, body, err := p.login(c, other, pass); err != nil || code != http.StatusOK {
		t.Errorf("a login while kube-apiserver is stopped: %d %.300s %v, want 200", code, body, err)
	}
	for i := range maxFailedLogins {
		if code, body, err := p.login(c, victim, wrong); err != nil || code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d while kube-apiserver is stopped: %d %.300s %v, want 401", i+1, code, body, err)
		}
	}
	if code, body, err := p.login(c, victim, pass); err != nil || code != http.StatusUnauthorized {
		t.Errorf("the right password after %d wrong ones while kube-apiserver is stopped: %d %.300s %v, want 401 (locked)", maxFailedLogins, code, body, err)
	}
	// The record writes run into their deadline (10 s) and are retried.
	time.Sleep(12*time.Second - time.Since(paused))
	p.Resume(t, "kube-apiserver")
	resumed := time.Now()
	t.Logf("kube-apiserver was stopped for %.1fs", resumed.Sub(paused).Seconds())

	platform.Eventually(t, "the attempts made while kube-apiserver was stopped are recorded", time.Minute, func() error {
		records := after(loginRecords(t, p, victim), earlier)
		reasons := map[string]int{}
		for _, r := range records {
			if r.Spec.Success {
				return fmt.Errorf("a successful record for %s: %+v", victim, r.Spec)
			}
			if r.Annotations[iamv1beta1.AttemptedAtAnnotation] == "" {
				return fmt.Errorf("record %s does not say when the attempt was made", r.Name)
			}
			reasons[r.Spec.Reason]++
		}
		if len(records) != maxFailedLogins+1 || reasons["wrong password"] != maxFailedLogins || reasons["the account is locked after too many failed logins"] != 1 {
			return fmt.Errorf("%s: %d records, reasons %v", victim, len(records), reasons)
		}
		if records := after(loginRecords(t, p, other), earlier); len(records) != 1 || !records[0].Spec.Success {
			return fmt.Errorf("%s: %d records", other, len(records))
		}
		return nil
	})
	t.Logf("FIGURE the %d login records of attempts made while kube-apiserver was stopped were written within %.1fs after it went on",
		maxFailedLogins+2, time.Since(resumed).Seconds())
	if n := p.logLines(logs, "Writing a login record failed; retrying"); n == 0 {
		t.Errorf("no record write failed while kube-apiserver was stopped: the stall was not seen")
	} else {
		t.Logf("ke-apiserver said %d times that it retries writing a login record", n)
	}
	platform.Eventually(t, "ke-controller-manager shows the lock", time.Minute, func() error {
		u := &iamv1beta1.User{}
		if err := p.Kube.Get(context.Background(), types.NamespacedName{Name: victim}, u); err != nil {
			return err
		}
		if u.Status.State != iamv1beta1.UserAuthLimitExceeded {
			return fmt.Errorf("state %q", u.Status.State)
		}
		return nil
	})
	if code, body, err := p.login(c, victim, pass); err != nil || code != http.StatusUnauthorized {
		t.Errorf("the right password of the locked user after the outage: %d %.300s %v, want 401", code, body, err)
	}
}

// knownToEveryReplica logs each user in once at every ke-apiserver replica,
// until it succeeds from the replica's caches, so that each replica's
// caches hold the users and their password Secrets before kube-apiserver
// stops (right after an earlier fault a replica's informers may still be
// catching up: a user it has not seen yet is unknown to it, and a hash its
// cache lacks is read from kube-apiserver, which a stopped kube-apiserver
// cannot answer; that is not what the fault tests). A login counts only
// when the replica's ke_apiserver_password_hash_live_reads_total did not
// rise with it. It waits until those logins are recorded and returns the
// records' names.
func knownToEveryReplica(t *testing.T, p *Platform, c *http.Client, pass string, users ...string) map[string]bool {
	t.Helper()
	const admin = "stop-metrics-reader"
	p.NewAdmin(t, admin, pass)
	// The replica that answers may not have seen the new user yet either.
	var adminTok string
	platform.Eventually(t, admin+" logs in", time.Minute, func() error {
		code, body, err := p.login(c, admin, pass)
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("%d %.200s %v", code, body, err)
		}
		var toks Tokens
		if err := json.Unmarshal(body, &toks); err != nil {
			return err
		}
		adminTok = toks.Access
		return nil
	})
	replicas := p.apiReplicas(t)
	for name, base := range replicas {
		for _, u := range users {
			platform.Eventually(t, name+" lets "+u+" log in from its caches", time.Minute, func() error {
				before, err := p.liveHashReads(c, base, adminTok)
				if err != nil {
					return err
				}
				if code, body, err := p.loginAt(c, base, u, pass); err != nil || code != http.StatusOK {
					return fmt.Errorf("%d %.200s %v", code, body, err)
				}
				now, err := p.liveHashReads(c, base, adminTok)
				if err != nil {
					return err
				}
				if now != before {
					return fmt.Errorf("the login read %s's password hash from kube-apiserver: the replica's cache has not seen it yet", u)
				}
				return nil
			})
		}
	}
	earlier := map[string]bool{}
	platform.Eventually(t, "the logins before the fault are recorded", time.Minute, func() error {
		for _, u := range users {
			records := loginRecords(t, p, u)
			if len(records) < len(replicas) {
				return fmt.Errorf("%s: %d records, want %d", u, len(records), len(replicas))
			}
			for _, r := range records {
				earlier[r.Name] = true
			}
		}
		return nil
	})
	return earlier
}

// liveHashReads is the sum of ke_apiserver_password_hash_live_reads_total
// at one ke-apiserver replica.
func (p *Platform) liveHashReads(c *http.Client, base, token string) (float64, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the metrics of %s: %d %.200s %v", base, resp.StatusCode, body, err)
	}
	sum := 0.0
	for line := range strings.Lines(string(body)) {
		if !strings.HasPrefix(line, "ke_apiserver_password_hash_live_reads_total{") {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("the metrics of %s: %q: %w", base, line, err)
		}
		sum += v
	}
	return sum, nil
}

// after leaves out the records named in earlier.
func after(records []iamv1beta1.LoginRecord, earlier map[string]bool) []iamv1beta1.LoginRecord {
	var out []iamv1beta1.LoginRecord
	for _, r := range records {
		if !earlier[r.Name] {
			out = append(out, r)
		}
	}
	return out
}

// controllerManagerStopped stops every ke-controller-manager with SIGSTOP
// while a workspace is created and a member added with its built-in admin
// role: both are accepted (201), and once the controllers go on the binding
// grants.
func controllerManagerStopped(t *testing.T, p *Platform) {
	const admin, member, pass, ws = "stop-cm-admin", "stop-cm-member", "Outage-Passw0rd!", "stopped-controllers"
	p.NewAdmin(t, admin, pass)
	p.NewUser(t, member, pass)
	adminTok, memberTok := p.Login(t, admin, pass).Access, p.Login(t, member, pass).Access
	c := p.HTTPClient()
	ctx := context.Background()

	for _, r := range p.Replicas("ke-controller-manager") {
		p.Pause(t, r)
	}
	paused := time.Now()
	if a := p.Send(c, http.MethodPost, tenantAPI+"/workspaces", adminTok, map[string]any{"metadata": map[string]any{"name": ws}}); a.Code != http.StatusCreated {
		t.Fatalf("creating a workspace while ke-controller-manager is stopped: %s, want 201", a)
	}
	t.Cleanup(func() {
		_ = p.Kube.Delete(context.Background(), &tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: ws}})
	})
	if err := p.Kube.Get(ctx, client.ObjectKey{Name: ws + "-admin"}, &iamv1beta1.WorkspaceRole{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the workspace's roles exist (%v): ke-controller-manager is not stopped", err)
	}
	if a := p.Send(c, http.MethodPost, iamAPI+"/workspaces/"+ws+"/members", adminTok, map[string]string{"username": member, "role": "admin"}); a.Code != http.StatusCreated {
		t.Errorf("adding a member with the workspace's built-in role while ke-controller-manager is stopped: %s, want 201", a)
	}
	members := iamAPI + "/workspaces/" + ws + "/members"
	if a := p.Send(c, http.MethodGet, members, memberTok, nil); a.Code != http.StatusForbidden {
		t.Errorf("the member before the role exists: %s, want 403", a)
	}
	// A few seconds more, and still no role: the controllers are stopped.
	time.Sleep(3*time.Second - time.Since(paused))
	if err := p.Kube.Get(ctx, client.ObjectKey{Name: ws + "-admin"}, &iamv1beta1.WorkspaceRole{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the workspace's roles exist (%v): ke-controller-manager is not stopped", err)
	}
	for _, r := range p.Replicas("ke-controller-manager") {
		p.Resume(t, r)
	}
	resumed := time.Now()
	t.Logf("ke-controller-manager was stopped for %.1fs", resumed.Sub(paused).Seconds())

	platform.Eventually(t, "the member's binding is ready", 2*time.Minute, func() error {
		list := &iamv1beta1.WorkspaceRoleBindingList{}
		if err := p.Kube.List(ctx, list, client.MatchingLabels{iamv1beta1.UserRefLabel: member, tenantv1beta1.WorkspaceLabel: ws}); err != nil {
			return err
		}
		if len(list.Items) != 1 || list.Items[0].RoleRef.Name != ws+"-admin" || !meta.IsStatusConditionTrue(list.Items[0].Status.Conditions, iamv1beta1.ReadyCondition) {
			return fmt.Errorf("bindings %+v", list.Items)
		}
		return nil
	})
	ready := time.Since(resumed)
	platform.Eventually(t, "the member acts as the workspace's admin", time.Minute, func() error {
		if a := p.Send(c, http.MethodGet, members, memberTok, nil); a.Code != http.StatusOK {
			return fmt.Errorf("%s", a)
		}
		return nil
	})
	t.Logf("FIGURE once ke-controller-manager went on, the member's binding was Ready after %.1fs and the member could act after %.1fs",
		ready.Seconds(), time.Since(resumed).Seconds())
}

// apiServerStoppedBehindConsole stops every ke-apiserver with SIGSTOP: the
// console answers what it forwards, and its own login, with 503, the HTTP
// code and the Status's code alike, within the 10 s it takes to find a hung
// ke-apiserver out; the browser's session goes on once ke-apiserver does.
func apiServerStoppedBehindConsole(t *testing.T, p *Platform) {
	const user, pass = "stop-api", "Outage-Passw0rd!"
	p.NewUser(t, user, pass)
	b := p.NewBrowser()
	b.Login(t, user, pass)
	if err := b.LoggedIn(user); err != nil {
		t.Fatal(err)
	}
	fresh := p.NewBrowser()
	if a := fresh.Send(http.MethodGet, "", nil); a.Code != http.StatusOK || fresh.cookie(auth.CSRFCookie) == "" {
		t.Fatalf("the console's page: %s", a)
	}

	for _, r := range p.Replicas("ke-apiserver") {
		p.Pause(t, r)
	}
	paused := time.Now()
	var forwarded, login Answer
	var wg sync.WaitGroup
	wg.Go(func() { forwarded = b.Send(http.MethodGet, strings.TrimPrefix(UserPath(user), "/"), nil) })
	wg.Go(func() {
		login = fresh.Send(http.MethodPost, "auth/login", map[string]string{"username": user, "password": pass})
	})
	wg.Wait()
	for _, c := range []struct {
		what string
		a    Answer
	}{{"a request forwarded", forwarded}, {"a login", login}} {
		a := c.a
		t.Logf("FIGURE %s through ke-console while ke-apiserver was stopped answered %d after %.1fs", c.what, a.Code, a.Took.Seconds())
		if st := a.JSON(); a.Err != nil || a.Code != http.StatusServiceUnavailable || st["kind"] != "Status" || st["code"] != float64(http.StatusServiceUnavailable) ||
			a.Header.Get("Retry-After") == "" {
			t.Errorf("%s through ke-console while ke-apiserver is stopped: %s (Retry-After %q), want a 503 Status with Retry-After", c.what, a, a.Header.Get("Retry-After"))
			p.explainStopped(t, "ke-apiserver")
		} else if a.Took > consoleFindsHungAPIServer+lateness {
			t.Errorf("%s through ke-console while ke-apiserver is stopped answered after %.1fs, want within %s", c.what, a.Took.Seconds(), consoleFindsHungAPIServer)
		}
	}
	for _, r := range p.Replicas("ke-apiserver") {
		p.Resume(t, r)
	}
	t.Logf("ke-apiserver was stopped for %.1fs", time.Since(paused).Seconds())
	platform.Eventually(t, "the browser's session goes on", 30*time.Second, func() error { return b.LoggedIn(user) })
}

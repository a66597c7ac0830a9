package apiserver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	"github.com/superkube/super-kubenetes/internal/testutil/tcpforward"
)

// replicaBehind starts a ke-apiserver replica that reaches kube-apiserver
// through a forwarder the test can take down or stall.
func replicaBehind(t *testing.T) (*replica, *app.Server, *tcpforward.Forwarder) {
	t.Helper()
	target, err := url.Parse(st.env.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	fwd := tcpforward.StartT(t, target.Host)
	rc := rest.CopyConfig(st.env.Config)
	rc.Host = "https://" + fwd.Addr()
	cfg := st.cfg
	cfg.Audit.Path, cfg.IdentityProviders = "", nil
	completed, err := cfg.Complete(rc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := app.Build(t.Context(), completed, logr.Discard(), clock.RealClock{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// The caches and the background loops (login records, streams) run
	// until the test ends.
	if err := s.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(s.Handler)
	t.Cleanup(ts.Close)
	return &replica{srv: ts, http: ts.Client()}, s, fwd
}

func (r *replica) loginWith(t *testing.T, user, pass string) *platform.Response {
	t.Helper()
	return r.send(t, http.MethodPost, "/oauth/token", "", url.Values{"grant_type": {"password"}, "username": {user}, "password": {pass}})
}

// recordMetric returns the value of one of the login record metrics of a
// ke-apiserver.
func recordMetric(t *testing.T, srv *app.Server, name string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(srv.OAuth.Collectors()...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		m := f.GetMetric()[0]
		if c := m.GetCounter(); c != nil {
			return c.GetValue()
		}
		return m.GetGauge().GetValue()
	}
	t.Fatalf("no metric %s", name)
	return 0
}

func TestFailedLoginsDuringAKubeAPIServerOutageLockTheUserAndAreRecordedAfterIt(t *testing.T) {
	// The replica starts after the user is made: its cache has the user.
	newUser(t, "outage-victim")
	rep, srv, fwd := replicaBehind(t)
	if r := rep.loginWith(t, "outage-victim", Password); r.Code != http.StatusOK {
		t.Fatalf("login: %d %s", r.Code, r.Body)
	}
	eventually(t, "the successful login is recorded", func() error {
		if n := len(loginRecords(t, "outage-victim")); n != 1 {
			return errf("%d records", n)
		}
		return nil
	})

	fwd.Down()
	for i := range 6 {
		if r := rep.loginWith(t, "outage-victim", "Wrong-Passw0rd!"); r.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d during the outage: %d %s", i+1, r.Code, r.Body)
		}
	}
	if r := rep.loginWith(t, "outage-victim", Password); r.Code != http.StatusUnauthorized {
		t.Fatalf("the right password after 6 wrong ones during the outage: %d, want 401 (locked)", r.Code)
	}
	if n := len(loginRecords(t, "outage-victim")); n != 1 {
		t.Fatalf("%d records while kube-apiserver was unreachable from the replica", n)
	}
	if err := fwd.Up(); err != nil {
		t.Fatal(err)
	}
	platform.Eventually(t, "the attempts made during the outage are recorded after it", time.Minute, func() error {
		records := loginRecords(t, "outage-victim")
		reasons := countReasons(records)
		if len(records) != 8 || reasons["wrong password"] != maxFailures || reasons["the account is locked after too many failed logins"] != 7-maxFailures {
			return errf("%d records, failures %v", len(records), reasons)
		}
		for _, r := range records {
			if r.Annotations[iamv1beta1.AttemptedAtAnnotation] == "" {
				return errf("record %s does not say when the attempt was made", r.Name)
			}
		}
		return nil
	})
	eventually(t, "ke-controller-manager shows the lock", func() error {
		u := &iamv1beta1.User{}
		if err := st.k8s.Get(t.Context(), keyOf("outage-victim"), u); err != nil {
			return err
		}
		if u.Status.State != iamv1beta1.UserAuthLimitExceeded {
			return errf("state %q", u.Status.State)
		}
		return nil
	})
	if got := recordMetric(t, srv, "ke_apiserver_login_records_dropped_total"); got != 0 {
		t.Fatalf("%v records were dropped", got)
	}
}

func TestALoginRecordWrittenWhileKubeAPIServerStallsIsRetried(t *testing.T) {
	newUser(t, "stalled")
	rep, srv, fwd := replicaBehind(t)
	if r := rep.loginWith(t, "stalled", Password); r.Code != http.StatusOK {
		t.Fatalf("login: %d %s", r.Code, r.Body)
	}
	eventually(t, "the login is recorded", func() error {
		if n := len(loginRecords(t, "stalled")); n != 1 {
			return errf("%d records", n)
		}
		return nil
	})
	fwd.Stall()
	if r := rep.loginWith(t, "stalled", Password); r.Code != http.StatusOK {
		t.Fatalf("a login while kube-apiserver stalls: %d %s", r.Code, r.Body)
	}
	// The write of its record runs into its deadline (10s) at least once.
	platform.Eventually(t, "the write of the record is retried", 30*time.Second, func() error {
		if got := recordMetric(t, srv, "ke_apiserver_login_record_write_retries_total"); got == 0 {
			return errf("no retry yet")
		}
		return nil
	})
	fwd.Resume()
	platform.Eventually(t, "the successful login is recorded once after the stall", time.Minute, func() error {
		records := loginRecords(t, "stalled")
		successes := 0
		for _, r := range records {
			if r.Spec.Success {
				successes++
			}
		}
		if successes != 2 || len(records) != 2 {
			return errf("%d records, %d successes", len(records), successes)
		}
		return nil
	})
	// A write that kube-apiserver carried out after all is not repeated.
	time.Sleep(2 * time.Second)
	if n := len(loginRecords(t, "stalled")); n != 2 {
		t.Fatalf("%d records after the retries settled, want 2", n)
	}
}

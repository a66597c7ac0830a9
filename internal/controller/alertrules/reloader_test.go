package alertrules

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

// fakePrometheus refuses to reload while a rule file holds "REFUSE", as
// Prometheus refuses a file it cannot load.
func fakePrometheus(t *testing.T, dir string, reloads *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/-/reload" {
			http.NotFound(w, r)
			return
		}
		reloads.Add(1)
		files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range files {
			if b, _ := os.ReadFile(f); strings.Contains(string(b), "REFUSE") {
				http.Error(w, "failed to reload config: one or more errors occurred while applying the new configuration", http.StatusInternalServerError)
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTheReloaderLoadsWhatPrometheusTakesAndPutsBackWhatItRefuses(t *testing.T) {
	dir := t.TempDir()
	var reloads atomic.Int32
	srv := fakePrometheus(t, dir, &reloads)
	notified := make(chan Key, 16)
	r := &Reloader{Dir: dir, URL: srv.URL, Delay: 50 * time.Millisecond, Log: logr.Discard()}
	r.notify = func(k Key) { notified <- k }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = r.Start(ctx) }()
	wait := func(want ...Key) {
		t.Helper()
		got := map[Key]bool{}
		for len(got) < len(want) {
			select {
			case k := <-notified:
				got[k] = true
			case <-time.After(10 * time.Second):
				t.Fatalf("notified of %v, want %v", got, want)
			}
		}
	}
	a := Key{Level: "project", Namespace: "demo", Name: "a"}
	b := Key{Level: "global", Name: "b"}
	set := func(k Key, content string) (Outcome, string) {
		t.Helper()
		var c []byte
		if content != "" {
			c = []byte(content)
		}
		o, msg, err := r.Set(k, c)
		if err != nil {
			t.Fatal(err)
		}
		return o, msg
	}

	if o, _ := set(a, "groups: [a1]\n"); o != Pending {
		t.Fatalf("a new file is %v", o)
	}
	if o, _ := set(b, "groups: [b1]\n"); o != Pending {
		t.Fatalf("a new file is %v", o)
	}
	wait(a, b)
	if n := reloads.Load(); n != 1 {
		t.Errorf("%d reloads for two changes at once", n)
	}
	if o, _ := set(a, "groups: [a1]\n"); o != Loaded {
		t.Fatalf("after the reload: %v", o)
	}

	// a turns bad while b changes: b loads, a is put back and fails.
	set(a, "groups: [REFUSE]\n")
	set(b, "groups: [b2]\n")
	wait(a, b)
	if o, msg := set(a, "groups: [REFUSE]\n"); o != Failed || !strings.Contains(msg, "last good rules stay") || !strings.Contains(msg, "failed to reload config") {
		t.Errorf("the refused file: %v %q", o, msg)
	}
	if o, _ := set(b, "groups: [b2]\n"); o != Loaded {
		t.Errorf("the good change next to a refused one: %v", o)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, a.FileName())); string(got) != "groups: [a1]\n" {
		t.Errorf("the refused file holds %q, not its last good rules", got)
	}
	if string(r.Good(a)) != "groups: [a1]\n" {
		t.Errorf("last good %q", r.Good(a))
	}

	// Removed: the file goes once Prometheus reloaded without it.
	set(b, "")
	wait(b)
	if o, _ := set(b, ""); o != Loaded {
		t.Errorf("a removed file: %v", o)
	}
	if _, err := os.Stat(filepath.Join(dir, b.FileName())); !os.IsNotExist(err) {
		t.Errorf("the removed file: %v", err)
	}

	// Prometheus does not answer: the change stays written and pending, and
	// loads once it answers.
	srv.Close()
	set(a, "groups: [a2]\n")
	wait(a)
	if o, msg := set(a, "groups: [a2]\n"); o != Failed || !strings.Contains(msg, "did not reload") {
		t.Errorf("without Prometheus: %v %q", o, msg)
	}
}

func TestFileNamesMapBackToTheirGroups(t *testing.T) {
	for _, k := range []Key{{Level: "project", Namespace: "demo", Name: "web.v1"}, {Level: "cluster", Name: "c"}, {Level: "global", Name: "builtin-nodes"}} {
		if got, ok := keyOf(k.FileName()); !ok || got != k {
			t.Errorf("%+v → %s → %+v %v", k, k.FileName(), got, ok)
		}
	}
	for _, f := range []string{"rules.yaml", "project_x.yaml", ".project_a_b.yaml.123.tmp", "global_a"} {
		if _, ok := keyOf(f); ok {
			t.Errorf("%s is taken for a group's file", f)
		}
	}
}

package faults

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A request forwarded to a kube-apiserver that does not answer (stopped)
// gets 504 with a Status saying so after kubernetes.requestTimeout, not
// whenever the client gives up; a watch, open for longer than that, is not
// cut and goes on after kube-apiserver continues.
func TestForwardedRequestsAnswer504WhenKubeAPIServerDoesNotAnswer(t *testing.T) {
	users(t)
	tok := token(t, root)

	// A watch through ke-apiserver, opened before the fault.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, st.url+"/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=false", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	watcher := *st.http
	watcher.Timeout = 0
	resp, err := watcher.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("watch: %d", resp.StatusCode)
	}
	events := make(chan string, 100)
	go readEvents(resp.Body, events)

	if err := st.env.PauseAPIServer(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.env.ResumeAPIServer()
		kubeReady(t)
	})
	r, err := get("/api/v1/namespaces/default/configmaps", tok, 30*time.Second)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	t.Logf("A request while kube-apiserver was stopped: %d after %s: %s", r.code, r.took.Round(time.Millisecond), r.body)
	if r.code != http.StatusGatewayTimeout || r.str("kind") != "Status" || r.str("reason") != "Timeout" || r.json["code"] != float64(http.StatusGatewayTimeout) ||
		!strings.Contains(r.str("message"), "kube-apiserver did not answer within 2s") || r.header.Get("Retry-After") == "" {
		t.Errorf("want a 504 Timeout Status with Retry-After: %d %v %s", r.code, r.header, r.body)
	}
	if r.took < requestTimeout || r.took > requestTimeout+3*time.Second {
		t.Errorf("answered after %s; the timeout is %s", r.took, requestTimeout)
	}

	if err := st.env.ResumeAPIServer(); err != nil {
		t.Fatal(err)
	}
	kubeReady(t)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "after-the-pause"}}
	if err := st.k8s.Create(context.Background(), cm); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.k8s.Delete(context.Background(), cm) })
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the watch ended")
			}
			if ev == "ADDED after-the-pause" {
				return
			}
		case <-deadline:
			t.Fatal("the watch opened before the pause saw no event after it")
		}
	}
}

// Right after kube-apiserver starts again its authorizer does not know
// ke-apiserver's permission to impersonate yet: an allowed request is
// answered 503 with a Retry-After until kube-apiserver is ready, never 403.
func TestAllowedRequestsAreNeverForbiddenWhileKubeAPIServerStarts(t *testing.T) {
	users(t)
	tok := token(t, root)
	if r := do(t, http.MethodGet, "/api/v1/namespaces", tok, nil); r.code != http.StatusOK {
		t.Fatalf("before: %d %s", r.code, r.body)
	}
	if err := st.env.KillAPIServer(); err != nil {
		t.Fatal(err)
	}
	if err := st.env.StartAPIServer(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kubeReady(t) })

	codes := map[int]int{}
	var forbidden []string
	deadline := time.Now().Add(90 * time.Second)
	oks := 0
	for oks < 20 && time.Now().Before(deadline) {
		r, err := get("/api/v1/namespaces", tok, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		codes[r.code]++
		if r.code != http.StatusOK && codes[r.code] == 1 {
			t.Logf("First %d: %s", r.code, r.body)
		}
		switch r.code {
		case http.StatusOK:
			oks++
		case http.StatusForbidden:
			forbidden = append(forbidden, string(r.body))
		case http.StatusServiceUnavailable:
			if strings.Contains(r.str("message"), "not ready") && r.header.Get("Retry-After") == "" {
				t.Errorf("a 503 for a kube-apiserver not ready yet without Retry-After: %s", r.body)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	var seen []string
	for c, n := range codes {
		seen = append(seen, strconv.Itoa(c)+" "+http.StatusText(c)+": "+strconv.Itoa(n))
	}
	sort.Strings(seen)
	t.Logf("Answers while kube-apiserver started: %s", strings.Join(seen, ", "))
	if oks < 20 {
		t.Fatal("kube-apiserver did not come back")
	}
	if len(forbidden) > 0 {
		t.Errorf("%d allowed requests were forbidden while kube-apiserver started, first: %s", len(forbidden), forbidden[0])
	}
}

// readEvents sends the type and object name of each watch event read from
// r, and closes events at the end.
func readEvents(r io.Reader, events chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var ev struct {
			Type   string `json:"type"`
			Object struct {
				Metadata metav1.ObjectMeta `json:"metadata"`
			} `json:"object"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil {
			events <- ev.Type + " " + ev.Object.Metadata.Name
		}
	}
	close(events)
}

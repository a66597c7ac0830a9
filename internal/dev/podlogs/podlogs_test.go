package podlogs_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/superkube/super-kubenetes/internal/dev/podlogs"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

var env *envtest.Environment

func TestMain(m *testing.M) { envtest.Run(m, &env, envtest.Options{}) }

// criLine is a line of a CRI log file: time, stream, tag, text.
var criLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT[0-9:.]+Z (stdout|stderr) F (INFO|WARN|ERROR) app line \d+: .+\n$`)

// runningPod makes a pod on node whose container "app" runs with a
// container ID, as KWOK's pod stage of ke-dev makes it.
func runningPod(t *testing.T, ns, name, node, rate string) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	cs := env.Clientset
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: map[string]string{podlogs.RateAnnotation: rate}},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "example/app:1"}}},
	}
	p, err := cs.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "example/app:1", Ready: true,
		ContainerID: "kwok://" + string(p.UID) + "-app",
		State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}
	if p, err = cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return p
}

func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url) //nolint:noctx // the test's own server
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestTheSimulatedContainersWriteTheirLogsWhereShippersReadThem(t *testing.T) {
	root := t.TempDir()
	w := podlogs.NewWriter(root, env.Clientset)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = w.Run(ctx) }()
	p := runningPod(t, "shop", "web-1", "node-a", "50")
	file := filepath.Join(root, "node-a", "pods", "shop_web-1_"+string(p.UID), "app", "0.log")
	eventually(t, "20 lines in "+file, func() error {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if n := strings.Count(string(data), "\n"); n < 20 {
			return fmt.Errorf("%d lines", n)
		}
		return nil
	})
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewReader(f)
	for range 20 {
		line, err := sc.ReadString('\n')
		if err != nil || !criLine.MatchString(line) {
			t.Fatalf("a line not in the CRI format: %q (%v)", line, err)
		}
	}
	f.Close()
	link := filepath.Join(w.ContainersDir("node-a"), "web-1_shop_app-"+string(p.UID)+"-app.log")
	if target, err := os.Readlink(link); err != nil || target != file {
		t.Fatalf("the link a shipper reads: %q %v, want it to point at %s", target, err, file)
	}

	srv := httptest.NewServer(w.Handler())
	defer srv.Close()
	base := srv.URL + "/containerLogs/shop/web-1/app"
	code, body := get(t, base+"?tailLines=3")
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	if code != http.StatusOK || len(lines) != 3 || !regexp.MustCompile(`^(INFO|WARN|ERROR) app line \d+: `).MatchString(lines[0]) {
		t.Fatalf("the last 3 lines: %d %q", code, body)
	}
	if code, body := get(t, base+"?tailLines=1&timestamps=true"); code != http.StatusOK || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT[0-9:.]+Z (INFO|WARN|ERROR) app line`).MatchString(body) {
		t.Fatalf("a line with its time: %d %q", code, body)
	}
	if code, body := get(t, base+"?limitBytes=10"); code != http.StatusOK || len(body) != 10 {
		t.Fatalf("10 bytes: %d %q", code, body)
	}
	if code, body := get(t, base+"?sinceSeconds=1"); code != http.StatusOK || strings.Count(body, "\n") > 80 || strings.Count(body, "\n") == 0 {
		t.Fatalf("the last second at 50 lines a second: %d, %d lines", code, strings.Count(body, "\n"))
	}
	for q, want := range map[string]int{"?tailLines=x": 400, "?limitBytes=-1": 400, "?previous=true": 400} {
		if code, body := get(t, base+q); code != want {
			t.Errorf("%s: %d %q, want %d", q, code, body, want)
		}
	}
	if code, _ := get(t, srv.URL+"/containerLogs/shop/web-1/sidecar"); code != http.StatusNotFound {
		t.Errorf("a container the pod does not have: %d, want 404", code)
	}

	// Following: lines arrive as they are written, and the stream ends
	// when the pod is deleted; its file stays for the shippers.
	resp, err := http.Get(base + "?follow=true&tailLines=0") //nolint:noctx // the test's own server
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rd := bufio.NewReader(resp.Body)
	for range 5 {
		line, err := rd.ReadString('\n')
		if err != nil || !strings.Contains(line, "app line") {
			t.Fatalf("a followed line: %q %v", line, err)
		}
	}
	if err := env.Clientset.CoreV1().Pods("shop").Delete(context.Background(), "web-1", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := io.Copy(io.Discard, rd); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the followed stream ended with %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the followed stream goes on after the pod was deleted")
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("the deleted pod's log is gone at once: %v", err)
	}
}

func TestTheRateAnnotation(t *testing.T) {
	for v, want := range map[string]float64{"": podlogs.DefaultRate, "5": 5, "0": 0, "-1": podlogs.DefaultRate, "x": podlogs.DefaultRate, "1e9": podlogs.MaxRate} {
		p := &corev1.Pod{}
		if v != "" {
			p.Annotations = map[string]string{podlogs.RateAnnotation: v}
		}
		if got := podlogs.Rate(p); got != want {
			t.Errorf("%q: %v, want %v", v, got, want)
		}
	}
}

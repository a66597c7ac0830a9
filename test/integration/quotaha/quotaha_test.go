// Package quotaha tests workspace quotas with two ke-controller-manager
// replicas, as `ke-dev --ha` and the chart run them, against a real
// kube-apiserver and etcd: kube-apiserver reaches the replica that does
// not lead (through a balancer), which forwards the reviews it would
// charge to the leader, so parallel creates never overshoot; when the
// leader stops, the other takes over the book from the quota's status.
package quotaha

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/dev/balancer"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
)

var (
	env *envtest.Environment
	k8s client.Client
	// replicas are the two replicas' webhook addresses and how to stop each.
	replicas = map[string]context.CancelFunc{}
	stopped  = map[string]chan struct{}{}
	// follower is the replica that does not lead at first, which
	// kube-apiserver reaches.
	follower string
)

func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	e, err := envtest.Start(envtest.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	_ = e.Stop()
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		return 1, err
	}
	cfg := app.DefaultConfig()
	// The certificate's Secret exists before the replicas start (see the
	// quota benchmark).
	if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cfg.SystemNamespace}}); err != nil {
		return 1, err
	}
	if err := k8s.Create(context.Background(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: cfg.SystemNamespace, Name: cfg.Quota.Webhook.SecretName}}); err != nil {
		return 1, err
	}
	front, err := loopback.FreeAddress()
	if err != nil {
		return 1, err
	}
	var backends []string
	for i := range 2 {
		addr, err := loopback.FreeAddress()
		if err != nil {
			return 1, err
		}
		dir, err := os.MkdirTemp("", "quotaha-")
		if err != nil {
			return 1, err
		}
		defer func() { _ = os.RemoveAll(dir) }()
		cfg := app.DefaultConfig()
		cfg.MetricsBindAddress, cfg.HealthProbeBindAddress, cfg.StateMetricsBindAddress = "0", "0", "0"
		cfg.Authentication.BcryptCost = 4
		_, port, _ := net.SplitHostPort(front)
		w := &cfg.Quota.Webhook
		w.BindAddress, w.URL, w.CertDir = addr, "https://localhost:"+port, dir
		completed, err := cfg.Complete(env.Config)
		if err != nil {
			return 1, err
		}
		mgr, _, err := app.NewManager(completed, app.ManagerOptions{SkipNameValidation: i > 0, ReleaseHolder: fmt.Sprintf("replica-%d", i)})
		if err != nil {
			return 1, err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := mgr.Start(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "replica", i, err)
			}
		}()
		replicas[addr], stopped[addr] = cancel, done
		backends = append(backends, addr)
	}
	defer func() {
		for addr, cancel := range replicas {
			cancel()
			<-stopped[addr]
		}
	}()
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		c, err := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, webhook.ConfigurationName, metav1.GetOptions{})
		if err != nil || len(c.Webhooks) != 1 || len(c.Webhooks[0].ClientConfig.CABundle) == 0 || leader() == "" {
			return false, nil //nolint:nilerr // not yet
		}
		// Both replicas serve a certificate kube-apiserver trusts (the one
		// that does not lead once it copied it).
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(c.Webhooks[0].ClientConfig.CABundle)
		for _, be := range backends {
			conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", be, &tls.Config{RootCAs: pool, ServerName: "localhost"})
			if err != nil {
				return false, nil //nolint:nilerr // not yet
			}
			_ = conn.Close()
		}
		return true, nil
	}); err != nil {
		return 1, fmt.Errorf("the quota webhook is not registered, no replica advertises, or one does not serve: %w", err)
	}
	// kube-apiserver reaches only the replica that does not lead (as a
	// balancer may hand it every connection), so that it forwards.
	if backends[0] == leader() {
		backends[0], backends[1] = backends[1], backends[0]
	}
	follower = backends[0]
	lb, err := balancer.Listen(front, backends[:1])
	if err != nil {
		return 1, err
	}
	defer func() { _ = lb.Close() }()
	return m.Run(), nil
}

// leader is the webhook address the leader advertises.
func leader() string {
	var l coordinationv1.Lease
	cfg := app.DefaultConfig()
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: cfg.SystemNamespace, Name: cfg.LeaderElection.ID + "-quota-webhook"}, &l); err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func pod(ns, name string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1"}}}}
}

// creates makes n pods in ns at once and returns how many were admitted
// and refused by the quota; anything else fails the test.
func creates(t *testing.T, ns, prefix string, n int) (admitted, refused int32) {
	t.Helper()
	var a, r atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			err := k8s.Create(context.Background(), pod(ns, fmt.Sprintf("%s-%d", prefix, i)))
			switch {
			case err == nil:
				a.Add(1)
			case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "requested pods=1"):
				r.Add(1)
			default:
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	return a.Load(), r.Load()
}

func TestTwoReplicasNeverOvershootAndTheNextLeaderTakesOver(t *testing.T) {
	ctx := context.Background()
	ws := map[string]string{tenantv1beta1.WorkspaceLabel: "ha"}
	for _, name := range []string{"ha-a", "ha-b"} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: ws}}); err != nil {
			t.Fatal(err)
		}
	}
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "ha"},
		Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "ha", Hard: corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")}}}
	if err := k8s.Create(ctx, q); err != nil {
		t.Fatal(err)
	}
	// 20 creates at once, which kube-apiserver sends to the replica that
	// does not lead.
	if leader() == follower {
		t.Fatal("kube-apiserver reaches the leader: forwarding would not be tested")
	}
	a1, r1 := creates(t, "ha-a", "first", 12)
	a2, r2 := creates(t, "ha-b", "second", 8)
	if a1+a2 != 10 || r1+r2 != 10 {
		t.Fatalf("admitted %d, refused %d with two replicas; want 10 and 10", a1+a2, r1+r2)
	}

	// The leader stops; the other replica leads, advertises itself and
	// charges from the quota's status (charges not counted yet included).
	was := leader()
	replicas[was]()
	<-stopped[was]
	delete(replicas, was)
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		l := leader()
		return l != "" && l != was, nil
	}); err != nil {
		t.Fatalf("no other replica advertises itself after the leader stopped (still %q)", leader())
	}
	if a, r := creates(t, "ha-b", "after-failover", 3); a != 0 || r != 3 {
		t.Fatalf("after the failover a full quota admitted %d and refused %d of 3", a, r)
	}
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, client.InNamespace("ha-a")); err != nil || len(pods.Items) == 0 {
		t.Fatalf("pods of ha-a: %v", err)
	}
	if err := k8s.Delete(ctx, &pods.Items[0], client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	// The room the deletion made is given once.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		a, _ := creates(t, "ha-b", fmt.Sprintf("room-%d", time.Now().UnixNano()), 3)
		if a > 1 {
			return false, fmt.Errorf("one pod deleted, %d admitted", a)
		}
		return a == 1, nil
	}); err != nil {
		t.Fatal(err)
	}
}

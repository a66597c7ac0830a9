// Package quota tests workspace quotas against a real kube-apiserver and
// etcd: ke-controller-manager counts the usage and serves the webhook that
// kube-apiserver calls (with the certificate the platform makes and
// rotates), and kube-controller-manager's Deployment and ReplicaSet
// controllers create the pods a quota refuses.
package quota

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
)

var (
	env *envtest.Environment
	k8s client.Client
	// hookAddr is where the webhook is served.
	hookAddr string
)

// certValidity and renewBefore make the serving certificate renewed about
// every 10 seconds while the tests run.
const (
	certValidity = 2 * time.Hour
	renewBefore  = certValidity - 10*time.Second
)

func TestMain(m *testing.M) {
	e, err := envtest.Start(envtest.Options{ControllerManager: true, MoreControllers: []string{"deployment", "replicaset"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := run(m)
	_ = e.Stop()
	os.Exit(code)
}

func run(m *testing.M) int {
	v, _ := strconv.Atoi(os.Getenv("TEST_LOG_V"))
	logger := logr.Discard()
	if os.Getenv("TEST_LOG_V") != "" {
		logger = textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(v)))
	}
	ctrl.SetLogger(logger)
	var err error
	if k8s, err = client.New(env.Config, client.Options{Scheme: scheme.New()}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if hookAddr, err = loopback.FreeAddress(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	dir, err := os.MkdirTemp("", "quota-webhook-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	cfg := app.DefaultConfig()
	cfg.MetricsBindAddress, cfg.HealthProbeBindAddress, cfg.StateMetricsBindAddress = "0", "0", "0"
	cfg.LeaderElection.Enabled = false
	cfg.Authentication.BcryptCost = 4
	_, port, _ := net.SplitHostPort(hookAddr)
	w := &cfg.Quota.Webhook
	w.BindAddress, w.URL, w.CertDir = hookAddr, "https://localhost:"+port, dir
	w.CertValidity, w.RenewBefore, w.CheckInterval = metav1.Duration{Duration: certValidity}, metav1.Duration{Duration: renewBefore}, metav1.Duration{Duration: 2 * time.Second}
	completed, err := cfg.Complete(env.Config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, _, err := app.NewManager(completed, app.ManagerOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(ctrl.LoggerInto(context.Background(), ctrl.Log))
	defer cancel()
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	if err := waitForWebhook(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// waitForWebhook waits until the webhook serves and kube-apiserver trusts
// it: its configuration carries the CA.
func waitForWebhook(ctx context.Context) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		if _, err := servingCert(); err != nil {
			return false, nil //nolint:nilerr // not serving yet
		}
		cfg, err := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, webhook.ConfigurationName, metav1.GetOptions{})
		return err == nil && len(cfg.Webhooks) == 1 && len(cfg.Webhooks[0].ClientConfig.CABundle) > 0, nil
	})
}

// servingCert returns the fingerprint of the certificate the webhook
// serves (the rotator numbers every certificate 1).
func servingCert() (string, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", hookAddr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }()
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].Raw)
	return hex.EncodeToString(sum[:8]), nil
}

// Package envtest starts a real kube-apiserver and etcd, built from the
// pinned Kubernetes modules (make tools), for integration tests, with the
// project's CRDs installed. Start one control plane per test package from
// TestMain with Run.
package envtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
)

// AssetsEnv names the folder with the kube-apiserver, etcd and kubectl binaries.
const AssetsEnv = "KUBEBUILDER_ASSETS"

// Environment is a running control plane.
type Environment struct {
	Config    *rest.Config
	Client    client.Client
	Clientset kubernetes.Interface
	env       *ctrlenvtest.Environment
	kcm       *exec.Cmd
	kcmDir    string
	// The faults of restart.go: the flags kube-apiserver was started with,
	// the process started again, and a paused process.
	apiArgs   []string
	restarted *exec.Cmd
	paused    int
}

// Options tune the control plane.
type Options struct {
	// ExtraAPIServerArgs are appended to kube-apiserver's flags.
	ExtraAPIServerArgs map[string]string
	// CRDDirs are folders of CRD manifests to install, in addition to the
	// project's config/crd/bases.
	CRDDirs []string
	// ControllerManager also runs kube-controller-manager's garbage collector
	// and namespace controllers, so that owner references and namespace
	// deletion behave as on a real cluster.
	ControllerManager bool
	// MoreControllers are more of kube-controller-manager's controllers
	// to run with ControllerManager (deployment, replicaset...).
	MoreControllers []string
	// WithoutCRDs skips the project's CRDs: a bare control plane, such as
	// a member cluster (CRDDirs are still installed).
	WithoutCRDs bool
}

// Start starts etcd and kube-apiserver and installs the CRDs.
func Start(opts Options) (*Environment, error) {
	assets := os.Getenv(AssetsEnv)
	if assets == "" {
		return nil, errors.New(AssetsEnv + " is not set: run the tests with `make test`, which builds the Kubernetes binaries and points it at them")
	}
	for _, b := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, b)); err != nil {
			return nil, fmt.Errorf("%s not found in %s=%s: run `make tools`", b, AssetsEnv, assets)
		}
	}
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	dirs := append([]string{}, opts.CRDDirs...)
	if bases := filepath.Join(root, "config", "crd", "bases"); dirExists(bases) && !opts.WithoutCRDs {
		dirs = append(dirs, bases)
	}
	env := &ctrlenvtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     dirs,
		ErrorIfCRDPathMissing: true,
	}
	// The test data is thrown away afterwards; skipping fsync makes writes fast.
	env.ControlPlane.Etcd = &ctrlenvtest.Etcd{}
	env.ControlPlane.Etcd.Configure().Append("unsafe-no-fsync", "true")
	api := env.ControlPlane.GetAPIServer().Configure()
	for k, v := range opts.ExtraAPIServerArgs {
		api.Append(k, v)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", assets, err)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	e := &Environment{Config: cfg, env: env}
	if e.Client, err = client.New(cfg, client.Options{}); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if e.Clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if opts.ControllerManager {
		if err := e.startControllerManager(assets, opts.MoreControllers); err != nil {
			_ = env.Stop()
			return nil, err
		}
	}
	return e, nil
}

func (e *Environment) startControllerManager(assets string, more []string) error {
	dir, err := os.MkdirTemp("", "envtest-kcm-")
	if err != nil {
		return err
	}
	e.kcmDir = dir
	user, err := e.env.AddUser(ctrlenvtest.User{Name: "kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return err
	}
	file := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(file, kubeconfig, 0o600); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, "kube-controller-manager.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(assets, "kube-controller-manager"),
		"--kubeconfig="+file, "--controllers="+strings.Join(append([]string{"garbagecollector", "namespace"}, more...), ","),
		"--leader-elect=false", "--secure-port=0", "--concurrent-gc-syncs=5")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	e.kcm = cmd
	return nil
}

// Stop stops the control plane and removes its data.
func (e *Environment) Stop() error {
	e.stopRestarted()
	if e.kcm != nil {
		_ = e.kcm.Process.Kill()
		_ = e.kcm.Wait()
		_ = os.RemoveAll(e.kcmDir)
	}
	return e.env.Stop()
}

// Run is meant for TestMain: it starts a control plane, stores it in *env,
// runs the package's tests and stops it. It exits the process with the tests'
// code.
func Run(m *testing.M, env **Environment, opts Options) {
	e, err := Start(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "envtest:", err)
		os.Exit(1)
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "envtest: stopping:", err)
	}
	os.Exit(code)
}

// AddUser creates a user known to kube-apiserver (a client certificate) and
// returns a config that authenticates as that user, for checks of what the
// API itself allows.
func (e *Environment) AddUser(name string, groups ...string) (*rest.Config, error) {
	u, err := e.env.AddUser(ctrlenvtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return nil, err
	}
	return u.Config(), nil
}

// RepoRoot finds the folder with the project's go.mod, from the working
// directory upwards.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && isProjectModule(data) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("the project's go.mod was not found above the working directory")
		}
		dir = parent
	}
}

func isProjectModule(gomod []byte) bool {
	const line = "module github.com/superkube/super-kubenetes\n"
	return len(gomod) >= len(line) && string(gomod[:len(line)]) == line
}

func dirExists(d string) bool {
	st, err := os.Stat(d)
	return err == nil && st.IsDir()
}

// AdminKubeconfig returns a kubeconfig for a new member of system:masters,
// for programs started as separate processes.
func (e *Environment) AdminKubeconfig() ([]byte, error) {
	u, err := e.env.AddUser(ctrlenvtest.User{Name: "bench-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, err
	}
	return u.KubeConfig()
}

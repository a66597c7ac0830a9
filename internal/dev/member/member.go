// Package member runs the local member clusters of multi-cluster
// development: each is a second local cluster (internal/dev/cluster) with its
// own etcd, kube-apiserver, controller manager, scheduler and KWOK nodes, on
// free ports, in a folder of its own under the host's data folder, joined to
// the host as a platform Cluster.
package member

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/process"
)

const (
	// HostUser is the user the host's client certificate names on a member:
	// the platform's identity there.
	HostUser = "superkube:host"
	// HostBinding is the ClusterRoleBinding that makes HostUser a
	// cluster-admin of the member, which lets it impersonate the platform's
	// users and groups.
	HostBinding = "superkube-host"
	// HostKubeconfigFile is the name, in a member's data folder, of the
	// kubeconfig the host reaches the member with.
	HostKubeconfigFile = "host.kubeconfig"
	// membersDir is the folder, in the host's data folder, of the members'.
	membersDir = "members"
	// stopGrace is how long a leftover process may take to stop.
	stopGrace = 20 * time.Second
)

// Options describe a member cluster.
type Options struct {
	// Name names the member (a DNS label), its Cluster object on the host
	// and its nodes (Name-node-0, ...).
	Name string
	// DataDir keeps the member's certificates, etcd data, kubeconfigs and
	// logs; Dir gives the usual one.
	DataDir string
	// BinDir and KwokDir are those of the host (cluster.Config).
	BinDir, KwokDir string
	// Nodes is the number of simulated nodes.
	Nodes int
	// NodeCPU, NodeMemory and NodePods are the capacity of each node; empty
	// means 32 CPUs, 128Gi and 110 pods.
	NodeCPU, NodeMemory, NodePods string
	// Out receives progress messages, each line starting with the member's
	// name.
	Out io.Writer
}

// Member is a running member cluster.
type Member struct {
	Name string
	*cluster.Cluster
	// AdminKubeconfig is the member's cluster-admin kubeconfig (a
	// developer's); HostKubeconfig the one the host reaches it with, as
	// HostUser.
	AdminKubeconfig, HostKubeconfig string
	ports                           cluster.Ports
}

// Stop stops the member's processes and hands its ports back, so that a
// restart in the same process takes them again.
func (m *Member) Stop() {
	m.Cluster.Stop()
	release(m.ports)
}

// Dir is the usual data folder of member name: in the host's data folder.
func Dir(hostDataDir, name string) string {
	return filepath.Join(hostDataDir, membersDir, name)
}

// Name returns the name of the i-th member (1-based): member-1, member-2, ...
func Name(i int) string { return fmt.Sprintf("member-%d", i) }

// Start starts a member cluster: every port picked free (the ones of its
// previous run when they still are), no metrics-server, its own PKI, and
// the host's credential on it (HostKubeconfig, bound to cluster-admin). It
// returns once the member's nodes are Ready. The caller stops it with Stop
// (with the host: host.OnStop(m.Stop)).
func Start(ctx context.Context, o Options) (_ *Member, err error) {
	if errs := o.validate(); len(errs) > 0 {
		return nil, kerrors.NewAggregate(errs)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	cfg := &cluster.Config{
		Name:       "member cluster " + o.Name,
		DataDir:    o.DataDir,
		BinDir:     o.BinDir,
		KwokDir:    o.KwokDir,
		Nodes:      o.Nodes,
		NodePrefix: o.Name + "-node-",
		NodeCPU:    cmp.Or(o.NodeCPU, "32"),
		NodeMemory: cmp.Or(o.NodeMemory, "128Gi"),
		NodePods:   cmp.Or(o.NodePods, "110"),
		Out:        &prefixWriter{w: out, prefix: o.Name + ": "},
	}
	if err := os.MkdirAll(cfg.RunDir(), 0o700); err != nil {
		return nil, err
	}
	// Processes left over from a run that was killed hold the ports this
	// one would take again; cluster.Start refuses a member another ke-dev runs.
	if pid := process.ReadPid(cfg.PidFile()); pid == 0 || pid == os.Getpid() || !process.Alive(pid) {
		if stale := process.KillStale(cfg.RunDir(), stopGrace); len(stale) > 0 {
			fmt.Fprintf(cfg.Out, "Stopped processes left over from an earlier run: %s\n", strings.Join(stale, ", "))
		}
	}
	if cfg.Ports, err = ports(o.DataDir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			release(cfg.Ports)
		}
	}()
	c, err := cluster.Start(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("starting member cluster %s: %w", o.Name, err)
	}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	if err := savePorts(o.DataDir, cfg.Ports); err != nil {
		return nil, err
	}
	m := &Member{Name: o.Name, Cluster: c, AdminKubeconfig: cfg.AdminKubeconfig(), HostKubeconfig: filepath.Join(o.DataDir, HostKubeconfigFile), ports: cfg.Ports}
	if err := c.WriteClientKubeconfig(m.HostKubeconfig, "superkube-host", HostUser); err != nil {
		return nil, fmt.Errorf("writing the host's kubeconfig of member cluster %s: %w", o.Name, err)
	}
	if err := ensureHostBinding(ctx, c.Client); err != nil {
		return nil, fmt.Errorf("member cluster %s: %w", o.Name, err)
	}
	return m, nil
}

func (o *Options) validate() []error {
	var errs []error
	if msgs := validation.IsDNS1123Label(o.Name); len(msgs) > 0 {
		errs = append(errs, fmt.Errorf("member name %q: %s", o.Name, strings.Join(msgs, "; ")))
	}
	if o.DataDir == "" {
		errs = append(errs, fmt.Errorf("member cluster %s has no data folder", o.Name))
	}
	return errs
}

// ensureHostBinding binds HostUser to cluster-admin on the member.
func ensureHostBinding(ctx context.Context, cs kubernetes.Interface) error {
	want := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: HostBinding, Labels: map[string]string{LocalMemberLabel: "true"}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: HostUser}},
	}
	bindings := cs.RbacV1().ClusterRoleBindings()
	have, err := bindings.Get(ctx, HostBinding, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
	case err != nil:
	case have.RoleRef != want.RoleRef:
		// The role of a binding cannot change: replace it.
		if err = bindings.Delete(ctx, HostBinding, metav1.DeleteOptions{}); err == nil || apierrors.IsNotFound(err) {
			_, err = bindings.Create(ctx, want, metav1.CreateOptions{})
		}
	case !slices.Equal(have.Subjects, want.Subjects) || have.Labels[LocalMemberLabel] != "true":
		have.Subjects = want.Subjects
		if have.Labels == nil {
			have.Labels = map[string]string{}
		}
		have.Labels[LocalMemberLabel] = "true"
		_, err = bindings.Update(ctx, have, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("binding %s to cluster-admin (ClusterRoleBinding %s): %w", HostUser, HostBinding, err)
	}
	return nil
}

// Names lists the members that have a data folder in the host's, sorted.
func Names(hostDataDir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(hostDataDir, membersDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Down stops whatever still runs of the members kept in the host's data
// folder (their ke-dev is the host's, which `ke-dev down` stops first),
// keeping their data.
func Down(hostDataDir string, out io.Writer) error {
	names, err := Names(hostDataDir)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range names {
		cfg := &cluster.Config{Name: "member cluster " + name, DataDir: Dir(hostDataDir, name)}
		errs = append(errs, cluster.Down(cfg, out))
	}
	return kerrors.NewAggregate(errs)
}

// prefixWriter starts every line with prefix.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	mid    bool // the last write ended inside a line
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var buf []byte
	for line := range strings.Lines(string(b)) {
		if !p.mid {
			buf = append(buf, p.prefix...)
		}
		buf = append(buf, line...)
		p.mid = !strings.HasSuffix(line, "\n")
	}
	if _, err := p.w.Write(buf); err != nil {
		return 0, err
	}
	return len(b), nil
}

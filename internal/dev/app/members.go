package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
	"github.com/superkube/super-kubenetes/internal/dev/member"
	"github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/scheme"
)

// down stops the host and then what is left of its members: the host's
// ke-dev stops its members with it, and a killed one leaves them running.
func (o *Options) down(out io.Writer) error {
	if err := cluster.Down(&o.Cluster, out); err != nil {
		return err
	}
	return member.Down(o.Cluster.DataDir, out)
}

// startMembers starts the member clusters, once the host's platform is
// installed, one after the other, each stopped with the host, and joins
// each to the host as JoinMode says.
func (o *Options) startMembers(ctx context.Context, c *cluster.Cluster, res *platform.Result) ([]*member.Member, error) {
	if o.Clusters <= 1 {
		return nil, nil
	}
	// The members pick free ports: never one of the host's, even one whose
	// program is not listening at the moment (it restarts, or it does not
	// run).
	o.reserveHostPorts()
	cl, err := client.New(c.RESTConfig, client.Options{Scheme: scheme.New()})
	if err != nil {
		return nil, err
	}
	host := member.Host{Cluster: c, Client: cl, PlatformURL: res.APIServerURL}
	var members []*member.Member
	for i := 1; i < o.Clusters; i++ {
		name := member.Name(i)
		fmt.Fprintf(o.Cluster.Out, "Starting member cluster %s ...\n", name)
		begin := time.Now()
		m, err := member.Start(ctx, member.Options{
			Name:       name,
			DataDir:    member.Dir(o.Cluster.DataDir, name),
			BinDir:     o.Cluster.BinDir,
			KwokDir:    o.Cluster.KwokDir,
			Nodes:      o.MemberNodes,
			NodeCPU:    o.Cluster.NodeCPU,
			NodeMemory: o.Cluster.NodeMemory,
			NodePods:   o.Cluster.NodePods,
			Out:        o.Cluster.Out,
		})
		if err != nil {
			return nil, err
		}
		c.OnStop(m.Stop)
		if err := member.Join(ctx, o.JoinMode, o.JoinAgent, host, m); err != nil {
			return nil, fmt.Errorf("joining member cluster %s to the host: %w", name, err)
		}
		fmt.Fprintf(o.Cluster.Out, "Member cluster %s is ready in %.1fs and joined the platform (%s)\n", name, time.Since(begin).Seconds(), o.JoinMode)
		members = append(members, m)
	}
	return members, nil
}

// reserveHostPorts keeps every port the host's programs are given out of
// the ports picked for the members.
func (o *Options) reserveHostPorts() {
	cp, pp := o.Cluster.Ports, o.Platform.Ports
	freeport.Reserve(cp.Etcd, cp.EtcdPeer, cp.APIServer, cp.ControllerManager, cp.Scheduler, cp.Kubelet, cp.KwokServer, cp.MetricsServer,
		pp.APIServer, pp.Console, pp.ControllerManagerHealth, pp.ControllerManagerMetrics, pp.Redis, pp.StateMetrics,
		o.Prometheus.Port, o.Logs.Port, o.Alertmanager.Port, o.Mail.Port, o.Mail.SMTPPort, o.WebhookSinkPort, o.ChartRepoPort)
}

// waitAll blocks until a process of the host or of a member keeps crashing,
// and returns why, or until ctx ends.
func waitAll(ctx context.Context, host *cluster.Cluster, members []*member.Member) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1+len(members))
	go func() { done <- host.Wait(ctx) }()
	for _, m := range members {
		go func() {
			if err := m.Wait(ctx); err != nil {
				done <- fmt.Errorf("member cluster %s: %w", m.Name, err)
				return
			}
			done <- nil
		}()
	}
	return <-done
}

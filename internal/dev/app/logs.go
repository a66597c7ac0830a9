package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/client-go/rest"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/victorialogs"
)

// agentUser is the identity of the log shippers towards kube-apiserver.
const agentUser = "system:superkube:vlagent"

// logsStatus says how the log store runs: its URL, or why it does not.
type logsStatus struct {
	URL, DataDir, Missing string
	Agents                int
}

// startLogs runs VictoriaLogs and a vlagent per simulated node, which ships
// the simulated containers' log files (internal/dev/podlogs) to it, and
// writes the store's URL in its data folder (victorialogs.URLFile) for the
// tests.
func (o *Options) startLogs(ctx context.Context, c *cluster.Cluster) (*logsStatus, error) {
	if o.NoLogs {
		return &logsStatus{Missing: "not started (--no-logs)"}, nil
	}
	if _, err := o.Logs.LookPath(); err != nil {
		// Not an error: the cluster runs without a log store, and says so.
		return &logsStatus{Missing: err.Error()}, nil //nolint:nilerr // reported in the summary
	}
	if cluster.PortFree(o.Logs.Port) != nil {
		return nil, fmt.Errorf("port %d for victoria-logs is already in use on 127.0.0.1 (stop what holds it or choose another port with --logs-port)", o.Logs.Port)
	}
	if o.Logs.DataDir == "" {
		o.Logs.DataDir = filepath.Join(o.Cluster.DataDir, "victorialogs")
	}
	if err := victorialogs.Start(ctx, c, &o.Logs); err != nil {
		return nil, fmt.Errorf("starting victoria-logs: %w", err)
	}
	if err := os.WriteFile(victorialogs.URLFile(o.Logs.DataDir), []byte(o.Logs.URL()+"\n"), 0o644); err != nil {
		return nil, err
	}
	st := &logsStatus{URL: o.Logs.URL(), DataDir: o.Logs.DataDir}
	agents := &victorialogs.AgentsConfig{StoreURL: o.Logs.URL(), DataDir: filepath.Join(o.Logs.DataDir, "agents"),
		Nodes: c.Endpoints().Nodes, ContainersDir: c.PodLogs.ContainersDir}
	if _, err := agents.LookAgentPath(); err != nil {
		st.Missing = "no shipper: " + err.Error()
		return st, nil //nolint:nilerr // reported in the summary
	}
	err := c.GrantClusterRole(ctx, agentUser, []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "nodes", "namespaces"}, Verbs: []string{"get", "list", "watch"}},
	})
	if err != nil {
		return nil, err
	}
	certFile, keyFile, caFile, err := c.ClientCert("vlagent", agentUser)
	if err != nil {
		return nil, err
	}
	agents.Kube = &rest.Config{Host: c.APIServerURL(), TLSClientConfig: rest.TLSClientConfig{CertFile: certFile, KeyFile: keyFile, CAFile: caFile}}
	stop, err := victorialogs.StartAgents(ctx, c, agents)
	if err != nil {
		return nil, fmt.Errorf("starting vlagent: %w", err)
	}
	c.OnStop(stop)
	st.Agents = len(agents.Nodes)
	return st, nil
}

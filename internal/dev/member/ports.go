package member

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/freeport"
)

// portsFile, in a member's data folder, keeps the ports of its last run.
const portsFile = "ports.json"

// ports returns the ports a member listens on: those of its last run that
// are still free, so that its address and kubeconfigs stay the same across
// restarts, and free ones for the rest. No metrics-server runs on a member.
func ports(dataDir string) (cluster.Ports, error) {
	var p cluster.Ports
	data, err := os.ReadFile(filepath.Join(dataDir, portsFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return p, err
	default:
		// A damaged file only costs the old ports.
		_ = json.Unmarshal(data, &p)
	}
	p.MetricsServer = 0
	for _, port := range []*int{&p.Etcd, &p.EtcdPeer, &p.APIServer, &p.ControllerManager, &p.Scheduler, &p.Kubelet, &p.KwokServer} {
		if freeport.Claim(*port) {
			continue
		}
		if *port, err = freeport.Pick(); err != nil {
			return p, fmt.Errorf("picking a port for a member cluster: %w", err)
		}
	}
	return p, nil
}

// savePorts records the ports of the member's run.
func savePorts(dataDir string, p cluster.Ports) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, portsFile), append(data, '\n'), 0o644)
}

// release hands a stopped member's ports back to freeport.
func release(p cluster.Ports) {
	freeport.Release(p.Etcd, p.EtcdPeer, p.APIServer, p.ControllerManager, p.Scheduler, p.Kubelet, p.KwokServer)
}

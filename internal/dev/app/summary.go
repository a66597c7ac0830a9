package app

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
)

// components are the platform's binaries, in the order they start.
var components = []string{"ke-controller-manager", "ke-apiserver", "ke-console"}

func (o *Options) printSummary(c *cluster.Cluster) {
	out := o.Cluster.Out
	kubeconfig, _ := filepath.Abs(o.Cluster.AdminKubeconfig())
	logs, _ := filepath.Abs(filepath.Join(o.Cluster.DataDir, "logs"))
	fmt.Fprintf(out, "\nThe local cluster is ready in %.1fs: %d simulated nodes, kube-apiserver at %s\n",
		time.Since(c.StartedAt()).Seconds(), o.Cluster.Nodes, o.Cluster.APIServerURL())
	fmt.Fprintf(out, "  export KUBECONFIG=%s\n  kubectl get nodes\n", kubeconfig)
	fmt.Fprintf(out, "  logs: %s\n", logs)
	var missing []string
	for _, name := range components {
		if _, err := os.Stat(filepath.Join(o.PlatformBinDir, name)); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintln(out, "\nPlatform components not built yet (no cmd/<name> in this checkout), so not started:")
		for _, m := range missing {
			fmt.Fprintf(out, "  - %s\n", m)
		}
		fmt.Fprintln(out, "The console URL and the login will be printed here once ke-console and ke-apiserver exist.")
	}
	fmt.Fprintln(out, "\nPress Ctrl-C to stop; the cluster's data is kept (`make reset` deletes it).")
}

// Command ke-dev runs the local development cluster of Super Kubenetes.
package main

import (
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/dev/app"
)

func main() {
	// Ctrl-C and SIGTERM stop the cluster and the platform in order; a
	// second signal ends ke-dev at once, and the processes it started get
	// SIGTERM as it dies.
	ctx := ctrl.SetupSignalHandler()
	if err := app.NewCommand(os.Stdout).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ke-dev:", err)
		os.Exit(1)
	}
}

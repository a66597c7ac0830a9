// Command ke-controller-manager runs the controllers of Super Kubenetes.
package main

import (
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/controllermanager/app"
)

func main() {
	// SIGTERM (as Kubernetes stops a pod) and Ctrl-C shut down gracefully;
	// a second signal ends the process at once.
	ctx := ctrl.SetupSignalHandler()
	if err := app.NewCommand(ctx).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ke-controller-manager:", err)
		os.Exit(1)
	}
}

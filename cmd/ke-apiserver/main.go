// Command ke-apiserver serves the Super Kubenetes API.
package main

import (
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
)

func main() {
	// SIGTERM (as Kubernetes stops a pod) and Ctrl-C shut down gracefully;
	// a second signal ends the process at once.
	ctx := ctrl.SetupSignalHandler()
	if err := app.NewCommand(ctx).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "ke-apiserver:", err)
		os.Exit(1)
	}
}

// Command ke-console serves the Super Kubenetes web console.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/superkube/super-kubenetes/internal/console/app"
)

func main() {
	// SIGTERM (as Kubernetes stops a pod) and Ctrl-C shut down gracefully;
	// a second signal ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := app.NewCommand(ctx).Execute()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ke-console:", err)
		os.Exit(1)
	}
}

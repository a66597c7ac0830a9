// Command ke-dev runs the local development cluster of Super Kubenetes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/superkube/super-kubenetes/internal/dev/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ke-dev:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return app.NewCommand(os.Stdout).ExecuteContext(ctx)
}

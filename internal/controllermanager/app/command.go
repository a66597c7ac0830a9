package app

import (
	"context"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
	"github.com/superkube/super-kubenetes/internal/version"
)

// NewCommand returns the ke-controller-manager command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	printConfig := false
	cmd := &cobra.Command{
		Use:   "ke-controller-manager",
		Short: "Run the controllers of Super Kubenetes: users, workspaces, projects, roles and their native RBAC",
		Long: `ke-controller-manager reconciles the platform's objects on a Kubernetes cluster:
it hashes passwords and locks users after failed logins, creates each workspace's and
project's roles from role templates, and mirrors the platform's bindings into native RBAC.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version.Get().String(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.Complete()
			if err != nil {
				return err
			}
			if printConfig {
				return componentconfig.Print(cmd.OutOrStdout(), c.Config)
			}
			logger := textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(o.Verbosity)))
			ctrl.SetLogger(logger)
			klog.SetLogger(logger)
			return Run(ctrl.LoggerInto(ctx, logger), c)
		},
	}
	o.AddFlags(cmd.Flags())
	cmd.Flags().BoolVar(&printConfig, "print-config", false, "Print the effective configuration and exit")
	cmd.AddCommand(newUninstallCommand(ctx))
	return cmd
}

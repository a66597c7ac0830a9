package app

import (
	"context"
	"errors"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/textlogger"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/superkube/super-kubenetes/internal/componentconfig"
	"github.com/superkube/super-kubenetes/internal/scheme"
	"github.com/superkube/super-kubenetes/internal/uninstall"
)

// newUninstallCommand returns `ke-controller-manager uninstall`, which the
// chart's pre-delete hook runs.
func newUninstallCommand(ctx context.Context) *cobra.Command {
	var (
		kubeconfig string
		verbosity  int
		o          = uninstall.Options{StopTimeout: 2 * time.Minute, PollInterval: time.Second}
	)
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Take the platform's hold off the cluster before its components are removed",
		Long: `uninstall prepares the cluster for the removal of the platform, as the chart's
pre-delete hook: it scales the named Deployments (ke-controller-manager, ke-apiserver) to
zero and waits until their pods are gone, deletes the admission webhook configurations and the gateway
admission policies the platform registered, and removes the platform's finalizers from the
objects of its CRDs and from the projects' namespaces. It deletes no user data: users,
workspaces, roles and the CRDs stay. It can run any number of times.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(*cobra.Command, []string) error {
			if o.Namespace == "" {
				return errors.New("--namespace is required")
			}
			logger := textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(verbosity)))
			klog.SetLogger(logger)
			cfg, err := componentconfig.RESTConfig(kubeconfig)
			if err != nil {
				return err
			}
			c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
			if err != nil {
				return err
			}
			if err := (&uninstall.Cleaner{Client: c, Options: o}).Run(klog.NewContext(ctx, logger)); err != nil {
				return err
			}
			logger.Info("Uninstall: done; the platform's CRDs and their objects are kept")
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kubeconfig, "kubeconfig", "", "Path to a kubeconfig; empty uses the in-cluster configuration")
	fs.IntVarP(&verbosity, "v", "v", 0, "Log verbosity, 0 to 10")
	fs.StringVar(&o.Namespace, "namespace", "", "The release namespace, where the Deployments to stop run")
	fs.StringSliceVar(&o.Deployments, "stop-deployment", nil, "Deployment in --namespace to scale to zero first (repeatable): ke-controller-manager's and ke-apiserver's")
	fs.StringSliceVar(&o.WebhookConfigurations, "webhook-configuration", nil, "ValidatingWebhookConfiguration to delete besides the quota webhook's (repeatable)")
	fs.DurationVar(&o.StopTimeout, "stop-timeout", o.StopTimeout, "How long to wait for the stopped Deployments' pods to be gone")
	return cmd
}

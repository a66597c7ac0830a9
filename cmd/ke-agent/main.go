// Command ke-agent runs in a member cluster: it joins the cluster to the
// Super Kubenetes host with a join token and holds a tunnel open to the
// host's ke-apiserver, so that the host reaches a cluster it cannot dial.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
)

func main() {
	fs := pflag.NewFlagSet("ke-agent", pflag.ContinueOnError)
	hostURL := fs.String("host-url", "", "The host's ke-apiserver, https://host:port")
	hostCA := fs.String("host-ca-file", "", "CA bundle (PEM) that verifies the host's serving certificate (default: the system's roots)")
	cluster := fs.String("cluster", "", "The member's name on the host (the Cluster the join token was issued for)")
	tokenFile := fs.String("join-token-file", "", "File with the join token (also $SUPERKUBE_JOIN_TOKEN); needed only until the agent has joined")
	credFile := fs.String("credential-file", "", "File where the agent keeps the credential it gets when it joins (mode 0600)")
	kubeconfig := fs.String("kubeconfig", "", "Kubeconfig of the member's kube-apiserver that the host uses through the tunnel; its identity must be allowed to impersonate")
	verbosity := fs.Int("v", 0, "Log verbosity")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := run(*hostURL, *hostCA, *cluster, *tokenFile, *credFile, *kubeconfig, *verbosity); err != nil {
		fmt.Fprintln(os.Stderr, "ke-agent:", err)
		os.Exit(1)
	}
}

func run(hostURL, hostCA, cluster, tokenFile, credFile, kubeconfig string, verbosity int) error {
	var missing []string
	for name, v := range map[string]string{"--host-url": hostURL, "--cluster": cluster, "--credential-file": credFile, "--kubeconfig": kubeconfig} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	a := &agent.Agent{HostURL: hostURL, Cluster: cluster, CredentialFile: credFile,
		Log: textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(verbosity)))}
	var err error
	if hostCA != "" {
		if a.HostCA, err = os.ReadFile(hostCA); err != nil {
			return err
		}
	}
	if a.Kubeconfig, err = os.ReadFile(kubeconfig); err != nil {
		return err
	}
	a.JoinToken = strings.TrimSpace(os.Getenv("SUPERKUBE_JOIN_TOKEN"))
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return err
		}
		a.JoinToken = strings.TrimSpace(string(b))
	}
	return a.Run(ctrl.SetupSignalHandler())
}

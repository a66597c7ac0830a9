// Command ke-agent runs in a member cluster: it joins the cluster to the
// Super Kubenetes host with a join token and holds a tunnel open to the
// host's ke-apiserver, so that the host reaches a cluster it cannot dial.
//
// It runs either with files (--credential-file, --kubeconfig), as ke-dev
// runs it, or in a pod of the member, as the Helm chart's member mode runs
// it: --credential-secret keeps the credential in a Secret of the member,
// and --service-account-token-secret makes the kubeconfig the host uses
// from a long-lived ServiceAccount token; both are read and written with
// the pod's own (in-cluster) identity.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2/textlogger"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/superkube/super-kubenetes/internal/multicluster/agent"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
)

type options struct {
	hostURL, hostCA, cluster, tokenFile string
	credFile, credSecret                string
	kubeconfig, saTokenSecret, server   string
	ownKubeconfig                       string
	quotaBind, quotaURL, quotaService   string
	quotaFailurePolicy                  string
	verbosity                           int
}

func main() {
	fs := pflag.NewFlagSet("ke-agent", pflag.ContinueOnError)
	var o options
	fs.StringVar(&o.hostURL, "host-url", "", "The host's ke-apiserver, https://host:port")
	fs.StringVar(&o.hostCA, "host-ca-file", "", "CA bundle (PEM) that verifies the host's serving certificate (default: the system's roots)")
	fs.StringVar(&o.cluster, "cluster", "", "The member's name on the host (the Cluster the join token was issued for)")
	fs.StringVar(&o.tokenFile, "join-token-file", "", "File with the join token (also $SUPERKUBE_JOIN_TOKEN); needed only until the agent has joined, and may be gone after")
	fs.StringVar(&o.credFile, "credential-file", "", "File where the agent keeps the credential it gets when it joins (mode 0600)")
	fs.StringVar(&o.credSecret, "credential-secret", "", "Secret <namespace>/<name> of the member where the agent keeps its credential, instead of --credential-file (in-cluster identity)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "Kubeconfig of the member's kube-apiserver that the host uses through the tunnel; its identity must be allowed to impersonate")
	fs.StringVar(&o.saTokenSecret, "service-account-token-secret", "", "Secret <namespace>/<name> of type kubernetes.io/service-account-token whose token and ca.crt make the kubeconfig the host uses, instead of --kubeconfig (in-cluster identity)")
	fs.StringVar(&o.server, "member-server", agent.InClusterServer, "The member's kube-apiserver in the kubeconfig made from --service-account-token-secret")
	fs.StringVar(&o.ownKubeconfig, "member-kubeconfig", "", "Kubeconfig of the agent's own identity on the member, when not in a pod (default: in-cluster, else $KUBECONFIG)")
	fs.StringVar(&o.quotaBind, "quota-webhook-bind-address", "", "Serve the member's workspace quota webhook here (host:port), relaying reviews to the host; empty: quotas are counted on this member but not enforced")
	fs.StringVar(&o.quotaURL, "quota-webhook-url", "", "https://host:port at which the member's kube-apiserver reaches the quota webhook")
	fs.StringVar(&o.quotaService, "quota-webhook-service", "", "Service <namespace>/<name> (port 443) through which the member's kube-apiserver reaches the quota webhook, instead of --quota-webhook-url")
	fs.StringVar(&o.quotaFailurePolicy, "quota-webhook-failure-policy", "Fail", "What the member does with a create when the host cannot be asked: Fail refuses it, Ignore admits it uncounted")
	fs.IntVar(&o.verbosity, "v", 0, "Log verbosity")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if err := run(ctrl.SetupSignalHandler(), o); err != nil {
		fmt.Fprintln(os.Stderr, "ke-agent:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if err := o.validate(); err != nil {
		return err
	}
	log := textlogger.NewLogger(textlogger.NewConfig(textlogger.Verbosity(o.verbosity)))
	a := &agent.Agent{HostURL: o.hostURL, Cluster: o.cluster, CredentialFile: o.credFile, Log: log}
	var err error
	if o.hostCA != "" {
		if a.HostCA, err = os.ReadFile(o.hostCA); err != nil {
			return err
		}
	}
	var member kubernetes.Interface
	if o.credSecret != "" || o.saTokenSecret != "" || o.quotaBind != "" {
		if member, err = memberClient(o.ownKubeconfig); err != nil {
			return err
		}
	}
	if o.quotaBind != "" {
		a.Quota = &agent.QuotaWebhook{BindAddress: o.quotaBind, Member: member,
			FailurePolicy: admissionregistrationv1.FailurePolicyType(o.quotaFailurePolicy)}
		if o.quotaURL != "" {
			a.Quota.ClientConfig = quotawebhook.ReferencesURL(strings.TrimSuffix(o.quotaURL, "/"))
		} else {
			ns, name, _ := splitRef(o.quotaService)
			a.Quota.ClientConfig = quotawebhook.ReferencesService(ns, name, 443)
		}
	}
	if o.credSecret != "" {
		ns, name, _ := splitRef(o.credSecret)
		a.Credentials = agent.SecretCredentials{Secrets: member.CoreV1(), Namespace: ns, Name: name}
	}
	if o.kubeconfig != "" {
		if a.Kubeconfig, err = os.ReadFile(o.kubeconfig); err != nil {
			return err
		}
	} else {
		ns, name, _ := splitRef(o.saTokenSecret)
		if a.Kubeconfig, err = agent.ServiceAccountKubeconfig(ctx, member.CoreV1(), ns, name, o.server, 0, log); err != nil {
			return err
		}
	}
	a.JoinToken = strings.TrimSpace(os.Getenv("SUPERKUBE_JOIN_TOKEN"))
	if o.tokenFile != "" {
		// After the join the token is used up, and its file may be gone.
		b, err := os.ReadFile(o.tokenFile)
		switch {
		case err == nil:
			a.JoinToken = strings.TrimSpace(string(b))
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	return a.Run(ctx)
}

func (o options) validate() error {
	var problems []string
	for _, f := range []struct{ name, value string }{{"--host-url", o.hostURL}, {"--cluster", o.cluster}} {
		if f.value == "" {
			problems = append(problems, "missing "+f.name)
		}
	}
	if (o.credFile == "") == (o.credSecret == "") {
		problems = append(problems, "give one of --credential-file and --credential-secret")
	}
	if (o.kubeconfig == "") == (o.saTokenSecret == "") {
		problems = append(problems, "give one of --kubeconfig and --service-account-token-secret")
	}
	for _, f := range []struct{ name, value string }{{"--credential-secret", o.credSecret}, {"--service-account-token-secret", o.saTokenSecret}} {
		if _, _, ok := splitRef(f.value); f.value != "" && !ok {
			problems = append(problems, fmt.Sprintf("%s must be <namespace>/<name>, got %q", f.name, f.value))
		}
	}
	if o.quotaBind != "" {
		if (o.quotaURL == "") == (o.quotaService == "") {
			problems = append(problems, "give one of --quota-webhook-url and --quota-webhook-service with --quota-webhook-bind-address")
		}
		if !strings.HasPrefix(o.quotaURL, "https://") && o.quotaURL != "" {
			problems = append(problems, fmt.Sprintf("--quota-webhook-url must be https, got %q", o.quotaURL))
		}
		if _, _, ok := splitRef(o.quotaService); o.quotaService != "" && !ok {
			problems = append(problems, fmt.Sprintf("--quota-webhook-service must be <namespace>/<name>, got %q", o.quotaService))
		}
		if p := o.quotaFailurePolicy; p != "Fail" && p != "Ignore" {
			problems = append(problems, fmt.Sprintf("--quota-webhook-failure-policy must be Fail or Ignore, got %q", p))
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// splitRef splits <namespace>/<name>.
func splitRef(s string) (namespace, name string, ok bool) {
	namespace, name, ok = strings.Cut(s, "/")
	return namespace, name, ok && namespace != "" && name != "" && !strings.Contains(name, "/")
}

// memberClient is the agent's own identity on the member: the pod's
// ServiceAccount in a pod (or --member-kubeconfig), else $KUBECONFIG or
// ~/.kube/config. (--kubeconfig
// is the host's identity, not the agent's.)
func memberClient(kubeconfig string) (kubernetes.Interface, error) {
	var cfg *rest.Config
	var err error
	if kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if errors.Is(err, rest.ErrNotInCluster) {
		cfg, err = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(clientcmd.NewDefaultClientConfigLoadingRules(), nil).ClientConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("the agent's own access to the member: %w", err)
	}
	cfg.UserAgent = "ke-agent"
	return kubernetes.NewForConfig(cfg)
}

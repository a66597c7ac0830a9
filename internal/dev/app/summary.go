package app

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/dev/cluster"
	"github.com/superkube/super-kubenetes/internal/dev/gitea"
	"github.com/superkube/super-kubenetes/internal/dev/member"
	"github.com/superkube/super-kubenetes/internal/dev/platform"
	"github.com/superkube/super-kubenetes/internal/dev/podlogs"
)

func (o *Options) printSummary(c *cluster.Cluster, res *platform.Result, prom *prometheusStatus, logs *logsStatus, alerting *alertingStatus, git *giteaStatus, traces *jaegerStatus, members []*member.Member) {
	out := o.Cluster.Out
	kubeconfig, _ := filepath.Abs(o.Cluster.AdminKubeconfig())
	fmt.Fprintf(out, "\nThe local cluster is ready in %.1fs: %d simulated nodes, kube-apiserver at %s\n",
		time.Since(c.StartedAt()).Seconds(), o.Cluster.Nodes, o.Cluster.APIServerURL())
	fmt.Fprintf(out, "  export KUBECONFIG=%s\n  kubectl get nodes\n", kubeconfig)
	fmt.Fprintf(out, "  logs: %s\n", c.LogDir())
	if o.Cluster.MetricsServerDir != "" {
		fmt.Fprintf(out, "  kubectl top pods -A   (metrics-server; set a pod's simulated usage with the annotations %s and %s)\n",
			cluster.UsageCPUAnnotation, cluster.UsageMemoryAnnotation)
	} else {
		fmt.Fprintln(out, "  metrics-server not started: METRICS_SERVER_BIN_DIR is not set (run through `make run`)")
	}
	if len(members) > 0 {
		fmt.Fprintf(out, "\nMember clusters (%d simulated nodes each; joined %s, Cluster objects labelled %s):\n", o.MemberNodes, o.JoinMode, member.LocalMemberLabel)
		for _, m := range members {
			admin, _ := filepath.Abs(m.AdminKubeconfig)
			host, _ := filepath.Abs(m.HostKubeconfig)
			fmt.Fprintf(out, "  - %s: kube-apiserver at %s\n      kubeconfig %s\n      the host's (%s, cluster-admin) %s\n      logs: %s\n",
				m.Name, m.APIServerURL(), admin, member.HostUser, host, m.LogDir())
		}
		if res.APIServerURL != "" {
			fmt.Fprintf(out, "  through the platform: %s/clusters/<name>/api/...\n", res.APIServerURL)
		}
	}
	if prom.URL != "" {
		fmt.Fprintf(out, "\nPrometheus: %s (data in %s, every %s)\n", prom.URL, prom.DataDir, c.ScrapeInterval())
	} else {
		fmt.Fprintf(out, "\nPrometheus: %s\n", prom.Missing)
	}
	switch {
	case logs.URL != "" && logs.Missing == "":
		fmt.Fprintf(out, "Logs: VictoriaLogs at %s (data in %s), a vlagent on each of the %d nodes shipping %s; set a pod's lines a second with the annotation %s\n",
			logs.URL, logs.DataDir, logs.Agents, filepath.Join(o.Cluster.DataDir, "nodes", "<node>", "pods"), podlogs.RateAnnotation)
	case logs.URL != "":
		fmt.Fprintf(out, "Logs: VictoriaLogs at %s (data in %s); %s\n", logs.URL, logs.DataDir, logs.Missing)
	default:
		fmt.Fprintf(out, "Logs: %s\n", logs.Missing)
	}
	if alerting.Alertmanager != "" {
		to := "kept there and sent nowhere yet (--alertmanager-webhook-url sends them to a webhook)"
		switch {
		case o.Alertmanager.Platform != nil && o.Alertmanager.WebhookURL != "":
			to = "notifications to ke-apiserver's sender and to " + o.Alertmanager.WebhookURL
		case o.Alertmanager.Platform != nil:
			to = "notifications to ke-apiserver's sender (" + o.Alertmanager.Platform.URL + ")"
		case o.Alertmanager.WebhookURL != "":
			to = "notifications to " + o.Alertmanager.WebhookURL
		}
		fmt.Fprintf(out, "Alerts: Alertmanager at %s (API %s/api/v2/alerts, configuration and data in %s), fed by Prometheus; %s\n",
			alerting.Alertmanager, alerting.Alertmanager, alerting.AlertmanagerDir, to)
	} else {
		fmt.Fprintf(out, "Alerts: %s\n", alerting.AlertmanagerMissing)
	}
	if alerting.Mailpit != "" {
		fmt.Fprintf(out, "Mail: Mailpit keeps every e-mail sent to SMTP %s (no login needed; data in %s); read them at %s/api/v1/messages\n",
			alerting.SMTP, alerting.MailpitDir, alerting.Mailpit)
	} else {
		fmt.Fprintf(out, "Mail: %s\n", alerting.MailpitMissing)
	}
	if git.URL != "" {
		fmt.Fprintf(out, "Git: Gitea at %s (API %s/api/v1, git over HTTP; data in %s), administrator %s with the password in %s; sample repository %s\n",
			git.URL, git.URL, git.DataDir, gitea.AdminUser, git.PasswordFile, git.Sample)
		if git.Demo != "" {
			fmt.Fprintf(out, "DevOps demo: %s\n", git.Demo)
		}
	} else {
		fmt.Fprintf(out, "Git: %s\n", git.Missing)
	}
	if alerting.Mailpit != "" && res.APIServerURL != "" {
		fmt.Fprintf(out, "Notifications: every alert is e-mailed to %s (config %s, receiver %s) through Mailpit\n",
			platform.DevAdminEmail, platform.DevMailConfig, platform.DevMailReceiver)
	}
	if alerting.WebhookSink != "" && res.APIServerURL != "" {
		fmt.Fprintf(out, "Webhook sink: %s receives every alert as JSON (receiver %s), kept in %s\n", alerting.WebhookSink, platform.DevWebhookReceiver, alerting.WebhookSinkFile)
	}
	if len(res.Started) > 0 {
		fmt.Fprintln(out, "\nPlatform components running:")
		for _, s := range res.Started {
			fmt.Fprintf(out, "  - %s (log: %s)\n", s, filepath.Join(c.LogDir(), s+".log"))
		}
	}
	for _, group := range slices.Sorted(maps.Keys(res.Backends)) {
		fmt.Fprintf(out, "  - balancer in ke-dev in front of %s: %s\n", group, strings.Join(res.Backends[group], ", "))
	}
	if len(res.StateMetrics) > 0 {
		fmt.Fprintf(out, "  - object-state metrics of ke-controller-manager (the leader's have series): %s\n", strings.Join(res.StateMetrics, ", "))
	}
	if res.Redis != "" {
		fmt.Fprintf(out, "\nRedis (tokens, revocations, console sessions; kept on disk): %s, data and password in %s\n", res.Redis, res.RedisDir)
	}
	if res.APIServerURL != "" {
		ca, _ := filepath.Abs(filepath.Join(o.Cluster.DataDir, "pki", "ca.crt"))
		fmt.Fprintf(out, "\nke-apiserver: %s (CA %s)\n", res.APIServerURL, ca)
		secret, _ := filepath.Abs(platform.ConsoleSecretFile(o.Cluster.DataDir))
		fmt.Fprintf(out, "  log in:  curl --cacert %s -u ke-console:$(cat %s) \\\n           -d grant_type=password -d username=admin -d password=... %s/oauth/token\n", ca, secret, res.APIServerURL)
	}
	if res.ConsoleURL != "" {
		fmt.Fprintf(out, "\nConsole: %s\n", res.ConsoleURL)
	}
	if res.AdminPassword != "" {
		fmt.Fprintf(out, "\nInitial administrator: user admin, password %s\n", res.AdminPassword)
		fmt.Fprintln(out, "  (shown until it is changed; the first login asks for a new one)")
	}
	if len(res.Missing) > 0 {
		fmt.Fprintln(out, "\nPlatform components not started:")
		for _, m := range res.Missing {
			fmt.Fprintf(out, "  - %s\n", m)
		}
		fmt.Fprintln(out, "Build them with `make build`.")
	}
	o.printTracing(traces, res)
	fmt.Fprintln(out, "\nPress Ctrl-C to stop; the cluster's data is kept (`make reset` deletes it).")
}

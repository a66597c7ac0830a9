package cluster

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/superkube/super-kubenetes/internal/authn"
	"github.com/superkube/super-kubenetes/internal/logging/auditstore"
)

func (c *Config) etcdArgs() []string {
	client := fmt.Sprintf("http://127.0.0.1:%d", c.Ports.Etcd)
	peer := fmt.Sprintf("http://127.0.0.1:%d", c.Ports.EtcdPeer)
	return []string{
		"--name=ke-dev",
		"--data-dir=" + c.etcdDir(),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=ke-dev=" + peer,
		"--quota-backend-bytes=8589934592",
		"--log-level=warn",
	}
}

func (c *Config) apiserverArgs(f *files) []string {
	args := []string{
		"--etcd-servers=" + fmt.Sprintf("http://127.0.0.1:%d", c.Ports.Etcd),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.Ports.APIServer),
		// A loopback advertise address is refused by the endpoint reconciler.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + c.pkiDir(),
		"--tls-cert-file=" + f.apiserver.CertFile,
		"--tls-private-key-file=" + f.apiserver.KeyFile,
		"--client-ca-file=" + f.ca.CertFile,
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + f.serviceAccount.CertFile,
		"--service-account-signing-key-file=" + f.serviceAccount.KeyFile,
		"--kubelet-client-certificate=" + f.kubeletClient.CertFile,
		"--kubelet-client-key=" + f.kubeletClient.KeyFile,
		"--kubelet-preferred-address-types=InternalIP",
		"--requestheader-client-ca-file=" + f.frontProxyCA.CertFile,
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + f.frontProxyClient.CertFile,
		"--proxy-client-key-file=" + f.frontProxyClient.KeyFile,
		"--audit-policy-file=" + f.auditPolicy,
		"--audit-log-path=" + filepath.Join(c.logDir(), "kube-apiserver-audit.log"),
		"--audit-log-maxsize=100",
		"--audit-log-maxbackup=1",
		"--profiling=false",
	}
	if f.tokenWebhook != "" {
		webhook := authn.TokenWebhookArgs(f.tokenWebhook)
		for _, k := range slices.Sorted(maps.Keys(webhook)) {
			args = append(args, "--"+k+"="+webhook[k])
		}
	}
	if f.auditWebhook != "" {
		webhook := auditstore.WebhookArgs(f.auditWebhook)
		for _, k := range slices.Sorted(maps.Keys(webhook)) {
			args = append(args, "--"+k+"="+webhook[k])
		}
	}
	return args
}

func (c *Config) controllerManagerArgs(f *files) []string {
	return []string{
		"--kubeconfig=" + f.controllerManager,
		"--authentication-kubeconfig=" + f.controllerManager,
		"--authorization-kubeconfig=" + f.controllerManager,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.Ports.ControllerManager),
		"--cert-dir=" + filepath.Join(c.pkiDir(), "kube-controller-manager"),
		"--cluster-signing-cert-file=" + f.ca.CertFile,
		"--cluster-signing-key-file=" + filepath.Join(c.pkiDir(), "ca.key"),
		"--root-ca-file=" + f.ca.CertFile,
		"--service-account-private-key-file=" + f.serviceAccount.KeyFile,
		"--use-service-account-credentials=true",
		"--service-cluster-ip-range=10.96.0.0/16",
		// One instance: leader election would only delay a restart until the
		// previous lease expires.
		"--leader-elect=false",
		"--profiling=false",
	}
}

func (c *Config) schedulerArgs(f *files) []string {
	return []string{
		"--kubeconfig=" + f.scheduler,
		"--authentication-kubeconfig=" + f.scheduler,
		"--authorization-kubeconfig=" + f.scheduler,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(c.Ports.Scheduler),
		"--cert-dir=" + filepath.Join(c.pkiDir(), "kube-scheduler"),
		"--leader-elect=false",
		"--profiling=false",
	}
}

func (c *Config) kwokArgs(f *files) []string {
	return []string{
		"--kubeconfig=" + f.kwok,
		"--config=" + f.kwokConfig,
		"--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=fake",
		"--node-ip=127.0.0.1",
		// The nodes advertise the kubelet port, where ke-dev answers exec
		// and passes the rest to KWOK's own server.
		"--node-port=" + strconv.Itoa(c.Ports.Kubelet),
		"--server-address=" + fmt.Sprintf("127.0.0.1:%d", c.Ports.KwokServer),
		"--tls-cert-file=" + f.kubeletServ.CertFile,
		"--tls-private-key-file=" + f.kubeletServ.KeyFile,
		"--cidr=10.244.0.0/16",
		"--node-lease-duration-seconds=40",
	}
}

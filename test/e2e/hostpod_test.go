//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// saDir is where a pod finds its ServiceAccount's token and the cluster's CA.
const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// hostPod runs the first container of a pod template (a Deployment's, a
// hook Job's) as a process on this machine, as a kubelet would run it: the binary of the
// same name from bin/, the container's arguments with $(VAR) expanded from
// its environment, the Secrets and ConfigMaps it mounts written out as the
// kubelet writes them, and its ServiceAccount's token. Only what a host
// cannot give is replaced, and each replacement is listed here:
//   - a mount path (say /etc/ke-apiserver/tls) becomes a folder of the
//     test's, in the arguments and in the mounted files that name it;
//   - the in-cluster client configuration, which reads fixed paths under
//     /var/run/secrets, becomes --kubeconfig with the same ServiceAccount
//     token (a TokenRequest) and the cluster's CA;
//   - the pod's IP ($(POD_IP) from status.podIP) is 127.0.0.1.
type hostPod struct {
	name string
	root string
	log  string
	cmd  *exec.Cmd
	// exited gets the process's end once.
	exited   chan error
	stopOnce sync.Once
	// probe is the container's readiness probe as a URL on 127.0.0.1.
	probe string
}

// startHostPod starts the container of the pod template of the workload
// name in namespace, and waits for its readiness probe when it has one.
func startHostPod(t *testing.T, cs kubernetes.Interface, admin *rest.Config, binDir, namespace, name string, spec corev1.PodSpec) *hostPod {
	return startHostPodOf(t, cs, admin, filepath.Join(binDir, spec.Containers[0].Name), namespace, name, spec)
}

// startHostPodOf is startHostPod with the program to run, for a container
// that is not named after its program.
func startHostPodOf(t *testing.T, cs kubernetes.Interface, admin *rest.Config, program, namespace, name string, spec corev1.PodSpec) *hostPod {
	t.Helper()
	ctx := context.Background()
	c := spec.Containers[0]
	p := &hostPod{name: name, root: filepath.Join(t.TempDir(), "root")}
	p.exited = make(chan error, 1)
	p.log = filepath.Join(filepath.Dir(p.root), c.Name+".log")

	// The environment, as the kubelet resolves it.
	env := map[string]string{}
	var envList []string
	for _, e := range c.Env {
		v := e.Value
		if from := e.ValueFrom; from != nil {
			switch {
			case from.FieldRef != nil && from.FieldRef.FieldPath == "status.podIP":
				v = "127.0.0.1"
			case from.FieldRef != nil && from.FieldRef.FieldPath == "metadata.namespace":
				v = namespace
			case from.SecretKeyRef != nil:
				s, err := cs.CoreV1().Secrets(namespace).Get(ctx, from.SecretKeyRef.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatalf("%s: env %s: %v", name, e.Name, err)
				}
				v = string(s.Data[from.SecretKeyRef.Key])
			case from.ConfigMapKeyRef != nil:
				cm, err := cs.CoreV1().ConfigMaps(namespace).Get(ctx, from.ConfigMapKeyRef.Name, metav1.GetOptions{})
				if err != nil {
					t.Fatalf("%s: env %s: %v", name, e.Name, err)
				}
				v = cm.Data[from.ConfigMapKeyRef.Key]
			default:
				t.Fatalf("%s: env %s: a source this test does not resolve: %+v", name, e.Name, from)
			}
		}
		env[e.Name] = v
		envList = append(envList, e.Name+"="+v)
	}

	// The volumes the container mounts, written out under root.
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = v
	}
	mounts := map[string]string{} // mount path -> folder here
	type file struct {
		path string
		data []byte
	}
	var files []file
	for _, m := range c.VolumeMounts {
		dir := filepath.Join(p.root, m.MountPath)
		mounts[m.MountPath] = dir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		v, ok := volumes[m.Name]
		if !ok {
			t.Fatalf("%s mounts volume %s, which the pod does not have", name, m.Name)
		}
		data := map[string][]byte{}
		var items []corev1.KeyToPath
		switch {
		case v.Secret != nil:
			s, err := cs.CoreV1().Secrets(namespace).Get(ctx, v.Secret.SecretName, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("%s: volume %s: %v", name, m.Name, err)
			}
			data, items = s.Data, v.Secret.Items
		case v.ConfigMap != nil:
			cm, err := cs.CoreV1().ConfigMaps(namespace).Get(ctx, v.ConfigMap.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("%s: volume %s: %v", name, m.Name, err)
			}
			for k, s := range cm.Data {
				data[k] = []byte(s)
			}
			items = v.ConfigMap.Items
		case v.EmptyDir != nil:
			continue
		default:
			t.Fatalf("%s: volume %s is of a kind this test does not write out", name, m.Name)
		}
		if len(items) == 0 {
			for k := range data {
				items = append(items, corev1.KeyToPath{Key: k, Path: k})
			}
		}
		for _, it := range items {
			d, ok := data[it.Key]
			if !ok {
				t.Fatalf("%s: volume %s has no key %s", name, m.Name, it.Key)
			}
			files = append(files, file{filepath.Join(dir, it.Path), d})
		}
	}

	// The ServiceAccount's token, in a kubeconfig, when the pod gets one.
	var kubeconfig string
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		tr, err := cs.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, spec.ServiceAccountName,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(3600))}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("a token of ServiceAccount %s: %v", spec.ServiceAccountName, err)
		}
		ca := admin.CAData
		if len(ca) == 0 {
			if ca, err = os.ReadFile(admin.CAFile); err != nil {
				t.Fatal(err)
			}
		}
		dir := filepath.Join(p.root, saDir)
		mounts[saDir] = dir
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		files = append(files, file{filepath.Join(dir, "token"), []byte(tr.Status.Token)}, file{filepath.Join(dir, "ca.crt"), ca},
			file{filepath.Join(dir, "namespace"), []byte(namespace)})
		cfg := clientcmdapi.NewConfig()
		cfg.Clusters["cluster"] = &clientcmdapi.Cluster{Server: admin.Host, CertificateAuthorityData: ca}
		cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: tr.Status.Token}
		cfg.Contexts["sa"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: "sa"}
		cfg.CurrentContext = "sa"
		kubeconfig = filepath.Join(filepath.Dir(p.root), "serviceaccount.kubeconfig")
		if err := clientcmd.WriteToFile(*cfg, kubeconfig); err != nil {
			t.Fatal(err)
		}
	}

	// Mount paths become folders here, longest first and in one pass (the
	// folders are under /tmp, itself a mount path of the components).
	paths := make([]string, 0, len(mounts))
	for m := range mounts {
		paths = append(paths, m)
	}
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	var pairs []string
	for _, m := range paths {
		pairs = append(pairs, m, mounts[m])
	}
	rewrite := strings.NewReplacer(pairs...)
	for _, f := range files {
		data := f.data
		if strings.HasSuffix(f.path, ".yaml") || strings.HasSuffix(f.path, ".yml") {
			data = []byte(rewrite.Replace(string(data)))
		}
		if err := os.WriteFile(f.path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	varRef := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	var args []string
	for _, a := range c.Args {
		a = varRef.ReplaceAllStringFunc(a, func(ref string) string {
			if v, ok := env[ref[2:len(ref)-1]]; ok {
				return v
			}
			return ref
		})
		args = append(args, rewrite.Replace(a))
	}
	if kubeconfig != "" {
		args = append(args, "--kubeconfig="+kubeconfig)
	}

	// The readiness probe, on this machine.
	if rp := c.ReadinessProbe; rp != nil && rp.HTTPGet != nil {
		port := rp.HTTPGet.Port.IntValue()
		for _, cp := range c.Ports {
			if cp.Name == rp.HTTPGet.Port.String() {
				port = int(cp.ContainerPort)
			}
		}
		scheme := strings.ToLower(string(rp.HTTPGet.Scheme))
		if scheme == "" {
			scheme = "http"
		}
		p.probe = scheme + "://127.0.0.1:" + strconv.Itoa(port) + rp.HTTPGet.Path
	}

	out, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd = exec.Command(program, args...)
	p.cmd.Dir = p.root
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + p.root}, envList...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := p.exited
	go func() { exited <- p.cmd.Wait(); _ = out.Close() }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("%s's log:\n%s", p.name, p.tail(60))
		}
	})
	t.Logf("%s: %s %s", name, filepath.Base(program), strings.Join(args, " "))
	if p.probe == "" {
		return p
	}
	// A kubelet does not verify a probe's certificate either.
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("%s exited (%v) before it was ready:\n%s", name, err, p.tail(60))
		case <-time.After(300 * time.Millisecond):
		}
		if resp, err := hc.Get(p.probe); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not ready at %s within 3 minutes:\n%s", name, p.probe, p.tail(60))
		}
	}
}

// tail is the last n lines of the process's log.
func (p *hostPod) tail(n int) string {
	data, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// refusals are the log lines where kube-apiserver refused the component's
// own ServiceAccount: a permission the chart forgot.
func (p *hostPod) refusals(serviceAccount string) []string {
	data, _ := os.ReadFile(p.log)
	var found []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if strings.Contains(l, "forbidden") && strings.Contains(l, serviceAccount) {
			found = append(found, l)
		}
	}
	return found
}

// stop ends the process as a kubelet ends a container: SIGTERM, and
// SIGKILL after the grace period.
func (p *hostPod) stop() {
	p.stopOnce.Do(func() {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case err := <-p.exited:
			p.exited <- err
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			p.exited <- <-p.exited
		}
	})
}

// wait waits for the process to end by itself and returns how it ended.
func (p *hostPod) wait(timeout time.Duration) error {
	select {
	case err := <-p.exited:
		p.exited <- err
		return err
	case <-time.After(timeout):
		return fmt.Errorf("%s did not end within %s", p.name, timeout)
	}
}

func (p *hostPod) String() string { return fmt.Sprintf("%s (pid %d)", p.name, p.cmd.Process.Pid) }

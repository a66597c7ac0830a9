//go:build e2e

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// platformIdentity logs in through ke-apiserver, changes the initial
// password, creates a workspace member, downloads the member's kubeconfig
// and checks with kubectl, straight against kube-apiserver, what it may do.
func (d *devCluster) platformIdentity(t *testing.T) {
	initial := d.initialAdminPassword(t)
	a := d.api(t)
	api, hc := a.url, a.http
	login := a.login
	send := func(method, path, tok, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, data
	}

	tok := login("admin", initial)
	if code, body := send(http.MethodPut, "/kapis/iam.superkube.io/v1beta1/users/admin/password", tok,
		`{"currentPassword":"`+initial+`","password":"E2e-Passw0rd-New!"}`); code != http.StatusOK {
		t.Fatalf("changing the initial password: %d %s", code, body)
	}
	login("admin", "E2e-Passw0rd-New!")
	if out, err := d.kubectl("get", "secret", "-n", "superkube-system", "admin-initial-password"); err == nil || !strings.Contains(out, "NotFound") {
		t.Fatalf("the initial password Secret outlives the change: %v %s", err, out)
	}

	apply(t, d, `{"apiVersion":"iam.superkube.io/v1beta1","kind":"User","metadata":{"name":"dev"},"spec":{"email":"dev@example.com","password":"Dev-Passw0rd!"}}`)
	apply(t, d, `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"e2e-web","labels":{"superkube.io/workspace":"e2e"}}}`)
	apply(t, d, `{"apiVersion":"iam.superkube.io/v1beta1","kind":"WorkspaceRoleBinding","metadata":{"name":"dev-e2e-viewer","labels":{"superkube.io/workspace":"e2e","iam.superkube.io/user-ref":"dev"}},"roleRef":{"kind":"WorkspaceRole","name":"e2e-viewer"},"subjects":[{"kind":"User","name":"dev"}]}`)
	var devTok string
	waitFor(t, "the new user logs in", func() bool {
		var code int
		devTok, code = a.tryLogin("dev", "Dev-Passw0rd!")
		return code == http.StatusOK
	})
	code, kubeconfig := send(http.MethodGet, "/kapis/iam.superkube.io/v1beta1/users/dev/kubeconfig", devTok, "")
	if code != http.StatusOK {
		t.Fatalf("kubeconfig: %d %s", code, kubeconfig)
	}
	file := filepath.Join(t.TempDir(), "dev.kubeconfig")
	if err := os.WriteFile(file, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	kubectl := func(args ...string) (string, error) {
		cmd := exec.Command(filepath.Join(os.Getenv("K8S_BIN_DIR"), "kubectl"), append([]string{"--kubeconfig", file}, args...)...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	waitFor(t, "kube-apiserver accepts the platform token", func() bool {
		out, err := kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		return err == nil && out == "dev"
	})
	waitFor(t, "the workspace viewer lists pods in the workspace's project", func() bool {
		_, err := kubectl("get", "pods", "-n", "e2e-web")
		return err == nil
	})
	for _, args := range [][]string{{"get", "pods", "-n", "kube-system"}, {"delete", "namespace", "e2e-web"}, {"get", "secrets", "-n", "e2e-web"}} {
		out, err := kubectl(args...)
		if err == nil || !strings.Contains(out, "Forbidden") {
			t.Fatalf("kubectl %s: want Forbidden, got %v: %s", strings.Join(args, " "), err, out)
		}
	}
}

func call(t *testing.T, hc *http.Client, req *http.Request, v any) int {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_ = json.NewDecoder(resp.Body).Decode(v)
	return resp.StatusCode
}

func apply(t *testing.T, d *devCluster, manifest string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(os.Getenv("K8S_BIN_DIR"), "kubectl"), "apply", "-f", "-")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+filepath.Join(d.dataDir, "kubeconfig"))
	cmd.Stdin = strings.NewReader(manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: %s", what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

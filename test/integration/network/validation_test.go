package network

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	networkv1alpha1 "github.com/superkube/super-kubenetes/api/network/v1alpha1"
	"github.com/superkube/super-kubenetes/internal/testutil/envtest"
)

// badInput is a NetworkIsolation kube-apiserver must refuse, and what its
// answer must name.
type badInput struct {
	name   string
	object string // YAML
	field  string
	hint   string
}

const isoHeader = "apiVersion: network.superkube.io/v1alpha1\nkind: NetworkIsolation\nmetadata: {name: default, namespace: badinput}\n"

var badInputs = []badInput{
	{"CIDR with a prefix too long", isoHeader + "spec: {enabled: true, allowedSources: [{cidrs: [{cidr: 10.0.0.0/33}]}]}",
		"spec.allowedSources[0].cidrs[0].cidr", "must be a CIDR"},
	{"CIDR that is no address", isoHeader + "spec: {enabled: true, allowedSources: [{cidrs: [{cidr: not-a-cidr}]}]}",
		"spec.allowedSources[0].cidrs[0].cidr", "must be a CIDR"},
	{"except that is no CIDR", isoHeader + "spec: {allowedSources: [{cidrs: [{cidr: 10.0.0.0/8, except: [10.1.0.0]}]}]}",
		"spec.allowedSources[0].cidrs[0].except[0]", "must be a CIDR"},
	{"except outside the CIDR", isoHeader + "spec: {allowedSources: [{cidrs: [{cidr: 10.1.0.0/16, except: [10.9.0.0/24]}]}]}",
		"spec.allowedSources[0].cidrs[0].except", "inside cidr"},
	{"port above 65535", isoHeader + "spec: {allowedSources: [{ports: [{port: 70000}]}]}",
		"spec.allowedSources[0].ports[0].port", "between 1 and 65535"},
	{"port 0", isoHeader + "spec: {allowedSources: [{namespaces: [web], ports: [{port: 0}]}]}",
		"spec.allowedSources[0].ports[0].port", "between 1 and 65535"},
	{"protocol ICMP", isoHeader + "spec: {allowedSources: [{ports: [{protocol: ICMP, port: 80}]}]}",
		"spec.allowedSources[0].ports[0].protocol", "Unsupported value"},
	{"namespace that is no name", isoHeader + "spec: {allowedSources: [{namespaces: [Bad_NS]}]}",
		"spec.allowedSources[0].namespaces[0]", "should match"},
	{"empty allowed source", isoHeader + "spec: {allowedSources: [{}]}",
		"spec.allowedSources[0]", "at least one of namespaces, workspaces, cidrs or ports"},
	{"a second isolation object", strings.Replace(isoHeader, "name: default", "name: other", 1) + "spec: {enabled: true}",
		"", "metadata.name must be default"},
}

// TestKubeAPIServerRefusesBadInputNamingTheField sends each bad object
// straight to kube-apiserver, with the Go client and with kubectl.
func TestKubeAPIServerRefusesBadInputNamingTheField(t *testing.T) {
	create(t, newNamespace("badinput", ""))
	for _, bi := range badInputs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(bi.object), &u.Object); err != nil {
			t.Fatalf("%s: %v", bi.name, err)
		}
		err := k8s.Create(context.Background(), u)
		if !apierrors.IsInvalid(err) {
			t.Errorf("%s: want 422 Invalid, got %v", bi.name, err)
			continue
		}
		if !strings.Contains(err.Error(), bi.field) || !strings.Contains(err.Error(), bi.hint) {
			t.Errorf("%s: the answer does not name %q with %q: %v", bi.name, bi.field, bi.hint, err)
		}
		t.Logf("refused %-28s %v", bi.name+":", err)
	}
	// A good object with every kind of source is accepted (and defaulted).
	good := newIsolation("badinput", true, networkv1alpha1.AllowedSource{
		Namespaces: []string{"partner"}, Workspaces: []string{"friends"},
		CIDRs: []networkv1alpha1.IPBlock{{CIDR: "10.0.0.0/8", Except: []networkv1alpha1.CIDR{"10.1.0.0/16"}}, {CIDR: "fd00::/8"}},
		Ports: []networkv1alpha1.Port{{Port: 8080}, {Protocol: "UDP", Port: 53}},
	})
	create(t, good)
	if good.Spec.AllowedSources[0].Ports[0].Protocol != "TCP" {
		t.Errorf("protocol not defaulted to TCP: %+v", good.Spec.AllowedSources[0].Ports[0])
	}
}

func TestKubectlSeesTheSameRefusal(t *testing.T) {
	kubectl := filepath.Join(os.Getenv(envtest.AssetsEnv), "kubectl")
	if _, err := os.Stat(kubectl); err != nil {
		t.Skipf("no kubectl beside kube-apiserver (%v)", err)
	}
	kc, err := env.AdminKubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	kcFile := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kcFile, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	create(t, newNamespace("badkubectl", ""))
	for _, bi := range badInputs[:7] {
		var out bytes.Buffer
		cmd := exec.Command(kubectl, "--kubeconfig", kcFile, "apply", "--server-side", "-f", "-")
		cmd.Stdin = strings.NewReader(strings.Replace(bi.object, "namespace: badinput", "namespace: badkubectl", 1))
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err == nil {
			t.Errorf("%s: kubectl apply succeeded: %s", bi.name, out.String())
			continue
		}
		if !strings.Contains(out.String(), bi.field) || !strings.Contains(out.String(), bi.hint) {
			t.Errorf("%s: kubectl's output does not name %q with %q: %s", bi.name, bi.field, bi.hint, out.String())
		}
		t.Logf("kubectl: %s", strings.TrimSpace(out.String()))
	}
}

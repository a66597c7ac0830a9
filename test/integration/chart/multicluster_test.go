package chart

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"path"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/apiserver/app"
	cmapp "github.com/superkube/super-kubenetes/internal/controllermanager/app"
	"github.com/superkube/super-kubenetes/internal/tokenfile"
)

// secretFile says which key of which Secret a file of a Deployment's first
// container is: the Secret volume mounted at the file's folder, and the key
// projected to its name (or the name itself when the volume projects all
// keys). Empty when no Secret volume holds that file.
func secretFile(d *appsv1.Deployment, file string) (secret, key string) {
	pod := d.Spec.Template.Spec
	dir, name := path.Dir(file), path.Base(file)
	for _, m := range pod.Containers[0].VolumeMounts {
		if path.Clean(m.MountPath) != dir {
			continue
		}
		if !m.ReadOnly {
			return "", ""
		}
		for _, v := range pod.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			if len(v.Secret.Items) == 0 {
				return v.Secret.SecretName, name
			}
			for _, it := range v.Secret.Items {
				if it.Path == name {
					return v.Secret.SecretName, it.Key
				}
			}
		}
	}
	return "", ""
}

func envFrom(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

// ke-controller-manager reaches member clusters through ke-apiserver with a
// token both share, and the ke-apiserver replicas forward a cluster's
// requests to the one holding its agent's tunnel, at the pod's address,
// verifying it by the Service's name.
func TestTheChartWiresBothComponentsForMemberClusters(t *testing.T) {
	h := newHelm(t, "sk-multicluster", "skmc")
	vals := map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"}}
	if err := h.install(vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	tokenSecret := h.name("apiserver-multicluster-token")
	token := h.secret(tokenSecret)["token"]
	if len(token) < tokenfile.MinLength {
		t.Fatalf("the generated token has %d characters, want at least %d", len(token), tokenfile.MinLength)
	}
	svc := h.name("apiserver") + "." + h.namespace + ".svc"
	tlsSecret := h.name("apiserver-tls")

	// ke-apiserver: the token it checks, its peers' name and CA, its own address.
	apiserver := h.deployment("apiserver")
	as := h.apiserverConfig().Multicluster
	if as.PeerServerName != svc {
		t.Errorf("multicluster.peerServerName = %q, want %q", as.PeerServerName, svc)
	}
	for _, f := range []struct{ what, file, secret, key string }{
		{"controllerTokenFile", as.ControllerTokenFile, tokenSecret, "token"},
		{"peerCAFile", as.PeerCAFile, tlsSecret, "ca.crt"},
	} {
		if s, k := secretFile(apiserver, f.file); s != f.secret || k != f.key {
			t.Errorf("ke-apiserver's multicluster.%s %q is the key %q of the Secret %q (read-only), want %q of %q", f.what, f.file, k, s, f.key, f.secret)
		}
	}
	a := apiserver.Spec.Template.Spec.Containers[0]
	if got, _ := arg(a, "multicluster-advertise-url"); got != "https://$(POD_IP):9443" {
		t.Errorf("ke-apiserver --multicluster-advertise-url = %q", got)
	}
	if e := envFrom(a, "POD_IP"); e == nil || e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "status.podIP" {
		t.Errorf("ke-apiserver's POD_IP is %+v, want the pod's status.podIP", e)
	}
	// The port advertised is the one the container serves on (not the Service's).
	if !slices.ContainsFunc(a.Ports, func(p corev1.ContainerPort) bool { return p.Name == "https" && p.ContainerPort == 9443 }) {
		t.Errorf("ke-apiserver does not serve on 9443: %v", a.Ports)
	}

	// The serving certificate carries that name and its ca.crt verifies it.
	tlsData := h.secret(tlsSecret)
	block, _ := pem.Decode(tlsData["tls.crt"])
	if block == nil {
		t.Fatal("tls.crt is no PEM")
	}
	crt, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(tlsData["ca.crt"]) {
		t.Fatal("ca.crt holds no certificate")
	}
	if _, err := crt.Verify(x509.VerifyOptions{DNSName: as.PeerServerName, Roots: roots}); err != nil {
		t.Errorf("the serving certificate does not verify for %q with ca.crt: %v", as.PeerServerName, err)
	}

	// ke-controller-manager: the Service's URL, the same CA and the same token.
	cmd := h.deployment("controller-manager")
	cm := h.controllerManagerConfig().Multicluster
	if want := "https://" + svc + ":443"; cm.APIServerURL != want {
		t.Errorf("ke-controller-manager's multicluster.apiServerURL = %q, want %q", cm.APIServerURL, want)
	}
	for _, f := range []struct{ what, file, secret, key string }{
		{"tokenFile", cm.TokenFile, tokenSecret, "token"},
		{"apiServerCAFile", cm.APIServerCAFile, tlsSecret, "ca.crt"},
	} {
		if s, k := secretFile(cmd, f.file); s != f.secret || k != f.key {
			t.Errorf("ke-controller-manager's multicluster.%s %q is the key %q of the Secret %q (read-only), want %q of %q", f.what, f.file, k, s, f.key, f.secret)
		}
	}
	// Only ca.crt of the serving Secret, never its private key.
	for _, v := range cmd.Spec.Template.Spec.Volumes {
		if v.Secret != nil && v.Secret.SecretName == tlsSecret && !slices.Equal(keysOf(v.Secret.Items), []string{"ca.crt"}) {
			t.Errorf("ke-controller-manager mounts %v of ke-apiserver's TLS Secret", keysOf(v.Secret.Items))
		}
	}

	// An upgrade keeps the token.
	vals["apiserver"].(map[string]any)["verbosity"] = 2
	if err := h.upgrade(vals); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	if got := h.secret(tokenSecret)["token"]; string(got) != string(token) {
		t.Error("an upgrade changed the multicluster token")
	}
}

func keysOf(items []corev1.KeyToPath) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Key)
	}
	return out
}

// With a token Secret of one's own and a publicly trusted certificate, the
// chart makes no token and mounts no CA.
func TestTheChartTakesAMulticlusterTokenSecretAndTheSystemRoots(t *testing.T) {
	h := newHelm(t, "sk-multicluster-own", "skmo")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com",
		"multicluster": map[string]any{"existingTokenSecret": "my-token", "caKey": ""}}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("apiserver-multicluster-token")}, &corev1.Secret{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("with existingTokenSecret the chart still makes its token Secret: %v", err)
	}
	as := h.apiserverConfig().Multicluster
	if s, k := secretFile(h.deployment("apiserver"), as.ControllerTokenFile); s != "my-token" || k != "token" {
		t.Errorf("ke-apiserver reads its controller token from %q of %q", k, s)
	}
	cm := h.controllerManagerConfig().Multicluster
	if s, k := secretFile(h.deployment("controller-manager"), cm.TokenFile); s != "my-token" || k != "token" {
		t.Errorf("ke-controller-manager reads its token from %q of %q", k, s)
	}
	if as.PeerCAFile != "" || cm.APIServerCAFile != "" {
		t.Errorf("with caKey empty: peerCAFile %q, apiServerCAFile %q, want none (the system's roots)", as.PeerCAFile, cm.APIServerCAFile)
	}
	for _, c := range []string{"apiserver", "controller-manager"} {
		for _, v := range h.deployment(c).Spec.Template.Spec.Volumes {
			if v.Secret != nil && slices.Contains(keysOf(v.Secret.Items), "ca.crt") {
				t.Errorf("with caKey empty %s mounts ca.crt of %q", c, v.Secret.SecretName)
			}
		}
	}
}

// A cert-manager certificate without the Service's names (a public ACME
// issuer) is reached and verified by the issuer's host.
func TestTheChartUsesTheIssuerWhenTheCertificateHasNoServiceNames(t *testing.T) {
	h := newHelm(t, "sk-multicluster-acme", "skma")
	manifest, err := h.render(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com",
		"tls":          map[string]any{"certManager": map[string]any{"enabled": true, "includeServiceNames": false, "issuerRef": map[string]any{"name": "letsencrypt"}}},
		"multicluster": map[string]any{"caKey": ""}}})
	if err != nil {
		t.Fatal(err)
	}
	var as app.Config
	var cm cmapp.Config
	found := 0
	for doc := range strings.SplitSeq(manifest, "\n---") {
		var o struct {
			Kind     string                `json:"kind"`
			Metadata struct{ Name string } `json:"metadata"`
			Data     map[string]string     `json:"data"`
		}
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatal(err)
		}
		if o.Kind != "ConfigMap" {
			continue
		}
		switch o.Metadata.Name {
		case h.name("apiserver"):
			as = app.DefaultConfig()
			err = yaml.UnmarshalStrict([]byte(o.Data["config.yaml"]), &as)
		case h.name("controller-manager"):
			cm = cmapp.DefaultConfig()
			err = yaml.UnmarshalStrict([]byte(o.Data["config.yaml"]), &cm)
		default:
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		found++
	}
	if found != 2 {
		t.Fatalf("found %d of the two configurations", found)
	}
	if as.Multicluster.PeerServerName != "ke.example.com" || cm.Multicluster.APIServerURL != "https://ke.example.com" {
		t.Errorf("peerServerName %q, apiServerURL %q, want the issuer's", as.Multicluster.PeerServerName, cm.Multicluster.APIServerURL)
	}
}

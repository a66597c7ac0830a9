package chart

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
)

// redisEnv returns where a container's REDIS_URL comes from.
func redisEnv(c corev1.Container) *corev1.SecretKeySelector {
	for _, e := range c.Env {
		if e.Name == "REDIS_URL" && e.ValueFrom != nil {
			return e.ValueFrom.SecretKeyRef
		}
	}
	return nil
}

func (h *helm) statefulSet(name string) (*appsv1.StatefulSet, error) {
	s := &appsv1.StatefulSet{}
	err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: name}, s)
	return s, err
}

// wiredTo checks that ke-apiserver and ke-console run two replicas each and
// read the Redis URL from the Secret and key given.
func (h *helm) wiredTo(secret, key string) {
	h.t.Helper()
	for _, component := range []string{"apiserver", "console"} {
		d := h.deployment(component)
		c := d.Spec.Template.Spec.Containers[0]
		if got, _ := arg(c, "redis-url"); got != "$(REDIS_URL)" {
			h.t.Errorf("%s --redis-url = %q, want the URL from the environment", component, got)
		}
		if ref := redisEnv(c); ref == nil || ref.Name != secret || ref.Key != key {
			h.t.Errorf("%s's REDIS_URL comes from %+v, want Secret %s key %s", component, ref, secret, key)
		}
		if *d.Spec.Replicas != 2 {
			h.t.Errorf("%s runs %d replicas, want the default 2", component, *d.Spec.Replicas)
		}
	}
}

func TestTheChartDeploysRedisByDefaultAndKeepsItsPassword(t *testing.T) {
	h := newHelm(t, "sk-redis-default", "skd")
	if err := h.install(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	name := h.name("redis")
	data := h.secret(name)
	password := string(data["password"])
	if len(password) != 40 {
		t.Fatalf("the generated Redis password has %d characters, want 40", len(password))
	}
	u, err := url.Parse(string(data["redis-url"]))
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); u.Scheme != "redis" || pw != password || u.Host != name+".sk-redis-default.svc:6379" || u.Path != "/0" {
		t.Errorf("the Redis URL is %s://%s%s with the password %v, want the Service with the generated password", u.Scheme, u.Host, u.Path, pw == password)
	}
	conf := string(data["redis.conf"])
	for _, line := range []string{"appendonly yes", "appendfsync always", "maxmemory-policy noeviction", "maxmemory 192mb", "dir /data", "requirepass " + password} {
		if !slices.Contains(strings.Split(conf, "\n"), line) {
			t.Errorf("redis.conf lacks %q:\n%s", line, conf)
		}
	}
	h.wiredTo(name, "redis-url")

	sts, err := h.statefulSet(name)
	if err != nil {
		t.Fatalf("no Redis StatefulSet: %v", err)
	}
	pod := sts.Spec.Template.Spec
	c := pod.Containers[0]
	if *sts.Spec.Replicas != 1 || c.Image != "docker.io/library/redis:7.4-alpine" || !slices.Equal(c.Args, []string{"/etc/redis/redis.conf"}) {
		t.Errorf("Redis: %d replicas, image %s, args %v", *sts.Spec.Replicas, c.Image, c.Args)
	}
	if len(sts.Spec.VolumeClaimTemplates) != 1 || sts.Spec.VolumeClaimTemplates[0].Name != "data" ||
		sts.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests.Storage().String() != "1Gi" {
		t.Errorf("Redis keeps its data on %+v, want a 1Gi claim named data", sts.Spec.VolumeClaimTemplates)
	}
	if !slices.ContainsFunc(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "data" && m.MountPath == "/data" }) {
		t.Errorf("the claim is not mounted at /data: %+v", c.VolumeMounts)
	}
	if c.SecurityContext == nil || c.SecurityContext.ReadOnlyRootFilesystem == nil || !*c.SecurityContext.ReadOnlyRootFilesystem ||
		pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("Redis does not run as the chart's other containers do (non-root, read-only root filesystem)")
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("Redis needs no Kubernetes token, but one is mounted")
	}
	svc := &corev1.Service{}
	if err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: name}, svc); err != nil {
		t.Fatalf("no Redis Service: %v", err)
	}
	if svc.Spec.Type != corev1.ServiceTypeClusterIP || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 6379 {
		t.Errorf("the Redis Service is %s with ports %+v, want ClusterIP on 6379", svc.Spec.Type, svc.Spec.Ports)
	}

	// An upgrade keeps the password, so the data and the components go on,
	// and rolls Redis when its configuration changes.
	before := sts.Spec.Template.Annotations["checksum/config"]
	if err := h.upgrade(map[string]any{"apiserver": map[string]any{"issuer": "https://ke.example.com"},
		"redis": map[string]any{"deploy": map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "512Mi"}}}}}); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	got := h.secret(name)
	if string(got["password"]) != password || string(got["redis-url"]) != string(data["redis-url"]) {
		t.Error("an upgrade changed the Redis password")
	}
	if !strings.Contains(string(got["redis.conf"]), "\nmaxmemory 384mb\n") {
		t.Errorf("after raising the memory limit to 512Mi, redis.conf is:\n%s", got["redis.conf"])
	}
	if sts, err = h.statefulSet(name); err != nil || sts.Spec.Template.Annotations["checksum/config"] == before {
		t.Errorf("Redis does not roll when its configuration changes (err %v)", err)
	}
}

func TestTheChartDeploysNoRedisWhenGivenOne(t *testing.T) {
	for _, tc := range []struct {
		name, release  string
		redis          map[string]any
		secret, key    string
		generatedByURL bool
	}{
		{name: "url", release: "sku", redis: map[string]any{"url": "redis://:secret@redis.example:6379/2"}, secret: "sku-super-kubenetes-redis", key: "redis-url", generatedByURL: true},
		{name: "existing secret", release: "ske", redis: map[string]any{"existingSecret": "my-redis", "existingSecretKey": "url"}, secret: "my-redis", key: "url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHelm(t, "sk-redis-"+tc.release, tc.release)
			if err := h.install(map[string]any{"redis": tc.redis}); err != nil {
				t.Fatalf("helm install: %v", err)
			}
			h.wiredTo(tc.secret, tc.key)
			if _, err := h.statefulSet(h.name("redis")); !apierrors.IsNotFound(err) {
				t.Errorf("a Redis StatefulSet was deployed beside the external Redis (err %v)", err)
			}
			if h.serviceExists(h.name("redis")) {
				t.Error("a Redis Service was deployed beside the external Redis")
			}
			s := &corev1.Secret{}
			err := env.Client.Get(context.Background(), types.NamespacedName{Namespace: h.namespace, Name: h.name("redis")}, s)
			switch {
			case tc.generatedByURL && err != nil:
				t.Fatalf("no Secret for the given URL: %v", err)
			case tc.generatedByURL:
				if string(s.Data["redis-url"]) != "redis://:secret@redis.example:6379/2" || len(s.Data) != 1 {
					t.Errorf("the Secret holds %v, want only the given URL", slices.Sorted(func(yield func(string) bool) {
						for k := range s.Data {
							if !yield(k) {
								return
							}
						}
					}))
				}
			case !apierrors.IsNotFound(err):
				t.Errorf("the chart made a Redis Secret beside the existing one (err %v)", err)
			}
		})
	}
}

func TestTheChartsRedisCanKeepItsDataInAnEmptyDir(t *testing.T) {
	h := newHelm(t, "sk-redis-ephemeral", "skv")
	if err := h.install(map[string]any{"redis": map[string]any{"deploy": map[string]any{"persistence": map[string]any{"enabled": false, "size": "512Mi"}}}}); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	sts, err := h.statefulSet(h.name("redis"))
	if err != nil {
		t.Fatal(err)
	}
	if len(sts.Spec.VolumeClaimTemplates) != 0 {
		t.Errorf("persistence.enabled=false still claims a volume: %+v", sts.Spec.VolumeClaimTemplates)
	}
	i := slices.IndexFunc(sts.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == "data" })
	if i < 0 || sts.Spec.Template.Spec.Volumes[i].EmptyDir == nil || sts.Spec.Template.Spec.Volumes[i].EmptyDir.SizeLimit.String() != "512Mi" {
		t.Errorf("the data volume is not a 512Mi emptyDir: %+v", sts.Spec.Template.Spec.Volumes)
	}
	h.wiredTo(h.name("redis"), "redis-url")
}

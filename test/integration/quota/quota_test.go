package quota

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/webhook"
	"github.com/superkube/super-kubenetes/internal/testutil/loopback"
)

// project creates a namespace of workspace ws.
func project(t *testing.T, ws, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
}

func workspaceQuota(t *testing.T, ws string, hard corev1.ResourceList) *quotav1alpha2.ResourceQuota {
	t.Helper()
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: ws}, Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: ws, Hard: hard}}
	if err := k8s.Create(context.Background(), q); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), q) })
	return q
}

func pod(ns, name, cpu string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("64Mi")}}}}}}
}

// eventually polls cond for up to 30 seconds.
func eventually(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		ok, msg := cond()
		last = msg
		return ok, nil
	})
	if err != nil {
		t.Fatalf("%s: %s", what, last)
	}
}

func status(t *testing.T, name string) quotav1alpha2.ResourceQuotaStatus {
	t.Helper()
	q := &quotav1alpha2.ResourceQuota{}
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, q); err != nil {
		t.Fatal(err)
	}
	return q.Status
}

func used(s quotav1alpha2.ResourceQuotaStatus, name corev1.ResourceName) string {
	q := s.Used[name]
	return q.String()
}

// A workspace quota of 4 CPUs refuses a Deployment's fifth pod: the
// ReplicaSet reports the webhook's message, and a pod created directly
// (as kubectl would) is refused with it.
func TestAFourCPUQuotaRefusesTheFifthPod(t *testing.T) {
	ctx := context.Background()
	project(t, "ws-cpu", "cpu-a")
	workspaceQuota(t, "ws-cpu", corev1.ResourceList{corev1.ResourceLimitsCPU: resource.MustParse("4")})
	tmpl := pod("", "", "1")
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "cpu-a", Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: ptr.To[int32](5), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: tmpl.Spec}}}
	if err := k8s.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ReplicaSet's refusal", func() (bool, string) {
		var rss appsv1.ReplicaSetList
		if err := k8s.List(ctx, &rss, client.InNamespace("cpu-a")); err != nil || len(rss.Items) != 1 {
			return false, fmt.Sprint(err, rss.Items)
		}
		c := findRSCondition(rss.Items[0].Status.Conditions, appsv1.ReplicaSetReplicaFailure)
		if c == nil {
			return false, "no ReplicaFailure condition"
		}
		return strings.Contains(c.Message, `exceeded workspace quota "ws-cpu"`) && strings.Contains(c.Message, "requested limits.cpu=1, used 4 of 4 (0 left)"), c.Message
	})
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, client.InNamespace("cpu-a")); err != nil || len(pods.Items) != 4 {
		t.Fatalf("%d pods (%v), want 4", len(pods.Items), err)
	}
	err := k8s.Create(ctx, pod("cpu-a", "extra", "500m"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `admission webhook "quota.admission.superkube.io" denied the request: exceeded workspace quota "ws-cpu" of workspace ws-cpu: requested limits.cpu=500m, used 4 of 4 (0 left)`) {
		t.Fatalf("direct create: %v", err)
	}
	t.Log(err)
	eventually(t, "the status", func() (bool, string) {
		s := status(t, "ws-cpu")
		return used(s, corev1.ResourceLimitsCPU) == "4" && len(s.Pending) == 0 && len(s.Namespaces) == 1, fmt.Sprintf("%+v", s)
	})
}

func findRSCondition(cs []appsv1.ReplicaSetCondition, t appsv1.ReplicaSetConditionType) *appsv1.ReplicaSetCondition {
	for i := range cs {
		if cs[i].Type == t {
			return &cs[i]
		}
	}
	return nil
}

// 20 parallel creates against a quota with room for 10 admit exactly 10,
// spread over two projects of the workspace.
func TestParallelCreatesNeverOvershoot(t *testing.T) {
	ctx := context.Background()
	project(t, "ws-race", "race-a")
	project(t, "ws-race", "race-b")
	workspaceQuota(t, "ws-race", corev1.ResourceList{corev1.ResourcePods: resource.MustParse("10")})
	eventually(t, "the first count", func() (bool, string) {
		s := status(t, "ws-race")
		return len(s.Namespaces) == 2, fmt.Sprintf("%+v", s)
	})
	var admitted, refused atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			ns := []string{"race-a", "race-b"}[i%2]
			err := k8s.Create(ctx, pod(ns, fmt.Sprintf("p-%d", i), "10m"))
			switch {
			case err == nil:
				admitted.Add(1)
			case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "requested pods=1"):
				refused.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("unexpected: %v", err)
	}
	if admitted.Load() != 10 || refused.Load() != 10 {
		t.Fatalf("admitted %d, refused %d; want 10 and 10", admitted.Load(), refused.Load())
	}
	eventually(t, "the status", func() (bool, string) {
		s := status(t, "ws-race")
		return used(s, corev1.ResourcePods) == "10" && len(s.Pending) == 0, fmt.Sprintf("%+v", s)
	})
	// Deleting a pod makes room for one more.
	// (The admitted ten may all be in one project: the charges are fast
	// enough now for the creates to be decided in any order.)
	if err := k8s.Delete(ctx, firstPod(t, "race-a", "race-b"), client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the room", func() (bool, string) {
		err := k8s.Create(ctx, pod("race-b", "after-delete", "10m"))
		return err == nil, fmt.Sprint(err)
	})
}

func firstPod(t *testing.T, nss ...string) *corev1.Pod {
	t.Helper()
	for _, ns := range nss {
		var pods corev1.PodList
		if err := k8s.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
			t.Fatalf("pods of %s: %v", ns, err)
		}
		if len(pods.Items) > 0 {
			return &pods.Items[0]
		}
	}
	t.Fatalf("no pod in %v", nss)
	return nil
}

// The status has each project's usage and the total; a namespace that
// leaves the workspace leaves the quota's count.
func TestUsagePerProjectAndTotal(t *testing.T) {
	ctx := context.Background()
	project(t, "ws-use", "use-a")
	project(t, "ws-use", "use-b")
	project(t, "ws-other", "use-other")
	for _, p := range []*corev1.Pod{pod("use-a", "a1", "250m"), pod("use-a", "a2", "250m"), pod("use-b", "b1", "1"), pod("use-other", "o1", "2")} {
		if err := k8s.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, obj := range []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "use-a", Name: "c1"}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "use-b", Name: "s1"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}},
	} {
		if err := k8s.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	workspaceQuota(t, "ws-use", corev1.ResourceList{corev1.ResourceRequestsCPU: resource.MustParse("8"), corev1.ResourceRequestsMemory: resource.MustParse("1Gi"),
		"count/configmaps": resource.MustParse("5"), corev1.ResourceServices: resource.MustParse("5"), corev1.ResourcePods: resource.MustParse("10")})
	eventually(t, "the count", func() (bool, string) {
		s := status(t, "ws-use")
		ok := used(s, corev1.ResourceRequestsCPU) == "1500m" && used(s, corev1.ResourceRequestsMemory) == "192Mi" && used(s, "count/configmaps") == "1" &&
			used(s, corev1.ResourceServices) == "1" && used(s, corev1.ResourcePods) == "3" && len(s.Namespaces) == 2 &&
			s.Namespaces[0].Namespace == "use-a" && s.Namespaces[0].Used.Cpu().String() == "0" && quantity(s.Namespaces[0].Used, corev1.ResourceRequestsCPU) == "500m" &&
			quantity(s.Namespaces[1].Used, corev1.ResourceRequestsCPU) == "1"
		return ok, fmt.Sprintf("%+v", s)
	})
	// use-b leaves the workspace.
	ns := &corev1.Namespace{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "use-b"}, ns); err != nil {
		t.Fatal(err)
	}
	delete(ns.Labels, tenantv1beta1.WorkspaceLabel)
	if err := k8s.Update(ctx, ns); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the count without use-b", func() (bool, string) {
		s := status(t, "ws-use")
		return used(s, corev1.ResourceRequestsCPU) == "500m" && used(s, corev1.ResourceServices) == "0" && len(s.Namespaces) == 1, fmt.Sprintf("%+v", s)
	})
}

func quantity(l corev1.ResourceList, name corev1.ResourceName) string {
	q := l[name]
	return q.String()
}

// A quota lowered below what is used is accepted and flagged; new pods
// are refused until usage drops, objects it does not limit are not.
func TestAQuotaBelowUsageIsFlagged(t *testing.T) {
	ctx := context.Background()
	project(t, "ws-low", "low-a")
	for i := range 3 {
		if err := k8s.Create(ctx, pod("low-a", fmt.Sprintf("p%d", i), "100m")); err != nil {
			t.Fatal(err)
		}
	}
	q := workspaceQuota(t, "ws-low", corev1.ResourceList{corev1.ResourcePods: resource.MustParse("5")})
	eventually(t, "the count", func() (bool, string) {
		s := status(t, "ws-low")
		return used(s, corev1.ResourcePods) == "3", fmt.Sprintf("%+v", s)
	})
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(q), q); err != nil {
		t.Fatal(err)
	}
	q.Spec.Hard[corev1.ResourcePods] = resource.MustParse("2")
	if err := k8s.Update(ctx, q); err != nil {
		t.Fatalf("lowering the quota below usage: %v", err)
	}
	eventually(t, "the flag", func() (bool, string) {
		s := status(t, "ws-low")
		c := meta.FindStatusCondition(s.Conditions, quotav1alpha2.ConditionExceeded)
		return c != nil && c.Status == metav1.ConditionTrue && strings.Contains(c.Message, "pods"), fmt.Sprintf("%+v", s.Conditions)
	})
	err := k8s.Create(ctx, pod("low-a", "p9", "100m"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "requested pods=1, used 3 of 2 (0 left)") {
		t.Fatalf("a pod over a lowered quota: %v", err)
	}
	if err := k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "low-a", Name: "free"}}); err != nil {
		t.Fatalf("a config map the quota does not limit: %v", err)
	}
}

// Claims count their storage; growing a bound claim beyond the quota is
// refused, growing it within is charged.
func TestClaimsAndTheirExpansion(t *testing.T) {
	ctx := context.Background()
	project(t, "ws-disk", "disk-a")
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "expandable"}, Provisioner: "example.com/disk", AllowVolumeExpansion: ptr.To(true)}
	if err := k8s.Create(ctx, class); err != nil {
		t.Fatal(err)
	}
	workspaceQuota(t, "ws-disk", corev1.ResourceList{corev1.ResourceRequestsStorage: resource.MustParse("10Gi"), corev1.ResourcePersistentVolumeClaims: resource.MustParse("3")})
	claim := func(name, size string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "disk-a", Name: name}, Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: ptr.To("expandable"),
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}}}
	}
	data := claim("data", "4Gi")
	if err := k8s.Create(ctx, data); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, claim("logs", "4Gi")); err != nil {
		t.Fatal(err)
	}
	err := k8s.Create(ctx, claim("big", "4Gi"))
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "requested requests.storage=4Gi, used 8Gi of 10Gi (2Gi left)") {
		t.Fatalf("a claim over the quota: %v", err)
	}
	// Only a bound claim's request may change (no volume controller runs
	// here: the test marks it bound).
	data.Status.Phase = corev1.ClaimBound
	data.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("4Gi")}
	if err := k8s.Status().Update(ctx, data); err != nil {
		t.Fatal(err)
	}
	grow := func(size string) error {
		c := &corev1.PersistentVolumeClaim{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: "disk-a", Name: "data"}, c); err != nil {
			return err
		}
		c.Spec.Resources.Requests[corev1.ResourceStorage] = resource.MustParse(size)
		return k8s.Update(ctx, c)
	}
	if err := grow("5Gi"); err != nil {
		t.Fatalf("growing within the quota: %v", err)
	}
	err = grow("8Gi")
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "requested requests.storage=3Gi, used 9Gi of 10Gi (1Gi left)") {
		t.Fatalf("growing over the quota: %v", err)
	}
	eventually(t, "the count", func() (bool, string) {
		s := status(t, "ws-disk")
		return used(s, corev1.ResourceRequestsStorage) == "9Gi" && len(s.Pending) == 0, fmt.Sprintf("%+v", s)
	})
}

// The quota's hard limits name only what it counts, refused by
// kube-apiserver with the field.
func TestAQuotaOfSomethingNotCountedIsRefused(t *testing.T) {
	q := &quotav1alpha2.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Spec: quotav1alpha2.ResourceQuotaSpec{Workspace: "ws-x",
		Hard: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("1")}}}
	err := k8s.Create(context.Background(), q)
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec.hard") {
		t.Fatalf("got %v, want Invalid naming spec.hard", err)
	}
}

// The serving certificate is renewed before it expires (about every 10
// seconds here), and kube-apiserver keeps calling the webhook.
func TestTheCertificateIsRotated(t *testing.T) {
	first, err := servingCert()
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a new certificate", func() (bool, string) {
		now, err := servingCert()
		return err == nil && now != first, fmt.Sprint(now, err)
	})
	project(t, "ws-rot", "rot-a")
	workspaceQuota(t, "ws-rot", corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")})
	if err := k8s.Create(context.Background(), pod("rot-a", "one", "10m")); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(context.Background(), pod("rot-a", "two", "10m")); !apierrors.IsForbidden(err) {
		t.Fatalf("after the rotation: %v, want the quota's refusal", err)
	}
}

// While the webhook cannot be reached, the failure policy (Fail) holds:
// creates in a workspace's namespace are refused with kube-apiserver's
// reason, and namespaces outside workspaces are not affected.
func TestTheFailurePolicyHoldsWhileTheWebhookIsAway(t *testing.T) {
	ctx := context.Background()
	project(t, "ws-down", "down-a")
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "no-workspace"}}); err != nil {
		t.Fatal(err)
	}
	hooks := env.Clientset.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	cfg, err := hooks.Get(ctx, webhook.ConfigurationName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := cfg.Webhooks[0].FailurePolicy; p == nil || *p != "Fail" {
		t.Fatalf("failure policy %v, want Fail", p)
	}
	saved := cfg.Webhooks[0].ClientConfig.URL
	away, err := loopback.FreeAddress()
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(away)
	cfg.Webhooks[0].ClientConfig.URL = ptr.To("https://localhost:" + port + webhook.Path)
	if _, err := hooks.Update(ctx, cfg, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cfg, err := hooks.Get(ctx, webhook.ConfigurationName, metav1.GetOptions{})
		if err == nil {
			cfg.Webhooks[0].ClientConfig.URL = saved
			_, err = hooks.Update(ctx, cfg, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Error(err)
		}
	})
	eventually(t, "the refusal", func() (bool, string) {
		err := k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "down-a", GenerateName: "c-"}})
		return err != nil && strings.Contains(err.Error(), `failed calling webhook "quota.admission.superkube.io"`), fmt.Sprint(err)
	})
	if err := k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "no-workspace", Name: "c"}}); err != nil {
		t.Fatalf("outside workspaces: %v", err)
	}
}

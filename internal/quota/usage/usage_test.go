package usage

import (
	"os"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	quota "k8s.io/apiserver/pkg/quota/v1"
)

func res(cpu, mem string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
	}
}

func TestPodUsesItsRequestsLimitsAndOnePod(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "a", Resources: res("500m", "128Mi")}, {Name: "b", Resources: res("250m", "64Mi")}},
		// An init container larger than the sum counts instead of it.
		InitContainers: []corev1.Container{{Name: "init", Resources: res("1", "64Mi")}},
	}}
	got := Pod(p)
	want := corev1.ResourceList{
		"pods": resource.MustParse("1"), "count/pods": resource.MustParse("1"),
		"cpu": resource.MustParse("1"), "requests.cpu": resource.MustParse("1"), "limits.cpu": resource.MustParse("1"),
		"memory": resource.MustParse("192Mi"), "requests.memory": resource.MustParse("192Mi"), "limits.memory": resource.MustParse("192Mi"),
	}
	if !quota.Equals(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	p.Status.Phase = corev1.PodSucceeded
	if got := Pod(p); len(got) != 0 {
		t.Errorf("a pod that has ended uses %v", got)
	}
}

func TestClaimAndCounts(t *testing.T) {
	c := &corev1.PersistentVolumeClaim{Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}}}}
	if got := Claim(c); !quota.Equals(got, corev1.ResourceList{"persistentvolumeclaims": resource.MustParse("1"),
		"count/persistentvolumeclaims": resource.MustParse("1"), "requests.storage": resource.MustParse("5Gi")}) {
		t.Errorf("claim: %v", got)
	}
	k, ok := KindOf(Kinds[5].Resource)
	if !ok || k.Count != "count/deployments.apps" || k.Short != "" {
		t.Fatalf("%+v", k)
	}
	if got := Limited(Count(k), corev1.ResourceList{"count/deployments.apps": resource.MustParse("2"), "pods": resource.MustParse("1")}); len(got) != 1 {
		t.Errorf("limited: %v", got)
	}
}

// The CRD's validation names exactly the resources the quota counts.
func TestTheCRDAcceptsExactlyTheCountedNames(t *testing.T) {
	b, err := os.ReadFile("../../../config/crd/bases/quota.superkube.io_resourcequotas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "self.all(k, k in [")
	if i < 0 {
		t.Fatal("no rule on spec.hard")
	}
	list := s[i+len("self.all(k, k in ["):]
	list, _, _ = strings.Cut(list, "]")
	var inCRD []string
	for _, f := range strings.Split(list, ",") {
		inCRD = append(inCRD, strings.Trim(strings.TrimSpace(f), "'"))
	}
	var names []string
	for _, n := range Names() {
		names = append(names, string(n))
	}
	slices.Sort(inCRD)
	slices.Sort(names)
	if !slices.Equal(inCRD, names) {
		t.Errorf("the CRD accepts %v; the quota counts %v", inCRD, names)
	}
}

package storage

import (
	"net/http"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/user"

	"github.com/superkube/super-kubenetes/internal/apiserver/request"
)

// Every path of the group reaches the handler, which authorizes against
// the native resources; the group's discovery document too.
func TestAuthzRulesDelegateEveryPathToTheHandler(t *testing.T) {
	u := &user.DefaultInfo{Name: "u"}
	for _, p := range []struct{ method, path string }{
		{http.MethodGet, Prefix + "/storageclasses"},
		{http.MethodGet, Prefix + "/storageclasses/fast"},
		{http.MethodPost, Prefix + "/storageclasses/fast/default"},
		{http.MethodGet, Prefix + "/volumesnapshotclasses"},
		{http.MethodGet, Prefix + "/namespaces/dev/persistentvolumeclaims"},
		{http.MethodPost, Prefix + "/namespaces/dev/persistentvolumeclaims/data/expand"},
		{http.MethodPost, Prefix + "/namespaces/dev/volumesnapshots"},
		{http.MethodDelete, Prefix + "/namespaces/dev/volumesnapshots/s1"},
		{http.MethodPost, Prefix + "/namespaces/dev/volumesnapshots/s1/restore"},
		{http.MethodGet, Prefix},
	} {
		info, err := request.Parse(p.method, p.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, delegate := AuthzRules().Map(u, info); !delegate {
			t.Errorf("%s %s is not delegated", p.method, p.path)
		}
	}
}

// A pod mounts a claim through a claim volume or a generic ephemeral
// volume (whose claim is named <pod>-<volume>); the pods are sorted.
func TestMountsByClaim(t *testing.T) {
	pod := func(name string, vols ...corev1.Volume) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PodSpec{Volumes: vols, NodeName: "n1"}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	}
	claim := func(name string, ro bool) corev1.Volume {
		return corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name, ReadOnly: ro}}}
	}
	eph := corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{}}}
	got := mountsByClaim([]corev1.Pod{pod("b", claim("data", false)), pod("a", claim("data", true), eph), pod("c", corev1.Volume{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})})
	names := func(l []MountingPod) (out []string) {
		for _, p := range l {
			out = append(out, p.Name)
		}
		return out
	}
	if !slices.Equal(names(got["data"]), []string{"a", "b"}) || !got["data"][0].ReadOnly || got["data"][1].ReadOnly {
		t.Errorf("data: %+v", got["data"])
	}
	if !slices.Equal(names(got["a-scratch"]), []string{"a"}) || len(got) != 2 {
		t.Errorf("mounts %+v", got)
	}
}

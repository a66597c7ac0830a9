package chart

import (
	"maps"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// platformImages are the image and pull policy of each platform container
// of a manifest's Deployments, by container name.
func platformImages(t *testing.T, manifest string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for doc := range strings.SplitSeq(manifest, "\n---") {
		var d appsv1.Deployment
		if err := yaml.Unmarshal([]byte(doc), &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind != "Deployment" {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if strings.HasPrefix(c.Name, "ke-") {
				out[c.Name] = c.Image + " " + string(c.ImagePullPolicy)
			}
		}
	}
	return out
}

func TestPlatformImagesAreNamedInOnePlace(t *testing.T) {
	h := newHelm(t, "sk-images", "ski")
	member := func(vals map[string]any) map[string]any {
		m := memberValues()
		maps.Copy(m, vals)
		return m
	}
	for _, tc := range []struct {
		name string
		vals map[string]any
		want map[string]string
	}{
		{
			name: "by default the images are ghcr.io/superkube's at the chart's appVersion",
			vals: nil,
			want: map[string]string{
				"ke-apiserver":          "ghcr.io/superkube/ke-apiserver:v0.1.0-dev IfNotPresent",
				"ke-controller-manager": "ghcr.io/superkube/ke-controller-manager:v0.1.0-dev IfNotPresent",
				"ke-console":            "ghcr.io/superkube/ke-console:v0.1.0-dev IfNotPresent",
			},
		},
		{
			name: "image.repository, .tag and .pullPolicy change every platform image",
			vals: map[string]any{"image": map[string]any{"repository": "registry.example.com/sk/", "tag": "v9.9.9", "pullPolicy": "Always"}},
			want: map[string]string{
				"ke-apiserver":          "registry.example.com/sk/ke-apiserver:v9.9.9 Always",
				"ke-controller-manager": "registry.example.com/sk/ke-controller-manager:v9.9.9 Always",
				"ke-console":            "registry.example.com/sk/ke-console:v9.9.9 Always",
			},
		},
		{
			name: "a component's own repository, tag or digest wins, and the mirror goes in front",
			vals: map[string]any{
				"global":    map[string]any{"imageRegistry": "mirror.example.com"},
				"image":     map[string]any{"tag": "v2.0.0"},
				"apiserver": map[string]any{"image": map[string]any{"repository": "example.com/custom-apiserver", "pullPolicy": "Never"}},
				"console":   map[string]any{"image": map[string]any{"tag": "v2.0.1"}},
				"controllerManager": map[string]any{"image": map[string]any{
					"digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000"}},
			},
			want: map[string]string{
				"ke-apiserver":          "mirror.example.com/example.com/custom-apiserver:v2.0.0 Never",
				"ke-controller-manager": "mirror.example.com/ghcr.io/superkube/ke-controller-manager@sha256:0000000000000000000000000000000000000000000000000000000000000000 IfNotPresent",
				"ke-console":            "mirror.example.com/ghcr.io/superkube/ke-console:v2.0.1 IfNotPresent",
			},
		},
		{
			name: "member mode's ke-agent takes the same image values",
			vals: member(map[string]any{"image": map[string]any{"repository": "registry.example.com/sk", "tag": "v9.9.9"}}),
			want: map[string]string{"ke-agent": "registry.example.com/sk/ke-agent:v9.9.9 IfNotPresent"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			manifest, err := h.render(tc.vals)
			if err != nil {
				t.Fatal(err)
			}
			got := platformImages(t, manifest)
			if !maps.Equal(got, tc.want) {
				t.Errorf("images\n  %v\nwant\n  %v", got, tc.want)
			}
		})
	}
}

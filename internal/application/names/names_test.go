package names

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestApplication(t *testing.T) {
	for _, tc := range []struct{ prefix, chart, want string }{
		{"demo", "demo-web", "demo-demo-web"},
		{"ws1", "nginx", "ws1-nginx"},
	} {
		if got := Application(tc.prefix, tc.chart); got != tc.want {
			t.Errorf("Application(%q, %q) = %q, want %q", tc.prefix, tc.chart, got, tc.want)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct{ app, version, want string }{
		{"demo-demo-web", "1.0.0", "demo-demo-web-1.0.0"},
		{"a", "1.0.0+build_7", "a-1.0.0-build-7"},
		{"a", "1.0.0-rc.1", "a-1.0.0-rc.1"},
	} {
		if got := Version(tc.app, tc.version); got != tc.want {
			t.Errorf("Version(%q, %q) = %q, want %q", tc.app, tc.version, got, tc.want)
		}
	}
}

func TestChartConfigMap(t *testing.T) {
	if got := ChartConfigMap("ws-app-1.0.0"); got != "appver-ws-app-1.0.0" {
		t.Errorf("got %q", got)
	}
}

func TestLongAndOddNamesAreValidAndDistinct(t *testing.T) {
	long := strings.Repeat("chart", 20)
	inputs := [][2]string{
		{"repo", long},
		{"repo", long + "x"},
		{"repo", "My_Chart"},
		{"repo", "my-chart"},
		{"repo", "a..b"},
		{"repo", "-x-"},
		{"UPPER", "Chart.Name"},
		{strings.Repeat("r", 62), "c"},
		{"repo", strings.Repeat(".", 70)},
	}
	seen := map[string]bool{}
	for _, in := range inputs {
		for _, n := range []string{Application(in[0], in[1]), Version(Application(in[0], in[1]), "1.0.0+Meta"+long)} {
			if len(n) > MaxLength {
				t.Errorf("%q: %d characters", n, len(n))
			}
			if errs := validation.IsDNS1123Subdomain(n); len(errs) > 0 {
				t.Errorf("%q: %v", n, errs)
			}
			if seen[n] {
				t.Errorf("%q produced twice", n)
			}
			seen[n] = true
			if cm := ChartConfigMap(n); len(validation.IsDNS1123Subdomain(cm)) > 0 {
				t.Errorf("config map %q invalid", cm)
			}
		}
	}
	// Stable.
	if a, b := Application("repo", long), Application("repo", long); a != b {
		t.Error("not deterministic")
	}
}

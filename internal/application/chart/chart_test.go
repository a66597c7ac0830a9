package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func charts(name string) string { return filepath.Join("..", "..", "..", "testdata", "charts", name) }

type entry struct {
	name, body string
	typ        byte
	link       string
}

func tgz(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		hd := &tar.Header{Name: e.name, Typeflag: typ, Mode: 0o644, Size: int64(len(e.body)), Linkname: e.link}
		if typ != tar.TypeReg {
			hd.Size = 0
		}
		if err := tw.WriteHeader(hd); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const goodChartYAML = "apiVersion: v2\nname: app\nversion: 1.0.0\n"

func TestPackageAndLoadDemoCharts(t *testing.T) {
	for _, tc := range []struct {
		dir, name, version string
		schema             bool
	}{
		{"demo-web-1.0.0", "demo-web", "1.0.0", false},
		{"demo-web-1.1.0", "demo-web", "1.1.0", false},
		{"schema-app", "schema-app", "0.1.0", true},
		{"crd-app", "crd-app", "0.1.0", false},
		{"hooks-app", "hooks-app", "0.1.0", false},
	} {
		data, err := Package(charts(tc.dir))
		if err != nil {
			t.Fatalf("%s: %v", tc.dir, err)
		}
		c, err := Load(data)
		if err != nil {
			t.Fatalf("%s: %v", tc.dir, err)
		}
		if c.Metadata.Name != tc.name || c.Metadata.Version != tc.version {
			t.Errorf("%s: loaded %s %s", tc.dir, c.Metadata.Name, c.Metadata.Version)
		}
		if (c.Schema != nil) != tc.schema {
			t.Errorf("%s: schema %q", tc.dir, c.Schema)
		}
		if !strings.Contains(c.README, "# "+tc.name) || c.Values == "" {
			t.Errorf("%s: README %q, values %q", tc.dir, c.README, c.Values)
		}
		if c.Digest != Digest(data) || len(c.Digest) != 64 || c.Size != len(data) {
			t.Errorf("%s: digest %q size %d", tc.dir, c.Digest, c.Size)
		}
	}
}

func TestLoadBadArchives(t *testing.T) {
	big := make([]byte, MaxArchiveBytes+1)
	// A bomb: a small archive that unpacks beyond MaxUnpackedBytes.
	bomb := tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "app/big.txt", body: strings.Repeat("a", MaxUnpackedBytes)})
	for _, tc := range []struct {
		name string
		data []byte
		kind error
		msg  string
	}{
		{"empty", nil, ErrNotAChart, "empty"},
		{"too large", big, ErrTooLarge, "more than the limit of 1048576 bytes"},
		{"unpacks too large", bomb, ErrTooLarge, "unpacks to more than"},
		{"plain text", []byte("replicaCount: 1\n"), ErrNotAChart, "not gzip-compressed"},
		{"gzip, not tar", gz(t, "hello"), ErrNotAChart, "not a tar archive"},
		{"no Chart.yaml", tgz(t, entry{name: "app/values.yaml", body: "a: 1\n"}), ErrNotAChart, "no Chart.yaml"},
		{"Chart.yaml at the root", tgz(t, entry{name: "Chart.yaml", body: goodChartYAML}), ErrPathEscapes, "outside the chart's folder"},
		{"dot dot", tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "app/../../etc/passwd", body: "x"}), ErrPathEscapes, `"app/../../etc/passwd" has a path escaping its folder`},
		{"absolute", tgz(t, entry{name: "/etc/app/Chart.yaml", body: goodChartYAML}), ErrPathEscapes, "absolute path"},
		{"windows drive", tgz(t, entry{name: `C:\app\Chart.yaml`, body: goodChartYAML}), ErrPathEscapes, "absolute path"},
		{"symlink", tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "app/values.yaml", typ: tar.TypeSymlink, link: "/etc/passwd"}), ErrPathEscapes, "is a link"},
		{"two charts", tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "other/x.yaml", body: "x"}), ErrPathEscapes, `outside the chart's folder "app"`},
		{"Chart.yaml not YAML", tgz(t, entry{name: "app/Chart.yaml", body: "name: [unclosed\n"}), ErrBadChartYAML, "Chart.yaml:"},
		{"Chart.yaml without apiVersion", tgz(t, entry{name: "app/Chart.yaml", body: "name: app\nversion: 1.0.0\n"}), ErrBadChartYAML, "apiVersion is required"},
		{"Chart.yaml without name", tgz(t, entry{name: "app/Chart.yaml", body: "apiVersion: v2\nversion: 1.0.0\n"}), ErrBadChartYAML, "name is required"},
		{"Chart.yaml bad version", tgz(t, entry{name: "app/Chart.yaml", body: "apiVersion: v2\nname: app\nversion: one\n"}), ErrBadChartYAML, `version "one" is invalid`},
		{"Chart.yaml wrong type", tgz(t, entry{name: "app/Chart.yaml", body: "apiVersion: v2\nname: app\nversion: [1]\n"}), ErrBadChartYAML, "Chart.yaml:"},
		{"library", tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML + "type: library\n"}), ErrBadChartYAML, "library chart"},
		{"bad values.yaml", tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "app/values.yaml", body: "a: [\n"}), ErrInvalid, "values.yaml"},
		{"bad schema", tgz(t, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "app/values.schema.json", body: "{"}), ErrInvalid, "values.schema.json is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.data)
			if err == nil {
				t.Fatal("loaded")
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error %q is not %v", err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func gz(t *testing.T, s string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return buf.Bytes()
}

func TestLoadMinimal(t *testing.T) {
	c, err := Load(tgz(t, entry{name: "app/", typ: tar.TypeDir}, entry{name: "app/Chart.yaml", body: goodChartYAML}, entry{name: "app/templates/cm.yaml", body: "kind: ConfigMap\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Name != "app" || c.README != "" || c.Schema != nil || len(c.Chart.Templates) != 1 {
		t.Errorf("%+v", c)
	}
}

func TestPackageNotAChart(t *testing.T) {
	if _, err := Package(t.TempDir()); err == nil || !strings.Contains(err.Error(), "Chart.yaml") {
		t.Errorf("got %v", err)
	}
}

func TestValidateValues(t *testing.T) {
	data, err := Package(charts("schema-app"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, ok := range []string{"", "replicaCount: 3\n", "replicaCount: 10\nimage: nginx:1.28\n"} {
		if err := c.ValidateValues(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for values, want := range map[string]string{
		"replicaCount: 11\n":    "replicaCount",
		"replicaCount: 0\n":     "replicaCount",
		"replicaCount: two\n":   "replicaCount",
		"replicaCount: 1.5\n":   "replicaCount",
		"image: \"\"\n":         "image",
		"extra: true\n":         "extra",
		"- not\n- a map\n":      "not a YAML map",
		"replicaCount: [1, 2\n": "not a YAML map",
	} {
		err := c.ValidateValues(values)
		if err == nil || !errors.Is(err, ErrValues) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an ErrValues naming %q", values, err, want)
		} else {
			t.Logf("%q: %v", values, err)
		}
	}
}

// Package chart reads Helm chart archives for the app store: it checks an
// archive (size, paths, Chart.yaml) with clear messages, returns what the
// store shows of it (metadata, README, default values, values schema), and
// packages a chart directory with the Helm SDK.
package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"sigs.k8s.io/yaml"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

// Limits of an archive. MaxArchiveBytes is the API's documented limit of a
// chart (1 MiB compressed); unpacked, a chart may hold MaxUnpackedBytes in
// at most MaxFiles files, which stops a small archive that unpacks into
// gigabytes.
const (
	MaxArchiveBytes  = appv2.MaxChartBytes
	MaxUnpackedBytes = 16 << 20
	MaxFiles         = 4096
)

// The kinds of bad archive, for errors.Is. Every error Load returns wraps
// one of them, with a message that names what is wrong.
var (
	// ErrTooLarge: the archive, or what it unpacks to, is over the limits
	// (an API answers 413).
	ErrTooLarge = errors.New("chart archive too large")
	// ErrNotAChart: not a gzip-compressed tar archive, or no Chart.yaml in
	// its top folder.
	ErrNotAChart = errors.New("not a Helm chart archive")
	// ErrPathEscapes: an entry's path leaves the chart's folder (absolute,
	// "..", a link, another top folder).
	ErrPathEscapes = errors.New("chart archive path escapes the chart's folder")
	// ErrBadChartYAML: Chart.yaml does not parse or misses what Helm needs.
	ErrBadChartYAML = errors.New("invalid Chart.yaml")
	// ErrInvalid: another file of the chart is invalid (values.yaml,
	// values.schema.json, a dependency).
	ErrInvalid = errors.New("invalid chart")
)

// Error is a bad archive: Kind is one of the Err* values above, Message says
// what is wrong.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrTooLarge) and the like work.
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Chart is a checked chart archive.
type Chart struct {
	// Metadata is Chart.yaml.
	Metadata *helmchart.Metadata
	// README is README.md (or README.txt, README), "" when there is none.
	README string
	// Values is values.yaml as written in the chart, "" when there is none.
	Values string
	// Schema is values.schema.json, nil when there is none.
	Schema json.RawMessage
	// Digest is the sha256 of the archive, in hex.
	Digest string
	// Size of the archive in bytes.
	Size int
	// Chart is the chart as Helm loaded it (for rendering and installing).
	Chart *helmchart.Chart
}

// Digest is the sha256 of data in hex, as ChartSource.Digest holds it.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

var drivePath = regexp.MustCompile(`^[a-zA-Z]:`)

// Load checks a chart archive (.tgz) and loads it.
func Load(data []byte) (*Chart, error) {
	if len(data) > MaxArchiveBytes {
		return nil, fail(ErrTooLarge, "the chart archive is %d bytes, more than the limit of %d bytes (1 MiB)", len(data), MaxArchiveBytes)
	}
	if len(data) == 0 {
		return nil, fail(ErrNotAChart, "the chart archive is empty")
	}
	files, err := unpack(data)
	if err != nil {
		return nil, err
	}
	var chartYAML []byte
	for _, f := range files {
		if f.Name == "Chart.yaml" {
			chartYAML = f.Data
		}
	}
	if chartYAML == nil {
		return nil, fail(ErrNotAChart, "not a Helm chart: the archive has no Chart.yaml in its top folder")
	}
	md := new(helmchart.Metadata)
	if err := yaml.Unmarshal(chartYAML, md); err != nil {
		return nil, fail(ErrBadChartYAML, "Chart.yaml: %v", err)
	}
	if md.APIVersion == "" {
		return nil, fail(ErrBadChartYAML, "Chart.yaml: apiVersion is required (v2)")
	}
	if md.APIVersion != helmchart.APIVersionV1 && md.APIVersion != helmchart.APIVersionV2 {
		return nil, fail(ErrBadChartYAML, "Chart.yaml: apiVersion %q is not supported (v1 or v2)", md.APIVersion)
	}
	if err := md.Validate(); err != nil {
		return nil, fail(ErrBadChartYAML, "Chart.yaml: %s", strings.TrimPrefix(err.Error(), "validation: "))
	}
	if md.Type == "library" {
		return nil, fail(ErrBadChartYAML, "Chart.yaml: type is library; a library chart cannot be installed")
	}
	c, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fail(ErrInvalid, "invalid chart: %v", err)
	}
	if err := c.Validate(); err != nil {
		return nil, fail(ErrInvalid, "invalid chart: %v", err)
	}
	out := &Chart{Metadata: c.Metadata, Chart: c, Digest: Digest(data), Size: len(data)}
	readmes := map[string]string{}
	for _, f := range c.Raw {
		switch f.Name {
		case "values.yaml":
			out.Values = string(f.Data)
		case "README.md", "README.txt", "README", "readme.md":
			readmes[f.Name] = string(f.Data)
		}
	}
	for _, n := range []string{"README.md", "readme.md", "README.txt", "README"} {
		if r, ok := readmes[n]; ok {
			out.README = r
			break
		}
	}
	if len(c.Schema) > 0 {
		if !json.Valid(c.Schema) {
			return nil, fail(ErrInvalid, "values.schema.json is not valid JSON")
		}
		if _, err := compileSchema(c.Schema); err != nil {
			return nil, fail(ErrInvalid, "values.schema.json: %v", err)
		}
		out.Schema = json.RawMessage(c.Schema)
	}
	return out, nil
}

// unpack reads the archive's regular files, with the chart's top folder cut
// from their names, checking sizes and paths.
func unpack(data []byte) ([]*archive.BufferedFile, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fail(ErrNotAChart, "not a Helm chart: the archive is not gzip-compressed (a chart is a .tgz, as `helm package` makes it)")
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	var (
		files []*archive.BufferedFile
		top   string
		total int64
		seen  = map[string]bool{}
	)
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(files) == 0 {
				return nil, fail(ErrNotAChart, "not a Helm chart: the archive is not a tar archive (%v)", err)
			}
			return nil, fail(ErrNotAChart, "not a Helm chart: the archive is damaged after %q: %v", files[len(files)-1].Name, err)
		}
		switch hd.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		case tar.TypeDir:
			// Folders are implied by files; their names are still checked.
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return nil, fail(ErrPathEscapes, "the archive entry %q is a link (to %q); a chart may hold only regular files", hd.Name, hd.Linkname)
		default:
			return nil, fail(ErrInvalid, "the archive entry %q is not a regular file", hd.Name)
		}
		name := strings.ReplaceAll(hd.Name, `\`, "/")
		if path.IsAbs(name) || drivePath.MatchString(name) {
			return nil, fail(ErrPathEscapes, "the archive entry %q has an absolute path; a chart's files must be inside its folder", hd.Name)
		}
		for _, part := range strings.Split(name, "/") {
			if part == ".." {
				return nil, fail(ErrPathEscapes, "the archive entry %q has a path escaping its folder (..)", hd.Name)
			}
		}
		clean := path.Clean(name)
		folder, rest, _ := strings.Cut(clean, "/")
		if folder == "." || folder == "" {
			return nil, fail(ErrPathEscapes, "the archive entry %q is outside the chart's folder", hd.Name)
		}
		if top == "" {
			top = folder
		} else if folder != top {
			return nil, fail(ErrPathEscapes, "the archive entry %q is outside the chart's folder %q: two top folders (an archive holds one chart)", hd.Name, top)
		}
		if hd.Typeflag == tar.TypeDir {
			continue
		}
		if rest == "" {
			return nil, fail(ErrPathEscapes, "the archive entry %q is outside the chart's folder (a chart's files are in one top folder)", hd.Name)
		}
		if len(files) >= MaxFiles {
			return nil, fail(ErrTooLarge, "the chart has more than %d files", MaxFiles)
		}
		if seen[rest] {
			return nil, fail(ErrInvalid, "the archive holds %q twice", hd.Name)
		}
		seen[rest] = true
		if hd.Size < 0 || total+hd.Size > MaxUnpackedBytes {
			return nil, fail(ErrTooLarge, "the chart unpacks to more than %d bytes (at %q)", MaxUnpackedBytes, hd.Name)
		}
		b, err := io.ReadAll(io.LimitReader(tr, MaxUnpackedBytes-total+1))
		if err != nil {
			return nil, fail(ErrNotAChart, "not a Helm chart: reading %q: %v", hd.Name, err)
		}
		total += int64(len(b))
		if total > MaxUnpackedBytes {
			return nil, fail(ErrTooLarge, "the chart unpacks to more than %d bytes (at %q)", MaxUnpackedBytes, hd.Name)
		}
		b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
		files = append(files, &archive.BufferedFile{Name: rest, ModTime: hd.ModTime, Data: b})
	}
	if len(files) == 0 {
		return nil, fail(ErrNotAChart, "not a Helm chart: the archive holds no files")
	}
	return files, nil
}

// Package packages the chart in dir (a chart's source folder) with the
// Helm SDK and returns the archive.
func Package(dir string) ([]byte, error) {
	c, err := loader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading the chart in %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp("", "chart-package-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	file, err := chartutil.Save(c, tmp)
	if err != nil {
		return nil, fmt.Errorf("packaging the chart in %s: %w", dir, err)
	}
	return os.ReadFile(file)
}

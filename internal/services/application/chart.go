package application

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"

	applicationv2 "github.com/superkube/super-kubenetes/api/application/v2"
)

// ChartError is an archive that is refused; the message names what is
// wrong with it.
type ChartError struct {
	// TooLarge is set for an archive (or its content) over the limit.
	TooLarge bool
	Message  string
}

func (e *ChartError) Error() string { return e.Message }

func chartErr(format string, args ...any) error {
	return &ChartError{Message: fmt.Sprintf(format, args...)}
}

// maxExpandedBytes bounds what an archive expands to (a gzip bomb is
// refused rather than read).
const maxExpandedBytes = 16 * applicationv2.MaxChartBytes

// Chart is a loaded chart archive.
type Chart struct {
	*chartv2.Chart
	// Readme, Values (values.yaml) and Schema (values.schema.json, nil
	// when the chart has none).
	Readme string
	Values string
	Schema json.RawMessage
}

// LoadChart reads a chart archive (.tgz): at most MaxChartBytes, every
// path inside one top folder, with a valid Chart.yaml. The error is a
// *ChartError naming what is wrong.
func LoadChart(data []byte) (*Chart, error) {
	if len(data) > applicationv2.MaxChartBytes {
		return nil, &ChartError{TooLarge: true, Message: fmt.Sprintf("the chart archive is %d bytes, over the limit of 1 MiB", len(data))}
	}
	if len(data) == 0 {
		return nil, chartErr("the chart archive is empty")
	}
	if err := checkPaths(data); err != nil {
		return nil, err
	}
	ch, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, chartErr("not a valid chart: %s", cleanLoaderError(err))
	}
	if ch.Metadata == nil {
		return nil, chartErr("not a valid chart: Chart.yaml is missing")
	}
	if err := ch.Validate(); err != nil {
		return nil, chartErr("not a valid chart: Chart.yaml: %s", err)
	}
	out := &Chart{Chart: ch}
	for _, f := range ch.Files {
		if strings.EqualFold(f.Name, "README.md") || (out.Readme == "" && strings.EqualFold(strings.TrimSuffix(f.Name, path.Ext(f.Name)), "README")) {
			out.Readme = string(f.Data)
		}
	}
	for _, f := range ch.Raw {
		if f.Name == "values.yaml" {
			out.Values = string(f.Data)
		}
	}
	if len(ch.Schema) > 0 {
		if !json.Valid(ch.Schema) {
			return nil, chartErr("not a valid chart: values.schema.json is not valid JSON")
		}
		if _, err := compileSchema(ch.Schema); err != nil {
			return nil, chartErr("not a valid chart: values.schema.json: %s", err)
		}
		out.Schema = json.RawMessage(ch.Schema)
	}
	return out, nil
}

// checkPaths reads the archive's headers: a gzip'd tar whose every entry
// is inside one top folder, with no absolute path, no "..", no links, and
// which expands to at most maxExpandedBytes.
func checkPaths(data []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return chartErr("not a chart archive: the data is not gzip-compressed (a chart is a .tgz made by helm package)")
	}
	tr := tar.NewReader(io.LimitReader(zr, maxExpandedBytes+1))
	top := ""
	var total int64
	entries := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if total >= maxExpandedBytes {
				return &ChartError{TooLarge: true, Message: "the chart archive expands to more than 16 MiB"}
			}
			return chartErr("not a chart archive: the data is not a tar archive: %v", err)
		}
		entries++
		name := strings.ReplaceAll(h.Name, "\\", "/")
		if strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':') {
			return chartErr("the chart archive has an absolute path: %q", h.Name)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." {
				return chartErr("the chart archive has a path escaping its folder: %q", h.Name)
			}
		}
		switch h.Typeflag {
		case tar.TypeSymlink, tar.TypeLink:
			return chartErr("the chart archive has a link, which charts may not have: %q", h.Name)
		case tar.TypeReg, tar.TypeDir, tar.TypeXGlobalHeader, tar.TypeXHeader:
		default:
			return chartErr("the chart archive has an entry that is neither a file nor a folder: %q", h.Name)
		}
		clean := path.Clean(name)
		first, _, _ := strings.Cut(clean, "/")
		if h.Typeflag == tar.TypeXGlobalHeader || h.Typeflag == tar.TypeXHeader {
			continue
		}
		if clean == "." || (h.Typeflag == tar.TypeReg && !strings.Contains(clean, "/")) {
			return chartErr("the chart archive has a file outside the chart's folder: %q", h.Name)
		}
		if top == "" {
			top = first
		} else if first != top {
			return chartErr("the chart archive has paths in two top folders (%q and %q): a chart is one folder", top, first)
		}
		total += h.Size
		if total > maxExpandedBytes {
			return &ChartError{TooLarge: true, Message: "the chart archive expands to more than 16 MiB"}
		}
	}
	if entries == 0 {
		return chartErr("not a chart archive: the tar archive is empty")
	}
	return nil
}

// cleanLoaderError shortens the loader's messages.
func cleanLoaderError(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "Chart.yaml file is missing") {
		return "Chart.yaml is missing"
	}
	return msg
}

// Files are a version's files as the API answers them.
type Files struct {
	Readme string          `json:"readme"`
	Values string          `json:"values"`
	Schema json.RawMessage `json:"schema"`
	Chart  ChartInfo       `json:"chart"`
}

// ChartInfo is the chart's metadata.
type ChartInfo struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	AppVersion  string `json:"appVersion,omitempty"`
	Description string `json:"description,omitempty"`
	Icon        string `json:"icon,omitempty"`
}

// FilesOf returns the files of a loaded chart.
func FilesOf(c *Chart) Files {
	schema := c.Schema
	if schema == nil {
		schema = json.RawMessage("null")
	}
	return Files{Readme: c.Readme, Values: c.Values, Schema: schema, Chart: ChartInfo{Name: c.Metadata.Name, Version: c.Metadata.Version,
		AppVersion: c.Metadata.AppVersion, Description: c.Metadata.Description, Icon: c.Metadata.Icon}}
}

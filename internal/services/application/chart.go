package application

import (
	"encoding/json"

	"github.com/superkube/super-kubenetes/internal/application/chart"
)

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
func FilesOf(c *chart.Chart) Files {
	schema := c.Schema
	if schema == nil {
		schema = json.RawMessage("null")
	}
	return Files{Readme: c.README, Values: c.Values, Schema: schema, Chart: ChartInfo{Name: c.Metadata.Name, Version: c.Metadata.Version,
		AppVersion: c.Metadata.AppVersion, Description: c.Metadata.Description, Icon: c.Metadata.Icon}}
}

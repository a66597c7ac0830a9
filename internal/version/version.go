// Package version reports the build's version, set at link time with
// -ldflags "-X github.com/superkube/super-kubenetes/internal/version.gitVersion=...".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

var (
	gitVersion = "v0.1.0-dev"
	gitCommit  = ""
	buildDate  = ""
)

// Info describes a build.
type Info struct {
	GitVersion string `json:"gitVersion"`
	GitCommit  string `json:"gitCommit,omitempty"`
	BuildDate  string `json:"buildDate,omitempty"`
	GoVersion  string `json:"goVersion"`
	Platform   string `json:"platform"`
}

// Get returns the version of this build.
func Get() Info {
	commit := gitCommit
	if commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	return Info{GitVersion: gitVersion, GitCommit: commit, BuildDate: buildDate, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
}

func (i Info) String() string {
	if i.GitCommit == "" {
		return fmt.Sprintf("%s (%s, %s)", i.GitVersion, i.GoVersion, i.Platform)
	}
	return fmt.Sprintf("%s (commit %s, %s, %s)", i.GitVersion, i.GitCommit, i.GoVersion, i.Platform)
}

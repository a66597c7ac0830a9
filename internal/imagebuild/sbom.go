package imagebuild

import (
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// The subset of SPDX 2.3 (JSON) the SBOM uses: the binary's main module, the
// Go standard library and every module linked in, with package URLs.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name             string            `json:"name"`
	SPDXID           string            `json:"SPDXID"`
	VersionInfo      string            `json:"versionInfo,omitempty"`
	DownloadLocation string            `json:"downloadLocation"`
	FilesAnalyzed    bool              `json:"filesAnalyzed"`
	ExternalRefs     []spdxExternalRef `json:"externalRefs,omitempty"`
	Comment          string            `json:"comment,omitempty"`
}

type spdxExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// ReadBuildInfo reads the Go build information (modules, settings) of a
// binary, as `go version -m` prints it.
func ReadBuildInfo(path string) (*debug.BuildInfo, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the Go build information of %s: %w", path, err)
	}
	return bi, nil
}

// SBOM returns an SPDX 2.3 JSON document of a Go binary: a package for the
// main module at meta.Version, one for the Go standard library and one per
// dependency module (replacements resolved), each with a purl.
func SBOM(name, arch string, bi *debug.BuildInfo, meta Metadata) ([]byte, error) {
	if bi == nil {
		return nil, fmt.Errorf("no build information for %s", name)
	}
	mainID := "SPDXRef-Package-" + spdxID(name)
	doc := spdxDocument{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              fmt.Sprintf("%s-%s-linux-%s", name, meta.Version, arch),
		DocumentNamespace: fmt.Sprintf("%s/spdx/%s/%s/linux-%s", strings.TrimSuffix(meta.Source, "/"), name, meta.Version, arch),
		CreationInfo: spdxCreationInfo{
			Created:  meta.Created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: super-kubenetes-imagebuild"},
		},
		Relationships: []spdxRelationship{{Element: "SPDXRef-DOCUMENT", Type: "DESCRIBES", Related: mainID}},
	}
	doc.Packages = append(doc.Packages, spdxPackage{
		Name:             bi.Path,
		SPDXID:           mainID,
		VersionInfo:      meta.Version,
		DownloadLocation: meta.Source,
		ExternalRefs:     []spdxExternalRef{purl(bi.Main.Path, meta.Version)},
		Comment:          fmt.Sprintf("The binary %s (package %s) built from revision %s.", name, bi.Path, meta.Revision),
	})
	goVersion := strings.TrimPrefix(bi.GoVersion, "go")
	doc.Packages = append(doc.Packages, spdxPackage{
		Name:             "stdlib",
		SPDXID:           "SPDXRef-Package-stdlib",
		VersionInfo:      bi.GoVersion,
		DownloadLocation: "https://go.dev/dl/",
		ExternalRefs:     []spdxExternalRef{purl("stdlib", "v"+goVersion)},
	})
	doc.Relationships = append(doc.Relationships, spdxRelationship{Element: mainID, Type: "DEPENDS_ON", Related: "SPDXRef-Package-stdlib"})
	for i, dep := range bi.Deps {
		mod := dep
		if dep.Replace != nil {
			mod = dep.Replace
		}
		id := fmt.Sprintf("SPDXRef-Package-%d-%s", i, spdxID(mod.Path))
		p := spdxPackage{
			Name:             mod.Path,
			SPDXID:           id,
			VersionInfo:      mod.Version,
			DownloadLocation: "NOASSERTION",
			ExternalRefs:     []spdxExternalRef{purl(mod.Path, mod.Version)},
		}
		if mod.Sum != "" {
			p.Comment = "go.sum " + mod.Sum
		}
		if dep.Replace != nil {
			p.Comment = strings.TrimSpace(fmt.Sprintf("replaces %s@%s. %s", dep.Path, dep.Version, p.Comment))
		}
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, spdxRelationship{Element: mainID, Type: "DEPENDS_ON", Related: id})
	}
	return json.MarshalIndent(doc, "", "  ")
}

func purl(path, version string) spdxExternalRef {
	loc := "pkg:golang/" + path
	if version != "" {
		loc += "@" + version
	}
	return spdxExternalRef{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: loc}
}

// spdxID keeps the letters, digits, dots and dashes SPDX identifiers allow.
func spdxID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '-'
	}, s)
}

// Package crdmanifest reads the CustomResourceDefinitions that packages
// embed unchanged from a pinned module (the Gateway API's, the CSI
// snapshot API's, Istio's), for ke-dev to apply and the tests to install:
// typed for checks, unstructured for a server-side apply.
package crdmanifest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// Set is the YAML files of one folder of an embedded file system.
type Set struct {
	FS  fs.FS
	Dir string
}

// documents returns the documents of the set's files, in the order of
// the files' names; a multi-document file is split, and documents that
// hold nothing (a trailing separator) are skipped.
func (s Set) documents() ([]document, error) {
	entries, err := fs.ReadDir(s.FS, s.Dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []document
	for _, n := range names {
		data, err := fs.ReadFile(s.FS, path.Join(s.Dir, n))
		if err != nil {
			return nil, err
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for i := 0; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			out = append(out, document{where: fmt.Sprintf("%s, document %d", n, i+1), data: doc})
		}
	}
	return out, nil
}

type document struct {
	where string
	data  []byte
}

// stripComments drops the comment lines of a YAML document.
func stripComments(doc []byte) []byte {
	var out []byte
	for line := range bytes.Lines(doc) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line...)
		}
	}
	return out
}

// CRDs returns the typed CRDs; a field the type does not know is an error.
func (s Set) CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	docs, err := s.documents()
	if err != nil {
		return nil, err
	}
	out := make([]*apiextensionsv1.CustomResourceDefinition, 0, len(docs))
	for _, d := range docs {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(d.data, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", d.where, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// Unstructured returns the CRDs as unstructured objects, for a
// server-side apply.
func (s Set) Unstructured() ([]*unstructured.Unstructured, error) {
	docs, err := s.documents()
	if err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, 0, len(docs))
	for _, d := range docs {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(d.data, &u.Object); err != nil {
			return nil, fmt.Errorf("%s: %w", d.where, err)
		}
		out = append(out, u)
	}
	return out, nil
}

// Package deploy is what a deploy step does on every engine: it parses the
// step's manifests and applies them to the step's project with server-side
// apply, as the run's user (impersonated), so that kube-apiserver's RBAC
// and admission decide as for kubectl. Where the manifests come from is the
// engine's: the local engine reads its workspace folder, the kubernetes
// engine reads them out of the run's workspace volume.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the field manager of what deploy steps apply.
const FieldManager = "superkube-pipeline"

// MaxManifestBytes bounds the manifests of one deploy step.
const MaxManifestBytes = 8 << 20

// File is one manifest file: its path in the workspace and its content.
type File struct {
	Path string
	Data []byte
}

// IsManifest says whether a file found in a folder is a manifest.
func IsManifest(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".json")
}

// Parse reads the objects of the files (YAML streams or JSON), in order.
func Parse(files []File) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	var total int
	for _, f := range files {
		if total += len(f.Data); total > MaxManifestBytes {
			return nil, fmt.Errorf("the manifests exceed %d MiB", MaxManifestBytes>>20)
		}
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(f.Data)))
		for i := 1; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Path, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			o := &unstructured.Unstructured{}
			if err := utilyaml.Unmarshal(doc, &o.Object); err != nil {
				return nil, fmt.Errorf("%s, document %d: %w", f.Path, i, err)
			}
			if len(o.Object) == 0 {
				continue
			}
			if o.GetKind() == "" || o.GetAPIVersion() == "" || o.GetName() == "" {
				return nil, fmt.Errorf("%s, document %d: apiVersion, kind and metadata.name are required", f.Path, i)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// Apply applies the objects to project as u, with a copy of cfg that
// impersonates u, writing a line per object to log. Every object must be
// namespaced and in project (or name no namespace).
func Apply(ctx context.Context, cfg *rest.Config, u user.Info, project string, objs []*unstructured.Unstructured, log io.Writer) error {
	if u == nil || u.GetName() == "" {
		return errors.New("the run has no user to deploy as")
	}
	if cfg == nil {
		return errors.New("the executor has no cluster to deploy to")
	}
	if len(objs) == 0 {
		return errors.New("the manifests hold no object")
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups(), Extra: u.GetExtra()}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	force := true
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return fmt.Errorf("%s %s: %w", gvk.Kind, o.GetName(), err)
		}
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			return fmt.Errorf("%s %s is not namespaced: a deploy step applies only to its project", gvk.Kind, o.GetName())
		}
		if ns := o.GetNamespace(); ns != "" && ns != project {
			return fmt.Errorf("%s %s names namespace %s, not the step's project %s", gvk.Kind, o.GetName(), ns, project)
		}
		o.SetNamespace(project)
		data, err := o.MarshalJSON()
		if err != nil {
			return err
		}
		_, err = dyn.Resource(m.Resource).Namespace(project).Patch(ctx, o.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager, Force: &force})
		if err != nil {
			return fmt.Errorf("applying %s %s to %s as %s: %w", gvk.Kind, o.GetName(), project, u.GetName(), err)
		}
		_, _ = fmt.Fprintf(log, "applied %s/%s (%s) to %s as %s\n", strings.ToLower(gvk.Kind), o.GetName(), gvk.GroupVersion(), project, u.GetName())
	}
	return nil
}

package local

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/superkube/super-kubenetes/internal/devops/runner"
)

// FieldManager is the field manager of what deploy steps apply.
const FieldManager = "superkube-pipeline"

// maxManifestBytes bounds the manifests of one deploy step.
const maxManifestBytes = 8 << 20

// deploy applies the manifests to the project with server-side apply, as
// the run's user: kube-apiserver's RBAC and admission decide as for kubectl.
func (s *steps) deploy(ctx context.Context, st *runner.Step) (runner.Result, error) {
	d := st.Spec.Deploy
	u := st.Run.User
	if u == nil || u.GetName() == "" {
		return runner.Result{}, errors.New("the run has no user to deploy as")
	}
	if s.e.Config == nil {
		return runner.Result{}, errors.New("the executor has no cluster to deploy to")
	}
	objs, err := s.manifests(d.Manifests)
	if err != nil {
		return runner.Result{}, err
	}
	if len(objs) == 0 {
		return runner.Result{}, errors.New("the manifests hold no object")
	}
	cfg := rest.CopyConfig(s.e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: u.GetName(), UID: u.GetUID(), Groups: u.GetGroups(), Extra: u.GetExtra()}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return runner.Result{}, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return runner.Result{}, err
	}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return runner.Result{}, fmt.Errorf("%s %s: %w", gvk.Kind, o.GetName(), err)
		}
		if m.Scope.Name() != meta.RESTScopeNameNamespace {
			return runner.Result{}, fmt.Errorf("%s %s is not namespaced: a deploy step applies only to its project", gvk.Kind, o.GetName())
		}
		if ns := o.GetNamespace(); ns != "" && ns != d.Project {
			return runner.Result{}, fmt.Errorf("%s %s names namespace %s, not the step's project %s", gvk.Kind, o.GetName(), ns, d.Project)
		}
		o.SetNamespace(d.Project)
		data, err := o.MarshalJSON()
		if err != nil {
			return runner.Result{}, err
		}
		_, err = dyn.Resource(m.Resource).Namespace(d.Project).Patch(ctx, o.GetName(), types.ApplyPatchType, data,
			metav1.PatchOptions{FieldManager: FieldManager, Force: ptrTrue()})
		if err != nil {
			return runner.Result{}, fmt.Errorf("applying %s %s to %s as %s: %w", gvk.Kind, o.GetName(), d.Project, u.GetName(), err)
		}
		_, _ = fmt.Fprintf(st.Log, "applied %s/%s %s to %s as %s\n", strings.ToLower(gvk.Kind), o.GetName(), gvkText(gvk), d.Project, u.GetName())
	}
	return runner.Result{}, nil
}

func ptrTrue() *bool { t := true; return &t }

func gvkText(gvk schema.GroupVersionKind) string {
	return "(" + gvk.GroupVersion().String() + ")"
}

// manifests reads the YAML files (and folders of them) of the workspace.
func (s *steps) manifests(paths []string) ([]*unstructured.Unstructured, error) {
	var files []string
	for _, p := range paths {
		abs, err := s.inWorkspace(p)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", p, err)
		}
		if !fi.IsDir() {
			files = append(files, abs)
			continue
		}
		entries, err := os.ReadDir(abs)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				files = append(files, filepath.Join(abs, e.Name()))
			}
		}
	}
	sort.Strings(files)
	var out []*unstructured.Unstructured
	var total int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if total += int64(len(b)); total > maxManifestBytes {
			return nil, fmt.Errorf("the manifests exceed %d MiB", maxManifestBytes>>20)
		}
		rel, _ := filepath.Rel(s.workspace(), f)
		r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
		for i := 1; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", rel, err)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			o := &unstructured.Unstructured{}
			if err := utilyaml.Unmarshal(doc, &o.Object); err != nil {
				return nil, fmt.Errorf("%s, document %d: %w", rel, i, err)
			}
			if len(o.Object) == 0 {
				continue
			}
			if o.GetKind() == "" || o.GetAPIVersion() == "" || o.GetName() == "" {
				return nil, fmt.Errorf("%s, document %d: apiVersion, kind and metadata.name are required", rel, i)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

package apprelease

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	appv2 "github.com/superkube/super-kubenetes/api/application/v2"
	"github.com/superkube/super-kubenetes/internal/controller/conditions"
	"github.com/superkube/super-kubenetes/internal/impersonate"
)

// head is the part of a manifest document that names the object.
type head struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name        string            `json:"name"`
		Namespace   string            `json:"namespace"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

func parseHead(doc string) (head, bool) {
	var h head
	if err := yaml.Unmarshal([]byte(doc), &h); err != nil || h.Kind == "" || h.APIVersion == "" || h.Metadata.Name == "" {
		return h, false
	}
	return h, true
}

// objectReader reads and deletes a release's objects as its operator,
// over one shared transport (ke-controller-manager's, which impersonates).
type objectReader struct {
	clients *impersonate.Clients
	mapper  meta.RESTMapper
}

func newObjectReader(base *rest.Config, mapper meta.RESTMapper) (*objectReader, error) {
	clients, err := impersonate.New(base, nil, mapper)
	if err != nil {
		return nil, err
	}
	return &objectReader{clients: clients, mapper: mapper}, nil
}

func (o *objectReader) as(u user.Info) (dynamic.Interface, error) {
	return o.clients.Dynamic(u)
}

// resource maps an object to its resource, with its namespace ("" for a
// cluster-scoped one).
func (o *objectReader) resource(x appv2.ReleaseResource, ns string) (schema.GroupVersionResource, string, error) {
	gv, err := schema.ParseGroupVersion(x.APIVersion)
	if err != nil {
		return schema.GroupVersionResource{}, "", err
	}
	m, err := o.mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: x.Kind}, gv.Version)
	if err != nil {
		return schema.GroupVersionResource{}, "", err
	}
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return m.Resource, "", nil
	}
	if x.Namespace != "" {
		ns = x.Namespace
	}
	return m.Resource, ns, nil
}

// readiness reads each object as u and says whether it is ready.
func (o *objectReader) readiness(ctx context.Context, u user.Info, ns string, objs []appv2.ReleaseResource) []appv2.ReleaseResource {
	dc, err := o.as(u)
	out := make([]appv2.ReleaseResource, 0, len(objs))
	for _, x := range objs {
		if err != nil {
			x.Ready, x.Message = false, conditions.Message(err)
			out = append(out, x)
			continue
		}
		gvr, objNS, merr := o.resource(x, ns)
		if merr != nil {
			x.Ready, x.Message = false, "unknown kind: "+merr.Error()
			out = append(out, x)
			continue
		}
		x.Namespace = objNS
		obj, gerr := dc.Resource(gvr).Namespace(objNS).Get(ctx, x.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(gerr):
			x.Ready, x.Message = false, "not found"
		case gerr != nil:
			x.Ready, x.Message = false, conditions.Message(gerr)
		default:
			x.Ready, x.Message = ready(obj)
		}
		out = append(out, x)
	}
	return out
}

// ready says whether a workload has its replicas ready; other kinds are
// ready when they exist.
func ready(obj *unstructured.Unstructured) (bool, string) {
	num := func(path ...string) int64 {
		v, _, _ := unstructured.NestedInt64(obj.Object, path...)
		return v
	}
	gen, observed := obj.GetGeneration(), num("status", "observedGeneration")
	switch obj.GroupVersionKind().GroupKind() {
	case schema.GroupKind{Group: "apps", Kind: "Deployment"}, schema.GroupKind{Group: "apps", Kind: "StatefulSet"}:
		want := int64(1)
		if v, found, _ := unstructured.NestedInt64(obj.Object, "spec", "replicas"); found {
			want = v
		}
		got := num("status", "readyReplicas")
		updated := num("status", "updatedReplicas")
		if obj.GetKind() == "StatefulSet" {
			updated = want // a StatefulSet's partitioned rollout counts as it is
		}
		if observed < gen {
			return false, "its controller has not seen the latest spec"
		}
		if got < want || updated < want {
			return false, fmt.Sprintf("%d/%d replicas ready", got, want)
		}
		return true, fmt.Sprintf("%d/%d replicas ready", got, want)
	case schema.GroupKind{Group: "apps", Kind: "DaemonSet"}:
		want, got := num("status", "desiredNumberScheduled"), num("status", "numberReady")
		if observed < gen {
			return false, "its controller has not seen the latest spec"
		}
		if got < want {
			return false, fmt.Sprintf("%d/%d pods ready", got, want)
		}
		return true, fmt.Sprintf("%d/%d pods ready", got, want)
	}
	return true, ""
}

// deleteAll deletes objects as u; those that are gone already count as
// deleted.
func (o *objectReader) deleteAll(ctx context.Context, u user.Info, ns string, objs []appv2.ReleaseResource) error {
	if len(objs) == 0 {
		return nil
	}
	dc, err := o.as(u)
	if err != nil {
		return err
	}
	bg := metav1.DeletePropagationBackground
	for _, x := range objs {
		gvr, objNS, err := o.resource(x, ns)
		if meta.IsNoMatchError(err) {
			continue // its kind went (a CRD of the chart)
		}
		if err != nil {
			return err
		}
		if err := dc.Resource(gvr).Namespace(objNS).Delete(ctx, x.Name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting the hook object %s %s: %w", x.Kind, x.Name, err)
		}
	}
	return nil
}

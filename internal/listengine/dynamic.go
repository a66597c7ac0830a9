package listengine

import (
	"context"
	"fmt"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// KindFor returns the kind of a resource, adding any custom resource on
// first use: it is looked up among the CRDs (by plural, and by group when
// given), read as unstructured objects, and served with the columns every
// kind has once its informer has synced.
func (e *Engine) KindFor(ctx context.Context, resource, group string) (*Kind, error) {
	e.mu.RLock()
	k, ok := e.kinds[resource]
	if ok && group != "" && k.GVK.Group != group {
		k, ok = e.kinds[resource+"."+group]
	}
	e.mu.RUnlock()
	if ok {
		return k, e.waitSynced(ctx, k.Key())
	}
	crd := e.findCRD(resource, group)
	if crd == nil {
		return nil, errNoResource(resource)
	}
	version := ""
	for _, v := range crd.Spec.Versions {
		if v.Served && v.Storage {
			version = v.Name
		}
	}
	if version == "" {
		return nil, fmt.Errorf("custom resource %s serves no storage version", crd.Name)
	}
	gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: version, Kind: crd.Spec.Names.Kind}
	k = &Kind{Resource: crd.Spec.Names.Plural, GVK: gvk, Namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		New: func() client.Object {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gvk)
			return u
		}}
	e.mu.Lock()
	for _, key := range []string{k.Resource, k.Resource + "." + gvk.Group} {
		if existing, ok := e.kinds[key]; ok && existing.GVK.Group == gvk.Group {
			e.mu.Unlock()
			return existing, e.waitSynced(ctx, existing.Key())
		}
	}
	if _, taken := e.kinds[k.Resource]; taken {
		k.key = k.Resource + "." + gvk.Group
	}
	e.kinds[k.Key()] = k
	s := newStore(k)
	e.stores[k.Key()] = s
	e.dynamicSynced[k.Key()] = nil // being loaded
	e.mu.Unlock()
	forget := func() {
		e.mu.Lock()
		delete(e.kinds, k.Key())
		delete(e.stores, k.Key())
		delete(e.dynamicSynced, k.Key())
		e.mu.Unlock()
	}
	inf, err := e.cache.GetInformer(ctx, k.New())
	if err != nil {
		forget()
		return nil, err
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { e.put(s, o) },
		UpdateFunc: func(_, o any) { e.put(s, o) },
		DeleteFunc: func(o any) { e.drop(s, o) },
	})
	if err != nil {
		forget()
		return nil, err
	}
	e.mu.Lock()
	e.dynamicSynced[k.Key()] = reg.HasSynced
	e.mu.Unlock()
	return k, e.waitSynced(ctx, k.Key())
}

func (e *Engine) findCRD(plural, group string) *apiextensionsv1.CustomResourceDefinition {
	s := e.store("customresourcedefinitions")
	if s == nil {
		return nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, r := range s.rows {
		crd, ok := r.Obj.(*apiextensionsv1.CustomResourceDefinition)
		if ok && crd.Spec.Names.Plural == plural && (group == "" || crd.Spec.Group == group) {
			return crd
		}
	}
	return nil
}

// waitSynced waits up to ten seconds for a custom resource's informer;
// built-in kinds are synced before the engine serves.
func (e *Engine) waitSynced(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		e.mu.RLock()
		synced, dynamic := e.dynamicSynced[key]
		_, known := e.kinds[key]
		e.mu.RUnlock()
		if !known {
			return errNoResource(key)
		}
		if !dynamic || (synced != nil && synced()) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the objects of %s are not loaded yet; try again", key)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

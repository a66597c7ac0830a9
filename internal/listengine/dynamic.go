package listengine

import (
	"context"
	"fmt"
	"slices"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Describe returns the kind of a resource without loading anything: a
// kind the engine serves, or a custom resource as KindFor would add it
// (custom reports which). It starts no informer, so that a caller is
// authorized before any object of a custom resource is cached.
func (e *Engine) Describe(resource, group string) (k *Kind, custom bool, err error) {
	if k, ok := e.known(resource, group); ok {
		e.mu.RLock()
		_, custom = e.dynamicSynced[k.Key()]
		e.mu.RUnlock()
		return k, custom, nil
	}
	k, err = e.crdKind(resource, group)
	return k, err == nil, err
}

// Loaded lists the custom resources whose objects the engine caches (their
// informers started), by key.
func (e *Engine) Loaded() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.dynamicSynced))
	for key := range e.dynamicSynced {
		out = append(out, key)
	}
	slices.Sort(out)
	return out
}

func (e *Engine) known(resource, group string) (*Kind, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	k, ok := e.kinds[resource]
	if ok && group != "" && k.GVK.Group != group {
		k, ok = e.kinds[resource+"."+group]
	}
	return k, ok
}

// crdKind makes the kind of a custom resource from its CRD.
func (e *Engine) crdKind(resource, group string) (*Kind, error) {
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
	return &Kind{Resource: crd.Spec.Names.Plural, GVK: gvk, Namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		New: func() client.Object {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gvk)
			return u
		}}, nil
}

// KindFor returns the kind of a resource, adding any custom resource on
// first use: it is looked up among the CRDs (by plural, and by group when
// given), read as unstructured objects, and served with the columns every
// kind has once its informer has synced. Callers authorize first (Describe).
func (e *Engine) KindFor(ctx context.Context, resource, group string) (*Kind, error) {
	if k, ok := e.known(resource, group); ok {
		return k, e.waitSynced(ctx, k.Key())
	}
	k, err := e.crdKind(resource, group)
	if err != nil {
		return nil, err
	}
	gvk := k.GVK
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

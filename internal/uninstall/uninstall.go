// Package uninstall takes the platform's hold off a cluster before its
// components are removed, so that nothing is left waiting for them: the
// chart's pre-delete hook runs it as `ke-controller-manager uninstall`.
//
// In this order, each step idempotent:
//
//  1. Stop the components: scale the Deployments that would undo the next
//     steps (ke-controller-manager and ke-apiserver, or ke-agent on a
//     member) to zero and wait until their pods are gone. A running
//     controller puts its finalizer back on the next event and registers
//     its webhook again; ke-apiserver puts one on the workspaces it creates.
//  2. Deregister the admission the platform added to kube-apiserver: the
//     ValidatingWebhookConfigurations (the quota webhook's, which
//     ke-controller-manager registers itself, and the chart's), and the
//     gateway ValidatingAdmissionPolicies and their bindings. A webhook
//     whose Service is gone fails every request it matches.
//  3. Remove the platform's finalizers (any finalizer of a superkube.io
//     domain) from every object of the platform's CRDs and from the
//     projects' namespaces. Nothing is deleted: users, workspaces and roles
//     stay; deleting them later, or an object already being deleted, no
//     longer waits for a controller that is gone.
package uninstall

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	devopsadmission "github.com/superkube/super-kubenetes/internal/devops/admission"
	"github.com/superkube/super-kubenetes/internal/gateway/admissionpolicy"
	quotawebhook "github.com/superkube/super-kubenetes/internal/quota/webhook"
)

// Domain is the domain of the platform's API groups and finalizers.
const Domain = "superkube.io"

// Options say what belongs to the installation.
type Options struct {
	// Namespace is the release namespace, where the Deployments run.
	Namespace string
	// Deployments are stopped first, in Namespace.
	Deployments []string
	// WebhookConfigurations are the ValidatingWebhookConfigurations to
	// delete besides the quota webhook's (the chart's own).
	WebhookConfigurations []string
	// StopTimeout bounds the wait for the stopped Deployments' pods.
	StopTimeout time.Duration
	// PollInterval is how often the pods are counted while waiting.
	PollInterval time.Duration
}

// Cleaner runs the steps with Client (which needs the scheme of
// client-go's types and apiextensions/v1).
type Cleaner struct {
	Client  client.Client
	Options Options
}

// Run runs the three steps in order. A step that fails stops the run: the
// next one would not hold (a running controller adds its finalizers back);
// running it again picks up where it stopped.
func (c *Cleaner) Run(ctx context.Context) error {
	if c.Client == nil || c.Options.Namespace == "" {
		return errors.New("uninstall: a client and the release namespace are required")
	}
	for _, step := range []struct {
		name string
		run  func(context.Context) error
	}{
		{"stopping the components", c.stop},
		{"deregistering the admission webhooks and policies", c.deregister},
		{"removing the platform's finalizers", c.removeFinalizers},
	} {
		klog.FromContext(ctx).Info("Uninstall: " + step.name)
		if err := step.run(ctx); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	return nil
}

// stop scales the Deployments to zero and waits until none of their pods
// is left.
func (c *Cleaner) stop(ctx context.Context) error {
	var selectors []labelsAndName
	for _, name := range c.Options.Deployments {
		d := &appsv1.Deployment{}
		if err := c.Client.Get(ctx, client.ObjectKey{Namespace: c.Options.Namespace, Name: name}, d); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("deployment %s: %w", name, err)
		}
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 0 {
			before := d.DeepCopy()
			d.Spec.Replicas = ptr.To[int32](0)
			if err := c.Client.Patch(ctx, d, client.MergeFrom(before)); err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("scaling deployment %s to 0: %w", name, err)
			}
		}
		if d.Spec.Selector != nil {
			selectors = append(selectors, labelsAndName{name: name, labels: d.Spec.Selector.MatchLabels})
		}
	}
	timeout, poll := c.Options.StopTimeout, c.Options.PollInterval
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	if poll <= 0 {
		poll = time.Second
	}
	var left []string
	err := wait.PollUntilContextTimeout(ctx, poll, timeout, true, func(ctx context.Context) (bool, error) {
		left = left[:0]
		for _, s := range selectors {
			pods := &corev1.PodList{}
			if err := c.Client.List(ctx, pods, client.InNamespace(c.Options.Namespace), client.MatchingLabels(s.labels)); err != nil {
				return false, err
			}
			if len(pods.Items) > 0 {
				left = append(left, fmt.Sprintf("%s (%d pods)", s.name, len(pods.Items)))
			}
		}
		return len(left) == 0, nil
	})
	if err != nil && len(left) > 0 {
		return fmt.Errorf("the pods of %s are still there after %s: %w", strings.Join(left, ", "), timeout, err)
	}
	return err
}

type labelsAndName struct {
	name   string
	labels map[string]string
}

// deregister deletes the webhook configurations and the gateway policies
// and their bindings.
func (c *Cleaner) deregister(ctx context.Context) error {
	var errs []error
	del := func(o client.Object) {
		if err := c.Client.Delete(ctx, o); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting %T %s: %w", o, o.GetName(), err))
		}
	}
	for _, name := range webhookConfigurations(c.Options.WebhookConfigurations) {
		del(&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	// The bindings first: a policy without them checks nothing, a binding
	// without its policy fails closed until it is gone.
	if err := c.Client.DeleteAllOf(ctx, &admissionregistrationv1.ValidatingAdmissionPolicyBinding{},
		client.MatchingLabels{admissionpolicy.ManagedByLabel: admissionpolicy.ManagedBy}); err != nil && !apierrors.IsNotFound(err) {
		errs = append(errs, fmt.Errorf("deleting the gateway policy bindings: %w", err))
	}
	for _, p := range admissionpolicy.Policies() {
		del(&admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: p.Name}})
	}
	// The DevOps approvals policy.
	del(devopsadmission.Binding())
	del(devopsadmission.Policy())
	return kerrors.NewAggregate(errs)
}

// webhookConfigurations is the quota webhook's configuration and the
// named ones, each once.
func webhookConfigurations(named []string) []string {
	names := []string{quotawebhook.ConfigurationName}
	for _, n := range named {
		if n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// removeFinalizers takes the platform's finalizers off every object of the
// platform's CRDs and off the projects' namespaces.
func (c *Cleaner) removeFinalizers(ctx context.Context) error {
	crds := &apiextensionsv1.CustomResourceDefinitionList{}
	if err := c.Client.List(ctx, crds); err != nil {
		return fmt.Errorf("listing the CRDs: %w", err)
	}
	var errs []error
	for _, crd := range crds.Items {
		gvk, ok := platformKind(&crd)
		if !ok {
			continue
		}
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := c.Client.List(ctx, list); err != nil {
			if !apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("listing %s: %w", crd.Name, err))
			}
			continue
		}
		for i := range list.Items {
			o := &list.Items[i]
			o.SetGroupVersionKind(gvk)
			errs = append(errs, c.dropFinalizers(ctx, o))
		}
	}
	namespaces := &metav1.PartialObjectMetadataList{}
	namespaces.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NamespaceList"))
	if err := c.Client.List(ctx, namespaces, client.HasLabels{tenantv1beta1.WorkspaceLabel}); err != nil {
		errs = append(errs, fmt.Errorf("listing the projects: %w", err))
	}
	for i := range namespaces.Items {
		o := &namespaces.Items[i]
		o.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
		errs = append(errs, c.dropFinalizers(ctx, o))
	}
	return kerrors.NewAggregate(errs)
}

// dropFinalizers removes the platform's finalizers from o, reading it
// again when it changed meanwhile.
func (c *Cleaner) dropFinalizers(ctx context.Context, o *metav1.PartialObjectMetadata) error {
	first := true
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if !first {
			if err := c.Client.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
				return err
			}
		}
		first = false
		kept, changed := withoutPlatformFinalizers(o.Finalizers)
		if !changed {
			return nil
		}
		before := o.DeepCopy()
		o.Finalizers = kept
		return c.Client.Patch(ctx, o, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("removing the finalizers of %s %s: %w", o.Kind, klog.KObj(o), err)
	}
	return nil
}

// platformKind is the kind and stored version of a CRD of the platform.
func platformKind(crd *apiextensionsv1.CustomResourceDefinition) (schema.GroupVersionKind, bool) {
	if !isPlatformDomain(crd.Spec.Group) {
		return schema.GroupVersionKind{}, false
	}
	for _, v := range crd.Spec.Versions {
		if v.Storage {
			return schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}, true
		}
	}
	return schema.GroupVersionKind{}, false
}

// isPlatformDomain says whether d is superkube.io or one of its subdomains.
func isPlatformDomain(d string) bool { return d == Domain || strings.HasSuffix(d, "."+Domain) }

// IsPlatformFinalizer says whether a finalizer is the platform's: its
// domain (before the slash) is superkube.io or a subdomain of it.
func IsPlatformFinalizer(f string) bool {
	d, _, ok := strings.Cut(f, "/")
	return ok && isPlatformDomain(d)
}

// withoutPlatformFinalizers returns the finalizers that are not the
// platform's, and whether any was removed.
func withoutPlatformFinalizers(finalizers []string) ([]string, bool) {
	kept := slices.DeleteFunc(slices.Clone(finalizers), IsPlatformFinalizer)
	return kept, len(kept) != len(finalizers)
}

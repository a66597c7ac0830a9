// Package webhook is the validating admission webhook of workspace quotas,
// served by ke-controller-manager: kube-apiserver asks it before it
// creates a counted object (or grows a claim) in a workspace's namespace,
// whoever writes it. An object that fits is charged to the quota's status
// at once, with the quota's resourceVersion as the lock, so that parallel
// creates never take more than the quota has left, on any number of
// replicas.
package webhook

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	quota "k8s.io/apiserver/pkg/quota/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	quotav1alpha2 "github.com/superkube/super-kubenetes/api/quota/v1alpha2"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/quota/count"
	"github.com/superkube/super-kubenetes/internal/quota/usage"
)

// Path is where the webhook is served.
const Path = "/validate-quota"

// WorkspaceIndex is the cache index of quotas by spec.workspace.
const WorkspaceIndex = "spec.workspace"

// maxPending bounds a quota's pending charges: beyond it a create is
// asked to retry rather than make the quota's status grow without end.
const maxPending = 500

// Validator decides and charges.
type Validator struct {
	// Cache reads namespaces, quotas (indexed by WorkspaceIndex) and the
	// counted objects.
	Cache client.Reader
	// Live reads a quota from kube-apiserver after a conflict.
	Live client.Reader
	// Client writes the quotas' status.
	Client client.Client
	// Clock stamps the charges (default: the real clock).
	Clock clock.PassiveClock
	// Decoder decodes the objects under review.
	Decoder admission.Decoder

	mu sync.Mutex
	// quotas serializes the charges of each quota in this process and
	// keeps its last written version, so that parallel creates queue
	// instead of conflicting (replicas still meet at the resourceVersion).
	quotas map[types.UID]*quotaLock
}

// quotaLock is a quota's turn (a channel of one, so that waiting ends with
// the request's context) and its version this process wrote last.
type quotaLock struct {
	turn chan struct{}
	last *quotav1alpha2.ResourceQuota
}

func (v *Validator) lockOf(uid types.UID) *quotaLock {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.quotas == nil {
		v.quotas = map[types.UID]*quotaLock{}
	}
	l, ok := v.quotas[uid]
	if !ok {
		l = &quotaLock{turn: make(chan struct{}, 1)}
		v.quotas[uid] = l
	}
	return l
}

var _ admission.Handler = (*Validator)(nil)

// Handle answers one AdmissionReview.
func (v *Validator) Handle(ctx context.Context, req admission.Request) admission.Response {
	k, ok := usage.KindOf(schema.GroupResource{Group: req.Resource.Group, Resource: req.Resource.Resource})
	if !ok || req.SubResource != "" || req.Namespace == "" {
		return admission.Allowed("")
	}
	delta, uid, name, grownTo, err := v.use(req, k)
	if err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if quota.IsZero(delta) {
		return admission.Allowed("")
	}
	var ns corev1.Namespace
	if err := v.Cache.Get(ctx, client.ObjectKey{Name: req.Namespace}, &ns); err != nil {
		if apierrors.IsNotFound(err) {
			return admission.Allowed("")
		}
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("reading namespace %s: %w", req.Namespace, err))
	}
	ws := ns.Labels[tenantv1beta1.WorkspaceLabel]
	if ws == "" {
		return admission.Allowed("")
	}
	var quotas quotav1alpha2.ResourceQuotaList
	if err := v.Cache.List(ctx, &quotas, client.MatchingFields{WorkspaceIndex: ws}); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("reading the quotas of workspace %s: %w", ws, err))
	}
	slices.SortFunc(quotas.Items, func(a, b quotav1alpha2.ResourceQuota) int { return strings.Compare(a.Name, b.Name) })
	for i := range quotas.Items {
		q := &quotas.Items[i]
		if quota.IsZero(usage.Limited(delta, q.Spec.Hard)) {
			continue
		}
		charge := quotav1alpha2.Charge{UID: uid, Resource: k.Resource.String(), Namespace: req.Namespace, Name: name, Request: grownTo}
		if msg, err := v.charge(ctx, q, delta, charge, string(req.UID), req.DryRun != nil && *req.DryRun); err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		} else if msg != "" {
			return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{Allowed: false, Result: &metav1.Status{
				Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: msg}}}
		}
	}
	return admission.Allowed("")
}

// use is what the request adds to a quota: a new object's usage, or what
// a claim's expansion adds. It returns the object's UID and name, and for
// an expansion the storage the claim grows to.
func (v *Validator) use(req admission.Request, k usage.Kind) (corev1.ResourceList, types.UID, string, *resource.Quantity, error) {
	switch req.Operation {
	case admissionv1.Create:
	case admissionv1.Update:
		if k.Kind != "PersistentVolumeClaim" {
			return nil, "", "", nil, nil
		}
	default:
		return nil, "", "", nil, nil
	}
	switch k.Kind {
	case "Pod":
		var p corev1.Pod
		if err := v.Decoder.Decode(req, &p); err != nil {
			return nil, "", "", nil, err
		}
		return usage.Pod(&p), p.UID, p.Name, nil, nil
	case "PersistentVolumeClaim":
		var c corev1.PersistentVolumeClaim
		if err := v.Decoder.Decode(req, &c); err != nil {
			return nil, "", "", nil, err
		}
		if req.Operation == admissionv1.Create {
			return usage.Claim(&c), c.UID, c.Name, nil, nil
		}
		var old corev1.PersistentVolumeClaim
		if err := v.Decoder.DecodeRaw(req.OldObject, &old); err != nil {
			return nil, "", "", nil, err
		}
		grow := quota.RemoveZeros(quota.Mask(quota.SubtractWithNonNegativeResult(usage.Claim(&c), usage.Claim(&old)),
			[]corev1.ResourceName{corev1.ResourceRequestsStorage}))
		to := c.Spec.Resources.Requests[corev1.ResourceStorage]
		return grow, c.UID, c.Name, &to, nil
	default:
		var m metav1.PartialObjectMetadata
		if err := v.Decoder.Decode(req, &m); err != nil {
			return nil, "", "", nil, err
		}
		return usage.Count(k), m.UID, m.Name, nil, nil
	}
}

// charge adds the request's use to q's status if it fits, retrying on
// conflicts with a fresh copy. It returns the refusal message when it
// does not fit. A dry run is checked but not charged.
func (v *Validator) charge(ctx context.Context, q *quotav1alpha2.ResourceQuota, delta corev1.ResourceList, c quotav1alpha2.Charge, req string, dryRun bool) (string, error) {
	clk := v.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	l := v.lockOf(q.UID)
	select {
	case l.turn <- struct{}{}:
		defer func() { <-l.turn }()
	case <-ctx.Done():
		return "", fmt.Errorf("waiting to charge workspace quota %q: %w", q.Name, ctx.Err())
	}
	// What this process wrote last is at least as new as the cache, unless
	// another writer came since: then the patch conflicts and it is read.
	if l.last != nil {
		q = l.last
	}
	q = q.DeepCopy()
	// A refusal is decided on the quota as kube-apiserver has it now (the
	// copies may miss room the controller freed); an admission is guarded
	// by the patch's resourceVersion.
	live := false
	reread := func() error {
		fresh := &quotav1alpha2.ResourceQuota{}
		if err := v.Live.Get(ctx, client.ObjectKeyFromObject(q), fresh); err != nil {
			return fmt.Errorf("reading workspace quota %q: %w", q.Name, err)
		}
		q, live = fresh, true
		return nil
	}
	for {
		now := clk.Now()
		if err := v.current(ctx, q, now); err != nil {
			return "", err
		}
		want := usage.Limited(delta, q.Spec.Hard)
		msg := refusal(q, want)
		if msg != "" && !live {
			if err := reread(); err != nil {
				return "", err
			}
			continue
		}
		if msg != "" || dryRun {
			return msg, nil
		}
		if len(q.Status.Pending) >= maxPending {
			return "", fmt.Errorf("workspace quota %q has %d creates waiting to be counted; try again", q.Name, len(q.Status.Pending))
		}
		c.Used, c.Time = want, metav1.NewTime(now)
		if c.UID == "" {
			c.UID = types.UID("request-" + req)
		}
		before := q.DeepCopy()
		q.Status.Pending = append(slices.DeleteFunc(q.Status.Pending, func(p quotav1alpha2.Charge) bool { return p.UID == c.UID }), c)
		q.Status.Used = quota.Add(q.Status.Used, want)
		// A merge patch of what changed (the total and the pending
		// charges), guarded by the resourceVersion it was computed from.
		err := v.Client.Status().Patch(ctx, q, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{}))
		switch {
		case err == nil:
			l.last = q.DeepCopy()
			return "", nil
		case apierrors.IsConflict(err):
			// Another create was charged first: read the quota again.
			time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond) //nolint:gosec // jitter, not a secret
			if err := reread(); err != nil {
				return "", err
			}
		default:
			return "", fmt.Errorf("charging workspace quota %q: %w", q.Name, err)
		}
	}
}

// current brings q's status up to its spec when the controller has not
// counted it yet (a new quota, or new hard limits).
func (v *Validator) current(ctx context.Context, q *quotav1alpha2.ResourceQuota, now time.Time) error {
	if q.Status.ObservedGeneration == q.Generation && quota.Equals(q.Status.Hard, q.Spec.Hard) {
		return nil
	}
	nss, err := count.Workspace(ctx, v.Cache, q.Spec.Workspace, q.Spec.Hard)
	if err != nil {
		return fmt.Errorf("counting workspace quota %q: %w", q.Name, err)
	}
	pending, err := count.Pending(ctx, v.Cache, q.Status.Pending, now)
	if err != nil {
		return err
	}
	q.Status.Hard = q.Spec.Hard
	q.Status.Namespaces, q.Status.Pending = nss, pending
	q.Status.Used = count.Total(nss, pending)
	q.Status.ObservedGeneration = q.Generation
	return nil
}

// refusal says why want does not fit in q, or "" if it does.
func refusal(q *quotav1alpha2.ResourceQuota, want corev1.ResourceList) string {
	var over []string
	names := quota.ResourceNames(want)
	slices.Sort(names)
	for _, name := range names {
		req, hard := want[name], q.Spec.Hard[name]
		used := q.Status.Used[name]
		total := used.DeepCopy()
		total.Add(req)
		if total.Cmp(hard) <= 0 {
			continue
		}
		left := hard.DeepCopy()
		left.Sub(used)
		if left.Sign() < 0 {
			left = resource.Quantity{Format: hard.Format}
		}
		over = append(over, fmt.Sprintf("requested %s=%s, used %s of %s (%s left)", name, req.String(), used.String(), hard.String(), left.String()))
	}
	if len(over) == 0 {
		return ""
	}
	return fmt.Sprintf("exceeded workspace quota %q of workspace %s: %s", q.Name, q.Spec.Workspace, strings.Join(over, "; "))
}

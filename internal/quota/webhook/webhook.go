// Package webhook is the validating admission webhook of workspace quotas,
// served by ke-controller-manager: kube-apiserver asks it before it
// creates a counted object (or grows a claim) in a workspace's namespace,
// whoever writes it. The elected replica decides against its book of the
// quotas (package ledger) in memory and charges an object that fits, so
// that parallel creates never take more than a quota has left; the other
// replicas forward the reviews they would have to charge to it.
package webhook

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

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
	"github.com/superkube/super-kubenetes/internal/quota/ledger"
	"github.com/superkube/super-kubenetes/internal/quota/usage"
)

// Path is where the webhook is served.
const Path = "/validate-quota"

// WorkspaceIndex is the cache index of quotas by spec.workspace.
const WorkspaceIndex = "spec.workspace"

// Validator decides and charges.
type Validator struct {
	// Cache reads namespaces, quotas (indexed by WorkspaceIndex) and the
	// counted objects of the host.
	Cache client.Reader
	// Places are the clusters each workspace is counted on (default: the
	// host alone, from Cache).
	Places count.Places
	// Members reads member clusters' caches, for the reviews ke-apiserver
	// relays from them; nil refuses those.
	Members Members
	// MemberToken is the bearer token a relayed review must carry (the
	// multicluster token, which ke-apiserver and ke-controller-manager
	// share); it returns "" when there is none.
	MemberToken func() string
	// Book is the quotas' book, shared with the quota controller.
	Book *ledger.Book
	// Settle asks the quota controller to write a quota's book to its
	// status soon; it must not block.
	Settle func(q *quotav1alpha2.ResourceQuota)
	// Leader, when replicas elect a leader, forwards to the leader the
	// reviews this replica must not charge. Nil: this process decides.
	Leader *Leader
	// Clock stamps the charges (default: the real clock).
	Clock clock.PassiveClock
	// Decoder decodes the objects under review.
	Decoder admission.Decoder
}

var _ admission.Handler = (*Validator)(nil)

// Members reads the cache of a member cluster.
type Members interface {
	Reader(ctx context.Context, cluster string) (client.Reader, error)
}

// errNoMembers refuses a member's review when this process does not reach
// members.
var errNoMembers = errors.New("this ke-controller-manager does not count member clusters (multicluster.apiServerURL is not set)")

func (v *Validator) places() count.Places {
	if v.Places == nil {
		return count.Host(v.Cache)
	}
	return v.Places
}

// memberOf is the member cluster a review is for ("" for the host's), or a
// refusal when a review names a member without the multicluster token
// that only ke-apiserver relays with.
func (v *Validator) memberOf(ctx context.Context) (string, *admission.Response) {
	o := originOf(ctx)
	if o.cluster == "" {
		return "", nil
	}
	want := ""
	if v.MemberToken != nil {
		want = v.MemberToken()
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(o.token), []byte(want)) != 1 {
		r := admission.Errored(http.StatusUnauthorized, fmt.Errorf("a review for cluster %q must come from ke-apiserver with the multicluster token", o.cluster))
		return "", &r
	}
	return o.cluster, nil
}

// reader is the cache of the review's cluster: the host's, or a member's.
func (v *Validator) reader(ctx context.Context, cluster string) (client.Reader, error) {
	switch {
	case cluster == "":
		return v.Cache, nil
	case v.Members == nil:
		return nil, errNoMembers
	}
	r, err := v.Members.Reader(ctx, cluster)
	if err != nil {
		return nil, fmt.Errorf("reading cluster %s: %w", cluster, err)
	}
	return r, nil
}

// lead is the answer to a review this replica must not charge: the
// leader's, or a refusal while none leads; nil when this replica leads.
func (v *Validator) lead(ctx context.Context, req admission.Request) *admission.Response {
	if v.Leader == nil || v.Leader.Leading() {
		return nil
	}
	var resp admission.Response
	switch {
	case !forwarded(ctx):
		resp = v.Leader.Forward(ctx, req)
	case !v.Leader.Await(ctx):
		resp = NotLeading()
	default:
		return nil
	}
	return &resp
}

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
	cluster, refused := v.memberOf(ctx)
	if refused != nil {
		return *refused
	}
	// Only the leader reads members: their reviews go there at once.
	if cluster != "" {
		if resp := v.lead(ctx, req); resp != nil {
			return *resp
		}
	}
	nsReader, err := v.reader(ctx, cluster)
	if err != nil {
		return admission.Errored(http.StatusServiceUnavailable, err)
	}
	var ns corev1.Namespace
	if err := nsReader.Get(ctx, client.ObjectKey{Name: req.Namespace}, &ns); err != nil {
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
	// The cached quotas are read, not copied (a status lists every
	// project): nothing here changes them.
	if err := v.Cache.List(ctx, &quotas, client.MatchingFields{WorkspaceIndex: ws}, client.UnsafeDisableDeepCopy); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("reading the quotas of workspace %s: %w", ws, err))
	}
	slices.SortFunc(quotas.Items, func(a, b quotav1alpha2.ResourceQuota) int { return strings.Compare(a.Name, b.Name) })
	quotas.Items = slices.DeleteFunc(quotas.Items, func(q quotav1alpha2.ResourceQuota) bool { return quota.IsZero(usage.Limited(delta, q.Spec.Hard)) })
	if len(quotas.Items) == 0 {
		return admission.Allowed("")
	}
	places, err := v.places().For(ctx, ws)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("finding the clusters of workspace %s: %w", ws, err))
	}
	switch i := slices.IndexFunc(places, func(p count.Place) bool { return p.Cluster == cluster }); {
	case i < 0:
		// A member namespace labelled with a workspace that is not placed
		// there is not the workspace's project: nothing counts it.
		return admission.Allowed("")
	case places[i].Reader == nil:
		return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("cluster %s of workspace %s cannot be counted now; try again", cluster, ws))
	}
	if resp := v.lead(ctx, req); resp != nil {
		return *resp
	}
	dryRun := req.DryRun != nil && *req.DryRun
	for i := range quotas.Items {
		q := &quotas.Items[i]
		charge := quotav1alpha2.Charge{UID: uid, Resource: k.Resource.String(), Cluster: cluster, Namespace: req.Namespace, Name: name, Request: grownTo}
		if charge.UID == "" {
			charge.UID = types.UID("request-" + string(req.UID))
		}
		msg, err := v.charge(ctx, places, q, usage.Limited(delta, q.Spec.Hard), charge, dryRun)
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		if msg != "" {
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

// charge decides want against q's book and charges c with it if it fits
// (a dry run is only decided). It returns the refusal when it does not
// fit. The book is counted first when it is not current for q's spec,
// and again before a refusal, so that room the cache shows freed (a pod
// deleted a moment ago) is not refused for want of a count.
func (v *Validator) charge(ctx context.Context, places []count.Place, q *quotav1alpha2.ResourceQuota, want corev1.ResourceList, c quotav1alpha2.Charge, dryRun bool) (string, error) {
	clk := v.Clock
	if clk == nil {
		clk = clock.RealClock{}
	}
	if !v.Book.Current(q) {
		if _, err := v.Book.Recount(ctx, places, q, clk.Now()); err != nil {
			return "", fmt.Errorf("counting workspace quota %q: %w", q.Name, err)
		}
	}
	for counted := false; ; counted = true {
		c.Time = metav1.NewTime(clk.Now())
		msg, retry := v.Book.Charge(q, want, c, dryRun)
		switch {
		case retry:
			v.settle(q)
			return "", fmt.Errorf("workspace quota %q has %d creates waiting to be counted; try again", q.Name, ledger.MaxPending)
		case msg == "":
			if !dryRun {
				v.settle(q)
			}
			return "", nil
		case counted:
			return msg, nil
		}
		if _, err := v.Book.Recount(ctx, places, q, clk.Now()); err != nil {
			return "", fmt.Errorf("counting workspace quota %q: %w", q.Name, err)
		}
	}
}

func (v *Validator) settle(q *quotav1alpha2.ResourceQuota) {
	if v.Settle != nil {
		v.Settle(q)
	}
}

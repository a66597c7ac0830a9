package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// ForwardedHeader marks a review one replica forwarded to the leader: the
// leader never forwards it again.
const ForwardedHeader = "X-Superkube-Quota-Forwarded"

// ClusterHeader names the member cluster a review comes from: ke-apiserver
// relays there the reviews of a member's kube-apiserver (by way of the
// member's agent), with the multicluster token as a bearer token. A review
// without it is the host's.
const ClusterHeader = "X-Superkube-Quota-Cluster"

// origin is where a review comes from, kept in the handler's context.
type origin struct {
	forwarded bool
	// cluster is the member the review is for ("" for the host); token
	// is the bearer token that came with it.
	cluster, token string
}

type originKey struct{}

// Context is the admission webhook's WithContextFunc: it notes in the
// context whether another replica forwarded the review, and the member
// cluster it is for.
func Context(ctx context.Context, r *http.Request) context.Context {
	o := origin{forwarded: r.Header.Get(ForwardedHeader) != "", cluster: r.Header.Get(ClusterHeader)}
	if o.cluster != "" {
		o.token, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	return context.WithValue(ctx, originKey{}, o)
}

func originOf(ctx context.Context) origin {
	o, _ := ctx.Value(originKey{}).(origin)
	return o
}

func forwarded(ctx context.Context) bool { return originOf(ctx).forwarded }

// Leader knows whether this replica leads and where the leader's webhook
// is: the leader writes its address to a Lease (Advertise), and the other
// replicas post the reviews they would have to charge there, over TLS
// checked against the webhook's CA.
type Leader struct {
	// Elected is closed once this replica leads.
	Elected <-chan struct{}
	// Reader reads the Lease (from kube-apiserver: it is not cached).
	Reader client.Reader
	// Lease is where the leader writes its webhook's address.
	Lease types.NamespacedName
	// CAFile is the webhook CA's certificate; ServerName is the name in
	// the serving certificate.
	CAFile, ServerName string
	// Wait is how long a forwarded review waits for this replica to be
	// elected before it is refused (default 2s).
	Wait time.Duration

	mu     sync.Mutex
	addr   string
	ca     []byte
	client *http.Client
}

// Leading says whether this replica leads.
func (l *Leader) Leading() bool {
	select {
	case <-l.Elected:
		return true
	default:
		return false
	}
}

// Await waits briefly for this replica to be elected, for a review
// another replica forwarded because it believed this one leads.
func (l *Leader) Await(ctx context.Context) bool {
	wait := l.Wait
	if wait == 0 {
		wait = 2 * time.Second
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-l.Elected:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	return false
}

// NotLeading is the answer to a forwarded review when this replica does
// not lead.
func NotLeading() admission.Response {
	return admission.Errored(http.StatusServiceUnavailable, errors.New("no ke-controller-manager replica leads yet to charge the workspace quota; try again"))
}

// Forward has the leader answer req.
func (l *Leader) Forward(ctx context.Context, req admission.Request) admission.Response {
	resp, err := l.post(ctx, req, false)
	if err != nil {
		// The leader may have changed: read the Lease again, once.
		if resp, err = l.post(ctx, req, true); err != nil {
			return admission.Errored(http.StatusServiceUnavailable, fmt.Errorf("asking the leading ke-controller-manager to charge the workspace quota: %w", err))
		}
	}
	return resp
}

func (l *Leader) post(ctx context.Context, req admission.Request, reread bool) (admission.Response, error) {
	addr, hc, err := l.target(ctx, reread)
	if err != nil {
		return admission.Response{}, err
	}
	body, err := json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  &req.AdmissionRequest,
	})
	if err != nil {
		return admission.Response{}, err
	}
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+Path, bytes.NewReader(body))
	if err != nil {
		return admission.Response{}, err
	}
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(ForwardedHeader, "1")
	if o := originOf(ctx); o.cluster != "" {
		r.Header.Set(ClusterHeader, o.cluster)
		r.Header.Set("Authorization", "Bearer "+o.token)
	}
	res, err := hc.Do(r)
	if err != nil {
		return admission.Response{}, err
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return admission.Response{}, err
	}
	if res.StatusCode != http.StatusOK {
		return admission.Response{}, fmt.Errorf("the leader at %s answered %s", addr, res.Status)
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(raw, &out); err != nil || out.Response == nil {
		return admission.Response{}, fmt.Errorf("the leader at %s answered no review", addr)
	}
	// A leader that answers that none leads is not the leader any more.
	if !out.Response.Allowed && out.Response.Result != nil && out.Response.Result.Code == http.StatusServiceUnavailable && !reread {
		return admission.Response{}, errors.New(out.Response.Result.Message)
	}
	return admission.Response{AdmissionResponse: *out.Response}, nil
}

// target is the leader's address and a client that trusts the webhook's
// CA, read again when reread is set or the CA changed.
func (l *Leader) target(ctx context.Context, reread bool) (string, *http.Client, error) {
	ca, err := os.ReadFile(l.CAFile)
	if err != nil {
		return "", nil, fmt.Errorf("reading the webhook's CA: %w", err)
	}
	l.mu.Lock()
	addr, hc := l.addr, l.client
	if !bytes.Equal(ca, l.ca) {
		hc = nil
	}
	l.mu.Unlock()
	if addr == "" || reread {
		var lease coordinationv1.Lease
		if err := l.Reader.Get(ctx, l.Lease, &lease); err != nil {
			if apierrors.IsNotFound(err) {
				return "", nil, errors.New("no ke-controller-manager replica has led yet")
			}
			return "", nil, err
		}
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
			return "", nil, errors.New("no ke-controller-manager replica leads")
		}
		addr = *lease.Spec.HolderIdentity
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return "", nil, fmt.Errorf("the leader's address %q: %w", addr, err)
		}
	}
	if hc == nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return "", nil, errors.New("the webhook's CA file holds no certificate")
		}
		hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: l.ServerName, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute,
		}}
	}
	l.mu.Lock()
	l.addr, l.ca, l.client = addr, ca, hc
	l.mu.Unlock()
	return addr, hc, nil
}

// Advertise is the leader's runnable: it writes address, where its webhook
// serves, to the Lease the other replicas read.
type Advertise struct {
	Client  client.Client
	Lease   types.NamespacedName
	Address string
}

// NeedLeaderElection is true: only the leader advertises.
func (a *Advertise) NeedLeaderElection() bool { return true }

// Start writes the Lease, retrying until it is written or ctx ends.
func (a *Advertise) Start(ctx context.Context) error {
	for {
		err := a.write(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (a *Advertise) write(ctx context.Context) error {
	now := metav1.NewMicroTime(time.Now())
	var lease coordinationv1.Lease
	err := a.Client.Get(ctx, a.Lease, &lease)
	if apierrors.IsNotFound(err) {
		lease = coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: a.Lease.Namespace, Name: a.Lease.Name},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &a.Address, AcquireTime: &now, RenewTime: &now}}
		return a.Client.Create(ctx, &lease)
	}
	if err != nil {
		return err
	}
	lease.Spec.HolderIdentity, lease.Spec.AcquireTime, lease.Spec.RenewTime = &a.Address, &now, &now
	return a.Client.Update(ctx, &lease)
}

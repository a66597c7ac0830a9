// Package meshsim simulates the telemetry of an Istio mesh for the local
// cluster and the tests, where no Envoy runs: from annotations on
// workloads ("this workload calls reviews 20 times a second") and the
// Services, VirtualServices and DestinationRules of the cluster, it serves
// the counters a mesh's sidecars would report, with Istio's standard names
// and labels (istio_requests_total, istio_request_duration_milliseconds),
// so that the topology and canary pages read what they would read on a
// real mesh.
package meshsim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	istiov1 "istio.io/client-go/pkg/apis/networking/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The annotations the simulator reads.
const (
	// AnnotationCalls, on a Deployment or StatefulSet: the requests per
	// second it sends to Services, "reviews:20,ratings.other-ns:5" (a
	// Service of another namespace is name.namespace).
	AnnotationCalls = "sim.servicemesh.superkube.io/calls"
	// AnnotationErrorRatio, on a destination workload: the share of its
	// answers that are 5xx (503), "0.02".
	AnnotationErrorRatio = "sim.servicemesh.superkube.io/error-ratio"
	// AnnotationLatency, on a destination workload: its mean latency in
	// milliseconds, "30".
	AnnotationLatency = "sim.servicemesh.superkube.io/latency-ms"
	// AnnotationIngressRPS, on a Service: requests per second from outside
	// the mesh (source_workload="unknown"), as an ingress gateway would.
	AnnotationIngressRPS = "sim.servicemesh.superkube.io/ingress-rps"
)

// Labels of the pod template that Istio reads as app and version.
const (
	AppLabel     = "app"
	VersionLabel = "version"
	// Unknown is Istio's value of a label it cannot tell.
	Unknown = "unknown"
)

// DefaultLatencyMs is the mean latency of a workload without the
// annotation.
const DefaultLatencyMs = 10

// Workload is a Deployment or StatefulSet as the simulator sees it.
type Workload struct {
	Namespace, Name string
	// Labels are its pod template's labels, which Services and subsets
	// select.
	Labels      map[string]string
	Annotations map[string]string
	Replicas    int32
}

// World is what the flows are computed from.
type World struct {
	Workloads        []Workload
	Services         []corev1.Service
	VirtualServices  []*istiov1.VirtualService
	DestinationRules []*istiov1.DestinationRule
}

// Peer is one end of a flow: a workload, or Unknown (outside the mesh).
type Peer struct {
	Namespace, Workload, App, Version string
}

func peerOf(w *Workload) Peer {
	return Peer{Namespace: w.Namespace, Workload: w.Name, App: orUnknown(w.Labels[AppLabel]), Version: orUnknown(w.Labels[VersionLabel])}
}

var unknownPeer = Peer{Namespace: Unknown, Workload: Unknown, App: Unknown, Version: Unknown}

func orUnknown(s string) string {
	if s == "" {
		return Unknown
	}
	return s
}

// Flow is a steady stream of requests from a source to one destination
// workload through a Service.
type Flow struct {
	Source, Destination Peer
	// ServiceNamespace and ServiceName name the Service called.
	ServiceNamespace, ServiceName string
	// RPS is requests per second; ErrorRatio the share answered 503.
	RPS, ErrorRatio float64
	// LatencyMs is the mean duration of a request.
	LatencyMs float64
}

// ServiceHost is a Service's cluster-local name, Istio's destination_service.
func ServiceHost(ns, name string) string { return name + "." + ns + ".svc.cluster.local" }

// Call is one entry of AnnotationCalls.
type Call struct {
	Service, Namespace string
	RPS                float64
}

// ParseCalls reads AnnotationCalls; a service without a namespace is in
// ns.
func ParseCalls(ns, s string) ([]Call, error) {
	var out []Call
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		target, rate, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("%q: want service[.namespace]:requests-per-second", item)
		}
		rps, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if err != nil || rps < 0 {
			return nil, fmt.Errorf("%q: the rate must be a number of requests per second, not negative", item)
		}
		svc, svcNS, found := strings.Cut(strings.TrimSpace(target), ".")
		if !found {
			svcNS = ns
		}
		out = append(out, Call{Service: svc, Namespace: svcNS, RPS: rps})
	}
	return out, nil
}

// Flows are the requests of the world: each workload's calls, and each
// Service's ingress traffic, split among the workloads behind the
// Service: by the weights of a VirtualService's default route to the
// subsets of a DestinationRule when one routes that host, and otherwise
// by replicas, as Envoy's round robin over the pods would. A workload
// with a malformed annotation sends nothing (it is a simulation: the
// rest of the world still flows).
func Flows(w World) []Flow {
	services := map[[2]string]*corev1.Service{}
	for i := range w.Services {
		s := &w.Services[i]
		services[[2]string{s.Namespace, s.Name}] = s
	}
	var out []Flow
	emit := func(src Peer, ns, name string, rps float64) {
		svc, ok := services[[2]string{ns, name}]
		if !ok || rps <= 0 {
			return
		}
		for _, share := range w.split(svc) {
			dst := share.workload
			out = append(out, Flow{Source: src, Destination: peerOf(dst), ServiceNamespace: ns, ServiceName: name,
				RPS: rps * share.fraction, ErrorRatio: ratio(dst.Annotations[AnnotationErrorRatio]), LatencyMs: latency(dst.Annotations[AnnotationLatency])})
		}
	}
	for i := range w.Workloads {
		src := &w.Workloads[i]
		if src.Replicas == 0 {
			continue
		}
		calls, err := ParseCalls(src.Namespace, src.Annotations[AnnotationCalls])
		if err != nil {
			continue
		}
		for _, c := range calls {
			emit(peerOf(src), c.Namespace, c.Service, c.RPS)
		}
	}
	for i := range w.Services {
		s := &w.Services[i]
		if v, ok := s.Annotations[AnnotationIngressRPS]; ok {
			if rps, err := strconv.ParseFloat(v, 64); err == nil {
				emit(unknownPeer, s.Namespace, s.Name, rps)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

func (f *Flow) key() string {
	return strings.Join([]string{f.Source.Namespace, f.Source.Workload, f.ServiceNamespace, f.ServiceName, f.Destination.Namespace, f.Destination.Workload}, "/")
}

func ratio(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0
	}
	return min(v, 1)
}

func latency(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return DefaultLatencyMs
	}
	return v
}

type share struct {
	workload *Workload
	fraction float64
}

// behind are the running workloads a Service selects (by their pod
// template, so that it works without pods, as in envtest).
func (w World) behind(svc *corev1.Service) []*Workload {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	var out []*Workload
	for i := range w.Workloads {
		wl := &w.Workloads[i]
		if wl.Namespace == svc.Namespace && wl.Replicas > 0 && sel.Matches(labels.Set(wl.Labels)) {
			out = append(out, wl)
		}
	}
	return out
}

// split shares a Service's traffic among its workloads.
func (w World) split(svc *corev1.Service) []share {
	all := w.behind(svc)
	if routes := w.weights(svc); len(routes) > 0 {
		var out []share
		for _, r := range routes {
			var in []*Workload
			for _, wl := range all {
				if r.selector.Matches(labels.Set(wl.Labels)) {
					in = append(in, wl)
				}
			}
			out = append(out, byReplicas(in, r.fraction)...)
		}
		return out
	}
	return byReplicas(all, 1)
}

func byReplicas(wls []*Workload, total float64) []share {
	var n int32
	for _, wl := range wls {
		n += wl.Replicas
	}
	out := make([]share, 0, len(wls))
	for _, wl := range wls {
		out = append(out, share{workload: wl, fraction: total * float64(wl.Replicas) / float64(n)})
	}
	return out
}

type route struct {
	selector labels.Selector
	fraction float64
}

// weights are the shares of the default route (the first HTTP route
// without a match: header and cookie matches are a share of users the
// simulator does not model) of the VirtualService of the Service's host,
// each with the labels of its DestinationRule subset. None when no
// VirtualService routes the host, or its subsets are not all defined.
func (w World) weights(svc *corev1.Service) []route {
	hosts := map[string]bool{svc.Name: true, svc.Name + "." + svc.Namespace: true, svc.Name + "." + svc.Namespace + ".svc": true,
		ServiceHost(svc.Namespace, svc.Name): true}
	subsets := map[string]map[string]string{}
	for _, dr := range w.DestinationRules {
		if dr.Namespace == svc.Namespace && hosts[dr.Spec.GetHost()] {
			for _, s := range dr.Spec.GetSubsets() {
				subsets[s.GetName()] = s.GetLabels()
			}
		}
	}
	for _, vs := range w.VirtualServices {
		if vs.Namespace != svc.Namespace || !coversAny(vs.Spec.GetHosts(), hosts) {
			continue
		}
		for _, r := range vs.Spec.GetHttp() {
			if len(r.GetMatch()) > 0 || len(r.GetRoute()) == 0 {
				continue
			}
			var out []route
			var total int32
			for _, d := range r.GetRoute() {
				total += d.GetWeight()
			}
			for _, d := range r.GetRoute() {
				if !hosts[d.GetDestination().GetHost()] {
					continue
				}
				weight := float64(d.GetWeight())
				if total == 0 {
					weight = 100 / float64(len(r.GetRoute()))
				} else {
					weight = weight * 100 / float64(total)
				}
				sel := labels.Everything()
				if name := d.GetDestination().GetSubset(); name != "" {
					set, ok := subsets[name]
					if !ok {
						return nil
					}
					sel = labels.SelectorFromSet(set)
				}
				out = append(out, route{selector: sel, fraction: weight / 100})
			}
			return out
		}
	}
	return nil
}

func coversAny(list []string, hosts map[string]bool) bool {
	for _, h := range list {
		if hosts[h] {
			return true
		}
	}
	return false
}

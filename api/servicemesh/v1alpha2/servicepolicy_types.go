package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TCPPool limits the TCP connections to each pod of the service.
type TCPPool struct {
	// MaxConnections to one host.
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxConnections *int32 `json:"maxConnections,omitempty"`
	// ConnectTimeout, a duration ("250ms", "10s").
	// +optional
	ConnectTimeout *metav1.Duration `json:"connectTimeout,omitempty"`
}

// HTTPPool limits the HTTP requests to the service.
type HTTPPool struct {
	// HTTP1MaxPendingRequests queued while waiting for a connection.
	// +kubebuilder:validation:Minimum=1
	// +optional
	HTTP1MaxPendingRequests *int32 `json:"http1MaxPendingRequests,omitempty"`
	// HTTP2MaxRequests active at once.
	// +kubebuilder:validation:Minimum=1
	// +optional
	HTTP2MaxRequests *int32 `json:"http2MaxRequests,omitempty"`
	// MaxRequestsPerConnection; 1 turns keep-alive off.
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxRequestsPerConnection *int32 `json:"maxRequestsPerConnection,omitempty"`
	// MaxRetries outstanding at once, across the pods.
	// +kubebuilder:validation:Minimum=0
	// +optional
	MaxRetries *int32 `json:"maxRetries,omitempty"`
}

// ConnectionPool is the pool part of circuit breaking.
type ConnectionPool struct {
	// +optional
	TCP *TCPPool `json:"tcp,omitempty"`
	// +optional
	HTTP *HTTPPool `json:"http,omitempty"`
}

// OutlierDetection ejects failing pods from the pool for a while.
type OutlierDetection struct {
	// Consecutive5xxErrors before a pod is ejected.
	// +kubebuilder:validation:Minimum=1
	// +optional
	Consecutive5xxErrors *int32 `json:"consecutive5xxErrors,omitempty"`
	// Interval between two sweeps of the pods.
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`
	// BaseEjectionTime: a pod is ejected this long times the number of
	// times it was ejected.
	// +optional
	BaseEjectionTime *metav1.Duration `json:"baseEjectionTime,omitempty"`
	// MaxEjectionPercent of the pods that may be ejected at once.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	MaxEjectionPercent *int32 `json:"maxEjectionPercent,omitempty"`
}

// LoadBalancerType is a simple load-balancing algorithm.
// +kubebuilder:validation:Enum=RoundRobin;LeastRequest;Random;Passthrough
type LoadBalancerType string

// The simple load-balancing algorithms (Istio's ROUND_ROBIN,
// LEAST_REQUEST, RANDOM and PASSTHROUGH).
const (
	RoundRobin   LoadBalancerType = "RoundRobin"
	LeastRequest LoadBalancerType = "LeastRequest"
	Random       LoadBalancerType = "Random"
	Passthrough  LoadBalancerType = "Passthrough"
)

// ConsistentHash keeps a client on one pod (session affinity): exactly
// one of HTTPHeaderName, HTTPCookie and UseSourceIP.
// +kubebuilder:validation:XValidation:rule="[has(self.httpHeaderName), has(self.httpCookie), has(self.useSourceIP) && self.useSourceIP].filter(x, x).size() == 1",message="exactly one of httpHeaderName, httpCookie and useSourceIP"
type ConsistentHash struct {
	// +kubebuilder:validation:MaxLength=256
	// +optional
	HTTPHeaderName *string `json:"httpHeaderName,omitempty"`
	// +optional
	HTTPCookie *HashCookie `json:"httpCookie,omitempty"`
	// +optional
	UseSourceIP bool `json:"useSourceIP,omitempty"`
}

// HashCookie is the cookie a consistent hash reads (and sets, with TTL).
type HashCookie struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`
	// +optional
	Path string `json:"path,omitempty"`
	// TTL of the cookie Envoy sets when the request has none.
	// +optional
	TTL *metav1.Duration `json:"ttl,omitempty"`
}

// LoadBalancer picks the pod of each request: Simple or ConsistentHash.
// +kubebuilder:validation:XValidation:rule="has(self.simple) != has(self.consistentHash)",message="exactly one of simple and consistentHash"
type LoadBalancer struct {
	// +optional
	Simple LoadBalancerType `json:"simple,omitempty"`
	// +optional
	ConsistentHash *ConsistentHash `json:"consistentHash,omitempty"`
}

// Retries of failed requests.
type Retries struct {
	// Attempts, the first try excluded.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=20
	Attempts int32 `json:"attempts"`
	// PerTryTimeout, a duration.
	// +optional
	PerTryTimeout *metav1.Duration `json:"perTryTimeout,omitempty"`
	// RetryOn: Envoy's retry conditions, comma-separated
	// ("5xx,connect-failure,reset") or HTTP status codes.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	RetryOn string `json:"retryOn,omitempty"`
}

// ServicePolicySpec is how the mesh treats the requests to one Service of
// the namespace: circuit breaking (ConnectionPool, OutlierDetection),
// LoadBalancer (DestinationRule's traffic policy), Retries and Timeout
// (VirtualService's route). A service has at most one ServicePolicy.
// +kubebuilder:validation:XValidation:rule="self.service == oldSelf.service",message="spec.service cannot change"
type ServicePolicySpec struct {
	// Service is the Kubernetes Service of this namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Service string `json:"service"`
	// +optional
	ConnectionPool *ConnectionPool `json:"connectionPool,omitempty"`
	// +optional
	OutlierDetection *OutlierDetection `json:"outlierDetection,omitempty"`
	// +optional
	LoadBalancer *LoadBalancer `json:"loadBalancer,omitempty"`
	// +optional
	Retries *Retries `json:"retries,omitempty"`
	// Timeout of a request, retries included.
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// ServicePolicyStatus is what ke-controller-manager made of the policy.
type ServicePolicyStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +optional
	VirtualService string `json:"virtualService,omitempty"`
	// +optional
	DestinationRule string `json:"destinationRule,omitempty"`
	// Field is the field of the spec a failure is about.
	// +optional
	Field string `json:"field,omitempty"`
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ServicePolicy sets circuit breaking, load balancing, retries and
// timeout of a Service in the mesh.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,categories=superkube;servicemesh
// +kubebuilder:printcolumn:name="Service",type=string,JSONPath=`.spec.service`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ServicePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ServicePolicySpec `json:"spec"`
	// +optional
	Status ServicePolicyStatus `json:"status,omitempty"`
}

// ServicePolicyList is a list of ServicePolicies.
// +kubebuilder:object:root=true
type ServicePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ServicePolicy `json:"items"`
}

package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LoginRecordType is how the user tried to log in.
// +kubebuilder:validation:Enum=Password;Token;OAuth;LDAP;BasicAuth
type LoginRecordType string

// Login types.
const (
	LoginPassword  LoginRecordType = "Password"
	LoginToken     LoginRecordType = "Token"
	LoginOAuth     LoginRecordType = "OAuth"
	LoginLDAP      LoginRecordType = "LDAP"
	LoginBasicAuth LoginRecordType = "BasicAuth"
)

// LoginRecordSpec describes one login attempt. The time of the attempt is
// the record's creation time.
type LoginRecordSpec struct {
	Type LoginRecordType `json:"type"`
	// Provider is the identity provider used, empty for local passwords.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	Provider string `json:"provider,omitempty"`
	// SourceIP is the client's address.
	// +kubebuilder:validation:MaxLength=64
	// +optional
	SourceIP string `json:"sourceIP,omitempty"`
	// UserAgent is the client's user agent.
	// +kubebuilder:validation:MaxLength=512
	// +optional
	UserAgent string `json:"userAgent,omitempty"`
	// Success tells whether the attempt succeeded.
	Success bool `json:"success"`
	// Reason explains a failure, without revealing secrets.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	Reason string `json:"reason,omitempty"`
}

// LoginRecord is one login attempt of a user, labelled
// iam.superkube.io/user-ref with the user's name.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.metadata.labels.iam\.superkube\.io/user-ref`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Success",type=boolean,JSONPath=`.spec.success`
// +kubebuilder:printcolumn:name="Source IP",type=string,JSONPath=`.spec.sourceIP`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.spec == oldSelf.spec",message="login records are immutable"
type LoginRecord struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec LoginRecordSpec `json:"spec"`
}

// LoginRecordList is a list of login records.
// +kubebuilder:object:root=true
type LoginRecordList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LoginRecord `json:"items"`
}

package v1beta1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// UserState is the state of a user account.
// +kubebuilder:validation:Enum=Active;Disabled;AuthLimitExceeded
type UserState string

// User states.
const (
	// UserActive users may log in.
	UserActive UserState = "Active"
	// UserDisabled users were disabled by an administrator and may not log in.
	UserDisabled UserState = "Disabled"
	// UserAuthLimitExceeded users failed to log in too often and are locked
	// until the window passes or an administrator unlocks them.
	UserAuthLimitExceeded UserState = "AuthLimitExceeded"
)

// UserSpec is what an administrator or the user sets.
// +kubebuilder:validation:XValidation:rule="!has(self.password) || size(self.password) <= 72",message="password must be at most 72 bytes (the bcrypt limit)",fieldPath=".password"
type UserSpec struct {
	// Email is the user's unique e-mail address.
	// +kubebuilder:validation:MaxLength=254
	// +kubebuilder:validation:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	// +optional
	Email string `json:"email,omitempty"`

	// DisplayName is the name shown in the console.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	DisplayName string `json:"displayName,omitempty"`

	// Description is free text about the user.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Description string `json:"description,omitempty"`

	// Lang is the preferred console language (en, ko, zh).
	// +kubebuilder:validation:Enum=en;ko;zh
	// +optional
	Lang string `json:"lang,omitempty"`

	// Password is write-only: a plaintext or a bcrypt hash written here is
	// moved within moments by ke-controller-manager into the user's password
	// Secret in the platform's system namespace (hashed, when a plaintext)
	// and cleared from the User, which never keeps it. To never store a
	// plaintext, create users through the IAM API or write a bcrypt hash
	// (see docs/users.md).
	// +optional
	Password string `json:"password,omitempty"`

	// PasswordChangeRequired forces the user to change the password at the
	// next login before calling anything else.
	// +optional
	PasswordChangeRequired bool `json:"passwordChangeRequired,omitempty"`

	// Disabled users may not log in and their tokens are revoked.
	// +optional
	Disabled bool `json:"disabled,omitempty"`
}

// UserStatus is what the controllers observe.
type UserStatus struct {
	// State is Active, Disabled or AuthLimitExceeded.
	// +optional
	State UserState `json:"state,omitempty"`

	// LockedUntil is when an AuthLimitExceeded lockout ends.
	// +optional
	LockedUntil *metav1.Time `json:"lockedUntil,omitempty"`

	// LastLoginTime is the time of the last successful login.
	// +optional
	LastLoginTime *metav1.Time `json:"lastLoginTime,omitempty"`

	// PasswordChangedAt is when the password last changed; tokens issued
	// before it are no longer valid.
	// +optional
	PasswordChangedAt *metav1.Time `json:"passwordChangedAt,omitempty"`

	// Groups are the groups the user belongs to, kept from the GroupBindings
	// so that authorization reads them without further lookups.
	// +listType=set
	// +optional
	Groups []string `json:"groups,omitempty"`

	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// User is an account of the platform.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;iam
// +kubebuilder:printcolumn:name="Email",type=string,JSONPath=`.spec.email`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:printcolumn:name="Last Login",type=date,JSONPath=`.status.lastLoginTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="user name must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters"
type User struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   UserSpec   `json:"spec,omitempty"`
	Status UserStatus `json:"status,omitempty"`
}

// UserList is a list of users.
// +kubebuilder:object:root=true
type UserList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []User `json:"items"`
}

package v2beta2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ChannelType is the kind of channel a Config or Receiver uses.
// +kubebuilder:validation:Enum=email;webhook;slack;teams;dingtalk;feishu;wecom
type ChannelType string

// Channel types.
const (
	ChannelEmail    ChannelType = "email"
	ChannelWebhook  ChannelType = "webhook"
	ChannelSlack    ChannelType = "slack"
	ChannelTeams    ChannelType = "teams"
	ChannelDingTalk ChannelType = "dingtalk"
	ChannelFeishu   ChannelType = "feishu"
	ChannelWeCom    ChannelType = "wecom"
)

// SecretKeyRef points at one key of a Secret in superkube-system.
type SecretKeyRef struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// TLSMode is how an SMTP connection is protected.
// +kubebuilder:validation:Enum=StartTLS;TLS;None
type TLSMode string

// TLS modes.
const (
	TLSStartTLS TLSMode = "StartTLS"
	TLSImplicit TLSMode = "TLS"
	TLSNone     TLSMode = "None"
)

// EmailConfig is an SMTP server.
type EmailConfig struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Host string `json:"host"`
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// From is the sender address.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=320
	From string `json:"from"`
	// +kubebuilder:validation:MaxLength=320
	// +optional
	Username string `json:"username,omitempty"`
	// PasswordSecret holds the SMTP password.
	// +optional
	PasswordSecret *SecretKeyRef `json:"passwordSecret,omitempty"`
	// TLS: StartTLS (default, required when offered), TLS (implicit), or
	// None (plain; only for a local sink).
	// +kubebuilder:default=StartTLS
	// +optional
	TLS TLSMode `json:"tls,omitempty"`
}

// URLConfig is a webhook or chat service reached at a URL. The URL of a
// chat service carries its token, so it is kept in a Secret.
type URLConfig struct {
	// URLSecret holds the URL.
	URLSecret SecretKeyRef `json:"urlSecret"`
	// TokenSecret holds a bearer token sent with each request (webhook), or
	// a signing secret (DingTalk, Feishu).
	// +optional
	TokenSecret *SecretKeyRef `json:"tokenSecret,omitempty"`
}

// ConfigSpec is one channel's connection; exactly the member named by type
// is set.
type ConfigSpec struct {
	Type ChannelType `json:"type"`
	// +optional
	Email *EmailConfig `json:"email,omitempty"`
	// Webhook, Slack, Teams, DingTalk, Feishu and WeCom reach a URL.
	// +optional
	URL *URLConfig `json:"url,omitempty"`
}

// Status shared by the notification objects.
type Status struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Config is a channel's connection: an SMTP server, a webhook or a chat
// service.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;notification
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.metadata.labels.notification\.superkube\.io/user`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Config struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ConfigSpec `json:"spec"`
	Status Status     `json:"status,omitempty"`
}

// ConfigList is a list of configs.
// +kubebuilder:object:root=true
type ConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Config `json:"items"`
}

// ReceiverSpec says who gets the alerts routed to the receiver, and through
// which Config.
type ReceiverSpec struct {
	Type ChannelType `json:"type"`
	// Config names the Config to send through (of the same type).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Config string `json:"config"`
	// Enabled: a disabled receiver gets nothing.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// Emails are addresses of an e-mail receiver.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Emails []string `json:"emails,omitempty"`
	// Users are platform users of an e-mail receiver: their address and
	// language come from their User.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Users []string `json:"users,omitempty"`
	// Channel is a chat target (a Slack channel, a mentioned user) where the
	// service takes one.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Channel string `json:"channel,omitempty"`
	// Language of the messages (en, ko, zh) where no user gives one.
	// +kubebuilder:validation:Enum=en;ko;zh
	// +optional
	Language string `json:"language,omitempty"`
	// AlertSelector further limits what the receiver gets.
	// +optional
	AlertSelector *metav1.LabelSelector `json:"alertSelector,omitempty"`
}

// Receiver says who gets alerts, through which Config.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;notification
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Config",type=string,JSONPath=`.spec.config`
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.metadata.labels.notification\.superkube\.io/user`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Receiver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ReceiverSpec `json:"spec"`
	Status Status       `json:"status,omitempty"`
}

// ReceiverList is a list of receivers.
// +kubebuilder:object:root=true
type ReceiverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Receiver `json:"items"`
}

// RouterSpec sends the alerts that match its selector to receivers.
type RouterSpec struct {
	// AlertSelector matches alert labels (severity, namespace, workspace,
	// rule_group, alertname...); empty matches every alert.
	// +optional
	AlertSelector *metav1.LabelSelector `json:"alertSelector,omitempty"`
	// Receivers named here get the matched alerts.
	// +kubebuilder:validation:MaxItems=100
	// +optional
	Receivers []string `json:"receivers,omitempty"`
}

// Router sends alerts that match labels to receivers. Every alert also
// reaches the receivers of whoever may see it (a user's own receivers get
// the alerts of the namespaces the user may read); a router adds receivers,
// it never widens what a user's receiver may get.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;notification
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.metadata.labels.notification\.superkube\.io/user`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Router struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   RouterSpec `json:"spec"`
	Status Status     `json:"status,omitempty"`
}

// RouterList is a list of routers.
// +kubebuilder:object:root=true
type RouterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Router `json:"items"`
}

// SilenceSpec stops delivery of matching alerts for a while.
type SilenceSpec struct {
	// AlertSelector matches the alerts not to deliver.
	AlertSelector metav1.LabelSelector `json:"alertSelector"`
	// StartsAt, default now.
	// +optional
	StartsAt *metav1.Time `json:"startsAt,omitempty"`
	// EndsAt, default never.
	// +optional
	EndsAt *metav1.Time `json:"endsAt,omitempty"`
	// Comment says why.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Comment string `json:"comment,omitempty"`
}

// Silence stops delivery of matching alerts (to the user's own receivers,
// or at platform level to every receiver). Alertmanager's silences (made
// through the alerting API) stop the alert itself.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,categories=superkube;notification
// +kubebuilder:printcolumn:name="User",type=string,JSONPath=`.metadata.labels.notification\.superkube\.io/user`
// +kubebuilder:printcolumn:name="Ends",type=date,JSONPath=`.spec.endsAt`
type Silence struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   SilenceSpec `json:"spec"`
	Status Status      `json:"status,omitempty"`
}

// SilenceList is a list of silences.
// +kubebuilder:object:root=true
type SilenceList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Silence `json:"items"`
}

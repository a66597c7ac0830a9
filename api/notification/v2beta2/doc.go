// Package v2beta2 contains the notification.superkube.io/v2beta2 API: where
// alerts are sent. A Config is a channel's connection (an SMTP server, a
// webhook, a chat service); a Receiver says who gets what through a Config;
// a Router sends alerts matching labels to receivers; a Silence stops
// delivery of matching alerts. Each is at platform level or belongs to a
// user ("my notifications"), by the label notification.superkube.io/user.
// Credentials live in Secrets in superkube-system, never in these objects.
// +kubebuilder:object:generate=true
// +groupName=notification.superkube.io
package v2beta2

// Package alert reads Alertmanager's webhook payload (version 4) into the
// alerts the notification sender routes, and names the labels it reads.
package alert

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Labels the sender reads on an alert.
const (
	AlertName = "alertname"
	Namespace = "namespace"
	Severity  = "severity"
	// Workspace is added by the sender from the namespace's workspace
	// label, so that routers and silences can match it.
	Workspace = "workspace"
	// RuleLevel is global, cluster or namespace (the alerting rules'
	// level); alerts without a namespace and without a level are global.
	RuleLevel = "rule_level"
	RuleGroup = "rule_group"
	Cluster   = "cluster"
)

// Statuses of an alert.
const (
	Firing   = "firing"
	Resolved = "resolved"
)

// Alert is one alert of a notification.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
	Fingerprint  string            `json:"fingerprint"`
}

// Name is the alert's alertname.
func (a *Alert) Name() string { return a.Labels[AlertName] }

// Payload is Alertmanager's webhook body, version 4.
type Payload struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// MaxPayloadBytes bounds a webhook body.
const MaxPayloadBytes = 8 << 20

// Decode reads and checks a payload: version 4, alerts with labels and a
// status.
func Decode(r io.Reader) (*Payload, error) {
	var p Payload
	if err := json.NewDecoder(io.LimitReader(r, MaxPayloadBytes)).Decode(&p); err != nil {
		return nil, errors.New("the body is not Alertmanager's webhook payload (JSON)")
	}
	if p.Version != "4" {
		return nil, fmt.Errorf("version %q: only version 4 of Alertmanager's webhook payload is read", p.Version)
	}
	for i := range p.Alerts {
		a := &p.Alerts[i]
		if a.Status != Firing && a.Status != Resolved {
			return nil, fmt.Errorf("alerts[%d].status %q: must be firing or resolved", i, a.Status)
		}
		if len(a.Labels) == 0 {
			return nil, fmt.Errorf("alerts[%d].labels: an alert has labels", i)
		}
		if a.Fingerprint == "" {
			a.Fingerprint = Fingerprint(a.Labels)
		}
	}
	return &p, nil
}

// Fingerprint identifies an alert by its labels, for alerts that come
// without Alertmanager's fingerprint.
func Fingerprint(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0xff)
		b.WriteString(labels[k])
		b.WriteByte(0xff)
	}
	return fmt.Sprintf("%016x", fnv64a(b.String()))
}

func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// Level is where an alert belongs: namespace when it has a namespace
// label, else its rule_level (cluster or global), else global.
func (a *Alert) Level() string {
	if a.Labels[Namespace] != "" {
		return "namespace"
	}
	if l := a.Labels[RuleLevel]; l == "cluster" {
		return "cluster"
	}
	return "global"
}

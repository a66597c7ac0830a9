package elastic

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

// Flavour is the kind of store: the two differ in how an export pages.
type Flavour string

// The flavours.
const (
	Elasticsearch Flavour = "elasticsearch"
	OpenSearch    Flavour = "opensearch"
)

// Config says how to reach an Elasticsearch or OpenSearch cluster and
// where each kind of record is. It is the `elasticsearch` section of
// ke-apiserver's `logging` and ke-controller-manager's `events`.
type Config struct {
	// Flavour is elasticsearch (default) or opensearch.
	Flavour Flavour `json:"flavour,omitempty"`
	// Addresses are the nodes' URLs, such as https://es.logging:9200.
	Addresses []string `json:"addresses,omitempty"`
	// Username and PasswordFile are HTTP basic credentials; the file is
	// read at start and its content never logged.
	Username     string `json:"username,omitempty"`
	PasswordFile string `json:"passwordFile,omitempty"`
	// CAFile verifies https nodes (PEM); InsecureSkipVerify does not verify
	// them at all (for tests only).
	CAFile             string `json:"caFile,omitempty"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify,omitempty"`
	// Indices are the index patterns of each kind of record.
	Indices Indices `json:"indices"`
	// Fields are the fields of a container log document.
	Fields Fields `json:"fields"`
}

// Indices are index patterns. Events and audit records are written by the
// platform to a daily index, the pattern without its `*` and the UTC date
// (superkube-events-2026.12.04), so their patterns end in `-*`.
type Indices struct {
	// Logs default to ks-logstash-log-* (Fluent Bit's es output with
	// Logstash_Format and Logstash_Prefix ks-logstash-log, as KubeSphere).
	Logs   string `json:"logs,omitempty"`
	Events string `json:"events,omitempty"`
	Audit  string `json:"audit,omitempty"`
}

// Fields name the fields of a container log document; the defaults are
// those of Fluent Bit's kubernetes filter.
type Fields struct {
	Time        string `json:"time,omitempty"`
	Message     string `json:"message,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Pod         string `json:"pod,omitempty"`
	Container   string `json:"container,omitempty"`
	Node        string `json:"node,omitempty"`
	ContainerID string `json:"containerID,omitempty"`
	// Labels is the object of the pod's labels (<labels>.<label>).
	Labels string `json:"labels,omitempty"`
	// KeywordSuffix is appended to a field matched as a whole value (names,
	// ids): ".keyword" (default) for the sub-field that dynamic mapping
	// gives a string; "none" when the fields are mapped as keywords.
	KeywordSuffix string `json:"keywordSuffix,omitempty"`
}

// The defaults.
const (
	DefaultLogsIndex   = "ks-logstash-log-*"
	DefaultEventsIndex = "superkube-events-*"
	DefaultAuditIndex  = "superkube-audit-*"
)

// Defaulted returns c with the defaults of what it leaves empty.
func (c Config) Defaulted() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	if c.Flavour == "" {
		c.Flavour = Elasticsearch
	}
	def(&c.Indices.Logs, DefaultLogsIndex)
	def(&c.Indices.Events, DefaultEventsIndex)
	def(&c.Indices.Audit, DefaultAuditIndex)
	f := &c.Fields
	def(&f.Time, "@timestamp")
	def(&f.Message, "log")
	def(&f.Namespace, "kubernetes.namespace_name")
	def(&f.Pod, "kubernetes.pod_name")
	def(&f.Container, "kubernetes.container_name")
	def(&f.Node, "kubernetes.host")
	def(&f.ContainerID, "kubernetes.docker_id")
	def(&f.Labels, "kubernetes.labels")
	def(&f.KeywordSuffix, ".keyword")
	return c
}

// Validate reports what is wrong with a defaulted configuration, naming the
// keys under prefix (such as "logging.elasticsearch").
func (c Config) Validate(prefix string) []error {
	var errs []error
	if c.Flavour != Elasticsearch && c.Flavour != OpenSearch {
		errs = append(errs, fmt.Errorf("%s.flavour must be elasticsearch or opensearch, got %q", prefix, c.Flavour))
	}
	if len(c.Addresses) == 0 {
		errs = append(errs, fmt.Errorf("%s.addresses must name at least one node", prefix))
	}
	for _, a := range c.Addresses {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			// The address is not echoed: it might hold credentials.
			errs = append(errs, fmt.Errorf("%s.addresses: each must be an http(s) URL without credentials", prefix))
			break
		}
	}
	if c.PasswordFile != "" && c.Username == "" {
		errs = append(errs, fmt.Errorf("%s.passwordFile needs a username", prefix))
	}
	if p := c.Indices.Logs; p == "" || strings.ContainsAny(p, "/?#\\ \"<>|") {
		errs = append(errs, fmt.Errorf("%s.indices.logs %q is not an index pattern", prefix, p))
	}
	for _, kv := range [][2]string{{"events", c.Indices.Events}, {"audit", c.Indices.Audit}} {
		if p := kv[1]; !strings.HasSuffix(p, "-*") || strings.Count(p, "*") != 1 || strings.ContainsAny(p, ",/?#\\ \"<>|") {
			errs = append(errs, fmt.Errorf("%s.indices.%s must be one index prefix followed by -*, got %q", prefix, kv[0], p))
		}
	}
	return errs
}

// suffix is the keyword sub-field's suffix ("" for none).
func (f Fields) suffix() string {
	if f.KeywordSuffix == "none" {
		return ""
	}
	return f.KeywordSuffix
}

// ValidateStore checks the choice of a component's log store under prefix
// (logging, events): VictoriaLogs' URL or an elasticsearch section, not
// both; neither is no store.
func ValidateStore(prefix, victoriaLogsURL string, es *Config) []error {
	switch {
	case victoriaLogsURL != "" && es != nil:
		return []error{fmt.Errorf("%s: set either victoriaLogsURL or elasticsearch, not both", prefix)}
	case es != nil:
		return es.Defaulted().Validate(prefix + ".elasticsearch")
	case victoriaLogsURL != "":
		if _, err := victorialogs.New(victoriaLogsURL, time.Second); err != nil {
			return []error{fmt.Errorf("%s.victoriaLogsURL: %w", prefix, err)}
		}
	}
	return nil
}

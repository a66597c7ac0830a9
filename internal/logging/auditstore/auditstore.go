// Package auditstore keeps audit records in the log store, where the
// logging API searches them: ke-apiserver's own (a Sink of package audit)
// and kube-apiserver's, which its audit webhook posts to ke-apiserver
// (Receiver). Both become records of the same fields (logsql.Audit*), with
// the workspace of their namespace. Nothing of a request's or a response's
// body goes there: only who did what to which object, and the answer's
// code.
package auditstore

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/superkube/super-kubenetes/internal/audit"
	"github.com/superkube/super-kubenetes/internal/logging/batch"
	"github.com/superkube/super-kubenetes/internal/logging/logsql"
	"github.com/superkube/super-kubenetes/internal/logging/workspace"
)

// The sources of audit records.
const (
	SourcePlatform = "ke-apiserver"
	SourceKube     = "kube-apiserver"
)

// WebhookPath is where ke-apiserver receives kube-apiserver's audit
// events (--audit-webhook-config-file).
const WebhookPath = "/webhooks/audit"

// maxWebhookBytes bounds one batch of kube-apiserver's events.
const maxWebhookBytes = 32 << 20

// Sink writes ke-apiserver's audit events to the store.
type Sink struct {
	Out        *batch.Writer
	Workspaces workspace.Lookup
}

// Write implements audit.Sink.
func (s *Sink) Write(e *audit.Event) {
	r := FromPlatform(e)
	if e.Workspace == "" && e.Namespace != "" {
		if ws := s.Workspaces.Of(context.Background(), e.Namespace); ws != "" {
			r[logsql.AuditWorkspace] = ws
		}
	}
	s.Out.Add(r)
}

// FromPlatform is the record of one of ke-apiserver's audit events.
func FromPlatform(e *audit.Event) map[string]string {
	user := e.User
	if e.Type != "request" && e.Subject != "" {
		user = e.Subject // a login is the account it was for
	}
	return record(e.Time, SourcePlatform, e.Type, user, e.Verb, e.APIGroup, e.Resource, e.Subresource, e.Name, e.Namespace, e.Workspace,
		e.Code, e.Result, e.SourceIP, e.UserAgent, e.RequestID)
}

// FromKube is the record of one of kube-apiserver's audit events, and
// false for a stage other than the answer's (ResponseComplete, Panic).
func FromKube(e *auditv1.Event, workspace string) (map[string]string, bool) {
	if e.Stage != auditv1.StageResponseComplete && e.Stage != auditv1.StagePanic {
		return nil, false
	}
	user, impersonator := e.User.Username, ""
	if e.ImpersonatedUser != nil && e.ImpersonatedUser.Username != "" {
		user, impersonator = e.ImpersonatedUser.Username, e.User.Username
	}
	code := 0
	if e.ResponseStatus != nil {
		code = int(e.ResponseStatus.Code)
	}
	result := "success"
	switch {
	case e.Stage == auditv1.StagePanic || code >= 500:
		result = "failure"
	case code == http.StatusForbidden || code == http.StatusUnauthorized:
		result = "denied"
	case code >= 400:
		result = "failure"
	}
	var group, resource, sub, name, ns string
	if o := e.ObjectRef; o != nil {
		group, resource, sub, name, ns = o.APIGroup, o.Resource, o.Subresource, o.Name, o.Namespace
	}
	ip := ""
	if len(e.SourceIPs) > 0 {
		ip = e.SourceIPs[0]
	}
	t := e.StageTimestamp.Time
	if t.IsZero() {
		t = e.RequestReceivedTimestamp.Time
	}
	r := record(t, SourceKube, "request", user, e.Verb, group, resource, sub, name, ns, workspace, code, result, ip, e.UserAgent, string(e.AuditID))
	if impersonator != "" {
		r[logsql.AuditImpersonator] = impersonator
	}
	return r, true
}

func record(t time.Time, source, typ, user, verb, group, resource, sub, name, ns, ws string, code int, result, ip, agent, id string) map[string]string {
	if t.IsZero() {
		t = time.Now()
	}
	r := map[string]string{
		logsql.FieldTime: t.UTC().Format(time.RFC3339Nano), logsql.FieldMessage: Summary(user, verb, group, resource, sub, ns, name, code),
		logsql.AuditSource: source, logsql.AuditType: typ, logsql.AuditUser: user, logsql.AuditCode: strconv.Itoa(code), logsql.AuditResult: result,
	}
	for k, v := range map[string]string{logsql.AuditVerb: verb, logsql.AuditAPIGroup: group, logsql.AuditResource: resource,
		logsql.AuditSubresource: sub, logsql.AuditName: name, logsql.AuditNamespace: ns, logsql.AuditWorkspace: ws,
		logsql.AuditSourceIP: ip, logsql.AuditUserAgent: truncate(agent, 256), logsql.AuditID: id} {
		if v != "" {
			r[k] = v
		}
	}
	return r
}

// Summary is the one line of a record: "alice create apps/deployments
// shop/web: 201".
func Summary(user, verb, group, resource, sub, ns, name string, code int) string {
	var b strings.Builder
	b.WriteString(user)
	if verb != "" {
		b.WriteString(" " + verb)
	}
	if resource != "" {
		b.WriteString(" ")
		if group != "" {
			b.WriteString(group + "/")
		}
		b.WriteString(resource)
		if sub != "" {
			b.WriteString("/" + sub)
		}
	}
	if name != "" || ns != "" {
		b.WriteString(" ")
		if ns != "" {
			b.WriteString(ns + "/")
		}
		b.WriteString(name)
	}
	fmt.Fprintf(&b, ": %d", code)
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Receiver takes kube-apiserver's audit events (an audit.k8s.io/v1
// EventList posted by its audit webhook) and writes them to the store.
// kube-apiserver presents a bearer token that ke-apiserver reads from a
// file; any other caller is refused, so nobody can write audit records.
type Receiver struct {
	// Token is the bearer token kube-apiserver presents.
	Token      string
	Workspaces workspace.Lookup
	Out        *batch.Writer
}

func (h *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an audit.k8s.io/v1 EventList", http.StatusMethodNotAllowed)
		return
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || h.Token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(h.Token)) != 1 {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	var list auditv1.EventList
	if err := json.NewDecoder(io.LimitReader(r.Body, maxWebhookBytes)).Decode(&list); err != nil {
		http.Error(w, "the body is not an audit.k8s.io/v1 EventList", http.StatusBadRequest)
		return
	}
	for i := range list.Items {
		e := &list.Items[i]
		ns := ""
		if e.ObjectRef != nil {
			ns = e.ObjectRef.Namespace
		}
		if rec, ok := FromKube(e, h.Workspaces.Of(r.Context(), ns)); ok {
			h.Out.Add(rec)
		}
	}
	w.WriteHeader(http.StatusOK)
}

// WebhookArgs are kube-apiserver's flags that post its audit events to
// ke-apiserver, given the webhook's kubeconfig (authn.WebhookKubeconfig
// with the token): in batches at least every second, so that a change is
// searchable within seconds.
func WebhookArgs(kubeconfigFile string) map[string]string {
	return map[string]string{
		"audit-webhook-config-file":    kubeconfigFile,
		"audit-webhook-mode":           "batch",
		"audit-webhook-batch-max-wait": "1s",
		"audit-webhook-version":        "audit.k8s.io/v1",
	}
}

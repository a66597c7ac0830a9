package logging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/superkube/super-kubenetes/internal/logging/auditstore"
	vl "github.com/superkube/super-kubenetes/internal/logging/victorialogs"
)

type auditRecord struct {
	Time         time.Time `json:"time"`
	Source       string    `json:"source"`
	Type         string    `json:"type"`
	User         string    `json:"user"`
	Impersonator string    `json:"impersonator"`
	Verb         string    `json:"verb"`
	Resource     string    `json:"resource"`
	Name         string    `json:"name"`
	Namespace    string    `json:"namespace"`
	Workspace    string    `json:"workspace"`
	Code         int       `json:"code"`
	Result       string    `json:"result"`
	Message      string    `json:"message"`
}

type auditPage struct {
	Total   int           `json:"total"`
	Records []auditRecord `json:"records"`
}

func searchAudit(t *testing.T, tok, path string, q url.Values) (int, auditPage) {
	t.Helper()
	if path == "" {
		path = "/auditing/events"
	}
	if q == nil {
		q = url.Values{}
	}
	q.Set("end_time", time.Now().Add(time.Minute).UTC().Format(time.RFC3339))
	r := get(t, tok, path, q)
	var body struct {
		Query auditPage `json:"query"`
	}
	if r.Code == http.StatusOK {
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatalf("GET %s: %v: %s", path, err, r.Body)
		}
	}
	return r.Code, body.Query
}

// marker is a ConfigMap's value: no audit record may hold it.
const marker = "value-that-must-not-be-audited-7f3a"

// ke-apiserver's audit records and kube-apiserver's (posted to its audit
// webhook) are searchable: everything by a platform administrator, a
// workspace's by its administrator, nothing by anybody else; no body
// reaches the store; the webhook takes kube-apiserver's token only.
func TestAuditRecordsByWhoMayReadThem(t *testing.T) {
	tok := users(t)
	// Two writes through ke-apiserver, in two workspaces.
	for _, ns := range []string{"wsa-dev", "wsb-app"} {
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"audited"},"data":{"k":%q}}`, marker)
		r := api.Do(t, http.MethodPost, "/api/v1/namespaces/"+ns+"/configmaps", tok["admin"], strings.NewReader(body), "Content-Type", "application/json")
		if r.Code != http.StatusCreated {
			t.Fatalf("creating a ConfigMap in %s: %d %s", ns, r.Code, r.Body)
		}
	}
	// kube-apiserver's record of a write that ke-apiserver made for pviewer.
	now := metav1.NewMicroTime(time.Now())
	list := auditv1.EventList{Items: []auditv1.Event{
		{Stage: auditv1.StageResponseComplete, AuditID: types.UID("kube-1"), Verb: "delete", RequestURI: "/api/v1/namespaces/wsa-dev/pods/web-7d9f-a?secret=x",
			User: authnv1.UserInfo{Username: "ke-apiserver"}, ImpersonatedUser: &authnv1.UserInfo{Username: projectViewer},
			ObjectRef:      &auditv1.ObjectReference{Resource: "pods", Namespace: "wsa-dev", Name: "web-7d9f-a", APIVersion: "v1"},
			ResponseStatus: &metav1.Status{Code: 200}, SourceIPs: []string{"10.0.0.9"}, RequestReceivedTimestamp: now, StageTimestamp: now},
		{Stage: auditv1.StageResponseStarted, AuditID: types.UID("kube-2"), Verb: "watch", User: authnv1.UserInfo{Username: "x"}},
	}}
	data, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		auth string
		code int
	}{{"", http.StatusUnauthorized}, {"Bearer wrong-token-wrong-token-wrong-token-xx", http.StatusUnauthorized}, {"Bearer " + auditWebhookToken, http.StatusOK}} {
		headers := []string{"Content-Type", "application/json"}
		if c.auth != "" {
			headers = append(headers, "Authorization", c.auth)
		}
		if r := api.Do(t, http.MethodPost, auditstore.WebhookPath, "", bytes.NewReader(data), headers...); r.Code != c.code {
			t.Errorf("posting kube-apiserver's events with %q: %d %s, want %d", c.auth, r.Code, r.Body, c.code)
		}
	}

	var all auditPage
	deadline := time.Now().Add(time.Minute)
	for {
		_, all = searchAudit(t, tok["admin"], "", url.Values{"resource": {"configmaps,pods"}, "size": {"100"}})
		if len(all.Records) >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if all.Total != 3 {
		t.Fatalf("the platform administrator finds %d records, want 3: %+v", all.Total, all.Records)
	}
	byNS := map[string]auditRecord{}
	for _, r := range all.Records {
		byNS[r.Source+" "+r.Namespace] = r
	}
	if r := byNS["ke-apiserver wsa-dev"]; r.User != "admin" || r.Verb != "create" || r.Resource != "configmaps" || r.Workspace != "wsa" || r.Code != 201 || r.Result != "success" {
		t.Errorf("ke-apiserver's record of the write in wsa-dev: %+v", r)
	}
	if r := byNS["kube-apiserver wsa-dev"]; r.User != projectViewer || r.Impersonator != "ke-apiserver" || r.Verb != "delete" || r.Workspace != "wsa" || r.Code != 200 || strings.Contains(r.Message, "secret=x") {
		t.Errorf("kube-apiserver's record: %+v", r)
	}
	if r := byNS["ke-apiserver wsb-app"]; r.Workspace != "wsb" {
		t.Errorf("the write in wsb-app: %+v", r)
	}

	for _, c := range []struct {
		user, path string
		code       int
		total      int
	}{
		{workspaceAdmin, "", http.StatusOK, 2}, // wsa's two
		{workspaceAdmin, "/workspaces/wsa/auditing/events", http.StatusOK, 2},
		{workspaceAdmin, "/workspaces/wsb/auditing/events", http.StatusForbidden, 0},
		{"admin", "/workspaces/wsb/auditing/events", http.StatusOK, 1},
		{projectViewer, "", http.StatusOK, 0},
		{clusterViewer, "", http.StatusOK, 0},
		{nobody, "", http.StatusOK, 0},
		{nobody, "/workspaces/wsa/auditing/events", http.StatusForbidden, 0},
	} {
		code, p := searchAudit(t, tok[c.user], c.path, url.Values{"resource": {"configmaps,pods"}})
		if code != c.code || p.Total != c.total {
			t.Errorf("%s %s: %d with %d records, want %d with %d", c.user, c.path, code, p.Total, c.code, c.total)
		}
	}
	for q, want := range map[string]int{
		"source=kube-apiserver&user=" + projectViewer + "&verb=delete": 1, "name=web-7d9f-a": 1, "namespace=wsb-app&resource=configmaps": 1,
		"workspace=wsa&resource=configmaps,pods": 2, "code=201&resource=configmaps": 2, "user=nobody&resource=configmaps,pods": 0,
	} {
		v, _ := url.ParseQuery(q)
		if _, p := searchAudit(t, tok["admin"], "", v); p.Total != want {
			t.Errorf("%s: %d records, want %d", q, p.Total, want)
		}
	}
	// No body in the store: the ConfigMap's value is nowhere.
	for _, tenant := range []vl.Tenant{vl.ContainerLogs, vl.Events, vl.Audit} {
		n, err := store.Client(tenant).Stats(t.Context(), `"`+marker+`" | stats count() n`, vl.Range{Start: time.Unix(0, 0)})
		if err != nil || n["n"] != 0 {
			t.Errorf("the store's tenant %v holds the ConfigMap's value %d times (%v)", tenant, n["n"], err)
		}
	}
	if r := get(t, tok["admin"], "/auditing/events", url.Values{"operation": {"export"}}); r.Code != http.StatusBadRequest || !strings.Contains(string(r.Body), "operation") {
		t.Errorf("operation=export: %d %s", r.Code, r.Body)
	}
}

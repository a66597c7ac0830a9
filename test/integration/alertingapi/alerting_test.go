package alertingapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/superkube/super-kubenetes/internal/testutil/platform"
)

var (
	usersOnce sync.Once
	tokens    map[string]string
)

// users creates the users once and returns a token of each, the platform
// administrator's as "admin"; it waits until each one's bindings work.
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		for _, u := range []string{projectAdmin, projectViewer, clusterViewer, nobody} {
			platform.NewUser(t, k8s, u, password)
		}
		tokens = map[string]string{"admin": api.Admin(t)}
		for _, u := range []string{projectAdmin, projectViewer, clusterViewer, nobody} {
			tokens[u] = api.Token(t, u)
		}
		for u, path := range map[string]string{projectAdmin: "/namespaces/wsa-dev/alerts", projectViewer: "/namespaces/wsa-dev/alerts", clusterViewer: "/clusteralerts"} {
			platform.Eventually(t, u+" may read "+path, time.Minute, func() error {
				if r := api.Do(t, http.MethodGet, prefix+path, tokens[u], nil); r.Code != http.StatusOK {
					return fmt.Errorf("%d %s", r.Code, r.Body)
				}
				return nil
			})
		}
	})
	if tokens == nil {
		t.Fatal("no users")
	}
	return tokens
}

type alert struct {
	Labels     map[string]string `json:"labels"`
	State      string            `json:"state"`
	ActiveAt   time.Time         `json:"activeAt"`
	Value      string            `json:"value"`
	SilencedBy []string          `json:"silencedBy"`
	Level      string            `json:"level"`
	Namespace  string            `json:"namespace"`
	Group      string            `json:"group"`
	Rule       string            `json:"rule"`
}

type alertList struct {
	Items      []alert `json:"items"`
	TotalItems int     `json:"totalItems"`
}

func decode[T any](t *testing.T, r *platform.Response, code int) T {
	t.Helper()
	var out T
	if r.Code != code {
		t.Fatalf("%d, want %d: %s", r.Code, code, r.Body)
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("%v: %s", err, r.Body)
	}
	return out
}

func alerts(t *testing.T, tok, path string) alertList {
	t.Helper()
	return decode[alertList](t, api.Do(t, http.MethodGet, prefix+path, tok, nil), http.StatusOK)
}

// where lists "level/namespace/rule/state" of each alert, sorted.
func where(l alertList) []string {
	out := []string{}
	for _, a := range l.Items {
		out = append(out, a.Level+"/"+a.Namespace+"/"+a.Rule+"/"+a.State)
	}
	sort.Strings(out)
	return out
}

// Each user sees the alerts of the levels and projects they may read: a
// project member their project's only, at project and platform paths; a
// cluster viewer the cluster's; the platform administrator everything;
// someone with no role nothing. Other levels are 403.
func TestEachUserSeesTheAlertsTheyMayRead(t *testing.T) {
	tok := users(t)
	wsaDev := []string{"project/wsa-dev/HighValue/firing", "project/wsa-dev/SlowValue/pending"}
	tests := []struct {
		user, path string
		code       int
		want       []string
	}{
		{projectViewer, "/namespaces/wsa-dev/alerts?limit=100", 200, wsaDev},
		{projectViewer, "/alerts?limit=100", 200, wsaDev},
		{projectAdmin, "/namespaces/wsa-dev/alerts?state=firing", 200, wsaDev[:1]},
		{projectViewer, "/namespaces/wsb-app/alerts", 403, nil},
		{projectViewer, "/clusteralerts", 403, nil},
		{clusterViewer, "/clusteralerts", 200, []string{"cluster//NodeThing/firing"}},
		{clusterViewer, "/alerts?limit=100", 200, []string{"cluster//NodeThing/firing"}},
		{nobody, "/alerts", 200, []string{}},
		{nobody, "/namespaces/wsa-dev/alerts", 403, nil},
		{"admin", "/alerts?limit=100", 200, []string{"cluster//NodeThing/firing", "global//PlatformThing/firing",
			"project/wsa-dev/HighValue/firing", "project/wsa-dev/SlowValue/pending", "project/wsb-app/HighValue/firing"}},
		{"admin", "/alerts?level=global", 200, []string{"global//PlatformThing/firing"}},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+tt.path, func(t *testing.T) {
			r := api.Do(t, http.MethodGet, prefix+tt.path, tok[tt.user], nil)
			if tt.code != http.StatusOK {
				platform.ExpectStatus(t, r, tt.code)
				return
			}
			got := where(decode[alertList](t, r, http.StatusOK))
			if !slices.Equal(got, tt.want) {
				t.Errorf("alerts %v, want %v", got, tt.want)
			}
		})
	}
	// An alert carries its labels, value and the time it became active.
	a := alerts(t, tok[projectViewer], "/namespaces/wsa-dev/alerts?state=firing").Items[0]
	if v, _ := strconv.ParseFloat(a.Value, 64); v != 5 || a.Labels["pod"] != "web-0" || a.Group != "g1" || a.ActiveAt.IsZero() || a.SilencedBy == nil {
		t.Errorf("alert %+v", a)
	}
}

type silence struct {
	ID        string `json:"id"`
	CreatedBy string `json:"createdBy"`
	Namespace string `json:"namespace"`
	State     string `json:"state"`
	Matchers  []struct {
		Name, Value string
		IsRegex     bool
	} `json:"matchers"`
}

type status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details struct {
		Causes []struct {
			Field string `json:"field"`
		} `json:"causes"`
	} `json:"details"`
}

func fields(s status) []string {
	out := []string{}
	for _, c := range s.Details.Causes {
		out = append(out, c.Field)
	}
	return out
}

// A project's silence is made by the caller whatever the body says, always
// matches the project's namespace, mutes its alert in Alertmanager, and
// can be expired by a project administrator; a viewer may list but not
// create nor expire; a matcher on another namespace is refused.
func TestProjectSilences(t *testing.T) {
	tok := users(t)
	body := map[string]any{
		"matchers":  []map[string]any{{"name": "alertname", "value": "HighValue"}},
		"endsAt":    time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"comment":   "maintenance",
		"createdBy": "mallory",
	}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/wsa-dev/silences", tok[projectViewer], body), http.StatusForbidden)

	s := decode[silence](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/wsa-dev/silences", tok[projectAdmin], body), http.StatusCreated)
	if s.CreatedBy != projectAdmin || s.Namespace != "wsa-dev" || s.ID == "" {
		t.Errorf("silence %+v: want created by %s in wsa-dev", s, projectAdmin)
	}
	names := []string{}
	for _, m := range s.Matchers {
		names = append(names, m.Name+"="+m.Value)
	}
	sort.Strings(names)
	if want := []string{"alertname=HighValue", "namespace=wsa-dev", "rule_namespace=wsa-dev"}; !slices.Equal(names, want) {
		t.Errorf("matchers %v, want %v", names, want)
	}

	// Alertmanager mutes the project's alert, not wsb-app's of the same name.
	platform.Eventually(t, "the alert is silenced", 30*time.Second, func() error {
		for _, a := range alerts(t, tok[projectViewer], "/namespaces/wsa-dev/alerts?state=firing").Items {
			if !slices.Contains(a.SilencedBy, s.ID) {
				return fmt.Errorf("silencedBy %v", a.SilencedBy)
			}
		}
		return nil
	})
	for _, a := range alerts(t, tok["admin"], "/alerts?namespace=wsb-app").Items {
		if len(a.SilencedBy) > 0 {
			t.Errorf("wsb-app's alert is silenced by %v", a.SilencedBy)
		}
	}

	list := decode[struct{ Items []silence }](t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsa-dev/silences", tok[projectViewer], nil), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].ID != s.ID {
		t.Errorf("wsa-dev's silences %+v", list.Items)
	}
	other := decode[struct{ Items []silence }](t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsb-app/silences", tok["admin"], nil), http.StatusOK)
	if len(other.Items) != 0 {
		t.Errorf("wsb-app's silences %+v", other.Items)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/silences", tok[projectAdmin], nil), http.StatusForbidden)

	// A matcher on another namespace is refused, naming it.
	bad := map[string]any{"matchers": []map[string]any{{"name": "namespace", "value": "wsb-app"}}, "endsAt": body["endsAt"], "comment": "x"}
	st := decode[status](t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/wsa-dev/silences", tok[projectAdmin], bad), http.StatusUnprocessableEntity)
	if !slices.Contains(fields(st), "matchers[0]") {
		t.Errorf("causes %v, want matchers[0]", fields(st))
	}

	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, prefix+"/namespaces/wsa-dev/silences/"+s.ID, tok[projectViewer], nil), http.StatusForbidden)
	// Not a silence of wsb-app.
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, prefix+"/namespaces/wsb-app/silences/"+s.ID, tok["admin"], nil), http.StatusNotFound)
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, prefix+"/namespaces/wsa-dev/silences/"+s.ID, tok[projectAdmin], nil), http.StatusOK)
	list = decode[struct{ Items []silence }](t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsa-dev/silences", tok[projectViewer], nil), http.StatusOK)
	if len(list.Items) != 1 || list.Items[0].State != "expired" {
		t.Errorf("after expiry %+v", list.Items)
	}
}

type ruleGroup struct {
	Metadata struct {
		Name, Namespace string
	} `json:"metadata"`
	Status struct {
		RuleStates []struct {
			Alert, Health, State string
			Alerts               int
		} `json:"ruleStates"`
	} `json:"status"`
}

func group(name, threshold string) map[string]any {
	return map[string]any{
		"apiVersion": "alerting.superkube.io/v2beta1", "kind": "RuleGroup",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{"rules": []map[string]any{
			{"alert": "HighValue", "expr": "demo_value > 1", "severity": "warning"},
			{"alert": "PodCPU", "builder": map[string]any{"kind": "Pod", "metric": "pod_cpu_usage", "comparison": ">", "threshold": threshold}},
		}},
	}
}

// A project administrator writes the project's rule groups (as themself,
// through kube-apiserver's RBAC); a builder threshold that is not a number
// is a 422 naming the field; a viewer may read but not write; other
// levels are refused; each rule carries its state from Prometheus.
func TestProjectRuleGroups(t *testing.T) {
	tok := users(t)
	path := prefix + "/namespaces/wsa-dev/rulegroups"

	st := decode[status](t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], group("g1", "lots")), http.StatusUnprocessableEntity)
	if !slices.Contains(fields(st), "spec.rules[1].builder.threshold") {
		t.Errorf("causes %v, want spec.rules[1].builder.threshold", fields(st))
	}
	one := group("g1", "x")
	one["spec"].(map[string]any)["rules"] = []map[string]any{{"alert": "PodCPU", "builder": map[string]any{"kind": "Pod", "metric": "pod_cpu_usage", "comparison": ">", "threshold": "abc"}}}
	st = decode[status](t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], one), http.StatusUnprocessableEntity)
	if !slices.Equal(fields(st), []string{"spec.rules[0].builder.threshold"}) {
		t.Errorf("causes %v, want spec.rules[0].builder.threshold", fields(st))
	}

	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, path, tok[projectViewer], group("g1", "0.5")), http.StatusForbidden)
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/namespaces/wsb-app/rulegroups", tok[projectAdmin], group("g1", "0.5")), http.StatusForbidden)
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, prefix+"/clusterrulegroups", tok[projectAdmin], group("c1", "0.5")), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/globalrulegroups", tok[clusterViewer], nil), http.StatusForbidden)

	created := decode[ruleGroup](t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], group("g1", "0.5")), http.StatusCreated)
	if created.Metadata.Namespace != "wsa-dev" {
		t.Errorf("created %+v", created)
	}
	list := decode[struct {
		Items      []ruleGroup
		TotalItems int
	}](t, api.Do(t, http.MethodGet, path, tok[projectViewer], nil), http.StatusOK)
	if list.TotalItems != 1 || len(list.Items) != 1 {
		t.Fatalf("list %+v", list)
	}
	states := map[string]string{}
	for _, r := range list.Items[0].Status.RuleStates {
		states[r.Alert] = r.Health + "/" + r.State + "/" + strconv.Itoa(r.Alerts)
	}
	// HighValue is the rule Prometheus evaluates for wsa-dev's group g1;
	// PodCPU is not loaded there.
	if states["HighValue"] != "ok/firing/1" || states["PodCPU"] != "unknown/inactive/0" {
		t.Errorf("rule states %v", states)
	}

	// Update without a resourceVersion replaces; the viewer may not.
	upd := group("g1", "0.7")
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPut, path+"/g1", tok[projectViewer], upd), http.StatusForbidden)
	decode[ruleGroup](t, api.DoJSON(t, http.MethodPut, path+"/g1", tok[projectAdmin], upd), http.StatusOK)
	got := api.Do(t, http.MethodGet, path+"/g1", tok[projectViewer], nil)
	if got.Code != http.StatusOK || !strings.Contains(string(got.Body), `"threshold":"0.7"`) {
		t.Errorf("after update %d %s", got.Code, got.Body)
	}
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, path+"/g1", tok[projectViewer], nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodDelete, path+"/g1", tok[projectAdmin], nil), http.StatusOK)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, path+"/g1", tok[projectAdmin], nil), http.StatusNotFound)
}

type preview struct {
	Expr   string `json:"expr"`
	Unit   string `json:"unit"`
	Series []struct {
		Labels map[string]string `json:"labels"`
		Value  string            `json:"value"`
	} `json:"series"`
}

// A preview runs the rule's expression confined to the project: PromQL
// naming another namespace reads nothing of it; a bad threshold is a 422
// naming the field.
func TestPreviewIsConfinedToTheProject(t *testing.T) {
	tok := users(t)
	path := prefix + "/namespaces/wsa-dev/rulegroups/preview"
	p := decode[preview](t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], map[string]any{"rule": map[string]any{"expr": "demo_value"}}), http.StatusOK)
	if len(p.Series) != 1 || p.Series[0].Labels["namespace"] != "wsa-dev" || p.Series[0].Value != "5" || !strings.Contains(p.Expr, `namespace="wsa-dev"`) {
		t.Errorf("preview %+v", p)
	}
	p = decode[preview](t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], map[string]any{"rule": map[string]any{"expr": `demo_value{namespace="wsb-app"}`}}), http.StatusOK)
	if len(p.Series) != 0 {
		t.Errorf("another namespace's series: %+v", p.Series)
	}
	st := decode[status](t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], map[string]any{"rule": map[string]any{
		"builder": map[string]any{"kind": "Pod", "metric": "pod_cpu_usage", "comparison": ">", "threshold": "ten"}}}), http.StatusUnprocessableEntity)
	if !slices.Equal(fields(st), []string{"rule.builder.threshold"}) {
		t.Errorf("causes %v", fields(st))
	}
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, path, tok[projectViewer], map[string]any{"rule": map[string]any{"expr": "demo_value"}}), http.StatusForbidden)
	// Before the project was created, its name was someone else's.
	platform.ExpectStatus(t, api.DoJSON(t, http.MethodPost, path, tok[projectAdmin], map[string]any{"rule": map[string]any{"expr": "demo_value"}, "time": "2020-01-01T00:00:00Z"}), http.StatusBadRequest)
}

type history struct {
	Items []struct {
		Level, Namespace, Rule string
		Intervals              []struct {
			State      string
			Start, End time.Time
		}
	} `json:"items"`
}

// A project's history holds its own alerts' intervals only, from the
// ALERTS series (which take a few evaluations to show).
func TestHistory(t *testing.T) {
	tok := users(t)
	q := url.Values{"start": {time.Now().Add(-10 * time.Minute).UTC().Format(time.RFC3339)}, "step": {"1s"}}
	var h history
	platform.Eventually(t, "the project's history shows its firing and pending alerts", 30*time.Second, func() error {
		h = decode[history](t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsa-dev/alerts/history?"+q.Encode(), tok[projectViewer], nil), http.StatusOK)
		seen := map[string]bool{}
		for _, e := range h.Items {
			for _, i := range e.Intervals {
				seen[e.Rule+"/"+i.State] = true
			}
		}
		if !seen["HighValue/firing"] || !seen["SlowValue/pending"] {
			return fmt.Errorf("history %+v", h.Items)
		}
		return nil
	})
	for _, e := range h.Items {
		if e.Namespace != "wsa-dev" || e.Level != "project" || len(e.Intervals) == 0 {
			t.Errorf("entry %+v", e)
		}
		for _, i := range e.Intervals {
			if i.End.Before(i.Start) {
				t.Errorf("interval %+v", i)
			}
		}
	}
	platform.Eventually(t, "the platform's history shows every alert", 30*time.Second, func() error {
		all := decode[history](t, api.Do(t, http.MethodGet, prefix+"/alerts/history?"+q.Encode(), tok["admin"], nil), http.StatusOK)
		if len(all.Items) != 5 {
			return fmt.Errorf("%d alerts, want 5: %+v", len(all.Items), all.Items)
		}
		return nil
	})
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/clusteralerts/history", tok[projectViewer], nil), http.StatusForbidden)
	platform.ExpectStatus(t, api.Do(t, http.MethodGet, prefix+"/namespaces/wsa-dev/alerts/history?step=0s", tok[projectViewer], nil), http.StatusBadRequest)
}

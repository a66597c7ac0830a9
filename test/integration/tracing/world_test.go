package tracing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iamv1beta1 "github.com/superkube/super-kubenetes/api/iam/v1beta1"
	tenantv1beta1 "github.com/superkube/super-kubenetes/api/tenant/v1beta1"
	"github.com/superkube/super-kubenetes/internal/testutil/platform"
	jaegerclient "github.com/superkube/super-kubenetes/internal/tracing/jaeger"
	"github.com/superkube/super-kubenetes/internal/tracing/tracegen"
)

// The world: workspace wsa with projects shop-a and reborn, workspace wsb
// with shop-b. memberA views shop-a and reborn, memberB views shop-b.
// reborn had a predecessor of the same name, whose spans Jaeger holds.
var namespaces = map[string]string{"shop-a": "wsa", "reborn": "wsa", "shop-b": "wsb"}

const (
	memberA = "member-a"
	memberB = "member-b"
	nobody  = "nobody"
)

// The traces the world sends, by name.
var traceIDs = map[string]string{}

// The services of shop-a (checkout names no namespace: its resource says
// it; legacy.shop-a says it only in its name, as Istio's proxies do).
var servicesA = []string{"checkout", "frontend.shop-a", "gateway.shop-a", "ledger.shop-a", "legacy.shop-a", "ratings.shop-a", "reviews.shop-a"}

func createWorld(ctx context.Context) error {
	objs := []client.Object{
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsa"}},
		&tenantv1beta1.Workspace{ObjectMeta: metav1.ObjectMeta{Name: "wsb"}},
	}
	for ns, ws := range namespaces {
		objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{tenantv1beta1.WorkspaceLabel: ws}}})
	}
	bind := func(user, ns string) client.Object {
		return &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: user + "-viewer", Labels: map[string]string{iamv1beta1.UserRefLabel: user}},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "viewer"},
			Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: rbacv1.GroupName, Name: user}}}
	}
	objs = append(objs, bind(memberA, "shop-a"), bind(memberA, "reborn"), bind(memberB, "shop-b"))
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %s: %w", o.GetName(), err)
		}
	}
	var born time.Time
	for ns := range namespaces {
		n := &corev1.Namespace{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: ns}, n); err != nil {
			return err
		}
		if n.CreationTimestamp.After(born) {
			born = n.CreationTimestamp.Time
		}
	}
	// Spans start after their namespace was created (to the second, as the
	// API server keeps it), the predecessor of reborn's an hour before.
	at := born.Add(time.Second)
	s := tracegen.New(store.OTLPHTTP, tracegen.Options{})
	defer func() { _ = s.Close(context.Background()) }()
	slow := tracegen.Demo("shop-a")
	slow.Operation, slow.Duration, slow.Error = "GET /slow", 1500*time.Millisecond, true
	slow.Attributes = map[string]string{"http.request.method": "GET", "http.response.status_code": "500"}
	send := []struct {
		name string
		root *tracegen.Span
		at   time.Time
	}{
		{"a", tracegen.Demo("shop-a"), at},
		{"slow", slow, at.Add(100 * time.Millisecond)},
		{"b", tracegen.Demo("shop-b"), at.Add(200 * time.Millisecond)},
		// A request that crosses tenants: shop-a's gateway calls shop-b's
		// payments, which calls shop-a's ledger.
		{"cross", &tracegen.Span{App: "gateway", Namespace: "shop-a", Operation: "POST /checkout", Duration: 300 * time.Millisecond,
			Children: []tracegen.Span{{App: "payments", Namespace: "shop-b", Operation: "POST /charge", Offset: 20 * time.Millisecond, Duration: 200 * time.Millisecond,
				Attributes: map[string]string{"card.last4": "4242"},
				Children:   []tracegen.Span{{App: "ledger", Namespace: "shop-a", Operation: "POST /entries", Offset: 50 * time.Millisecond, Duration: 50 * time.Millisecond}}}}},
			at.Add(300 * time.Millisecond)},
		{"checkout", &tracegen.Span{Service: "checkout", Namespace: "shop-a", Operation: "GET /cart", Duration: 30 * time.Millisecond}, at.Add(400 * time.Millisecond)},
		{"legacy", &tracegen.Span{App: "legacy", Namespace: "shop-a", NoNamespaceAttribute: true, Operation: "GET /old", Duration: 20 * time.Millisecond}, at.Add(500 * time.Millisecond)},
		{"reborn-old", tracegen.Demo("reborn"), born.Add(-time.Hour)},
		{"reborn-new", tracegen.Demo("reborn"), at.Add(600 * time.Millisecond)},
	}
	for _, x := range send {
		id, err := s.Send(ctx, x.root, x.at)
		if err != nil {
			return err
		}
		traceIDs[x.name] = id
	}
	if err := s.Flush(ctx); err != nil {
		return err
	}
	// Jaeger batches what it receives: wait until every trace is stored.
	jc, err := jaegerclient.New(store.URL, 5*time.Second)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for name, id := range traceIDs {
		for {
			_, err := jc.Trace(ctx, id)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("trace %s (%s) is not in Jaeger: %w", name, id, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

var (
	usersOnce sync.Once
	tokens    map[string]string
)

// users creates the users once and returns a token of each; it waits
// until each one's bindings work.
func users(t *testing.T) map[string]string {
	t.Helper()
	usersOnce.Do(func() {
		for _, u := range []string{memberA, memberB, nobody} {
			platform.NewUser(t, k8s, u, password)
		}
		tokens = map[string]string{"admin": api.Admin(t)}
		for _, u := range []string{memberA, memberB, nobody} {
			tokens[u] = api.Token(t, u)
		}
		for u, ns := range map[string]string{memberA: "shop-a", memberB: "shop-b"} {
			platform.Eventually(t, u+"'s bindings apply", time.Minute, func() error {
				if r := get(t, tokens[u], ns, "/services", nil); r.Code != http.StatusOK {
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

func get(t *testing.T, tok, ns, path string, q url.Values) *platform.Response {
	t.Helper()
	u := "/kapis/servicemesh.superkube.io/v1alpha2/namespaces/" + ns + "/tracing" + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return api.Do(t, http.MethodGet, u, tok, nil)
}

// span and trace are the answer's fields the tests look at.
type span struct {
	SpanID       string `json:"spanID"`
	ParentSpanID string `json:"parentSpanID"`
	Depth        int    `json:"depth"`
	Service      string `json:"service"`
	Namespace    string `json:"namespace"`
	Operation    string `json:"operation"`
	StartOffset  int64  `json:"startOffset"`
	Duration     int64  `json:"duration"`
	Error        bool   `json:"error"`
	Tags         []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
	Logs []struct {
		Fields []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"fields"`
	} `json:"logs"`
}

type trace struct {
	TraceID     string   `json:"traceID"`
	RootService string   `json:"rootService"`
	HiddenSpans int      `json:"hiddenSpans"`
	Warnings    []string `json:"warnings"`
	Spans       []span   `json:"spans"`
}

// searchTraces runs a search that must answer 200.
func searchTraces(t *testing.T, tok, ns string, q url.Values) []trace {
	t.Helper()
	r := get(t, tok, ns, "/traces", q)
	if r.Code != http.StatusOK {
		t.Fatalf("search %s in %s: %d %s", q.Encode(), ns, r.Code, r.Body)
	}
	var out struct {
		Items      []trace `json:"items"`
		TotalItems int     `json:"totalItems"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	if out.TotalItems != len(out.Items) {
		t.Errorf("totalItems %d for %d items", out.TotalItems, len(out.Items))
	}
	return out.Items
}

// ids are the traces' ids.
func ids(ts []trace) map[string]bool {
	out := map[string]bool{}
	for _, t := range ts {
		out[t.TraceID] = true
	}
	return out
}

// onlyNamespaces fails when a span of another namespace is shown.
func onlyNamespaces(t *testing.T, ts []trace, allowed ...string) {
	t.Helper()
	for _, tr := range ts {
		for _, s := range tr.Spans {
			ok := false
			for _, a := range allowed {
				ok = ok || s.Namespace == a
			}
			if !ok || strings.HasSuffix(s.Service, ".shop-b") && !contains(allowed, "shop-b") {
				t.Errorf("trace %s shows span %s of %s (namespace %s)", tr.TraceID, s.Operation, s.Service, s.Namespace)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// cause is the field a Status names.
func cause(r *platform.Response) string {
	d, _ := r.JSON["details"].(map[string]any)
	cs, _ := d["causes"].([]any)
	if len(cs) == 0 {
		return ""
	}
	c, _ := cs[0].(map[string]any)
	f, _ := c["field"].(string)
	return f
}

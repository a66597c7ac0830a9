// Command openapi writes the OpenAPI v3 document of ke-apiserver's own
// endpoints, from the routes its handlers register and the CRD schemas in
// config/crd/bases. `make generate` runs it; `make verify` checks the
// document is current.
package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/superkube/super-kubenetes/internal/apiserver/openapi"
	alertinghandlers "github.com/superkube/super-kubenetes/internal/handlers/alerting"
	applicationhandlers "github.com/superkube/super-kubenetes/internal/handlers/application"
	clusterhandlers "github.com/superkube/super-kubenetes/internal/handlers/cluster"
	confighandlers "github.com/superkube/super-kubenetes/internal/handlers/config"
	gatewayhandlers "github.com/superkube/super-kubenetes/internal/handlers/gateway"
	iamhandlers "github.com/superkube/super-kubenetes/internal/handlers/iam"
	logginghandlers "github.com/superkube/super-kubenetes/internal/handlers/logging"
	monitoringhandlers "github.com/superkube/super-kubenetes/internal/handlers/monitoring"
	notificationhandlers "github.com/superkube/super-kubenetes/internal/handlers/notification"
	"github.com/superkube/super-kubenetes/internal/handlers/resources"
	servicemeshhandlers "github.com/superkube/super-kubenetes/internal/handlers/servicemesh"
	storagehandlers "github.com/superkube/super-kubenetes/internal/handlers/storage"
	tenanthandlers "github.com/superkube/super-kubenetes/internal/handlers/tenant"
	topologyhandlers "github.com/superkube/super-kubenetes/internal/handlers/topology"
	tracinghandlers "github.com/superkube/super-kubenetes/internal/handlers/tracing"
	"github.com/superkube/super-kubenetes/internal/multicluster/tunnel"
	"github.com/superkube/super-kubenetes/internal/oauth"
	"github.com/superkube/super-kubenetes/internal/storage/snapshotcrds"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "openapi:", err)
		os.Exit(1)
	}
}

func run() error {
	rec := &openapi.Recorder{}
	(&oauth.Server{}).Install(rec)
	(&iamhandlers.Handlers{}).Install(rec)
	(&resources.Handler{}).Install(rec)
	(&tenanthandlers.Handlers{}).Install(rec)
	(&confighandlers.Handlers{}).Install(rec)
	(&monitoringhandlers.Handler{}).Install(rec)
	(&logginghandlers.Handler{}).Install(rec)
	(&notificationhandlers.Handler{}).Install(rec)
	// Alertmanager's webhook is served beside the routes, with its own token.
	rec.Patterns = append(rec.Patterns, http.MethodPost+" "+notificationhandlers.WebhookPath)
	(&alertinghandlers.Handler{}).Install(rec)
	(&applicationhandlers.Handler{}).Install(rec)
	(&clusterhandlers.Handlers{}).Install(rec)
	(&storagehandlers.Handler{}).Install(rec)
	(&gatewayhandlers.Handler{}).Install(rec)
	(&servicemeshhandlers.Handler{}).Install(rec)
	(&topologyhandlers.Handler{}).Install(rec)
	(&tracinghandlers.Handler{}).Install(rec)
	// A member cluster's agent joins and opens its tunnel with its own credentials.
	rec.Patterns = append(rec.Patterns, http.MethodPost+" "+tunnel.JoinPath, http.MethodGet+" "+tunnel.ConnectPath)
	var patterns []string
	for _, p := range rec.Patterns {
		if _, path, _ := strings.Cut(p, " "); strings.HasPrefix(path, "/kapis/") || strings.HasPrefix(path, "/oauth/") || strings.HasPrefix(path, "/.well-known/") {
			patterns = append(patterns, p)
		}
	}
	schemas, err := crdSchemas("config/crd/bases")
	if err != nil {
		return err
	}
	// The storage API takes VolumeSnapshots, whose schema is the CSI
	// snapshot CRDs'.
	snapshots, err := crdSchemas(filepath.Join("internal", "storage", "snapshotcrds", snapshotcrds.Version))
	if err != nil {
		return err
	}
	for kind, schema := range snapshots {
		schemas[kind] = schema
	}
	for kind, schema := range servicemeshhandlers.Schemas() {
		schemas[kind] = schema
	}
	doc, err := openapi.Build(patterns, infos(patterns), schemas)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join("internal", "apiserver", "openapi", "openapi-v3.json"), append(doc, '\n'), 0o644)
}

// infos marks list endpoints (GETs of collections), request bodies and
// public operations.
func infos(patterns []string) map[string]openapi.Info {
	notLists := []string{"/kubeconfig", "/gatewaypolicy", "/overview", "/platformsettings", "/version", "/openid-configuration", "/keys", "/userinfo",
		"/authorize", "/logout", "/v1alpha3"}
	bodies := map[string]string{
		"POST /kapis/iam.superkube.io/v1beta1/users":                    "User",
		"POST /kapis/tenant.superkube.io/v1beta1/workspaces":            "Workspace",
		"POST /kapis/iam.superkube.io/v1beta1/groups":                   "Group",
		"PUT /kapis/iam.superkube.io/v1beta1/users/{user}":              "User",
		"PUT /kapis/tenant.superkube.io/v1beta1/workspaces/{workspace}": "Workspace",
	}
	for _, g := range []struct{ path, kind string }{
		{"/namespaces/{namespace}/rulegroups", "RuleGroup"}, {"/clusterrulegroups", "ClusterRuleGroup"}, {"/globalrulegroups", "GlobalRuleGroup"},
	} {
		bodies["POST "+alertinghandlers.Prefix+g.path] = g.kind
		bodies["PUT "+alertinghandlers.Prefix+g.path+"/{name}"] = g.kind
	}
	for _, res := range notificationhandlers.Resources {
		kind := map[string]string{"configs": "Config", "receivers": "Receiver", "routers": "Router", "silences": "Silence"}[res]
		for _, prefix := range []string{notificationhandlers.Prefix + "/", notificationhandlers.Prefix + "/users/{user}/"} {
			bodies["POST "+prefix+res] = kind
			bodies["PUT "+prefix+res+"/{name}"] = kind
		}
	}
	ap := applicationhandlers.Prefix
	for path, kind := range map[string]string{"/repos": "Repository", "/workspaces/{workspace}/repos": "Repository", "/categories": "Category",
		"/namespaces/{namespace}/releases": "ApplicationRelease"} {
		bodies["POST "+ap+path] = kind
	}
	for path, kind := range map[string]string{"/repos/{name}": "Repository", "/categories/{name}": "Category", "/namespaces/{namespace}/releases/{name}": "ApplicationRelease"} {
		bodies["PUT "+ap+path] = kind
	}
	sp := storagehandlers.Prefix
	bodies["POST "+sp+"/namespaces/{namespace}/volumesnapshots"] = "VolumeSnapshot"
	storageSummaries := map[string]string{
		"GET " + sp + "/storageclasses": "Storage classes with provisioner, reclaim policy, binding mode, expansion, default and capabilities " +
			"(snapshot, clone, expand) derived from the CSI side; for whoever may list storage classes or create claims in a project",
		"POST " + sp + "/storageclasses/{name}/default": "Make the class the only default one (the annotation is cleared on every other class); takes the right to update storage classes",
		"GET " + sp + "/volumesnapshotclasses":          "Volume snapshot classes, each with its driver's storage classes",
		"GET " + sp + "/namespaces/{namespace}/persistentvolumeclaims": "The project's claims, each with the pods that mount it and its class's capabilities; " +
			"takes the rights to list claims and pods there",
		"POST " + sp + "/namespaces/{namespace}/persistentvolumeclaims/{name}/expand": `Expand a claim: {"spec":{"resources":{"requests":{"storage":"2Gi"}}}}; ` +
			"a class without allowVolumeExpansion or a smaller size is a 422 naming spec.resources.requests.storage",
		"POST " + sp + "/namespaces/{namespace}/volumesnapshots": "Take a snapshot of spec.source.persistentVolumeClaimName; a claim whose class cannot snapshot " +
			"is a 422 naming that field; spec.volumeSnapshotClassName defaults to the driver's default snapshot class",
		"POST " + sp + "/namespaces/{namespace}/volumesnapshots/{name}/restore": `Restore the snapshot into a new claim: {"metadata":{"name":"..."},"spec":{...}}; ` +
			"class, size (at least the restore size) and access modes default from the snapshot and its source claim",
	}
	storageFilters := map[string][][3]string{
		"GET " + sp + "/storageclasses": {{"provisioner", "string", "classes of this provisioner"}, {"default", "boolean", "the default class"},
			{"snapshot", "boolean", "classes that can snapshot"}, {"clone", "boolean", "classes that can clone"}, {"expand", "boolean", "classes that can expand"}},
		"GET " + sp + "/volumesnapshotclasses": {{"driver", "string", "classes of this driver"}},
		"GET " + sp + "/namespaces/{namespace}/persistentvolumeclaims": {{"storageClass", "string", "claims of this class"}, {"phase", "string", "Pending, Bound or Lost"},
			{"mounted", "boolean", "claims mounted by a pod (or not)"}},
		"GET " + sp + "/namespaces/{namespace}/volumesnapshots": {{"persistentVolumeClaim", "string", "snapshots of this claim"},
			{"ready", "boolean", "snapshots ready to use (or not)"}, {"volumeSnapshotClass", "string", "snapshots of this class"}},
	}
	gp := gatewayhandlers.Prefix
	for k, v := range map[string]string{
		"GET " + gp + "/namespaces/{namespace}/ingressclasses": "Every IngressClass with its controller, whether it is the default and whether the project may use it; for whoever may list ingresses there",
		"GET " + gp + "/workspaces/{workspace}/ingressclasses": "Every IngressClass with whether the workspace's policy allows it; for the workspace's members",
		"GET " + gp + "/namespaces/{namespace}/gatewaypolicy":  "The allowed lists of the workspace and of the project, and their intersection (a null list does not restrict)",
		"GET " + gp + "/workspaces/{workspace}/gatewaypolicy":  "The workspace's allowed lists",
		"GET " + gp + "/namespaces/{namespace}/routes": "The project's Ingresses and HTTPRoutes with hosts, paths, TLS secrets and each backend's readiness " +
			"(ready/total endpoints, ServiceMissing, PortMissing) from EndpointSlices",
		"GET " + gp + "/namespaces/{namespace}/ingresses/{name}": "One Ingress as a route, with its backends' readiness",
		"POST " + gp + "/namespaces/{namespace}/ingresses": `Create an Ingress from the form {name, ingressClassName, rules: [{host, paths: [{path, pathType, service, port}]}], tls: [{hosts, secretName}]}; ` +
			"a missing Service, port or TLS secret is a 422 naming the Ingress's field; a class the workspace or project does not allow is kube-apiserver's 403",
		"PUT " + gp + "/namespaces/{namespace}/ingresses/{name}":  "Replace an Ingress's spec with the form's, as the caller",
		"GET " + gp + "/namespaces/{namespace}/httproutes/{name}": "One Gateway API HTTPRoute as a route, with its backends' readiness",
		"POST " + gp + "/namespaces/{namespace}/httproutes": `Create an HTTPRoute from the form {name, parentRefs: ["gateway" | "namespace/gateway"], hostnames, rules: [{path, pathType, backends: [{service, port, weight}]}]}; ` +
			"a missing Service, port or Gateway is a 422 naming the HTTPRoute's field; a Gateway the workspace or project does not allow is kube-apiserver's 403 with a cause at spec.parentRefs",
		"PUT " + gp + "/namespaces/{namespace}/httproutes/{name}": "Replace an HTTPRoute's parents, hostnames and rules with the form's, as the caller (409 when it has what the form cannot show)",
	} {
		storageSummaries[k] = v
	}
	storageFilters["GET "+gp+"/namespaces/{namespace}/ingressclasses"] = [][3]string{{"allowed", "boolean", "classes the project may use (or not)"},
		{"default", "boolean", "the default class"}, {"controller", "string", "classes of this controller"}}
	storageFilters["GET "+gp+"/workspaces/{workspace}/ingressclasses"] = storageFilters["GET "+gp+"/namespaces/{namespace}/ingressclasses"]
	storageFilters["GET "+gp+"/namespaces/{namespace}/routes"] = [][3]string{{"type", "string", "Ingress or HTTPRoute"}, {"host", "string", "routes with a host containing this"},
		{"ready", "boolean", "routes whose every backend is ready (or not)"}, {"ingressClassName", "string", "Ingresses of this class"}}
	out := map[string]openapi.Info{}
	for _, p := range patterns {
		method, path, _ := strings.Cut(p, " ")
		info := openapi.Info{Body: bodies[p]}
		if method == http.MethodGet && strings.HasPrefix(path, "/kapis/") && !strings.HasSuffix(path, "}") {
			info.List = true
			for _, s := range notLists {
				if strings.HasSuffix(path, s) {
					info.List = false
				}
			}
		}
		if strings.HasPrefix(path, monitoringhandlers.Prefix+"/") {
			info.List = false
			switch {
			case strings.HasSuffix(path, "/metrics"):
				info.Query = [][3]string{{"level", "string", "one level of the catalog"}}
			case strings.HasSuffix(path, "/query"), strings.HasSuffix(path, "/query_range"):
				info.Query = [][3]string{{"query", "string", "PromQL (platform administrators only)"}, {"time", "string", "instant, RFC 3339 or Unix seconds"},
					{"start", "string", "start of a range"}, {"end", "string", "end of a range"}, {"step", "string", "resolution of a range"}}
			default:
				info.Query = monitoringhandlers.QueryParams
			}
		}
		if strings.HasPrefix(path, topologyhandlers.Prefix+"/") {
			switch {
			case strings.HasSuffix(path, "/topology"):
				info.List = false
				info.Summary = "The project's traffic graph from the mesh's metrics: nodes (service, workload with app and version, unknown, external) and edges with rate (req/s), error ratio (5xx/all) and latency p50/p95/p99 (ms)"
				info.Query = topologyhandlers.TopologyParams
			case strings.HasSuffix(path, "/versions/metrics"):
				info.List = false
				info.Summary = "Per version of the service: request rate, error ratio and latency p50/p95/p99 over time and now, to compare a canary"
				info.Query = topologyhandlers.VersionsParams
			}
		}
		if strings.HasPrefix(path, alertinghandlers.Prefix+"/") {
			switch {
			case strings.HasSuffix(path, "/history"):
				info.List = false
				info.Query = [][3]string{{"start", "string", "start of the range, RFC 3339 or Unix seconds (default a day before end)"},
					{"end", "string", "end of the range (default now)"}, {"step", "string", "resolution, a duration such as 1m (default range/1000, at least 15s)"}}
			case strings.HasSuffix(path, "/builder/metrics"):
				info.List = false
			}
		}
		if strings.HasPrefix(path, applicationhandlers.Prefix+"/") {
			switch {
			case method == http.MethodPost && strings.HasSuffix(path, "/workspaces/{workspace}/apps"):
				info.Summary = "Upload a chart archive (.tgz, at most 1 MiB) as application/gzip or application/octet-stream, or multipart/form-data field chart: a draft version of the workspace's app"
			case strings.HasSuffix(path, "/action"):
				info.Summary = `A review action: {"action": submit|withdraw|pass|reject|release|suspend|recover|draft, "message": "..."}`
			case strings.HasSuffix(path, "/rollback"):
				info.Summary = `Roll the release back to a revision of its history: {"revision": N}`
			case strings.HasSuffix(path, "/dryrun"):
				info.Summary = `Render a version with values as the caller would install it: {application, version, values, name} → {manifest, current, notes}; values failing the chart's schema are a 422`
			case strings.HasSuffix(path, "/sync"):
				info.Summary = "Ask for a sync of the repository now (202)"
			case strings.HasSuffix(path, "/files"):
				info.List = false
				info.Summary = "A version's README, values.yaml, values.schema.json and chart metadata"
			case strings.HasSuffix(path, "/apps") && method == http.MethodGet:
				info.Query = [][3]string{{"state", "string", "active (default for the store), or another state for reviewers and the store's managers"},
					{"category", "string", "a Category's name"}, {"workspace", "string", "that workspace's app templates (its members)"}, {"repository", "string", "apps of a repository"}}
			case strings.HasSuffix(path, "/reviews"):
				info.Query = [][3]string{{"state", "string", "versions in this state (default submitted)"}, {"workspace", "string", "versions of this workspace"}, {"application", "string", "versions of this app"}}
			case strings.HasSuffix(path, "/releases") && method == http.MethodGet:
				info.Query = [][3]string{{"workspace", "string", "releases in the workspace's projects"}, {"namespace", "string", "releases of a project"},
					{"application", "string", "releases of an app"}, {"phase", "string", "releases in a phase"}}
			}
		}
		if strings.HasPrefix(path, logginghandlers.Prefix+"/") {
			info.List = false
			info.Query = logginghandlers.QueryParams
			switch {
			case strings.HasSuffix(path, "/auditing/events"):
				info.Query = logginghandlers.AuditQueryParams
			case strings.HasSuffix(path, "/events"):
				info.Query = logginghandlers.EventQueryParams
			}
		}
		if strings.HasPrefix(path, tracinghandlers.Prefix+"/") && strings.HasSuffix(path, "/tracing/traces") {
			// A search, not a list: Jaeger finds the traces, newest first.
			info.List = false
			info.Query = tracinghandlers.SearchParams
		}
		if strings.HasSuffix(path, "/deliveries") {
			info.Query = [][3]string{{"receiver", "string", "only the deliveries of this receiver"}, {"result", "string", "sent or failed"},
				{"since", "string", "RFC 3339 or Unix seconds"}, {"user", "string", "platform level: one user's deliveries, - for the platform's receivers"}}
		}
		if s, ok := storageSummaries[p]; ok {
			info.Summary = s
		}
		if q, ok := storageFilters[p]; ok {
			info.Query = q
		}
		switch path {
		case tunnel.JoinPath:
			info.Summary = "An agent joins its member cluster: the join token (bearer) is traded for the agent credential, shown once; the body is {cluster, kubeconfig}"
			info.Public = true
		case tunnel.ConnectPath:
			info.Summary = "An agent's tunnel (WebSocket, remotedialer), authenticated by the agent credential (bearer) and the X-Superkube-Cluster header"
			info.Public = true
		case clusterhandlers.Prefix + "/clusters":
			info.Summary = "Join a member cluster: {name, provider, connection: Direct|Agent, kubeconfig (Direct), joinTokenTTL (Agent)}; an Agent cluster's join token is shown once"
		case clusterhandlers.Prefix + "/clusters/{cluster}/jointoken":
			info.Summary = "A new join token for an Agent cluster (query ttl, default 1h), shown once; the old one stops working"
			info.Query = [][3]string{{"ttl", "string", "how long the token works, 1m to 168h"}}
		}
		if path == notificationhandlers.WebhookPath {
			info.Summary = "Alertmanager's webhook (payload version 4), authenticated by the bearer token of notification.webhookTokenFile, not a user's token"
			info.Public = true
		}
		if strings.HasPrefix(path, "/oauth/") || strings.HasPrefix(path, "/.well-known/") ||
			strings.HasSuffix(path, "/identityproviders") || strings.HasSuffix(path, "/config.superkube.io/v1alpha2/version") {
			info.Public = true
		}
		if i, ok := servicemeshhandlers.OpenAPI()[p]; ok {
			info = i
		}
		out[p] = info
	}
	return out
}

// crdSchemas reads each CRD's OpenAPI schema, by kind.
func crdSchemas(dir string) (map[string]any, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var crd struct {
			Spec struct {
				Names    struct{ Kind string } `json:"names"`
				Versions []struct {
					Schema struct {
						OpenAPIV3Schema any `json:"openAPIV3Schema"`
					} `json:"schema"`
				} `json:"versions"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if len(crd.Spec.Versions) > 0 {
			out[crd.Spec.Names.Kind] = crd.Spec.Versions[0].Schema.OpenAPIV3Schema
		}
	}
	return out, nil
}

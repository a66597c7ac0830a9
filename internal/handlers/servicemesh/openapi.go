package servicemesh

import (
	"github.com/superkube/super-kubenetes/internal/apiserver/openapi"
)

// OpenAPI describes the endpoints for /openapi/v3 (hack/openapi), by
// route pattern ("METHOD /path").
func OpenAPI() map[string]openapi.Info {
	ns := Prefix + "/namespaces/{namespace}"
	return map[string]openapi.Info{
		"GET " + ns + "/strategies": {List: true, Summary: "The project's Strategies, read as the caller",
			Query: [][3]string{{"type", "string", "Canary, BlueGreen or Mirror"}, {"service", "string", "strategies of this Service"},
				{"phase", "string", "Pending, Progressing, Promoted, RolledBack or Failed"}}},
		"POST " + ns + "/strategies": {Body: "Strategy", Summary: "Create a Strategy as the caller; a wrong field (weight, header regex, " +
			"a spec.service that names no Service of the project) is a 422 naming it"},
		"GET " + ns + "/strategies/{name}":    {Summary: "One Strategy"},
		"PUT " + ns + "/strategies/{name}":    {Body: "Strategy", Summary: "Replace a Strategy's spec as the caller (its type, service and versions cannot change)"},
		"DELETE " + ns + "/strategies/{name}": {Summary: "Delete a Strategy as the caller; the generated routes go with it"},
		"POST " + ns + "/strategies/{name}/promote": {Summary: "Promote: all traffic to the canary and the principal scaled down " +
			"(spec.decision Promote); 409 when the strategy is already decided"},
		"POST " + ns + "/strategies/{name}/rollback": {Summary: "Roll back: all traffic to the principal and the canary scaled down " +
			"(spec.decision Rollback); 409 when the strategy is already decided"},
		"PUT " + ns + "/strategies/{name}/weight": {Body: "WeightRequest", Summary: `Shift a Canary's weight: {"weight": 0..100}; ` +
			"422 on spec.weight for another type or a value out of range, 409 once decided"},
		"GET " + ns + "/servicepolicies": {List: true, Summary: "The project's ServicePolicies, read as the caller",
			Query: [][3]string{{"service", "string", "the policy of this Service"}, {"ready", "string", "True, False or Unknown"}}},
		"POST " + ns + "/servicepolicies": {Body: "ServicePolicy", Summary: "Create a ServicePolicy as the caller; a second policy " +
			"for one Service is a 409 naming the first"},
		"GET " + ns + "/servicepolicies/{name}":    {Summary: "One ServicePolicy"},
		"PUT " + ns + "/servicepolicies/{name}":    {Body: "ServicePolicy", Summary: "Replace a ServicePolicy's spec as the caller"},
		"DELETE " + ns + "/servicepolicies/{name}": {Summary: "Delete a ServicePolicy as the caller"},
		"GET " + ns + "/services": {List: true, Summary: "The project's Services with their versions (pods, ready pods, " +
			"the Deployments and StatefulSets that own them), the Strategies and ServicePolicies naming them and whether the project " +
			"is in the mesh; takes the rights to list services and pods there",
			Query: [][3]string{{"strategy", "boolean", "services with an undecided strategy (or without)"}, {"version", "string", "services with a version of this name"}}},
		"GET " + ns + "/mesh": {Summary: `Whether the project is in the mesh: {"enabled": bool} (its namespace's istio-injection label)`},
		"PUT " + ns + "/mesh": {Body: "Mesh", Summary: `Put the project in the mesh or take it out: {"enabled": bool} sets or removes ` +
			"istio-injection=enabled on the namespace, as the caller; takes the right to patch the namespace (project admin)"},
	}
}

// Schemas are the request bodies that are not CRDs.
func Schemas() map[string]any {
	return map[string]any{
		"WeightRequest": map[string]any{"type": "object", "required": []string{"weight"},
			"properties": map[string]any{"weight": map[string]any{"type": "integer", "minimum": 0, "maximum": 100}}},
		"Mesh": map[string]any{"type": "object", "required": []string{"enabled"},
			"properties": map[string]any{"enabled": map[string]any{"type": "boolean"}}},
	}
}

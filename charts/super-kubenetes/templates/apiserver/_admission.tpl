{{/*
kube-apiserver's ValidatingWebhookConfiguration for ke-apiserver's webhook:
the platform's escalation and reserved-label rules on every path that writes
roles, bindings, users, groups and namespaces, and the
alert rule groups' validation and built-in groups, and the app store's review
workflow, trusted repositories and release operators. It mirrors
admission.Configuration in internal/admission/configuration.go (a chart test
compares the two). Called from tls.yaml, which knows the serving certificate:
dict "ctx" $ "caBundle" <base64 PEM or ""> "injectFrom" <cert-manager Certificate or "">.
*/}}
{{- define "sk.apiserver.admission" -}}
{{- $ctx := .ctx }}
{{- $caBundle := .caBundle }}
{{- $injectFrom := .injectFrom }}
{{- if $ctx.Values.apiserver.admission.enabled }}
{{- $ns := $ctx.Release.Namespace }}
{{- $users := list "system:apiserver" "system:kube-controller-manager" "system:kube-scheduler"
      (printf "system:serviceaccount:%s:%s" $ns (include "sk.controllerManager.fullname" $ctx))
      (printf "system:serviceaccount:%s:%s" $ns (include "sk.apiserver.fullname" $ctx)) }}
{{- $quoted := list }}
{{- range $users }}{{ $quoted = append $quoted (printf "%q" .) }}{{ end }}
{{- $match := printf "!(has(request.userInfo.groups) && \"system:masters\" in request.userInfo.groups) && !(request.userInfo.username in [%s]) && !request.userInfo.username.startsWith(\"system:serviceaccount:kube-system:\")" (join ", " $quoted) }}
{{- $serviceNames := or (not $ctx.Values.apiserver.tls.certManager.enabled) $ctx.Values.apiserver.tls.certManager.includeServiceNames $ctx.Values.apiserver.tls.existingSecret }}
{{- $webhooks := list
      (dict "name" "iam.admission.superkube.io" "group" "iam.superkube.io" "ops" (list "CREATE" "UPDATE" "DELETE")
            "resources" (list "users" "users/status" "groups" "groupbindings" "globalroles" "globalrolebindings" "workspaceroles" "workspacerolebindings" "roletemplates"))
      (dict "name" "rbac.admission.superkube.io" "group" "rbac.authorization.k8s.io" "ops" (list "CREATE" "UPDATE")
            "resources" (list "roles" "rolebindings" "clusterroles" "clusterrolebindings"))
      (dict "name" "namespaces.admission.superkube.io" "group" "" "ops" (list "CREATE" "UPDATE") "resources" (list "namespaces"))
      (dict "name" "alerting.admission.superkube.io" "group" "alerting.superkube.io" "ops" (list "CREATE" "UPDATE" "DELETE")
            "resources" (list "rulegroups" "clusterrulegroups" "globalrulegroups"))
      (dict "name" "application.admission.superkube.io" "group" "application.superkube.io" "ops" (list "CREATE" "UPDATE")
            "resources" (list "applicationversions" "repositories"))
      (dict "name" "releases.admission.superkube.io" "group" "application.superkube.io" "ops" (list "CREATE" "UPDATE" "DELETE")
            "resources" (list "applicationreleases"))
      (dict "name" "servicemesh.admission.superkube.io" "group" "servicemesh.superkube.io" "ops" (list "CREATE" "UPDATE")
            "resources" (list "strategies" "servicepolicies")) }}
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  # Cluster-scoped: one per release, named after it.
  name: {{ include "sk.apiserver.fullname" $ctx }}
  labels:
    {{- include "sk.labels" (dict "ctx" $ctx "component" "apiserver") | nindent 4 }}
  {{- with $injectFrom }}
  annotations:
    cert-manager.io/inject-ca-from: {{ printf "%s/%s" $ns . | quote }}
  {{- end }}
webhooks:
{{- range $webhooks }}
  - name: {{ .name }}
    clientConfig:
      {{- if $serviceNames }}
      service:
        namespace: {{ $ns }}
        name: {{ include "sk.apiserver.fullname" $ctx }}
        path: /webhooks/admission
        port: {{ int64 $ctx.Values.apiserver.service.port }}
      {{- else }}
      url: {{ printf "%s/webhooks/admission" (include "sk.apiserver.issuer" $ctx) | quote }}
      {{- end }}
      {{- with $caBundle }}
      caBundle: {{ . }}
      {{- end }}
    rules:
      - apiGroups: [{{ .group | quote }}]
        apiVersions: ["*"]
        operations: {{ toJson .ops }}
        resources: {{ toJson .resources }}
        scope: "*"
    failurePolicy: Fail
    sideEffects: None
    matchPolicy: Equivalent
    timeoutSeconds: 5
    admissionReviewVersions: ["v1"]
    matchConditions:
      - name: not-exempt
        expression: {{ $match | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The affinity of a component's pods: the configured one, or a preference to run
the replicas on different nodes. Call with (dict "ctx" $ "component" "apiserver" "affinity" .Values.apiserver.affinity).
*/}}
{{- define "sk.affinity" -}}
{{- if .affinity }}
{{- toYaml .affinity }}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "sk.selectorLabels" . | nindent 12 }}
{{- end }}
{{- end }}

{{/*
The ingress NetworkPolicy of a component's pods: its rules, then the extra
ones from values. No rule at all isolates the pods from every source but
their node. Call with (dict "ctx" $ "component" "redis" "rules" (list ...) "extra" .Values.networkPolicy.extraIngress.redis).
*/}}
{{- define "sk.networkPolicy" -}}
{{- $rules := concat (default list .rules) (default list .extra) }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "sk.fullname" .ctx }}-{{ .component }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- include "sk.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "sk.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  {{- if $rules }}
  ingress:
    {{- toYaml $rules | nindent 4 }}
  {{- else }}
  ingress: []
  {{- end }}
{{- end }}

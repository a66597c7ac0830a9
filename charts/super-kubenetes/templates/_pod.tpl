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

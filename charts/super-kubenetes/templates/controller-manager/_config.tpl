{{/*
ke-controller-manager's configuration file; the fields are those of
internal/controllermanager/app/config.go.
*/}}
{{- define "sk.controllerManager.config" -}}
{{- $cm := .Values.controllerManager -}}
apiVersion: config.superkube.io/v1alpha1
kind: ControllerManagerConfiguration
systemNamespace: {{ .Release.Namespace | quote }}
metricsBindAddress: {{ printf ":%d" (int64 $cm.metrics.port) | quote }}
stateMetricsBindAddress: {{ ternary (printf ":%d" (int64 $cm.stateMetrics.port)) "0" $cm.stateMetrics.enabled | quote }}
healthProbeBindAddress: {{ printf ":%d" (int64 $cm.healthPort) | quote }}
{{- if $cm.pprof.enabled }}
pprofBindAddress: {{ printf ":%d" (int64 $cm.pprof.port) | quote }}
{{- end }}
leaderElection:
  enabled: {{ $cm.leaderElection.enabled }}
  namespace: {{ .Release.Namespace | quote }}
  id: {{ $cm.leaderElection.id | quote }}
concurrency: {{ int64 $cm.concurrency }}
kubeAPIQPS: {{ toJson $cm.kubeAPIQPS }}
kubeAPIBurst: {{ int64 $cm.kubeAPIBurst }}
authentication:
  bcryptCost: {{ int64 .Values.bcryptCost }}
  maxFailedLogins: {{ int64 $cm.authentication.maxFailedLogins }}
  lockoutWindow: {{ $cm.authentication.lockoutWindow | quote }}
loginRecords:
  maxAge: {{ $cm.loginRecords.maxAge | quote }}
  maxPerUser: {{ int64 $cm.loginRecords.maxPerUser }}
{{- with $cm.adminEmail }}
adminEmail: {{ . | quote }}
{{- end }}
clusterCheckInterval: {{ $cm.clusterCheckInterval | quote }}
events:
  {{- /* The URL given, else the store the chart deploys. */}}
  victoriaLogsURL: {{ include "sk.controllerManager.victoriaLogsURL" . | quote }}
  {{- if .Values.logging.elasticsearch.enabled }}
  elasticsearch:
    {{- include "sk.logging.elasticsearchConfig" (dict "es" .Values.logging.elasticsearch "dir" "/etc/superkube/elasticsearch") | nindent 4 }}
  {{- end }}
  timeout: {{ $cm.events.timeout | quote }}
alerting:
  prometheusRules: {{ $cm.alerting.prometheusRules }}
  {{- with $cm.alerting.rulesDir }}
  rulesDir: {{ . | quote }}
  {{- end }}
  {{- with $cm.alerting.prometheusURL }}
  prometheusURL: {{ . | quote }}
  {{- end }}
{{- with $cm.networkIsolation }}
networkIsolation:
  dnsNamespace: {{ .dnsNamespace | quote }}
  ingressNamespace: {{ .ingressNamespace | quote }}
  {{- with .monitoringNamespace }}
  monitoringNamespace: {{ . | quote }}
  {{- end }}
  {{- with .allowedNamespaces }}
  allowedNamespaces: {{ toJson . }}
  {{- end }}
{{- end }}
multicluster:
  {{- /* Member clusters, through ke-apiserver's /internal/clusters/. */}}
  apiServerURL: {{ include "sk.controllerManager.apiserverURL" . | quote }}
  {{- if .Values.apiserver.multicluster.caKey }}
  apiServerCAFile: /etc/superkube/apiserver-ca/ca.crt
  {{- end }}
  tokenFile: /etc/superkube/multicluster/token
{{- if $cm.quotaWebhook.enabled }}
quota:
  webhook:
    {{- /* kube-apiserver reaches every replica through the webhook Service. */}}
    bindAddress: {{ printf ":%d" (int64 $cm.quotaWebhook.port) | quote }}
    certDir: /tmp/webhook-certs
    secretName: {{ include "sk.controllerManager.fullname" . }}-webhook-cert
    dnsName: {{ printf "%s-webhook.%s.svc" (include "sk.controllerManager.fullname" .) .Release.Namespace | quote }}
    service:
      namespace: {{ .Release.Namespace | quote }}
      name: {{ printf "%s-webhook" (include "sk.controllerManager.fullname" .) | quote }}
      port: 443
    failurePolicy: {{ $cm.quotaWebhook.failurePolicy | quote }}
    timeoutSeconds: {{ int64 $cm.quotaWebhook.timeoutSeconds }}
{{- end }}
{{- with .Values.logging.retention }}
logRetention:
  containerLogs: {{ .containerLogs | toString | quote }}
  events: {{ .events | toString | quote }}
  audit: {{ .audit | toString | quote }}
  interval: {{ .interval | toString | quote }}
{{- end }}
{{- end }}

{{/*
ke-apiserver's configuration file; the fields are those of
internal/apiserver/app/config.go. The Redis URL is not written here: it comes
from a Secret through --redis-url.
*/}}
{{- define "sk.apiserver.config" -}}
{{- $as := .Values.apiserver -}}
apiVersion: config.superkube.io/v1alpha1
kind: APIServerConfiguration
bindAddress: {{ printf ":%d" (int64 $as.port) | quote }}
tls:
  certFile: /etc/ke-apiserver/tls/tls.crt
  keyFile: /etc/ke-apiserver/tls/tls.key
issuer: {{ include "sk.apiserver.issuer" . | quote }}
signingKeyFile: /etc/ke-apiserver/signing-key/signing.key
{{- with $as.signingKey.previousKeys.keys }}
previousSigningKeyFiles:
  {{- range . }}
  - {{ printf "/etc/ke-apiserver/previous-keys/%s" . | quote }}
  {{- end }}
{{- end }}
systemNamespace: {{ .Release.Namespace | quote }}
kubernetes:
  {{- with $as.kubernetes.externalURL }}
  externalURL: {{ . | quote }}
  {{- end }}
  {{- with $as.kubernetes.caFile }}
  caFile: {{ . | quote }}
  {{- end }}
  {{- with $as.kubernetes.requestTimeout }}
  requestTimeout: {{ . | quote }}
  {{- end }}
authentication:
  accessTokenMaxAge: {{ $as.authentication.accessTokenMaxAge | quote }}
  refreshTokenMaxAge: {{ $as.authentication.refreshTokenMaxAge | quote }}
  kubeconfigTokenMaxAge: {{ $as.authentication.kubeconfigTokenMaxAge | quote }}
  multipleLogin: {{ $as.authentication.multipleLogin }}
  basicAuth: {{ $as.authentication.basicAuth }}
  loginsPerMinute: {{ toJson $as.authentication.loginsPerMinute }}
  loginBurst: {{ int64 $as.authentication.loginBurst }}
  bcryptCost: {{ int64 .Values.bcryptCost }}
  {{- /* The lockout is ke-controller-manager's, so that both agree. */}}
  maxFailedLogins: {{ int64 .Values.controllerManager.authentication.maxFailedLogins }}
  lockoutWindow: {{ .Values.controllerManager.authentication.lockoutWindow | quote }}
{{- with $as.oauthClients }}
oauthClients:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $as.identityProviders }}
identityProviders:
  {{- toYaml . | nindent 2 }}
{{- end }}
audit:
  {{- with $as.audit.path }}
  path: {{ . | quote }}
  {{- end }}
  maxSizeMB: {{ int64 $as.audit.maxSizeMB }}
  maxBackups: {{ int64 $as.audit.maxBackups }}
  {{- with $as.audit.webhookURL }}
  webhookURL: {{ . | quote }}
  {{- end }}
  logStore: {{ $as.audit.logStore }}
  {{- if $as.audit.kubeWebhookTokenSecret }}
  kubeWebhookTokenFile: /etc/ke-apiserver/audit-webhook/token
  {{- end }}
{{- if or $as.notification.webhookTokenSecret $as.notification.userAllowedCIDRs }}
notification:
  {{- if $as.notification.webhookTokenSecret }}
  webhookTokenFile: /etc/ke-apiserver/notification-webhook/token
  {{- end }}
  {{- with $as.notification.userAllowedCIDRs }}
  userAllowedCIDRs:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
multicluster:
  # ke-controller-manager's token for /internal/clusters/.
  controllerTokenFile: /etc/ke-apiserver/multicluster/token
  {{- /* advertiseURL is this pod's own address: --multicluster-advertise-url. */}}
  peerServerName: {{ include "sk.apiserver.peerServerName" . | quote }}
  {{- if $as.multicluster.caKey }}
  peerCAFile: /etc/ke-apiserver/tls/ca.crt
  {{- end }}
limits:
  maxBodyBytes: {{ int64 $as.limits.maxBodyBytes }}
  maxHeaderBytes: {{ int64 $as.limits.maxHeaderBytes }}
admission:
  # The platform's components, whose writes the validating webhook never checks.
  exemptUsers:
    - {{ printf "system:serviceaccount:%s:%s" .Release.Namespace (include "sk.controllerManager.fullname" .) | quote }}
    - {{ printf "system:serviceaccount:%s:%s" .Release.Namespace (include "sk.apiserver.fullname" .) | quote }}
{{- with $as.monitoring }}
monitoring:
  {{- with .prometheusURL }}
  prometheusURL: {{ . | quote }}
  {{- end }}
  timeout: {{ .timeout | quote }}
  concurrency: {{ int64 .concurrency }}
  {{- with .caFile }}
  caFile: {{ . | quote }}
  {{- end }}
  {{- if and .auth.existingSecret .auth.bearerTokenKey }}
  bearerTokenFile: {{ printf "/etc/ke-apiserver/prometheus/%s" .auth.bearerTokenKey | quote }}
  {{- end }}
  {{- with .auth.username }}
  username: {{ . | quote }}
  {{- end }}
  {{- if and .auth.existingSecret .auth.passwordKey }}
  passwordFile: {{ printf "/etc/ke-apiserver/prometheus/%s" .auth.passwordKey | quote }}
  {{- end }}
{{- end }}
{{- with $as.alerting }}
alerting:
  {{- with .alertmanagerURL }}
  alertmanagerURL: {{ . | quote }}
  {{- end }}
  timeout: {{ .timeout | quote }}
{{- end }}
{{- with $as.logging }}
logging:
  {{- /* The URL given, else the store the chart deploys. */}}
  {{- with include "sk.apiserver.victoriaLogsURL" $ }}
  victoriaLogsURL: {{ . | quote }}
  {{- end }}
  {{- if $.Values.logging.elasticsearch.enabled }}
  elasticsearch:
    {{- include "sk.logging.elasticsearchConfig" (dict "es" $.Values.logging.elasticsearch "dir" "/etc/superkube/elasticsearch") | nindent 4 }}
  {{- end }}
  timeout: {{ .timeout | quote }}
{{- end }}
{{- with $as.trustedProxies }}
trustedProxies:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

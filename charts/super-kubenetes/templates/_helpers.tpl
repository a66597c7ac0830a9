{{/*
Names.
*/}}
{{- define "sk.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The release's base name, at most 36 characters so that "<fullname>-controller-manager-metrics"
and the other component names stay within 63.
*/}}
{{- define "sk.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 36 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 36 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 36 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sk.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "sk.controllerManager.fullname" -}}
{{- printf "%s-controller-manager" (include "sk.fullname" .) }}
{{- end }}

{{- define "sk.apiserver.fullname" -}}
{{- printf "%s-apiserver" (include "sk.fullname" .) }}
{{- end }}

{{/*
The mode: "host" installs the platform, "member" only ke-agent, which joins
this cluster to a host through its tunnel. Anything else is refused.
*/}}
{{- define "sk.mode" -}}
{{- $mode := default "host" .Values.mode }}
{{- if not (has $mode (list "host" "member")) }}
{{- fail (printf "mode must be host or member, got %q" $mode) }}
{{- end }}
{{- $mode }}
{{- end }}

{{/*
"true" in host mode (every template of the platform renders only then).
*/}}
{{- define "sk.host" -}}
{{- if eq (include "sk.mode" .) "host" }}true{{ end }}
{{- end }}

{{/*
"true" in member mode, after checking the values ke-agent cannot do without.
*/}}
{{- define "sk.member" -}}
{{- if eq (include "sk.mode" .) "member" }}
{{- $a := .Values.agent }}
{{- if not $a.hostURL }}
{{- fail "mode=member needs agent.hostURL: the host's ke-apiserver as this cluster reaches it (https://...)" }}
{{- end }}
{{- if not (hasPrefix "https://" $a.hostURL) }}
{{- fail (printf "agent.hostURL must be an https URL, got %q" $a.hostURL) }}
{{- end }}
{{- if not $a.clusterName }}
{{- fail "mode=member needs agent.clusterName: the name the host gave this cluster when it issued the join token" }}
{{- end }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$" $a.clusterName) }}
{{- fail (printf "agent.clusterName must be a DNS label (lower case letters, digits and -), got %q" $a.clusterName) }}
{{- end }}
{{- if and $a.joinToken $a.existingJoinTokenSecret }}
{{- fail "give agent.joinToken or agent.existingJoinTokenSecret, not both" }}
{{- end }}
{{- if not (or $a.joinToken $a.existingJoinTokenSecret) }}
{{- fail "mode=member needs agent.joinToken (the join token the host issued, shown once) or agent.existingJoinTokenSecret" }}
{{- end }}
{{- if and $a.hostCA (not (contains "-----BEGIN CERTIFICATE-----" $a.hostCA)) }}
{{- fail "agent.hostCA must be PEM certificates (--set-file agent.hostCA=host-ca.crt)" }}
{{- end }}
{{- if not (has $a.quotaWebhook.failurePolicy (list "Fail" "Ignore")) }}
{{- fail (printf "agent.quotaWebhook.failurePolicy must be Fail or Ignore, got %q" $a.quotaWebhook.failurePolicy) }}
{{- end }}
{{- print "true" }}
{{- end }}
{{- end }}

{{/*
ke-agent's objects in member mode.
*/}}
{{- define "sk.agent.fullname" -}}
{{- printf "%s-agent" (include "sk.fullname" .) }}
{{- end }}

{{/*
The long-lived token of ke-agent's ServiceAccount, which the host uses
through the tunnel.
*/}}
{{- define "sk.agent.tokenSecret" -}}
{{- printf "%s-token" (include "sk.agent.fullname" .) }}
{{- end }}

{{/*
Where ke-agent keeps the credential it gets when it joins (it makes the
Secret; the chart does not, so that an upgrade cannot empty it).
*/}}
{{- define "sk.agent.credentialSecret" -}}
{{- printf "%s-credential" (include "sk.agent.fullname" .) }}
{{- end }}

{{- define "sk.agent.joinTokenSecret" -}}
{{- default (printf "%s-join-token" (include "sk.agent.fullname" .)) .Values.agent.existingJoinTokenSecret }}
{{- end }}

{{/*
Labels. Call the component variants with (dict "ctx" $ "component" "apiserver").
*/}}
{{- define "sk.labels" -}}
helm.sh/chart: {{ include "sk.chart" .ctx }}
{{ include "sk.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: super-kubenetes
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "sk.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sk.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The image of a component: (dict "ctx" $ "image" .Values.apiserver.image).
The tag defaults to the chart's appVersion; a digest wins over the tag.
*/}}
{{- define "sk.image" -}}
{{- $registry := .ctx.Values.global.imageRegistry }}
{{- $repo := .image.repository }}
{{- if $registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" $registry) $repo }}{{ end }}
{{- if .image.digest }}
{{- printf "%s@%s" $repo .image.digest }}
{{- else }}
{{- printf "%s:%s" $repo (default .ctx.Chart.AppVersion .image.tag) }}
{{- end }}
{{- end }}

{{/*
The image of one of the platform's own components, named in one place:
(dict "ctx" $ "image" .Values.apiserver.image "component" "ke-apiserver").
The repository defaults to <image.repository>/<component>, the tag to
image.tag and then the chart's appVersion.
*/}}
{{- define "sk.platformImage" -}}
{{- $defaults := .ctx.Values.image }}
{{- $image := dict "repository" (default (printf "%s/%s" (trimSuffix "/" $defaults.repository) .component) .image.repository) "tag" (default $defaults.tag .image.tag) "digest" .image.digest }}
{{- include "sk.image" (dict "ctx" .ctx "image" $image) }}
{{- end }}

{{/*
The pull policy of one of the platform's own components: its own, else image.pullPolicy.
*/}}
{{- define "sk.platformPullPolicy" -}}
{{- default .ctx.Values.image.pullPolicy .image.pullPolicy }}
{{- end }}

{{/*
A memory size in MiB, from a number (taken as Mi) or a string "<n>Mi" or "<n>Gi".
*/}}
{{- define "sk.memoryMi" -}}
{{- $v := . }}
{{- if kindIs "string" $v }}
{{- if regexMatch "^[0-9]+Mi$" $v }}
{{- trimSuffix "Mi" $v | atoi }}
{{- else if regexMatch "^[0-9]+Gi$" $v }}
{{- mul (trimSuffix "Gi" $v | atoi) 1024 }}
{{- else }}
{{- fail (printf "a memory limit must be a number of Mi or a string \"<n>Mi\" or \"<n>Gi\", got %q" $v) }}
{{- end }}
{{- else }}
{{- int64 $v }}
{{- end }}
{{- end }}

{{/*
The resources of a container with the memory limit written as "<n>Mi".
*/}}
{{- define "sk.resources" -}}
{{- $res := deepCopy (default dict .) }}
{{- if and $res.limits $res.limits.memory }}
{{- $_ := set $res.limits "memory" (printf "%sMi" (include "sk.memoryMi" $res.limits.memory)) }}
{{- end }}
{{- toYaml $res }}
{{- end }}

{{/*
GOMEMLIMIT at 90% of the memory limit, so that the Go garbage collector works
harder before the kernel kills the container. Empty without a memory limit.
*/}}
{{- define "sk.gomemlimit" -}}
{{- if and .limits .limits.memory }}
{{- $mi := include "sk.memoryMi" .limits.memory | atoi }}
{{- printf "%dMiB" (div (mul $mi 90) 100) }}
{{- end }}
{{- end }}

{{/*
ke-apiserver's issuer: the configured external URL, or the in-cluster Service.
*/}}
{{- define "sk.apiserver.issuer" -}}
{{- if .Values.apiserver.issuer }}
{{- if not (hasPrefix "https://" .Values.apiserver.issuer) }}
{{- fail "apiserver.issuer must be an https URL" }}
{{- end }}
{{- trimSuffix "/" .Values.apiserver.issuer }}
{{- else }}
{{- printf "https://%s.%s.svc" (include "sk.apiserver.fullname" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
The host name of the issuer, without scheme, port or path.
*/}}
{{- define "sk.apiserver.issuerHost" -}}
{{- $u := urlParse (include "sk.apiserver.issuer" .) }}
{{- (split ":" $u.host)._0 }}
{{- end }}

{{/*
Whether the Redis is the user's (redis.url or redis.existingSecret); without
one, the chart deploys its own.
*/}}
{{- define "sk.redis.external" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret }}true{{ end }}
{{- end }}

{{- define "sk.redis.fullname" -}}
{{- printf "%s-redis" (include "sk.fullname" .) }}
{{- end }}

{{/*
The DNS names ke-apiserver's serving certificate must carry.
*/}}
{{- define "sk.apiserver.dnsNames" -}}
{{- $svc := include "sk.apiserver.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- $names := list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) }}
{{- $host := include "sk.apiserver.issuerHost" . }}
{{- if not (regexMatch "^[0-9.]+$" $host) }}
{{- $names = append $names $host }}
{{- end }}
{{- range .Values.apiserver.ingress.hosts }}
{{- $names = append $names . }}
{{- end }}
{{- $names = concat $names .Values.apiserver.tls.extraDNSNames }}
{{- toJson (uniq $names) }}
{{- end }}

{{/*
The Secret names ke-apiserver mounts.
*/}}
{{- define "sk.apiserver.tlsSecret" -}}
{{- default (printf "%s-tls" (include "sk.apiserver.fullname" .)) .Values.apiserver.tls.existingSecret }}
{{- end }}

{{- define "sk.apiserver.signingKeySecret" -}}
{{- default (printf "%s-signing-key" (include "sk.apiserver.fullname" .)) .Values.apiserver.signingKey.existingSecret }}
{{- end }}

{{/*
Member clusters: the Secret holding the token with which ke-controller-manager
reaches them through ke-apiserver (/internal/clusters/), key "token".
*/}}
{{- define "sk.apiserver.multiclusterTokenSecret" -}}
{{- default (printf "%s-multicluster-token" (include "sk.apiserver.fullname" .)) .Values.apiserver.multicluster.existingTokenSecret }}
{{- end }}

{{/*
Whether ke-apiserver's serving certificate carries the Service's names: not
only when cert-manager is told to leave them out (then the issuer's host is
the name to reach and verify it by, as for ke-console and the webhook).
*/}}
{{- define "sk.apiserver.certHasServiceNames" -}}
{{- $tls := .Values.apiserver.tls }}
{{- if or (not $tls.certManager.enabled) $tls.certManager.includeServiceNames $tls.existingSecret }}true{{ end }}
{{- end }}

{{/*
The name ke-apiserver's replicas verify each other's certificates for when
they forward a member cluster's requests to a pod's address (which the
certificate does not carry): the Service's <svc>.<namespace>.svc, one of
"sk.apiserver.dnsNames".
*/}}
{{- define "sk.apiserver.peerServerName" -}}
{{- if include "sk.apiserver.certHasServiceNames" . }}
{{- printf "%s.%s.svc" (include "sk.apiserver.fullname" .) .Release.Namespace }}
{{- else }}
{{- include "sk.apiserver.issuerHost" . }}
{{- end }}
{{- end }}

{{/*
How ke-controller-manager reaches ke-apiserver: the Service, or the issuer
when the certificate carries no Service names.
*/}}
{{- define "sk.controllerManager.apiserverURL" -}}
{{- if include "sk.apiserver.certHasServiceNames" . }}
{{- printf "https://%s.%s.svc:%d" (include "sk.apiserver.fullname" .) .Release.Namespace (int64 .Values.apiserver.service.port) }}
{{- else }}
{{- include "sk.apiserver.issuer" . }}
{{- end }}
{{- end }}

{{- define "sk.redis.secret" -}}
{{- default (include "sk.redis.fullname" .) .Values.redis.existingSecret }}
{{- end }}

{{/*
The key of the Secret that holds the Redis URL.
*/}}
{{- define "sk.redis.secretKey" -}}
{{- if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-url{{ end }}
{{- end }}

{{/*
The configuration of the Redis the chart deploys, without its password:
append-only file flushed to disk before each write is acknowledged (with
"everysec" Redis acknowledges writes it has postponed while the disk is busy,
and a kill loses them: a logout that comes undone), no eviction (an evicted token is a
logged-out user, a lost revocation), maxmemory below the container's limit.
*/}}
{{- define "sk.redis.config" -}}
{{- $r := .Values.redis.deploy }}
bind * -::*
port 6379
protected-mode yes
dir /data
appendonly yes
appendfsync always
maxmemory-policy noeviction
{{- if and $r.resources $r.resources.limits $r.resources.limits.memory }}
maxmemory {{ div (mul (include "sk.memoryMi" $r.resources.limits.memory | atoi) 3) 4 }}mb
{{- end }}
{{- end }}

{{/*
ke-apiserver's configuration carries secrets (client secrets, LDAP bind
passwords) when OAuth clients or identity providers are set; it is then kept
in a Secret rather than a ConfigMap.
*/}}
{{- define "sk.apiserver.configInSecret" -}}
{{- if or .Values.apiserver.oauthClients .Values.apiserver.identityProviders }}true{{ end }}
{{- end }}

{{/*
ke-console.
*/}}
{{- define "sk.console.fullname" -}}
{{- printf "%s-console" (include "sk.fullname" .) }}
{{- end }}

{{/*
The console's base path, "/" or "/<segments>/".
*/}}
{{- define "sk.console.basePath" -}}
{{- $p := trimAll "/" (default "/" .Values.console.basePath) }}
{{- if and $p (not (regexMatch "^[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*$" $p)) }}
{{- fail "console.basePath must be a path of plain segments, such as / or /console/" }}
{{- end }}
{{- if $p }}{{ printf "/%s/" $p }}{{ else }}/{{ end }}
{{- end }}

{{/*
The console's external URL with its base path and no trailing slash: what
users open, the origin it accepts requests from, and (at ke-apiserver) the
base of its OAuth redirect URI.
*/}}
{{- define "sk.console.publicURL" -}}
{{- $base := include "sk.console.basePath" . }}
{{- if .Values.console.publicURL }}
{{- if not (hasPrefix "https://" .Values.console.publicURL) }}
{{- fail "console.publicURL must be an https URL" }}
{{- end }}
{{- $u := urlParse .Values.console.publicURL }}
{{- printf "https://%s%s" $u.host $base | trimSuffix "/" }}
{{- else if .Values.console.ingress.hosts }}
{{- printf "https://%s%s" (first .Values.console.ingress.hosts) $base | trimSuffix "/" }}
{{- else }}
{{- printf "https://127.0.0.1:8443%s" $base | trimSuffix "/" }}
{{- end }}
{{- end }}

{{/*
How ke-console reaches ke-apiserver.
*/}}
{{- define "sk.console.apiserverURL" -}}
{{- $tls := .Values.apiserver.tls }}
{{- if .Values.console.apiserver.url }}
{{- .Values.console.apiserver.url | trimSuffix "/" }}
{{- else if and $tls.certManager.enabled (not $tls.certManager.includeServiceNames) }}
{{- include "sk.apiserver.issuer" . }}
{{- else }}
{{- printf "https://%s.%s.svc:%d" (include "sk.apiserver.fullname" .) .Release.Namespace (int64 .Values.apiserver.service.port) }}
{{- end }}
{{- end }}

{{/*
The Secret holding the console's OAuth client secret, read by ke-apiserver
and ke-console.
*/}}
{{- define "sk.console.clientSecret" -}}
{{- default (printf "%s-client" (include "sk.console.fullname" .)) .Values.console.clientSecret.existingSecret }}
{{- end }}

{{/*
The log store (VictoriaLogs) and its agents (vlagent).
*/}}
{{- define "sk.logging.fullname" -}}
{{- printf "%s-victoria-logs" (include "sk.fullname" .) }}
{{- end }}

{{- define "sk.logging.agent.fullname" -}}
{{- printf "%s-vlagent" (include "sk.fullname" .) }}
{{- end }}

{{/*
Whether the chart runs vlagent: it ships to the store the chart deploys.
*/}}
{{- define "sk.logging.agent.enabled" -}}
{{- if and .Values.logging.deploy.enabled .Values.logging.agent.enabled }}true{{ end }}
{{- end }}

{{/*
The URL of the VictoriaLogs the chart deploys; empty when it deploys none.
*/}}
{{- define "sk.logging.deployedURL" -}}
{{- if .Values.logging.deploy.enabled }}
{{- printf "http://%s.%s.svc:9428" (include "sk.logging.fullname" .) .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
The store ke-apiserver searches and ke-controller-manager writes events to:
the URL given, else the store the chart deploys, else none.
*/}}
{{- define "sk.apiserver.victoriaLogsURL" -}}
{{- if not .Values.logging.elasticsearch.enabled }}
{{- default (include "sk.logging.deployedURL" .) .Values.apiserver.logging.victoriaLogsURL }}
{{- end }}
{{- end }}

{{- define "sk.controllerManager.victoriaLogsURL" -}}
{{- if not .Values.logging.elasticsearch.enabled }}
{{- default (include "sk.logging.deployedURL" .) .Values.controllerManager.events.victoriaLogsURL }}
{{- end }}
{{- end }}

{{/*
The elasticsearch section of a component's configuration (logging.elasticsearch
enabled): dict "es" the values, "dir" where the component mounts existingSecret.
*/}}
{{- define "sk.logging.elasticsearchConfig" -}}
{{- $es := .es }}
{{- if not $es.addresses }}
{{- fail "logging.elasticsearch.addresses must name at least one node" }}
{{- end }}
flavour: {{ $es.flavour | quote }}
addresses:
  {{- toYaml $es.addresses | nindent 2 }}
{{- with $es.username }}
username: {{ . | quote }}
{{- end }}
{{- if and $es.existingSecret $es.username $es.passwordKey }}
passwordFile: {{ printf "%s/%s" .dir $es.passwordKey | quote }}
{{- end }}
{{- if and $es.existingSecret $es.caKey }}
caFile: {{ printf "%s/%s" .dir $es.caKey | quote }}
{{- end }}
{{- if $es.insecureSkipVerify }}
insecureSkipVerify: true
{{- end }}
indices:
  {{- toYaml $es.indices | nindent 2 }}
{{- with $es.fields }}
fields:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
VictoriaLogs' flags from logging.deploy, refused clearly when malformed
(the store itself would only crash-loop).
*/}}
{{- define "sk.logging.retentionPeriod" -}}
{{- $v := toString .Values.logging.deploy.retentionPeriod }}
{{- if not (regexMatch "^[0-9]+[hdwy]$" $v) }}
{{- fail (printf "logging.deploy.retentionPeriod must be a number with h, d, w or y (such as 7d), got %q" $v) }}
{{- end }}
{{- if and (hasSuffix "h" $v) (lt (trimSuffix "h" $v | atoi) 24) }}
{{- fail (printf "logging.deploy.retentionPeriod must be at least a day (24h), got %q" $v) }}
{{- end }}
{{- $v }}
{{- end }}

{{/*
A size in VictoriaLogs' notation: (dict "name" "logging.deploy.maxDiskSpaceUsage" "value" ...).
*/}}
{{- define "sk.logging.bytes" -}}
{{- $v := .value }}
{{- if kindIs "float64" $v }}{{ $v = int64 $v | toString }}{{ else }}{{ $v = toString $v }}{{ end }}
{{- if not (regexMatch "^[0-9]+([KMGT]i?B)?$" $v) }}
{{- fail (printf "%s must be a number of bytes, or with KB, MB, GB, TB, KiB, MiB, GiB or TiB (such as 10GiB), got %q" .name $v) }}
{{- end }}
{{- $v }}
{{- end }}

{{/*
The annotations of the pre-delete hook's objects, with their weight: the
ServiceAccount and RBAC first, then the Job. Helm deletes them after the hook
succeeded, and an old one before it runs again.
*/}}
{{- define "sk.uninstall.hookAnnotations" -}}
helm.sh/hook: pre-delete
helm.sh/hook-weight: {{ . | quote }}
helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
{{- end }}

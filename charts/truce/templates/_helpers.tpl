{{/* The chart's name, or nameOverride. */}}
{{- define "truce.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The prefix of every object's name: fullnameOverride, else the release name
when it contains the chart's name (release "truce" gives truce-controller-manager,
as config/default's namePrefix does), else <release>-<name>. At most 36
characters, so <prefix>-controller-manager-metrics is a valid Service name.
*/}}
{{- define "truce.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 36 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "truce.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 36 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 36 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object: config/default's, and Helm's own. */}}
{{- define "truce.labels" -}}
app.kubernetes.io/part-of: truce
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/*
The controller's selector, as config/manager's. It names no release, so the
selectors equal kustomize's: install one release per namespace.
*/}}
{{- define "truce.selectorLabels" -}}
app.kubernetes.io/name: truce
app.kubernetes.io/component: controller
{{- end -}}

{{- define "truce.serviceAccountName" -}}
{{ include "truce.fullname" . }}-controller-manager
{{- end -}}

{{/* The manager's ServiceAccount as a binding's subject. */}}
{{- define "truce.subject" -}}
- kind: ServiceAccount
  name: {{ include "truce.serviceAccountName" . }}
  namespace: {{ .Release.Namespace }}
{{- end -}}

{{/* The controller's arguments, from the values. */}}
{{- define "truce.args" -}}
{{- $v := .Values -}}
{{- if $v.leaderElection.enabled }}
- --leader-elect
{{- end }}
{{- with $v.leaderElection.id }}
- {{ printf "--leader-election-id=%s" . | quote }}
{{- end }}
- --metrics-bind-address={{ if eq (int $v.metrics.port) 0 }}0{{ else }}:{{ int $v.metrics.port }}{{ end }}
{{- if not $v.metrics.secure }}
- --metrics-secure=false
{{- end }}
{{- with $v.metrics.certDir }}
- {{ printf "--metrics-cert-dir=%s" . | quote }}
{{- end }}
- --health-probe-bind-address=:{{ int $v.healthProbePort }}
{{- with $v.namespaceSelector }}
- {{ printf "--namespace-selector=%s" . | quote }}
{{- end }}
{{- with $v.defaultSource.prometheusAddress }}
- {{ printf "--prometheus-address=%s" . | quote }}
{{- end }}
{{- with $v.defaultSource.url }}
- {{ printf "--metrics-url=%s" . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $v.defaultSource.namespaceSelector) }}
- {{ printf "--default-source-namespace-selector=%s" $v.defaultSource.namespaceSelector | quote }}
{{- end }}
{{- with $v.defaultSource.bearerTokenFile }}
- {{ printf "--metrics-bearer-token-file=%s" . | quote }}
{{- end }}
{{- with $v.defaultSource.caFile }}
- {{ printf "--metrics-ca-file=%s" . | quote }}
{{- end }}
{{- with $v.defaultSource.timeout }}
- {{ printf "--metrics-timeout=%s" . | quote }}
{{- end }}
{{- if not (kindIs "invalid" $v.network.deniedNetworks) }}
- {{ printf "--metrics-denied-networks=%s" (join "," $v.network.deniedNetworks) | quote }}
{{- end }}
{{- with $v.network.allowedNetworks }}
- {{ printf "--metrics-allowed-networks=%s" (join "," .) | quote }}
{{- end }}
{{- if $v.network.allowLoopback }}
- --metrics-allow-loopback
{{- end }}
{{- range $v.extraArgs }}
- {{ . | quote }}
{{- end }}
{{- end -}}

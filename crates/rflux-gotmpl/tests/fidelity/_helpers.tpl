{{- define "fx.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "fx.fullname" -}}
{{- printf "%s-%s" .Release.Name (include "fx.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "fx.labels" -}}
app.kubernetes.io/name: {{ include "fx.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end }}
{{- define "fx.echo" -}}[{{ . }}]{{- end }}
{{- define "fx.recurse" -}}{{ if gt (int .) 0 }}{{ . }},{{ include "fx.recurse" (sub (int .) 1) }}{{ end }}{{- end }}
{{- define "fx.self" -}}{{ include "fx.self" . }}{{- end }}
{{- define "fx.dict" -}}{{ .a }}/{{ .b }}{{- end }}

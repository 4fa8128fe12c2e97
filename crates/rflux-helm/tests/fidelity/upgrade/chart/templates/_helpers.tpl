{{- define "builtins.fullname" -}}
{{ .Release.Name }}-{{ .Chart.Name }}
{{- end }}

{{- define "shared.label" -}}sub-loses{{- end -}}
{{- define "sub.where" -}}{{ .Template.Name }}:{{ .Chart.Name }}:{{ .Values.local }}{{- end -}}

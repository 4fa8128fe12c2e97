{{- define "child.name" -}}{{ .Chart.Name }}-{{ .Values.msg }}{{- end }}

{{- define "shared.label" -}}top-wins{{- end -}}
{{- define "top.where" -}}{{ .Template.Name }}|{{ .Template.BasePath }}{{- end -}}

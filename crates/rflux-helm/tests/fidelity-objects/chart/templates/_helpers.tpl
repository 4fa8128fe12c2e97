{{- define "fx.get" -}}{{ .Files.Get .path }}{{- end -}}

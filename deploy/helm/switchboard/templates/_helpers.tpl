{{/* The release's base name, cut to fit Kubernetes' 63 characters. */}}
{{- define "switchboard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchboard.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "switchboard.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.cnpgCluster" -}}
{{- printf "%s-db" (include "switchboard.fullname" .) | trunc 50 | trimSuffix "-" -}}
{{- end -}}

{{/* The Secret and key holding DATABASE_URL: the one named, else CloudNativePG's `<cluster>-app`. */}}
{{- define "switchboard.databaseSecret" -}}
{{- if .Values.database.existingSecret.name -}}
{{- .Values.database.existingSecret.name -}}
{{- else if .Values.cnpg.enabled -}}
{{- printf "%s-app" (include "switchboard.cnpgCluster" .) -}}
{{- else -}}
{{- required "database.existingSecret.name (a Secret with DATABASE_URL) or cnpg.enabled is required" .Values.database.existingSecret.name -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by web, worker and the migration job. */}}
{{- define "switchboard.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "switchboard.databaseSecret" . }}
      key: {{ default "uri" .Values.database.existingSecret.key }}
{{- if .Values.redis.enabled }}
- name: REDIS_URL
  value: {{ printf "redis://%s-redis:6379" (include "switchboard.fullname" .) | quote }}
{{- else if .Values.redisUrl.existingSecret.name }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redisUrl.existingSecret.name }}
      key: {{ .Values.redisUrl.existingSecret.key }}
{{- else if .Values.redisUrl.value }}
- name: REDIS_URL
  value: {{ .Values.redisUrl.value | quote }}
{{- end }}
{{- end -}}

{{- define "switchboard.envFrom" -}}
- configMapRef:
    name: {{ include "switchboard.fullname" . }}
- secretRef:
    name: {{ required "secrets.existingSecret (a Secret with SECRET_KEY_BASE) is required" .Values.secrets.existingSecret }}
{{- end -}}

{{/* Volumes: a writable /tmp (the root file system is read-only) and DATA_DIR. */}}
{{- define "switchboard.volumes" -}}
- name: tmp
  emptyDir: {}
- name: data
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-storage" (include "switchboard.fullname" .)) .Values.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{- define "switchboard.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /data
{{- end -}}

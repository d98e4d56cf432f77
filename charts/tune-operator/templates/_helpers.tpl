{{- define "tune-operator.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tune-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tune-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "tune-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tune-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tune-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tune-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tune-operator.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The operator's rules: one list used by the ClusterRole or by each namespaced Role. */}}
{{- define "tune-operator.rules" -}}
- apiGroups: ["tuneoperator.io"]
  resources: [finetunejobs, finetunesweeps, modeldeployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: ["tuneoperator.io"]
  resources: [finetunejobs/status, finetunesweeps/status, modeldeployments/status]
  verbs: [get, update, patch]
- apiGroups: ["tuneoperator.io"]
  resources: [finetunejobs/finalizers, finetunesweeps/finalizers, modeldeployments/finalizers]
  verbs: [update]
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, create, delete, patch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch, create, delete]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [get, list, watch]
- apiGroups: ["apps"]
  resources: [deployments]
  verbs: [get, list, watch, create, update, patch, delete]
- apiGroups: ["events.k8s.io"]
  resources: [events]
  verbs: [create, patch, update]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch, update]
{{- end -}}

/*
Copyright 2026 The truce Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// MetricsSource says where observed metrics are read from. Exactly one
// provider is set.
// +kubebuilder:validation:XValidation:rule="(has(self.prometheus) ? 1 : 0) + (has(self.http) ? 1 : 0) == 1",message="source must set exactly one of prometheus or http"
type MetricsSource struct {
	// prometheus reads each metric with an instant PromQL query.
	// +optional
	Prometheus *PrometheusSource `json:"prometheus,omitempty"`

	// http reads each metric from a JSON document with a JSONPath expression,
	// for example a CRM's reporting API.
	// +optional
	HTTP *HTTPSource `json:"http,omitempty"`
}

// PrometheusSource is a Prometheus-compatible query API.
type PrometheusSource struct {
	// address is the base URL of the Prometheus API, such as
	// http://prometheus.monitoring:9090.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('http://') || self.startsWith('https://')",message="address must be an http:// or https:// URL"
	// +required
	Address string `json:"address"`

	Connection `json:",inline"`
}

// Connection holds the settings every source type shares.
type Connection struct {
	// timeoutSeconds bounds each request. Defaults to 10.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=300
	// +kubebuilder:default=10
	// +optional
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// auth names the Secrets, in the resource's namespace, that hold the
	// credentials and CA bundle for the source.
	// +optional
	Auth *SourceAuth `json:"auth,omitempty"`

	// headers are sent with every request, for example a tenant header.
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	// +optional
	Headers []HTTPHeader `json:"headers,omitempty"`
}

// HTTPSource is a JSON endpoint; each metric's query is a JSONPath expression
// into the document it returns.
type HTTPSource struct {
	// url is the endpoint read with GET.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.startsWith('http://') || self.startsWith('https://')",message="url must be an http:// or https:// URL"
	// +required
	URL string `json:"url"`

	Connection `json:",inline"`

	// maxResponseBytes caps the size of a response; a larger one is an error.
	// Defaults to 1048576 (1 MiB), at most 4194304 (4 MiB): a document is
	// decoded whole in the controller's memory, and one that would take more
	// than 32 MiB decoded is refused whatever its size.
	// +kubebuilder:validation:Minimum=1024
	// +kubebuilder:validation:Maximum=4194304
	// +kubebuilder:default=1048576
	// +optional
	MaxResponseBytes *int64 `json:"maxResponseBytes,omitempty"`
}

// SourceAuth selects credentials from Secrets in the resource's namespace.
// +kubebuilder:validation:XValidation:rule="!(has(self.bearerToken) && has(self.basic))",message="auth may set bearerToken or basic, not both"
type SourceAuth struct {
	// bearerToken is a Secret key whose value is sent as
	// "Authorization: Bearer <token>".
	// +optional
	BearerToken *corev1.SecretKeySelector `json:"bearerToken,omitempty"`

	// basic holds the Secret keys of a username and password for HTTP basic
	// authentication.
	// +optional
	Basic *BasicAuth `json:"basic,omitempty"`

	// ca is a Secret key holding a PEM bundle of the certificate authorities
	// that sign the source's serving certificate.
	// +optional
	CA *corev1.SecretKeySelector `json:"ca,omitempty"`
}

// BasicAuth is a username and password held in Secrets.
type BasicAuth struct {
	// username is the Secret key that holds the username.
	// +required
	Username corev1.SecretKeySelector `json:"username"`

	// password is the Secret key that holds the password.
	// +required
	Password corev1.SecretKeySelector `json:"password"`
}

// HTTPHeader is one header sent to a metrics source.
type HTTPHeader struct {
	// name is the header's name, such as X-Scope-OrgID.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9!#$%&'*+.^_|~-]+$`
	// +required
	Name string `json:"name"`

	// value is the header's value.
	// +kubebuilder:validation:MaxLength=4096
	// +required
	Value string `json:"value"`
}

// Query is a metric's query: PromQL for a prometheus source, a JSONPath
// expression such as {.leads.week} for an http source. PromQL may use the
// placeholders $window (the rate window, 7d, so increase(x[$window]) counts a
// week), $period (the time elapsed in the current sales period) and $cycle
// (a SalesTarget's plan.salesCycleDays, so offset $cycle looks a sales
// cycle back).
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=4096
// +kubebuilder:validation:XValidation:rule="self.trim().size() > 0",message="query must not be blank"
type Query string

// MetricStatus is the health of one of an object's queries.
type MetricStatus struct {
	// name is the metric's name in spec.metrics, such as leads.
	// +required
	Name string `json:"name"`

	// value is the last value read.
	// +optional
	Value *resource.Quantity `json:"value,omitempty"`

	// consecutiveFailures counts the reads that failed since the last that
	// succeeded.
	// +optional
	ConsecutiveFailures int32 `json:"consecutiveFailures,omitempty"`

	// lastError is the error of the last read, empty when it succeeded.
	// +optional
	LastError string `json:"lastError,omitempty"`

	// lastFailureTime is when a failure was last counted. Failures are
	// counted at most once per polling interval, however often the object is
	// reconciled while a cached failure stands.
	// +optional
	LastFailureTime *metav1.Time `json:"lastFailureTime,omitempty"`
}

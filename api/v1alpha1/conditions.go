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

// Ready condition and its reasons: the controller can act on the object.
const (
	ReadyCondition = "Ready"
	// ReconciledReason: the object was reconciled without error.
	ReconciledReason = "Reconciled"
	// SalesTargetNotFoundReason: the Campaign's salesTargetRef names no
	// SalesTarget in its namespace.
	SalesTargetNotFoundReason = "SalesTargetNotFound"
	// InvalidTimeZoneReason: the SalesTarget's period.timeZone is not a known
	// IANA time zone.
	InvalidTimeZoneReason = "InvalidTimeZone"
	// WorkloadUnavailableReason: the Campaign's outreach workload cannot be
	// read, for example a scaleTargetRef that does not exist or has no /scale
	// subresource.
	WorkloadUnavailableReason = "WorkloadUnavailable"
	// ReconcileFailedReason: the controller could not read what it decides
	// from (its own cache or the metrics source's settings); it retries.
	ReconcileFailedReason = "ReconcileFailed"
	// ScaleFailedReason: the API server refused to create or scale the
	// Campaign's workload; the message is the API's.
	ScaleFailedReason = "ScaleFailed"
	// JobFailedReason: the Job of the Campaign's current template revision
	// failed; nothing runs until it is deleted or the template changes.
	JobFailedReason = "JobFailed"
	// JobCompletedReason: the Job of the Campaign's current template revision
	// completed; nothing runs until it is deleted or the template changes.
	JobCompletedReason = "JobCompleted"
	// JobConflictReason: a Job with the name of the Campaign's current
	// revision exists and is not controlled by the Campaign; truce never
	// adopts it.
	JobConflictReason = "JobConflict"
)

// Balanced condition and its reasons: supply and demand agree within the
// tolerance. When they do not, the reason is the drift class and says whose
// problem it is.
const (
	BalancedCondition = "Balanced"
	// BalancedReason: supply is within the tolerance of demand.
	BalancedReason = "Balanced"
	// LeadOverflowReason: supply exceeds what sales can work (sales capacity).
	LeadOverflowReason = "LeadOverflow"
	// CapacityBelowQuotaNeedReason: the quota needs more leads than sales can
	// work (sales headcount or plan).
	CapacityBelowQuotaNeedReason = "CapacityBelowQuotaNeed"
	// LeadQualityLowReason: too few leads qualify (marketing quality).
	LeadQualityLowReason = "LeadQualityLow"
	// LeadShortfallReason: supply falls short of demand (marketing volume).
	LeadShortfallReason = "LeadShortfall"
	// ConversionLowReason: leads qualify on plan but win below plan (sales
	// conversion).
	ConversionLowReason = "ConversionLow"
	// LeadsUnworkedReason: more than the sla's tolerance of accepted leads
	// miss their first contact (sales follow-up: leads are being wasted).
	LeadsUnworkedReason = "LeadsUnworked"
	// AwaitingMetricsReason: nothing has been observed yet to judge by.
	AwaitingMetricsReason = "AwaitingMetrics"
	// StabilizingReason: a drift class was seen and must last the
	// stabilization window before Balanced follows it.
	StabilizingReason = "Stabilizing"
	// NotAllocatedReason: the Campaign has no share of demand to be judged
	// against: its SalesTarget is missing or its demand is unknown.
	NotAllocatedReason = "NotAllocated"
)

// QuotaAtRisk condition and its reasons: projected attainment is below
// plan by more than the tolerance.
const (
	QuotaAtRiskCondition = "QuotaAtRisk"
	// BelowPaceReason: the period is on pace to miss its quota.
	BelowPaceReason = "BelowPace"
	// OnPaceReason: the period is on pace to make its quota.
	OnPaceReason = "OnPace"
)

// MetricsAvailable condition and its reasons: the object's queries were read.
const (
	MetricsAvailableCondition = "MetricsAvailable"
	// MetricsReadReason: every query returned a value.
	MetricsReadReason = "MetricsRead"
	// MetricsUnavailableReason: a query failed; the current state is held.
	MetricsUnavailableReason = "MetricsUnavailable"
	// NotYetQueriedReason: no query has been sent yet.
	NotYetQueriedReason = "NotYetQueried"
	// BookingsUnknownReason: the current period's bookings could not be read
	// (a source that fails, often just as a new period begins); an earlier
	// period's are never counted, and demand is held where it was.
	BookingsUnknownReason = "BookingsUnknown"
)

// Suspended condition and its reasons: the campaign's outreach is held at zero.
const (
	SuspendedCondition = "Suspended"
	// SuspendedBySpecReason: spec.suspend is true.
	SuspendedBySpecReason = "SuspendedBySpec"
	// ActiveReason: spec.suspend is false.
	ActiveReason = "Active"
)

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
	// read or scaled, for example a scaleTargetRef that does not exist.
	WorkloadUnavailableReason = "WorkloadUnavailable"
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
	// AwaitingMetricsReason: nothing has been observed yet to judge by.
	AwaitingMetricsReason = "AwaitingMetrics"
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
)

// Suspended condition and its reasons: the campaign's outreach is held at zero.
const (
	SuspendedCondition = "Suspended"
	// SuspendedBySpecReason: spec.suspend is true.
	SuspendedBySpecReason = "SuspendedBySpec"
	// ActiveReason: spec.suspend is false.
	ActiveReason = "Active"
)

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

package controllers

import (
	"context"
	"fmt"

	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/outreach"
)

// Options configures the controllers.
type Options struct {
	// MaxConcurrentReconciles is each controller's number of workers.
	MaxConcurrentReconciles int
	// Clock tells the time; tests inject a fake one.
	Clock clock.PassiveClock
	// Sources resolves a spec's metrics source, or the default one.
	Sources *metrics.Resolver
	// Reader reads and deduplicates queries; shared by every controller.
	Reader *metrics.Reader
}

// Setup registers the field indexes and every truce controller with mgr, the
// same way in the manager binary and in tests.
func Setup(ctx context.Context, mgr ctrl.Manager, o Options) error {
	if err := SetupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("registering indexes: %w", err)
	}
	rec := mgr.GetEventRecorder(FieldManager)
	gatherer := metricsGatherer{resolver: o.Sources, reader: o.Reader}
	if err := (&SalesTargetReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(), Recorder: rec,
		Clock: o.Clock, Metrics: gatherer, MaxConcurrentReconciles: o.MaxConcurrentReconciles,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the SalesTarget controller: %w", err)
	}
	if err := (&CampaignReconciler{
		Client: mgr.GetClient(), Scheme: mgr.GetScheme(), Recorder: rec,
		Clock: o.Clock, Metrics: gatherer, MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		Outreach: &outreach.Actuator{Client: mgr.GetClient(), Scheme: mgr.GetScheme(), Recorder: rec},
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the Campaign controller: %w", err)
	}
	return nil
}

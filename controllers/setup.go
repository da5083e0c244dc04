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
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/outreach"
	"github.com/truce-dev/truce/internal/status"
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
	// TargetBatchDelay is how long a SalesTarget waits after the first of its
	// campaigns reports before it is evaluated (DefaultTargetBatchDelay when
	// zero; negative evaluates at once).
	TargetBatchDelay time.Duration
	// NamespaceSelector picks the namespaces this instance acts in, so that
	// several deployments can split a fleet; nil is every namespace.
	NamespaceSelector labels.Selector
	// DefaultSourceNamespaces picks the namespaces whose specs may name no
	// metrics source and be answered by Sources.Default, which asks with the
	// operator's credentials; nil is none, an empty selector every one.
	DefaultSourceNamespaces labels.Selector
}

// Setup registers the field indexes and every truce controller with mgr, the
// same way in the manager binary and in tests.
func Setup(ctx context.Context, mgr ctrl.Manager, o Options) error {
	if err := SetupIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("registering indexes: %w", err)
	}
	rec := mgr.GetEventRecorder(status.FieldManager)
	gatherer := metricsGatherer{resolver: o.Sources, reader: o.Reader,
		defaults: defaultSourceGrant{selector: o.DefaultSourceNamespaces, namespaces: mgr.GetClient()}}
	batch := o.TargetBatchDelay
	if batch == 0 {
		batch = DefaultTargetBatchDelay
	}
	if err := (&SalesTargetReconciler{
		Client: mgr.GetClient(), Recorder: rec,
		Clock: o.Clock, Metrics: gatherer, MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		BatchDelay: batch,
		// The shard: which namespaces it acts in.
		NamespaceSelector: o.NamespaceSelector,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the SalesTarget controller: %w", err)
	}
	if err := (&CampaignReconciler{
		Client: mgr.GetClient(), Recorder: rec,
		Clock: o.Clock, Metrics: gatherer, MaxConcurrentReconciles: o.MaxConcurrentReconciles,
		Outreach: &outreach.Actuator{Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(), Recorder: rec},
		// The shard: which namespaces it acts in.
		NamespaceSelector: o.NamespaceSelector,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the Campaign controller: %w", err)
	}
	return nil
}

// CacheOptions are the manager's cache options, the same in the manager
// binary and in tests. The cache is most of the controller's memory, so it
// keeps only what truce reads on a poll: no object's managed fields; of
// Jobs only those that carry the campaign label, without their pod
// template; and of Campaigns everything but their jobTemplate, for which
// trimCampaign leaves a stub and the template's revision. The full
// template is read from the API server only to create a Job.
func CacheOptions() cache.Options {
	hasCampaign, err := labels.NewRequirement(outreach.CampaignLabel, selection.Exists, nil)
	if err != nil {
		panic(err) // a constant label key
	}
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&batchv1.Job{}: {
				Label:     labels.NewSelector().Add(*hasCampaign),
				Transform: trimJob,
			},
			&v1alpha1.Campaign{}: {Transform: trimCampaign},
		},
	}
}

// trimCampaign keeps of a Campaign what a reconcile reads on every poll:
// all but its managed fields and its jobTemplate. The template, a whole
// JobSpec with its pod template and about half a cached Campaign, becomes a
// stub, so that JobTemplate != nil still says the campaign runs Jobs, and
// its revision's Job name and hash go in an annotation that exists only in
// the cache, where outreach.Revision reads them (outreach.TrimTemplate).
// Neither ever reaches the API server: truce never writes a Campaign
// whole, only status merge patches between two copies of one cached
// object, which do not carry them, and it creates a Job from the template
// it reads from the API server. Trimming a trimmed Campaign again changes
// nothing, as an informer's resync requires.
func trimCampaign(obj any) (any, error) {
	camp, ok := obj.(*v1alpha1.Campaign)
	if !ok {
		return obj, nil
	}
	camp.ManagedFields = nil
	outreach.TrimTemplate(camp)
	return camp, nil
}

// trimJob keeps of a Job what the outreach actuator reads: its metadata
// (name, labels, annotations, owner), parallelism, suspension, conditions
// and ready pods, the workers that run. Jobs are scaled by merge patches computed from the trimmed
// copy, which name only the fields they change.
func trimJob(obj any) (any, error) {
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return obj, nil
	}
	job.ManagedFields = nil
	job.Spec = batchv1.JobSpec{Parallelism: job.Spec.Parallelism, Suspend: job.Spec.Suspend}
	job.Status = batchv1.JobStatus{Conditions: job.Status.Conditions, Ready: job.Status.Ready}
	return job, nil
}

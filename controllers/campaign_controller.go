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
	"slices"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/outreach"
)

// CampaignReconciler scales a Campaign's outreach to its share of its
// SalesTarget's demand and keeps its status.
type CampaignReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Recorder events.EventRecorder
	// Clock tells the time; tests inject a fake one.
	Clock clock.PassiveClock
	// Metrics reads the campaign's queries.
	Metrics metricsGatherer
	// Outreach reads and scales the campaign's workload.
	Outreach *outreach.Actuator
	// memory holds each campaign's recent recommendations and changes.
	memory scaleMemory
	// MaxConcurrentReconciles is the number of workers.
	MaxConcurrentReconciles int
}

// campaignInput is what a Campaign's reconcile reads from the cache and its
// metrics source.
type campaignInput struct {
	campaign *v1alpha1.Campaign
	// target is the referenced SalesTarget, nil when it does not exist.
	target *v1alpha1.SalesTarget
	// observed is this round's reads of the campaign's queries.
	observed observed
	// workload is what the outreach runs now; workloadErr says why it could
	// not be read.
	workload    outreach.State
	workloadErr error
}

// campaignQueries are a campaign's queries by metric name.
func campaignQueries(c *v1alpha1.Campaign) []namedQuery {
	m := c.Spec.Metrics
	zero := func(name v1alpha1.CampaignMetric) bool { return slices.Contains(m.EmptyResultIsZero, name) }
	return []namedQuery{
		{"leads", m.Leads, zero("leads")},
		{"qualifiedLeads", m.QualifiedLeads, zero("qualifiedLeads")},
	}
}

// +kubebuilder:rbac:groups=revops.truce.dev,resources=campaigns,verbs=get;list;watch
// +kubebuilder:rbac:groups=revops.truce.dev,resources=campaigns/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=revops.truce.dev,resources=salestargets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=*,resources=*/scale,verbs=get;update;patch

// Reconcile gathers the Campaign, its SalesTarget, metrics and workload,
// decides its parallelism, scales the workload and writes status once.
func (r *CampaignReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	camp := &v1alpha1.Campaign{}
	if err := r.Get(ctx, req.NamespacedName, camp); err != nil {
		if apierrors.IsNotFound(err) {
			r.memory.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	in, err := r.gather(ctx, camp)
	if err != nil {
		return ctrl.Result{}, err
	}
	updated := camp.DeepCopy()
	decideCampaignStatus(updated, in)
	if err := r.scale(ctx, updated, in); err != nil {
		return ctrl.Result{}, err
	}
	if err := writeStatus(ctx, r.Client, r.Recorder, camp, updated, camp.Status, updated.Status); err != nil {
		return ctrl.Result{}, err
	}
	logf.FromContext(ctx).V(1).Info("Reconciled Campaign", "salesTarget", camp.Spec.SalesTargetRef.Name, "found", in.target != nil)
	return ctrl.Result{RequeueAfter: pollingInterval(camp.Spec.PollingIntervalSeconds)}, nil
}

// gather reads the campaign's SalesTarget from the cache. A missing target is
// a state, not an error; any other failure is an error and nothing is decided.
func (r *CampaignReconciler) gather(ctx context.Context, camp *v1alpha1.Campaign) (campaignInput, error) {
	in := campaignInput{campaign: camp}
	st := &v1alpha1.SalesTarget{}
	key := types.NamespacedName{Namespace: camp.Namespace, Name: camp.Spec.SalesTargetRef.Name}
	switch err := r.Get(ctx, key, st); {
	case apierrors.IsNotFound(err):
	case err != nil:
		return in, fmt.Errorf("reading SalesTarget %s: %w", key, err)
	default:
		in.target = st
	}
	vars := metrics.Vars{}
	if in.target != nil && in.target.Status.PeriodStart != nil {
		vars.PeriodStart = in.target.Status.PeriodStart.Time
	}
	var err error
	in.observed, err = r.Metrics.read(ctx, camp.Namespace, camp.Spec.Metrics.Source, campaignQueries(camp), vars,
		r.Clock.Now(), pollingInterval(camp.Spec.PollingIntervalSeconds))
	if err != nil {
		return in, err
	}
	in.workload, in.workloadErr = r.Outreach.Observe(ctx, camp)
	return in, nil
}

// scale decides the campaign's parallelism and, in Scale mode, acts on the
// workload; it sets the status fields that describe both. Nothing is decided
// without a target or a readable workload.
func (r *CampaignReconciler) scale(ctx context.Context, camp *v1alpha1.Campaign, in campaignInput) error {
	s, gen := &camp.Status, camp.Generation
	key := client.ObjectKeyFromObject(camp)
	if in.workloadErr != nil {
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.WorkloadUnavailableReason,
			in.workloadErr.Error())
		return nil
	}
	if in.target == nil {
		s.CurrentParallelism, s.ActiveJob = ptr.To(in.workload.Parallelism), in.workload.ActiveJob
		setCampaignBalanced(camp, nil)
		return nil
	}
	now := r.Clock.Now()
	hist := r.memory.get(key)
	d := decideScale(camp, in, &hist, now)
	hist.recommendations = d.History
	state := in.workload
	needsJob := camp.Spec.Outreach.JobTemplate != nil && state.ActiveJob == ""
	if camp.Spec.Mode != v1alpha1.RecommendMode && (d.Desired != state.Parallelism || needsJob) {
		var err error
		if state, err = r.Outreach.Scale(ctx, camp, d.Desired); err != nil {
			return fmt.Errorf("scaling outreach: %w", err)
		}
		if state.Parallelism != in.workload.Parallelism {
			s.LastScaleTime = &metav1.Time{Time: now}
			hist.changes = d.Changes
			logf.FromContext(ctx).Info("Scaled outreach", "from", in.workload.Parallelism, "to", state.Parallelism, "reason", d.Reason)
		}
	}
	r.memory.put(key, hist)
	s.CurrentParallelism, s.ActiveJob = ptr.To(state.Parallelism), state.ActiveJob
	setCampaignBalanced(camp, in.target)
	return nil
}

// decideCampaignStatus sets camp's status from what was gathered.
func decideCampaignStatus(camp *v1alpha1.Campaign, in campaignInput) {
	s, gen := &camp.Status, camp.Generation
	s.ObservedGeneration = gen
	if in.target == nil {
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.SalesTargetNotFoundReason,
			fmt.Sprintf("spec.salesTargetRef: SalesTarget %q does not exist in namespace %q", camp.Spec.SalesTargetRef.Name, camp.Namespace))
	} else {
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason,
			fmt.Sprintf("Supplies SalesTarget %q", in.target.Name))
	}
	recordHealth(&s.Metrics, &s.Conditions, gen, campaignQueries(camp), in.observed)
	if leads, ok := in.observed.values["leads"]; ok {
		q := balance.Quantity(leads)
		s.LeadsPerWeek = &q
		if qualified, ok := in.observed.values["qualifiedLeads"]; ok && leads > 0 {
			p := balance.Quantity(100 * qualified / leads)
			s.QualifiedPercent = &p
		}
	}
	if camp.Spec.Suspend {
		setCondition(&s.Conditions, gen, v1alpha1.SuspendedCondition, metav1.ConditionTrue,
			v1alpha1.SuspendedBySpecReason, "spec.suspend is true: outreach is held at zero")
	} else {
		setCondition(&s.Conditions, gen, v1alpha1.SuspendedCondition, metav1.ConditionFalse,
			v1alpha1.ActiveReason, "Outreach is scaled to the campaign's allocation")
	}
}

// campaignsForTarget maps a SalesTarget to the Campaigns that reference it,
// through the cache's field index.
func (r *CampaignReconciler) campaignsForTarget(ctx context.Context, obj client.Object) []reconcile.Request {
	var list v1alpha1.CampaignList
	if err := r.List(ctx, &list, client.InNamespace(obj.GetNamespace()),
		client.MatchingFields{SalesTargetRefIndex: obj.GetName()}); err != nil {
		logf.FromContext(ctx).Error(err, "Listing campaigns of SalesTarget", "salesTarget", obj.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, c := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&c)})
	}
	return reqs
}

// SetupWithManager registers the controller with the manager. SetupIndexes
// must have run.
func (r *CampaignReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.Campaign{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&batchv1.Job{}).
		Watches(&v1alpha1.SalesTarget{}, handler.EnqueueRequestsFromMapFunc(r.campaignsForTarget)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("campaign").
		Complete(r)
}

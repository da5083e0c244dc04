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
	"errors"
	"fmt"
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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
	"github.com/truce-dev/truce/internal/snapshot"
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
	// NamespaceSelector picks the namespaces whose Campaigns this instance
	// acts on; nil is every namespace.
	NamespaceSelector labels.Selector
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
	q := func(name v1alpha1.CampaignMetric, query v1alpha1.Query) namedQuery {
		return namedQuery{string(name), query, slices.Contains(m.EmptyResultIsZero, name)}
	}
	return []namedQuery{q(v1alpha1.LeadsMetric, m.Leads), q(v1alpha1.QualifiedLeadsMetric, m.QualifiedLeads)}
}

// metricsWindow is the window a campaign's queries count over, a week
// unless spec.metrics.windowSeconds says otherwise.
func metricsWindow(c *v1alpha1.Campaign) time.Duration {
	return snapshot.Window(c)
}

// metricsDelay is how late a campaign's source counts leads
// (spec.metrics.delaySeconds): its leads were made by the workers of the
// window that ended this long ago.
func metricsDelay(c *v1alpha1.Campaign) time.Duration {
	if d := c.Spec.Metrics.DelaySeconds; d != nil && *d > 0 {
		return time.Duration(*d) * time.Second
	}
	return 0
}

// historySpan is how far back a campaign's parallelism history must reach:
// the window, ending metricsDelay ago.
func historySpan(c *v1alpha1.Campaign) time.Duration {
	return metricsWindow(c) + metricsDelay(c)
}

// +kubebuilder:rbac:groups=revops.truce.dev,resources=campaigns,verbs=get;list;watch
// +kubebuilder:rbac:groups=revops.truce.dev,resources=campaigns/status,verbs=get;update;patch
// A Job's controller reference blocks the campaign's deletion until the Job
// is gone; where OwnerReferencesPermissionEnforcement is on (OpenShift's
// default) setting it needs update on the owner's finalizers.
// +kubebuilder:rbac:groups=revops.truce.dev,resources=campaigns/finalizers,verbs=update
// +kubebuilder:rbac:groups=revops.truce.dev,resources=salestargets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=batch,resources=jobs,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=*,resources=*/scale,verbs=get;update;patch

// Reconcile gathers the Campaign, its SalesTarget, metrics and workload,
// decides its parallelism, scales the workload and writes status once. A
// failure to act is written to status too, then returned for backoff.
func (r *CampaignReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	switch owned, err := (shard{r.NamespaceSelector}).owns(ctx, r.Client, req.Namespace); {
	case err != nil:
		return ctrl.Result{}, err
	case !owned:
		// Another deployment's shard, or none: act on nothing, and forget
		// what this one held, as it may change hands.
		r.memory.forget(req.NamespacedName)
		logf.FromContext(ctx).V(1).Info("Skipped Campaign: its namespace is outside this instance's --namespace-selector")
		return ctrl.Result{}, nil
	}
	camp := &v1alpha1.Campaign{}
	if err := r.Get(ctx, req.NamespacedName, camp); err != nil {
		if apierrors.IsNotFound(err) {
			r.memory.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	updated := camp.DeepCopy()
	in, err := r.gather(ctx, camp)
	if err != nil {
		setCondition(&updated.Status.Conditions, camp.Generation, v1alpha1.ReadyCondition, metav1.ConditionFalse,
			v1alpha1.ReconcileFailedReason, bounded(err.Error()))
		return ctrl.Result{}, errors.Join(err, writeStatus(ctx, r.Client, r.Recorder, camp, updated, camp.Status, updated.Status))
	}
	decideCampaignStatus(updated, in)
	actErr := r.scale(ctx, updated, in)
	if err := writeStatus(ctx, r.Client, r.Recorder, camp, updated, camp.Status, updated.Status); err != nil {
		return ctrl.Result{}, errors.Join(actErr, err)
	}
	if actErr != nil {
		return ctrl.Result{}, actErr
	}
	logf.FromContext(ctx).V(1).Info("Reconciled Campaign", "salesTarget", camp.Spec.SalesTargetRef.Name, "found", in.target != nil)
	// Polls start at the slots of the interval, where the metrics cache
	// sends each request once for every object of the slot.
	return ctrl.Result{RequeueAfter: realWait(r.Clock, metrics.NextPoll(r.Clock.Now(), pollingInterval(camp.Spec.PollingIntervalSeconds)))}, nil
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
	vars := metrics.Vars{Window: metricsWindow(camp)}
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
// workload; it sets the status fields that describe both, and records the
// parallelism the outreach runs at in its history. Nothing is decided
// without a readable workload, and nothing acts without a target unless the
// campaign is suspended. A refused action is Ready=False with the API's
// message, and is returned.
func (r *CampaignReconciler) scale(ctx context.Context, camp *v1alpha1.Campaign, in campaignInput) error {
	s, gen := &camp.Status, camp.Generation
	key := client.ObjectKeyFromObject(camp)
	now := r.Clock.Now().Truncate(time.Second)
	if in.workloadErr != nil {
		msg := in.workloadErr.Error()
		if camp.Spec.Outreach.ScaleTargetRef != nil {
			msg += ": check spec.outreach.scaleTargetRef"
		}
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.WorkloadUnavailableReason, bounded(msg))
		setCampaignBalanced(camp, in.target)
		return nil
	}
	state := in.workload
	hist := r.memory.get(key)
	span := historySpan(camp)
	history := latestWorkers(s.ParallelismHistory, hist.workers)
	if len(history) == 0 {
		// The first record is what was found: zero for outreach truce starts
		// from nothing, so the window before it holds no work; what runs
		// already is taken to have run as it is.
		history = balance.RecordWorkers(nil, now, in.workload.Running, span)
	}
	s.ParallelismHistory = toRecords(history)
	d := decideScale(camp, in, &hist, now)
	hist.recommendations = d.History
	var actErr error
	switch {
	case state.Blocked != nil:
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, state.Blocked.Reason, bounded(state.Blocked.Message))
	case camp.Spec.Mode == v1alpha1.RecommendMode:
	case in.target == nil && !camp.Spec.Suspend:
		// Its allocation is gone with its target: hold what runs.
	case d.Desired != state.Parallelism || (camp.Spec.Outreach.JobTemplate != nil && state.ActiveJob == "" && in.target != nil):
		next, err := r.Outreach.Scale(ctx, camp, d.Desired)
		if err != nil {
			actErr = fmt.Errorf("scaling outreach: %w", err)
			setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.ScaleFailedReason,
				bounded(fmt.Sprintf("Could not scale the outreach to %d: %v", d.Desired, err)))
			break
		}
		state = next
		if state.Parallelism != in.workload.Parallelism {
			s.LastScaleTime = &metav1.Time{Time: now}
			hist.changes = append(make([]balance.Change, 0, len(d.Changes)), d.Changes...)
			logf.FromContext(ctx).Info("Scaled outreach", "from", in.workload.Parallelism, "to", state.Parallelism, "reason", d.Reason)
		}
		if state.Blocked != nil {
			setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, state.Blocked.Reason, bounded(state.Blocked.Message))
		}
	}
	s.CurrentParallelism, s.ActiveJob = ptr.To(state.Parallelism), state.ActiveJob
	// The history counts the workers that run: a scale-up's pods make no
	// leads until they start, and counted from the moment truce asked, they
	// would read the yield low and ask for more again.
	hist.workers = balance.RecordWorkers(history, now, state.Running, span)
	s.ParallelismHistory = toRecords(hist.workers)
	r.memory.put(key, hist)
	setCampaignBalanced(camp, in.target)
	return actErr
}

// decideCampaignStatus sets camp's status from what was gathered.
func decideCampaignStatus(camp *v1alpha1.Campaign, in campaignInput) {
	s, gen := &camp.Status, camp.Generation
	s.ObservedGeneration = gen
	if in.target == nil {
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.SalesTargetNotFoundReason,
			fmt.Sprintf("spec.salesTargetRef: SalesTarget %q does not exist in namespace %q; the outreach is held as it is",
				camp.Spec.SalesTargetRef.Name, camp.Namespace))
	} else {
		setCondition(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionTrue, v1alpha1.ReconciledReason,
			fmt.Sprintf("Supplies SalesTarget %q", in.target.Name))
	}
	recordHealth(&s.Metrics, &s.Conditions, gen, campaignQueries(camp), in.observed)
	if leads, ok := in.observed.values[string(v1alpha1.LeadsMetric)]; ok {
		q := balance.Quantity(leads)
		s.LeadsPerWeek = &q
		if qualified, ok := in.observed.values[string(v1alpha1.QualifiedLeadsMetric)]; ok && leads > 0 {
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
	s := shard{r.NamespaceSelector}
	return s.watchNamespaces(ctrl.NewControllerManagedBy(mgr), requestsFor(r.Client, &v1alpha1.CampaignList{}, "Campaigns"), r.Metrics.defaultSourceNamespaces()).
		For(&v1alpha1.Campaign{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&batchv1.Job{}).
		Watches(&v1alpha1.SalesTarget{}, handler.EnqueueRequestsFromMapFunc(r.campaignsForTarget)).
		// Nothing in a namespace outside the shard is enqueued.
		WithEventFilter(s.predicate(r.Client)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("campaign").
		Complete(r)
}

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
	"math"
	"slices"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/outreach"
	"github.com/truce-dev/truce/internal/snapshot"
	"github.com/truce-dev/truce/internal/status"
)

// CampaignReconciler scales a Campaign's outreach to its share of its
// SalesTarget's demand and keeps its status. It keeps nothing between polls
// but what status holds.
type CampaignReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// Clock tells the time; tests inject a fake one.
	Clock clock.PassiveClock
	// Metrics reads the campaign's queries.
	Metrics metricsGatherer
	// Outreach reads and scales the campaign's workload.
	Outreach *outreach.Actuator
	// MaxConcurrentReconciles is the number of workers.
	MaxConcurrentReconciles int
	// NamespaceSelector picks the namespaces whose Campaigns this instance
	// acts on; nil is every namespace.
	NamespaceSelector labels.Selector
}

// conflictRetry is how soon a poll that read a stale copy of its Campaign
// runs again: the cache is behind by a watch event, not by a poll.
const conflictRetry = 500 * time.Millisecond

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

// Reconcile is one poll of a Campaign: gather what it reads, plan, write
// the plan to status, act, and write again only when acting left another
// state than planned. Status is written with the resource version that was
// read, so a poll that read a stale copy writes nothing and never acts; it
// runs again once the cache has caught up.
func (r *CampaignReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	camp, err := r.campaignOf(ctx, req)
	if camp == nil || err != nil {
		return ctrl.Result{}, err
	}
	in, err := r.gather(ctx, camp)
	if err != nil {
		_, werr := r.write(ctx, camp, failed(camp, err), false)
		return ctrl.Result{}, errors.Join(err, werr)
	}
	if wait := awaitingFirstShare(in, r.Clock.Now()); wait > 0 {
		return ctrl.Result{RequeueAfter: realWait(r.Clock, wait)}, nil
	}
	p := plan(in)
	expected := p.expected(in)
	// The plan is written before acting, as what acting will leave; but
	// after a poll that left Ready=False (acting was refused, the workload
	// is blocked or missing) it would say Ready=True until acting failed
	// again: then the write before acting only checks that what was read is
	// current, and the summary is written after.
	intent, cautious := summarise(in, p, expected), p.act && notReady(camp)
	if cautious {
		intent = camp.Status
	}
	written, err := r.write(ctx, camp, intent, p.act)
	if err != nil {
		return r.retry(ctx, err)
	}
	if got := r.act(ctx, in, p); cautious || got != expected {
		if _, err := r.write(ctx, written, summarise(in, p, got), false); err != nil {
			return ctrl.Result{}, errors.Join(got.err, err)
		}
		if got.err != nil {
			return ctrl.Result{}, got.err
		}
	}
	logf.FromContext(ctx).V(1).Info("Reconciled Campaign", "salesTarget", camp.Spec.SalesTargetRef.Name, "found", in.target != nil)
	// Polls start at the slots of the interval, where the metrics cache
	// sends each request once for every object of the slot.
	return ctrl.Result{RequeueAfter: realWait(r.Clock, metrics.NextPoll(r.Clock.Now(), pollingInterval(camp.Spec.PollingIntervalSeconds)))}, nil
}

// notReady says whether the campaign's last poll left Ready other than
// True; a campaign never polled has no Ready yet.
func notReady(camp *v1alpha1.Campaign) bool {
	c := meta.FindStatusCondition(camp.Status.Conditions, v1alpha1.ReadyCondition)
	return c != nil && c.Status != metav1.ConditionTrue
}

// campaignOf is the Campaign to poll, nil when there is none or its
// namespace is another instance's shard.
func (r *CampaignReconciler) campaignOf(ctx context.Context, req ctrl.Request) (*v1alpha1.Campaign, error) {
	switch owned, err := (shard{r.NamespaceSelector}).owns(ctx, r.Client, req.Namespace); {
	case err != nil:
		return nil, err
	case !owned:
		logf.FromContext(ctx).V(1).Info("Skipped Campaign: its namespace is outside this instance's --namespace-selector")
		return nil, nil
	}
	camp := &v1alpha1.Campaign{}
	if err := r.Get(ctx, req.NamespacedName, camp); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return camp, nil
}

// firstShareGrace is how long a new Campaign waits for its SalesTarget to
// give it a share before its first status write says it has none.
const firstShareGrace = 10 * time.Second

// awaitingFirstShare is how long a new campaign's first poll waits for its
// target to list it, zero when it need not: a campaign whose status was
// never written, whose target exists but has not evaluated it yet, writes
// its first status and creates its Job once it has a share, one write of
// each instead of two. The target's write polls it at once; the grace,
// from its creation, bounds the wait for a target that never evaluates.
func awaitingFirstShare(in campaignInput, now time.Time) time.Duration {
	camp := in.campaign
	if camp.Status.ObservedGeneration != 0 || in.target == nil || camp.Spec.Suspend {
		return 0
	}
	for _, a := range in.target.Status.Campaigns {
		if a.Name == camp.Name {
			return 0
		}
	}
	age := now.Sub(camp.CreationTimestamp.Time)
	if age < 0 || age >= firstShareGrace {
		return 0
	}
	return firstShareGrace - age
}

// campaignInput is what a poll gathered: the Campaign, its SalesTarget,
// its metrics and its workload, each read once.
type campaignInput struct {
	campaign *v1alpha1.Campaign
	// target is the referenced SalesTarget, nil when it does not exist.
	target *v1alpha1.SalesTarget
	// observed is this round's reads of the campaign's queries.
	observed observed
	// workload is what the outreach runs now and what acting starts from;
	// workloadErr says why it could not be read.
	workload    outreach.Observation
	workloadErr error
	// now is the poll's time, to the second.
	now time.Time
}

// gather reads the campaign's SalesTarget from the cache, its metrics and
// its workload. A missing target is a state, not an error; any other
// failure is an error and nothing is decided.
func (r *CampaignReconciler) gather(ctx context.Context, camp *v1alpha1.Campaign) (campaignInput, error) {
	in := campaignInput{campaign: camp, now: r.Clock.Now().Truncate(time.Second)}
	st := &v1alpha1.SalesTarget{}
	key := types.NamespacedName{Namespace: camp.Namespace, Name: camp.Spec.SalesTargetRef.Name}
	switch err := r.Get(ctx, key, st); {
	case apierrors.IsNotFound(err):
	case err != nil:
		return in, fmt.Errorf("reading SalesTarget %s: %w", key, err)
	default:
		in.target = st
	}
	var err error
	in.observed, err = r.Metrics.read(ctx, camp.Namespace, camp.Spec.Metrics.Source, campaignQueries(camp), campaignVars(camp, in.target),
		r.Clock.Now(), pollingInterval(camp.Spec.PollingIntervalSeconds))
	if err != nil {
		return in, err
	}
	in.workload, in.workloadErr = r.Outreach.Observe(ctx, camp)
	return in, nil
}

// campaignQueries are a campaign's queries by metric name.
func campaignQueries(c *v1alpha1.Campaign) []namedQuery {
	m := c.Spec.Metrics
	q := func(name v1alpha1.CampaignMetric, query v1alpha1.Query) namedQuery {
		return namedQuery{string(name), query, slices.Contains(m.EmptyResultIsZero, name)}
	}
	return []namedQuery{q(v1alpha1.LeadsMetric, m.Leads), q(v1alpha1.QualifiedLeadsMetric, m.QualifiedLeads)}
}

// campaignVars are the variables of a campaign's queries: its window, and
// its target's period start once the target has one.
func campaignVars(camp *v1alpha1.Campaign, target *v1alpha1.SalesTarget) metrics.Vars {
	vars := metrics.Vars{Window: snapshot.Window(camp)}
	if target != nil && target.Status.PeriodStart != nil {
		vars.PeriodStart = target.Status.PeriodStart.Time
	}
	return vars
}

// campaignPlan is what a poll decided from what it gathered, before acting.
type campaignPlan struct {
	// health is each query's health after this round's reads.
	health []v1alpha1.MetricStatus
	// workers is the parallelism history as read, begun with what runs
	// when status has none.
	workers []balance.WorkerRecord
	// memory is what the stabilization window and rate limit remember.
	memory balance.ScaleMemory
	// yield is the leads per worker per week and its basis; allocated the
	// campaign's share, nil until its target allocates.
	yield     float64
	basis     balance.Basis
	allocated *float64
	decision  balance.ScaleDecision
	// decided is false when the workload could not be read: nothing is.
	decided bool
	// act says whether the workload must be scaled to decision.Desired.
	act bool
}

// plan decides the campaign's parallelism the way the HPA decides replicas,
// from status, what was read, and nothing else. The yield divides the
// window's leads by the average workers over the window (which ended the
// source's delay ago), so a reading is never divided by workers that did
// not produce it.
func plan(in campaignInput) campaignPlan {
	camp, s := in.campaign, &in.campaign.Status
	p := campaignPlan{health: health(s.Metrics, campaignQueries(camp), in.observed), memory: snapshot.Memory(s)}
	if in.workloadErr != nil {
		return p
	}
	p.decided = true
	p.workers = snapshot.Workers(s.ParallelismHistory)
	if len(p.workers) == 0 {
		// The first record is what was found: zero for outreach truce starts
		// from nothing, so the window before it holds no work; what runs
		// already is taken to have run as it is.
		p.workers = balance.RecordWorkers(nil, in.now, in.workload.State.Running, historySpan(camp))
	}
	leads, leadsRead := in.observed.values[string(v1alpha1.LeadsMetric)]
	workers := balance.AverageWorkers(p.workers, in.now.Add(-metricsDelay(camp)), snapshot.Window(camp))
	p.yield, p.basis = balance.Yield(ptrIf(leads, leadsRead), workers, observedYield(s), camp.Spec.Outreach.LeadsPerWorkerPerWeek.AsApproximateFloat64())
	if a := snapshot.Allocation(camp, in.target); a != nil {
		p.allocated = ptr.To(a.AllocatedLeadsPerWeek.AsApproximateFloat64())
	}
	out := camp.Spec.Outreach
	p.decision = balance.DesiredParallelism(balance.ScaleInput{
		Now: in.now, Current: in.workload.State.Parallelism, Allocated: ptr.Deref(p.allocated, 0), Yield: p.yield,
		Min: ptr.Deref(out.MinParallelism, 0), Max: out.MaxParallelism, Suspended: camp.Spec.Suspend, Behavior: out.Behavior,
		History: p.memory.Recommendations(in.now), Changes: p.memory.Changes,
		MetricsFailing: leadsFailed(in.observed) || (p.allocated == nil && !camp.Spec.Suspend),
		Failures:       status.Failures(p.health, string(v1alpha1.LeadsMetric)),
		Fallback:       out.Fallback,
		Unlimited:      camp.Spec.Mode == v1alpha1.RecommendMode,
	})
	p.act = shouldAct(in, p.decision.Desired)
	return p
}

// shouldAct says whether a poll scales the workload: never one a person
// must mend, in Recommend mode, or without a target unless suspended (its
// allocation is gone with its target: what runs is held); otherwise when
// the parallelism must change or the current revision has no Job yet.
func shouldAct(in campaignInput, desired int32) bool {
	camp, state := in.campaign, in.workload.State
	switch {
	case state.Blocked != nil, camp.Spec.Mode == v1alpha1.RecommendMode, in.target == nil && !camp.Spec.Suspend:
		return false
	}
	return desired != state.Parallelism || (camp.Spec.Outreach.JobTemplate != nil && state.ActiveJob == "" && in.target != nil)
}

// outcome is what the workload runs after a poll, and why acting failed.
type outcome struct {
	state outreach.State
	err   error
}

// expected is the outcome of acting as planned, or of not acting.
func (p campaignPlan) expected(in campaignInput) outcome {
	if !p.act {
		return outcome{state: in.workload.State}
	}
	return outcome{state: in.workload.Expect(in.campaign, p.decision.Desired)}
}

// act scales the workload as planned, from what gather observed; without
// a plan to act it leaves what runs.
func (r *CampaignReconciler) act(ctx context.Context, in campaignInput, p campaignPlan) outcome {
	if !p.act {
		return outcome{state: in.workload.State}
	}
	state, err := r.Outreach.Scale(ctx, in.campaign, in.workload, p.decision.Desired)
	if err != nil {
		// What Scale reached before it failed (a Job created, then an old
		// one that could not be retired), or what ran if it changed nothing.
		if state == (outreach.State{}) {
			state = in.workload.State
		}
		return outcome{state: state, err: fmt.Errorf("scaling outreach: %w", err)}
	}
	if from := in.workload.State.Parallelism; state.Parallelism != from {
		logf.FromContext(ctx).Info("Scaled outreach", "from", from, "to", state.Parallelism, "reason", p.decision.Reason)
	}
	return outcome{state: state}
}

// summarise is the campaign's status after a poll: every field, from what
// was gathered, planned and done.
func summarise(in campaignInput, p campaignPlan, o outcome) v1alpha1.CampaignStatus {
	camp := in.campaign
	s := *camp.Status.DeepCopy()
	s.ObservedGeneration = camp.Generation
	s.Metrics = p.health
	s.LeadsPerWeek, s.QualifiedPercent = observedRates(in.observed, s.LeadsPerWeek, s.QualifiedPercent)
	if p.decided {
		summariseScale(&s, in, p, o)
	}
	summariseConditions(&s, in, p, o)
	return s
}

// summariseScale sets what the plan and the outcome say of scaling.
func summariseScale(s *v1alpha1.CampaignStatus, in campaignInput, p campaignPlan, o outcome) {
	y := balance.Quantity(math.Round(p.yield*100) / 100)
	s.YieldPerWorker, s.YieldBasis = &y, v1alpha1.Basis(p.basis)
	s.AllocatedLeadsPerWeek = nil
	if p.allocated != nil {
		s.AllocatedLeadsPerWeek = rate(*p.allocated)
	}
	s.DesiredParallelism = ptr.To(p.decision.Desired)
	s.CurrentParallelism, s.ActiveJob = ptr.To(o.state.Parallelism), o.state.ActiveJob
	delta := o.state.Parallelism - in.workload.State.Parallelism
	if delta != 0 {
		s.LastScaleTime = &metav1.Time{Time: in.now}
	}
	s.Scaling = scalingStatus(p.memory.Remember(p.decision.Raw, delta, in.now, in.campaign.Spec.Outreach.Behavior))
	// The history counts the workers that run: a scale-up's pods make no
	// leads until they start, and counted from the moment truce asked, they
	// would read the yield low and ask for more again.
	s.ParallelismHistory = parallelismRecords(balance.RecordWorkers(p.workers, in.now, o.state.Running, historySpan(in.campaign)))
}

// summariseConditions sets every condition, Ready last, by precedence: the
// workload unreadable, acting failed, the workload blocked, the target
// missing, then reconciled.
func summariseConditions(s *v1alpha1.CampaignStatus, in campaignInput, p campaignPlan, o outcome) {
	camp, gen := in.campaign, in.campaign.Generation
	metricsStatus, reason, msg := metricsCondition(campaignQueries(camp), in.observed)
	status.Set(&s.Conditions, gen, v1alpha1.MetricsAvailableCondition, metricsStatus, reason, msg)
	if camp.Spec.Suspend {
		status.Set(&s.Conditions, gen, v1alpha1.SuspendedCondition, metav1.ConditionTrue, v1alpha1.SuspendedBySpecReason,
			"spec.suspend is true: outreach is held at zero")
	} else {
		status.Set(&s.Conditions, gen, v1alpha1.SuspendedCondition, metav1.ConditionFalse, v1alpha1.ActiveReason,
			"Outreach is scaled to the campaign's allocation")
	}
	judged := *camp
	judged.Status = *s
	v := balance.JudgeCampaign(snapshot.Judgement(&judged, in.target))
	status.Set(&s.Conditions, gen, v1alpha1.BalancedCondition, verdictStatus(v), v.Reason, v.Message)
	readyStatus, reason, msg := campaignReady(in, p, o)
	status.Set(&s.Conditions, gen, v1alpha1.ReadyCondition, readyStatus, reason, msg)
}

// campaignReady is the Ready condition after a poll, by precedence.
func campaignReady(in campaignInput, p campaignPlan, o outcome) (metav1.ConditionStatus, string, string) {
	camp := in.campaign
	switch {
	case in.workloadErr != nil:
		msg := in.workloadErr.Error()
		if camp.Spec.Outreach.ScaleTargetRef != nil {
			msg += ": check spec.outreach.scaleTargetRef"
		}
		return metav1.ConditionFalse, v1alpha1.WorkloadUnavailableReason, msg
	case o.err != nil:
		return metav1.ConditionFalse, v1alpha1.ScaleFailedReason, fmt.Sprintf("Could not scale the outreach to %d: %v", p.decision.Desired, o.err)
	case o.state.Blocked != nil:
		return metav1.ConditionFalse, o.state.Blocked.Reason, o.state.Blocked.Message
	case in.target == nil:
		return metav1.ConditionFalse, v1alpha1.SalesTargetNotFoundReason,
			fmt.Sprintf("spec.salesTargetRef: SalesTarget %q does not exist in namespace %q; the outreach is held as it is",
				camp.Spec.SalesTargetRef.Name, camp.Namespace)
	}
	return metav1.ConditionTrue, v1alpha1.ReconciledReason, fmt.Sprintf("Supplies SalesTarget %q", in.target.Name)
}

// failed is the campaign's status when a poll could not gather what it
// reads: only Ready changes, and nothing is decided.
func failed(camp *v1alpha1.Campaign, err error) v1alpha1.CampaignStatus {
	s := *camp.Status.DeepCopy()
	status.Set(&s.Conditions, camp.Generation, v1alpha1.ReadyCondition, metav1.ConditionFalse, v1alpha1.ReconcileFailedReason, err.Error())
	return s
}

// write patches the campaign's status to s, with the resource version it
// read; check patches even when nothing changed, to learn before acting that
// what was read is current. It returns the campaign as written.
func (r *CampaignReconciler) write(ctx context.Context, camp *v1alpha1.Campaign, s v1alpha1.CampaignStatus, check bool) (*v1alpha1.Campaign, error) {
	updated := camp.DeepCopy()
	updated.Status = s
	if err := status.Write(ctx, r.Client, r.Recorder, camp, updated, camp.Status, s, check); err != nil {
		return nil, err
	}
	return updated, nil
}

// retry runs a poll that read a stale copy again soon; any other failure
// to write is returned for backoff.
func (r *CampaignReconciler) retry(ctx context.Context, err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		logf.FromContext(ctx).V(1).Info("Read a stale Campaign; polling again", "after", conflictRetry)
		return ctrl.Result{RequeueAfter: conflictRetry}, nil
	}
	return ctrl.Result{}, err
}

// SetupWithManager registers the controller with the manager. SetupIndexes
// must have run.
func (r *CampaignReconciler) SetupWithManager(mgr ctrl.Manager) error {
	s := shard{r.NamespaceSelector}
	return s.watchNamespaces(ctrl.NewControllerManagedBy(mgr), requestsFor(r.Client, &v1alpha1.CampaignList{}, "Campaigns"), r.Metrics.defaultSourceNamespaces()).
		For(&v1alpha1.Campaign{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&batchv1.Job{}).
		// A SalesTarget's status write enqueues only the campaigns whose
		// reads of it changed.
		Watches(&v1alpha1.SalesTarget{}, targetToCampaigns(r.Client)).
		// Nothing in a namespace outside the shard is enqueued.
		WithEventFilter(s.predicate(r.Client)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("campaign").
		Complete(r)
}

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

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/metrics"
	"github.com/truce-dev/truce/internal/status"
)

// SalesTargetReconciler keeps a SalesTarget's status: its period, capacity
// and conditions.
type SalesTargetReconciler struct {
	client.Client
	Recorder events.EventRecorder
	// Clock tells the time; tests inject a fake one.
	Clock clock.PassiveClock
	// Metrics reads the target's queries.
	Metrics metricsGatherer
	// MaxConcurrentReconciles is the number of workers.
	MaxConcurrentReconciles int
	// BatchDelay is how long after a campaign reports its target is
	// evaluated, so campaigns that report together are evaluated once.
	BatchDelay time.Duration
	// NamespaceSelector picks the namespaces whose SalesTargets this
	// instance acts on; nil is every namespace.
	NamespaceSelector labels.Selector
}

// +kubebuilder:rbac:groups=revops.truce.dev,resources=salestargets,verbs=get;list;watch
// +kubebuilder:rbac:groups=revops.truce.dev,resources=salestargets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile gathers the SalesTarget, decides its status and writes it once.
func (r *SalesTargetReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	switch owned, err := (shard{r.NamespaceSelector}).owns(ctx, r.Client, req.Namespace); {
	case err != nil:
		return ctrl.Result{}, err
	case !owned:
		logf.FromContext(ctx).V(1).Info("Skipped SalesTarget: its namespace is outside this instance's --namespace-selector")
		return ctrl.Result{}, nil
	}
	st := &v1alpha1.SalesTarget{}
	if err := r.Get(ctx, req.NamespacedName, st); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	now := r.Clock.Now()
	updated := st.DeepCopy()
	in, err := r.gather(ctx, st, now)
	if err != nil {
		status.Set(&updated.Status.Conditions, st.Generation, v1alpha1.ReadyCondition, metav1.ConditionFalse,
			v1alpha1.ReconcileFailedReason, err.Error())
		return ctrl.Result{}, errors.Join(err, status.Write(ctx, r.Client, r.Recorder, st, updated, st.Status, updated.Status, false))
	}
	requeue := decideSalesTargetStatus(updated, in, now)
	if err := status.Write(ctx, r.Client, r.Recorder, st, updated, st.Status, updated.Status, false); err != nil {
		if apierrors.IsConflict(err) {
			// A stale copy: evaluate again once the cache has caught up.
			logf.FromContext(ctx).V(1).Info("Read a stale SalesTarget; evaluating again", "after", conflictRetry)
			return ctrl.Result{RequeueAfter: conflictRetry}, nil
		}
		return ctrl.Result{}, err
	}
	logf.FromContext(ctx).V(1).Info("Reconciled SalesTarget", "requeueAfter", requeue)
	return ctrl.Result{RequeueAfter: realWait(r.Clock, requeue)}, nil
}

// salesTargetInput is what a SalesTarget's reconcile gathered.
type salesTargetInput struct {
	target *v1alpha1.SalesTarget
	// period is the current period; nil when the time zone is invalid,
	// and tzErr says why.
	period *balance.Period
	loc    *time.Location
	tzErr  error
	// observed is this round's reads of the target's queries.
	observed observed
	// campaigns are the Campaigns that reference the target.
	campaigns []v1alpha1.Campaign
}

// salesTargetQueries are a target's queries by metric name.
func salesTargetQueries(st *v1alpha1.SalesTarget) []namedQuery {
	m := st.Spec.Metrics
	if m == nil {
		return nil
	}
	q := func(name v1alpha1.SalesTargetMetric, query v1alpha1.Query) namedQuery {
		return namedQuery{string(name), query, slices.Contains(m.EmptyResultIsZero, name)}
	}
	return []namedQuery{
		q(v1alpha1.ClosedWonRevenueMetric, m.ClosedWonRevenue),
		q(v1alpha1.ClosedWonDealsMetric, m.ClosedWonDeals),
		q(v1alpha1.OpenLeadsMetric, m.OpenLeads),
		q(v1alpha1.AcceptedLeadsMetric, m.AcceptedLeads),
		q(v1alpha1.CohortAcceptedLeadsMetric, m.CohortAcceptedLeads),
		q(v1alpha1.PipelineLeadsMetric, m.PipelineLeads),
		q(v1alpha1.LeadsPastFirstContactMetric, m.LeadsPastFirstContact),
	}
}

// decideSalesTargetStatus sets st's status from its spec and what was
// gathered, and returns when the status must next be looked at: the next
// poll (or the period's end, if sooner), or zero when the spec must change
// first.
func decideSalesTargetStatus(st *v1alpha1.SalesTarget, in salesTargetInput, now time.Time) time.Duration {
	s, gen := &st.Status, st.Generation
	s.ObservedGeneration = gen

	p := in.period
	if p == nil {
		capacity := balance.Quantity(balance.Capacity(st.Spec.Capacity, now, time.UTC))
		s.CapacityLeadsPerWeek = &capacity
		s.PeriodStart, s.PeriodEnd, s.Horizon = nil, nil, nil
		status.Set(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionFalse,
			v1alpha1.InvalidTimeZoneReason, fmt.Sprintf("spec.period.timeZone: %v; use an IANA name such as Europe/Berlin", in.tzErr))
		status.Set(&s.Conditions, gen, v1alpha1.MetricsAvailableCondition, metav1.ConditionUnknown,
			v1alpha1.NotYetQueriedReason, "Queries wait for a valid period")
		status.Set(&s.Conditions, gen, v1alpha1.BalancedCondition, metav1.ConditionUnknown,
			v1alpha1.AwaitingMetricsReason, "Balance is judged once the period is valid")
		status.Set(&s.Conditions, gen, v1alpha1.QuotaAtRiskCondition, metav1.ConditionUnknown,
			v1alpha1.AwaitingMetricsReason, "Pace is judged once the period is valid")
		return 0
	}
	// The input is built from the status as it was: whether it describes an
	// earlier period decides which held values still count.
	input := targetInput(st, in, now)
	s.Metrics = health(s.Metrics, salesTargetQueries(st), in.observed)
	metricsStatus, reason, msg := metricsCondition(salesTargetQueries(st), in.observed)
	status.Set(&s.Conditions, gen, v1alpha1.MetricsAvailableCondition, metricsStatus, reason, msg)
	if newPeriod(st, in) {
		forgetEarlierPeriod(s.Metrics, in.observed)
	}
	s.PeriodStart, s.PeriodEnd = &metav1.Time{Time: p.Start}, &metav1.Time{Time: p.End}
	status.Set(&s.Conditions, gen, v1alpha1.ReadyCondition, metav1.ConditionTrue,
		v1alpha1.ReconciledReason, fmt.Sprintf("%s period %s to %s", st.Spec.Period.Cadence,
			p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly)))

	result := balance.Evaluate(input)
	setBalanceStatus(st, input, result)
	if input.BookingsUnknown {
		setBookingsUnknown(st, p, result)
	}
	wait := setBalancedCondition(st, result.Verdict, now)
	setQuotaAtRiskCondition(st, result)
	return min(metrics.NextPoll(now, pollingInterval(st.Spec.PollingIntervalSeconds)), p.End.Sub(now), wait)
}

// gather reads the target's period, metrics and campaigns. Campaigns come
// from the cache through the field index; their observed leads from their
// status, which the Campaign controller keeps.
func (r *SalesTargetReconciler) gather(ctx context.Context, st *v1alpha1.SalesTarget, now time.Time) (salesTargetInput, error) {
	in := salesTargetInput{target: st}
	loc, err := balance.LoadTimeZone(st.Spec.Period.TimeZone)
	if err != nil {
		in.tzErr = err
		return in, nil
	}
	p := balance.CurrentPeriod(st.Spec.Period.Cadence, loc, now)
	in.period, in.loc = &p, loc
	var src *v1alpha1.MetricsSource
	if st.Spec.Metrics != nil {
		src = st.Spec.Metrics.Source
	}
	if in.observed, err = r.Metrics.read(ctx, st.Namespace, src, salesTargetQueries(st),
		metrics.Vars{PeriodStart: p.Start, Cycle: balance.SalesCycle(st.Spec.Plan)}, now, pollingInterval(st.Spec.PollingIntervalSeconds)); err != nil {
		return in, err
	}
	var list v1alpha1.CampaignList
	if err := r.List(ctx, &list, client.InNamespace(st.Namespace), client.MatchingFields{SalesTargetRefIndex: st.Name}); err != nil {
		return in, fmt.Errorf("listing the campaigns of SalesTarget %q: %w", st.Name, err)
	}
	in.campaigns = list.Items
	r.readUnreported(ctx, st, in.campaigns, now)
	return in, nil
}

// readUnreported reads the leads of the campaigns whose status was never
// written, through the metrics cache their own polls use, so that the
// target's first allocation counts what a new campaign makes. Need plans
// on supply, so a share given before the campaign reports changes once it
// does: one more status write for the target and every campaign. The reads
// run at most unreportedReads at once, for at most maxUnreported campaigns,
// within unreportedBudget: a slow or silent source delays the target by the
// budget, never by a timeout per campaign. A campaign whose read fails, or
// is not reached, reports as before.
func (r *SalesTargetReconciler) readUnreported(ctx context.Context, st *v1alpha1.SalesTarget, campaigns []v1alpha1.Campaign, now time.Time) {
	ctx, cancel := context.WithTimeout(ctx, unreportedBudget)
	defer cancel()
	type reading struct {
		i int
		o observed
	}
	// Buffered for every read, so a read that ends after the budget never
	// blocks; the campaigns are changed here, by this goroutine only.
	readings := make(chan reading, maxUnreported)
	slots := make(chan struct{}, unreportedReads)
	started := 0
	for i := range campaigns {
		c := &campaigns[i]
		if c.Status.ObservedGeneration != 0 || c.Status.LeadsPerWeek != nil || started == maxUnreported {
			continue
		}
		started++
		go func() {
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				readings <- reading{i: -1}
				return
			}
			o, err := r.Metrics.read(ctx, c.Namespace, c.Spec.Metrics.Source, campaignQueries(c), campaignVars(c, st),
				now, pollingInterval(c.Spec.PollingIntervalSeconds))
			if err != nil {
				i = -1
			}
			readings <- reading{i: i, o: o}
		}()
	}
	for ; started > 0; started-- {
		select {
		case rd := <-readings:
			if rd.i >= 0 {
				c := &campaigns[rd.i]
				c.Status.LeadsPerWeek, c.Status.QualifiedPercent = observedRates(rd.o, nil, nil)
			}
		case <-ctx.Done():
			return
		}
	}
}

// A target reads the leads of at most maxUnreported never-reported
// campaigns per reconcile, unreportedReads at once, within
// unreportedBudget.
const (
	maxUnreported    = 64
	unreportedReads  = 8
	unreportedBudget = 2 * time.Second
)

// SetupWithManager registers the controller with the manager.
func (r *SalesTargetReconciler) SetupWithManager(mgr ctrl.Manager) error {
	s := shard{r.NamespaceSelector}
	return s.watchNamespaces(ctrl.NewControllerManagedBy(mgr), requestsFor(r.Client, &v1alpha1.SalesTargetList{}, "SalesTargets"), r.Metrics.defaultSourceNamespaces()).
		For(&v1alpha1.SalesTarget{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A campaign's spec or observed leads change its target's balance.
		Watches(&v1alpha1.Campaign{}, campaignToTarget(r.BatchDelay)).
		// Nothing in a namespace outside the shard is enqueued.
		WithEventFilter(s.predicate(r.Client)).
		WithOptions(controller.Options{MaxConcurrentReconciles: r.MaxConcurrentReconciles}).
		Named("salestarget").
		Complete(r)
}

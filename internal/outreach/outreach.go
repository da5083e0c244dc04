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

// Package outreach acts on a Campaign's workload: the Jobs truce owns for a
// jobTemplate, or any resource's /scale subresource for a scaleTargetRef.
package outreach

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/status"
)

const (
	// CampaignLabel marks the Jobs of a campaign, so they are listed from the
	// cache by label.
	CampaignLabel = "revops.truce.dev/campaign"
	// TemplateHashLabel holds the hash of the template revision a Job runs.
	TemplateHashLabel = "revops.truce.dev/template-hash"
	// GenerationAnnotation holds the campaign's generation when the Job was
	// created, which orders revisions more finely than timestamps.
	GenerationAnnotation = "revops.truce.dev/campaign-generation"
	// maxNamePrefix keeps <campaign>-<hash> within 63 characters, the
	// limit of the job-name label Kubernetes puts on a Job's Pods.
	maxNamePrefix = 63 - 1 - hashLength
	hashLength    = 10
)

// State is what the workload runs now.
type State struct {
	// Parallelism is the workers asked for: a Job's parallelism (zero while
	// suspended or finished), a scale target's replicas.
	Parallelism int32
	// Running is the workers that run now, and so make leads: a Job's ready
	// pods as the Job controller reports them (status.ready), at most its
	// parallelism. Until the Job controller reports, and for a scale target,
	// whose /scale says only how many replicas exist, it is Parallelism.
	Running int32
	// ActiveJob is the Job of the current template revision, if any.
	ActiveJob string
	// Blocked says why the workload cannot be scaled at all; nil when it can.
	Blocked *Blocked
	// ready is the Job's ready pods once the Job controller reports them
	// (readyKnown).
	ready      int32
	readyKnown bool
}

// Observation is one read of a campaign's workload: its state, and what
// Scale starts from, so that a poll reads a scale target's /scale once.
type Observation struct {
	State State
	// scale is the scale target's /scale as read.
	scale *unstructured.Unstructured
}

// Expect is the state Scale leaves when it runs the workload at n and
// succeeds: a poll writes it to status before it acts, and again only when
// the action left another.
func (o Observation) Expect(camp *v1alpha1.Campaign, n int32) State {
	if camp.Spec.Outreach.ScaleTargetRef != nil {
		return State{Parallelism: n, Running: n}
	}
	name, _ := Revision(camp)
	s := State{Parallelism: n, Running: n, ActiveJob: name}
	if o.State.ActiveJob == s.ActiveJob && o.State.readyKnown {
		s.ready, s.readyKnown, s.Running = o.State.ready, true, min(n, o.State.ready)
	}
	return s
}

// Blocked is a state of the workload that scaling cannot change and a
// person must: the current revision's Job finished, or a Job that is not
// the campaign's holds its name.
type Blocked struct {
	// Reason is a Ready reason: JobFailed, JobCompleted or JobConflict.
	Reason string
	// Message says what happened and what to do.
	Message string
}

// Actuator reads and scales campaigns' workloads.
type Actuator struct {
	Client   client.Client
	Scheme   *runtime.Scheme
	Recorder events.EventRecorder
	// APIReader reads what the cache does not hold: a Job that exists but
	// does not carry CampaignLabel (a Job of a campaign's name that someone
	// else made), and the full jobTemplate of a Campaign, for which the
	// cache keeps a stub (TrimTemplate), when a Job is created from it.
	// Client is used when nil, which must then not be a cache that trims
	// Campaigns.
	APIReader client.Reader
}

// Revision is the name and template hash of the Job that runs camp's
// current jobTemplate revision; camp must have a jobTemplate. It is the one
// way to find them for a Campaign: one from the controller's cache has only
// a stub for a template, and carries them in CachedRevisionAnnotation
// (TrimTemplate); any other's are computed from its template (JobName,
// TemplateHash).
func Revision(camp *v1alpha1.Campaign) (name, hash string) {
	t := camp.Spec.Outreach.JobTemplate
	if isStub(t) {
		hash, name, _ = strings.Cut(camp.Annotations[CachedRevisionAnnotation], " ")
		return name, hash
	}
	return revision(camp.Name, t)
}

// CachedRevisionAnnotation holds, on a Campaign in the controller's cache
// and nowhere else, the hash and Job name of its jobTemplate's revision,
// "<hash> <name>", which TrimTemplate computed before it dropped the
// template. truce never writes it to the API server. It is read only from
// a Campaign whose template is the stub, which only TrimTemplate makes, and
// which sets it: one a person writes is overwritten in the cache, and
// ignored anywhere else.
const CachedRevisionAnnotation = "revops.truce.dev/cached-revision"

// stubUID marks the stub TrimTemplate puts in place of a jobTemplate. No
// template the API server returns has a UID: the CRD keeps of a
// jobTemplate's metadata only its name, namespace, labels, annotations and
// finalizers, and prunes the rest. So a stub is never mistaken for a
// template someone wrote, nor a template someone wrote for a stub.
const stubUID types.UID = "revops.truce.dev/cached-template-stub"

// stub is the jobTemplate of every trimmed Campaign, shared: an empty
// JobTemplateSpec is 1,184 bytes, more than the Campaign struct that
// points to it. Nothing modifies an object in the cache (its readers get
// copies), and the stub's maps are nil, so a write to them would panic.
var stub = &batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{UID: stubUID}}

func isStub(t *batchv1.JobTemplateSpec) bool { return t != nil && t.UID == stubUID }

// TrimTemplate replaces camp's jobTemplate, the largest part of a Campaign,
// with a stub, and keeps what a reconcile reads of it on every poll: that
// there is one (JobTemplate != nil), and its revision's Job name and hash,
// in CachedRevisionAnnotation, where Revision finds them. The controller's
// cache applies it to every Campaign it holds (controllers.CacheOptions);
// createJob reads the full template from the API server when it creates a
// Job. A Campaign without a jobTemplate is left as it is, and trimming a
// trimmed Campaign again changes nothing.
//
// A trimmed Campaign must never be written back whole (Update, or a patch
// that names spec or metadata): it would replace the template with the
// stub. truce writes Campaigns only by status merge patches between two
// copies of one cached object, which never carry the stub or annotation.
func TrimTemplate(camp *v1alpha1.Campaign) {
	t := camp.Spec.Outreach.JobTemplate
	if t == nil || isStub(t) {
		return
	}
	name, hash := revision(camp.Name, t)
	if camp.Annotations == nil {
		camp.Annotations = make(map[string]string, 1)
	}
	camp.Annotations[CachedRevisionAnnotation] = hash + " " + name
	camp.Spec.Outreach.JobTemplate = stub
}

// Trimmed says whether camp's jobTemplate is the stub TrimTemplate leaves,
// as on a Campaign read from the controller's cache.
func Trimmed(camp *v1alpha1.Campaign) bool { return isStub(camp.Spec.Outreach.JobTemplate) }

// TemplateHash identifies a revision of a campaign's Job template; t must be
// a full template. For a Campaign, use Revision.
func TemplateHash(t *batchv1.JobTemplateSpec) string {
	_, hash := revision("", t)
	return hash
}

// CampaignLabelValue is the value of CampaignLabel for a campaign: its
// name, or for a name longer than a label value allows (63 characters) its
// first 52 characters and a hash of the whole name.
func CampaignLabelValue(campaign string) string {
	if len(campaign) <= 63 {
		return campaign
	}
	return shortened(campaign, []byte(campaign))
}

// shortened is name cut to maxNamePrefix characters, without a trailing
// '.' or '-', and a hash of data.
func shortened(name string, data []byte) string {
	sum := sha256.Sum256(data)
	prefix := strings.TrimRight(name[:maxNamePrefix], ".-_")
	return fmt.Sprintf("%s-%s", prefix, hex.EncodeToString(sum[:])[:hashLength])
}

// JobName is the name of the Job that runs a campaign's template revision:
// <campaign>-<template hash>. A name too long for that is cut, without a
// trailing '.' or '-', and its hash then covers the whole campaign name
// too, so two long names that share a prefix never share a Job. t must be
// a full template; for a Campaign, use Revision.
func JobName(campaign string, t *batchv1.JobTemplateSpec) string {
	name, _ := revision(campaign, t)
	return name
}

// revision is JobName and TemplateHash, from one encoding of t.
func revision(campaign string, t *batchv1.JobTemplateSpec) (name, hash string) {
	data, _ := json.Marshal(t) // a JobTemplateSpec always marshals
	sum := sha256.Sum256(data)
	hash = hex.EncodeToString(sum[:])[:hashLength]
	if len(campaign) <= maxNamePrefix {
		return fmt.Sprintf("%s-%s", campaign, hash), hash
	}
	return shortened(campaign, append([]byte(campaign+"\x00"), data...)), hash
}

// Observe reads the workload's current state: a scale target's /scale, or
// the current revision's Job from the cache.
func (a *Actuator) Observe(ctx context.Context, camp *v1alpha1.Campaign) (Observation, error) {
	if ref := camp.Spec.Outreach.ScaleTargetRef; ref != nil {
		scale, err := a.getScale(ctx, camp.Namespace, ref)
		if err != nil {
			return Observation{}, err
		}
		n := replicas(scale)
		return Observation{State: State{Parallelism: n, Running: n}, scale: scale}, nil
	}
	job, err := a.currentJob(ctx, camp)
	if err != nil || job == nil {
		return Observation{}, err
	}
	return Observation{State: jobState(camp, job)}, nil
}

// jobState is what the current revision's Job runs. A finished Job runs
// nothing, whatever its parallelism says, and a Job the campaign does not
// control is never reported as its own.
func jobState(camp *v1alpha1.Campaign, job *batchv1.Job) State {
	switch {
	case !metav1.IsControlledBy(job, camp):
		return State{Blocked: &Blocked{Reason: v1alpha1.JobConflictReason, Message: fmt.Sprintf(
			"Job %q has the name of this campaign's template revision but is not controlled by the campaign; truce never adopts it: delete or rename it",
			job.Name)}}
	case failedJob(job):
		return State{ActiveJob: job.Name, Blocked: &Blocked{Reason: v1alpha1.JobFailedReason, Message: fmt.Sprintf(
			"Job %q failed%s; nothing runs: fix spec.outreach.jobTemplate, or delete the Job to run it again",
			job.Name, conditionText(job, batchv1.JobFailed))}}
	case succeeded(job):
		return State{ActiveJob: job.Name, Blocked: &Blocked{Reason: v1alpha1.JobCompletedReason, Message: fmt.Sprintf(
			"Job %q completed; nothing runs: delete the Job or change spec.outreach.jobTemplate to start another",
			job.Name)}}
	}
	p := jobParallelism(job)
	s := State{Parallelism: p, Running: p, ActiveJob: job.Name}
	if r := job.Status.Ready; r != nil {
		s.ready, s.readyKnown = max(*r, 0), true
		s.Running = min(p, s.ready)
	}
	return s
}

// conditionText is a Job condition's reason and message, cut short.
func conditionText(j *batchv1.Job, t batchv1.JobConditionType) string {
	for _, c := range j.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			text := c.Reason
			if c.Message != "" {
				text += ": " + c.Message
			}
			return " (" + status.Truncate(text, 200) + ")"
		}
	}
	return ""
}

// Scale runs the workload at parallelism, starting from what Observe read:
// it creates or replaces the Job of the current template revision as
// needed, and records an Event when the parallelism changes. It returns the
// state it leaves, with an error too when it failed part way; a zero State
// with an error when it changed nothing.
func (a *Actuator) Scale(ctx context.Context, camp *v1alpha1.Campaign, o Observation, parallelism int32) (State, error) {
	if ref := camp.Spec.Outreach.ScaleTargetRef; ref != nil {
		return a.scaleTarget(ctx, camp, ref, o.scale, parallelism)
	}
	return a.scaleJob(ctx, camp, parallelism)
}

// scaleTarget updates the /scale it read, with that read's resource
// version: a target changed since fails with a conflict, and is read again
// at the next poll.
func (a *Actuator) scaleTarget(ctx context.Context, camp *v1alpha1.Campaign, ref *v1alpha1.ScaleTargetReference, scale *unstructured.Unstructured, n int32) (State, error) {
	if scale == nil {
		return State{}, fmt.Errorf("the scale of %s %q was not read", ref.Kind, ref.Name)
	}
	scale = scale.DeepCopy()
	from := replicas(scale)
	if from == n {
		return State{Parallelism: n, Running: n}, nil
	}
	if err := unstructured.SetNestedField(scale.Object, int64(n), "spec", "replicas"); err != nil {
		return State{}, err
	}
	if err := a.Client.SubResource("scale").Update(ctx, targetObject(camp.Namespace, ref), client.WithSubResourceBody(scale)); err != nil {
		return State{}, fmt.Errorf("scaling %s %q: %w", ref.Kind, ref.Name, err)
	}
	a.event(camp, "Scaled", "Scaled %s %q from %d to %d replicas", ref.Kind, ref.Name, from, n)
	return State{Parallelism: n, Running: n}, nil
}

// getScale reads the target's /scale subresource. The target may be of any
// kind, so it is addressed as unstructured, and so is its Scale.
func (a *Actuator) getScale(ctx context.Context, ns string, ref *v1alpha1.ScaleTargetReference) (*unstructured.Unstructured, error) {
	if err := verifyScaleTarget(a.Client.RESTMapper(), ref); err != nil {
		return nil, err
	}
	scale := &unstructured.Unstructured{}
	scale.SetGroupVersionKind(autoscalingv1.SchemeGroupVersion.WithKind("Scale"))
	if err := a.Client.SubResource("scale").Get(ctx, targetObject(ns, ref), scale); err != nil {
		return nil, fmt.Errorf("reading the scale of %s %q: %w", ref.Kind, ref.Name, err)
	}
	return scale, nil
}

func replicas(scale *unstructured.Unstructured) int32 {
	n, _, _ := unstructured.NestedInt64(scale.Object, "spec", "replicas")
	return int32(n)
}

// targetObject addresses the target in the group and version its
// apiVersion names; getScale has checked that it names one.
func targetObject(ns string, ref *v1alpha1.ScaleTargetReference) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind))
	u.SetNamespace(ns)
	u.SetName(ref.Name)
	return u
}

func (a *Actuator) scaleJob(ctx context.Context, camp *v1alpha1.Campaign, n int32) (State, error) {
	name, hash := Revision(camp)
	jobs, err := a.jobs(ctx, camp)
	if err != nil {
		return State{}, err
	}
	var job *batchv1.Job
	for i := range jobs {
		if jobs[i].Name == name {
			// A copy: retireOldJobs sorts jobs, which would move another
			// Job under a pointer into the slice.
			job = jobs[i].DeepCopy()
		}
	}
	if job == nil {
		if job, err = a.createJob(ctx, camp, name, hash, n); err != nil {
			return State{}, err
		}
	} else if from := jobParallelism(job); from != n && !finished(job) {
		patch := client.MergeFrom(job.DeepCopy())
		setParallelism(job, n)
		if err := a.Client.Patch(ctx, job, patch, client.FieldOwner(status.FieldManager)); err != nil {
			return State{}, fmt.Errorf("scaling Job %q: %w", name, err)
		}
		a.event(camp, "Scaled", "Scaled Job %q from %d to %d workers", name, from, n)
	}
	// The Job runs as scaled even when an old one cannot be retired: the
	// state is what was reached, with the error.
	return jobState(camp, job), a.retireOldJobs(ctx, camp, name, jobs)
}

// createJob creates the Job of the current revision, name and hash, from
// the campaign's full template as the API server holds it. Its name is
// fixed by the template, so a controller that restarted, or lost a race,
// finds the existing Job instead of making a second one.
func (a *Actuator) createJob(ctx context.Context, camp *v1alpha1.Campaign, name, hash string, n int32) (*batchv1.Job, error) {
	tmpl, err := a.template(ctx, camp, hash)
	if err != nil {
		return nil, err
	}
	job := &batchv1.Job{}
	job.Name, job.Namespace = name, camp.Namespace
	job.Labels = map[string]string{}
	maps.Copy(job.Labels, tmpl.Labels)
	job.Labels[CampaignLabel] = CampaignLabelValue(camp.Name)
	job.Labels[TemplateHashLabel] = hash
	job.Annotations = map[string]string{}
	maps.Copy(job.Annotations, tmpl.Annotations)
	job.Annotations[GenerationAnnotation] = strconv.FormatInt(camp.Generation, 10)
	tmpl.Spec.DeepCopyInto(&job.Spec)
	// The pods carry the campaign's label too, so they can be selected
	// (kubectl, Prometheus relabelling, the funnel simulator) by campaign.
	if job.Spec.Template.Labels == nil {
		job.Spec.Template.Labels = map[string]string{}
	}
	job.Spec.Template.Labels[CampaignLabel] = CampaignLabelValue(camp.Name)
	setParallelism(job, n)
	if err := controllerutil.SetControllerReference(camp, job, a.Scheme); err != nil {
		return nil, err
	}
	err = a.Client.Create(ctx, job, client.FieldOwner(status.FieldManager))
	if apierrors.IsAlreadyExists(err) {
		// Not in the cache yet, or not truce's: the cache holds only Jobs
		// with the campaign label, so ask the API server.
		existing := &batchv1.Job{}
		if err := a.apiReader().Get(ctx, client.ObjectKeyFromObject(job), existing); err != nil {
			return nil, fmt.Errorf("reading Job %q: %w", name, err)
		}
		// jobState reports a Job the campaign does not control as a
		// conflict, never as its own.
		return existing, nil
	}
	if err != nil {
		return nil, fmt.Errorf("creating Job %q: %w", name, err)
	}
	a.event(camp, "CreatedJob", "Created Job %q for template revision %s with %d workers", name, hash, n)
	return job, nil
}

// template is the full jobTemplate of revision hash of camp, read from the
// API server: camp may come from the cache, which keeps only a stub of it
// (TrimTemplate). It is read once for each Job created, never on a poll
// that finds the Job. A campaign whose template is no longer that revision
// changed since camp was read: that is an error, so the reconcile is
// retried, and the change queues one anyway.
func (a *Actuator) template(ctx context.Context, camp *v1alpha1.Campaign, hash string) (*batchv1.JobTemplateSpec, error) {
	live := &v1alpha1.Campaign{}
	if err := a.apiReader().Get(ctx, client.ObjectKeyFromObject(camp), live); err != nil {
		return nil, fmt.Errorf("reading the jobTemplate of Campaign %q: %w", camp.Name, err)
	}
	if Trimmed(live) {
		// A programming error: the Actuator has no APIReader and its
		// Client reads from the cache.
		return nil, fmt.Errorf("reading the jobTemplate of Campaign %q: the reader returned the cache's stub, not the API server's template", camp.Name)
	}
	tmpl := live.Spec.Outreach.JobTemplate
	switch {
	case live.UID != camp.UID:
		return nil, fmt.Errorf("campaign %q changed since it was read: it was deleted and created again; retrying", camp.Name)
	case tmpl == nil:
		return nil, fmt.Errorf("campaign %q changed since it was read: it no longer has a jobTemplate; retrying", camp.Name)
	}
	if _, now := Revision(live); now != hash {
		return nil, fmt.Errorf("campaign %q changed since it was read: its jobTemplate is now revision %s, not %s; retrying", camp.Name, now, hash)
	}
	return tmpl, nil
}

// apiReader reads from the API server, past the cache.
func (a *Actuator) apiReader() client.Reader {
	if a.APIReader != nil {
		return a.APIReader
	}
	return a.Client
}

// retireOldJobs deletes the running Jobs of earlier revisions and keeps the
// finished ones within the history limits, newest first.
func (a *Actuator) retireOldJobs(ctx context.Context, camp *v1alpha1.Campaign, current string, jobs []batchv1.Job) error {
	keepOK := ptr.Deref(camp.Spec.Outreach.SuccessfulJobsHistoryLimit, 3)
	keepFailed := ptr.Deref(camp.Spec.Outreach.FailedJobsHistoryLimit, 1)
	sort.SliceStable(jobs, func(i, j int) bool { return newer(&jobs[i], &jobs[j]) })
	var ok, failed int32
	for i := range jobs {
		j := &jobs[i]
		if j.Name == current || j.DeletionTimestamp != nil {
			continue
		}
		retire := true
		switch {
		case succeeded(j):
			ok++
			retire = ok > keepOK
		case failedJob(j):
			failed++
			retire = failed > keepFailed
		}
		if !retire {
			continue
		}
		err := a.Client.Delete(ctx, j, client.PropagationPolicy("Background"))
		if client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting Job %q: %w", j.Name, err)
		}
		a.event(camp, "DeletedJob", "Deleted Job %q of an earlier template revision", j.Name)
	}
	return nil
}

// currentJob is the Job of the current template revision, nil if none.
func (a *Actuator) currentJob(ctx context.Context, camp *v1alpha1.Campaign) (*batchv1.Job, error) {
	if camp.Spec.Outreach.JobTemplate == nil {
		return nil, nil
	}
	name, _ := Revision(camp)
	job := &batchv1.Job{}
	key := client.ObjectKey{Namespace: camp.Namespace, Name: name}
	if err := a.Client.Get(ctx, key, job); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading Job %q: %w", key.Name, err)
	}
	return job, nil
}

// jobs lists the campaign's Jobs from the cache by label, keeping only
// those it controls.
func (a *Actuator) jobs(ctx context.Context, camp *v1alpha1.Campaign) ([]batchv1.Job, error) {
	var list batchv1.JobList
	if err := a.Client.List(ctx, &list, client.InNamespace(camp.Namespace), client.MatchingLabels{CampaignLabel: CampaignLabelValue(camp.Name)}); err != nil {
		return nil, fmt.Errorf("listing the Jobs of Campaign %q: %w", camp.Name, err)
	}
	out := list.Items[:0]
	for _, j := range list.Items {
		if metav1.IsControlledBy(&j, camp) {
			out = append(out, j)
		}
	}
	return out, nil
}

func (a *Actuator) event(camp *v1alpha1.Campaign, reason, format string, args ...any) {
	if a.Recorder != nil {
		a.Recorder.Eventf(camp, nil, corev1.EventTypeNormal, reason, "Scale", format, args...)
	}
}

// newer orders Jobs newest first: by the campaign generation that made them,
// then by creation time.
func newer(a, b *batchv1.Job) bool {
	ga, _ := strconv.ParseInt(a.Annotations[GenerationAnnotation], 10, 64)
	gb, _ := strconv.ParseInt(b.Annotations[GenerationAnnotation], 10, 64)
	if ga != gb {
		return ga > gb
	}
	return b.CreationTimestamp.Before(&a.CreationTimestamp)
}

// setParallelism runs n workers; zero suspends the Job.
func setParallelism(job *batchv1.Job, n int32) {
	job.Spec.Parallelism = ptr.To(n)
	job.Spec.Suspend = ptr.To(n == 0)
}

func jobParallelism(job *batchv1.Job) int32 {
	if ptr.Deref(job.Spec.Suspend, false) {
		return 0
	}
	return ptr.Deref(job.Spec.Parallelism, 1)
}

func finished(j *batchv1.Job) bool { return succeeded(j) || failedJob(j) }

func succeeded(j *batchv1.Job) bool { return hasCondition(j, batchv1.JobComplete) }

func failedJob(j *batchv1.Job) bool { return hasCondition(j, batchv1.JobFailed) }

func hasCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

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

package outreach

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// These tests run against a real kube-apiserver and etcd (see
// hack/envtest-assets.sh). There is no Job controller: Jobs are objects
// whose spec the tests check.
var (
	k8s    client.Client
	scheme = runtime.NewScheme()
	ctx    = context.Background()
)

func TestMain(m *testing.M) {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(v1alpha1.AddToScheme(scheme))
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		out, err := exec.Command(filepath.Join("..", "..", "hack", "envtest-assets.sh")).Output()
		if err != nil {
			panic("building the test control plane: " + err.Error())
		}
		os.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme,
	}
	cfg, err := env.Start()
	if err != nil {
		panic(err)
	}
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		panic(err)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

func namespace(t *testing.T) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "outreach-"}}
	if err := k8s.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

func jobCampaign(t *testing.T, ns string) *v1alpha1.Campaign {
	c := &v1alpha1.Campaign{
		ObjectMeta: metav1.ObjectMeta{Name: "spring-webinar", Namespace: ns},
		Spec: v1alpha1.CampaignSpec{
			SalesTargetRef: v1alpha1.SalesTargetReference{Name: "emea-smb"},
			Outreach: v1alpha1.OutreachSpec{
				JobTemplate: &batchv1.JobTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "sequencer"}},
					Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
						RestartPolicy: corev1.RestartPolicyOnFailure,
						Containers:    []corev1.Container{{Name: "sequencer", Image: "sequencer:1"}},
					}}},
				},
				MaxParallelism:        20,
				LeadsPerWorkerPerWeek: resource.MustParse("15"),
			},
			Metrics: v1alpha1.CampaignMetrics{Leads: "sum(x)"},
		},
	}
	if err := k8s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func campaignJobs(t *testing.T, c *v1alpha1.Campaign) []batchv1.Job {
	t.Helper()
	var list batchv1.JobList
	if err := k8s.List(ctx, &list, client.InNamespace(c.Namespace), client.MatchingLabels{CampaignLabel: c.Name}); err != nil {
		t.Fatal(err)
	}
	var live []batchv1.Job
	for _, j := range list.Items {
		if j.DeletionTimestamp == nil {
			live = append(live, j)
		}
	}
	return live
}

func TestJobLifecycle(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	a := &Actuator{Client: k8s, Scheme: scheme}

	st, err := observeAndScale(ctx, a, camp, 3)
	if err != nil {
		t.Fatal(err)
	}
	name := JobName(camp.Name, camp.Spec.Outreach.JobTemplate)
	if st.ActiveJob != name || st.Parallelism != 3 || !strings.HasPrefix(name, "spring-webinar-") {
		t.Fatalf("state %+v, want job %s at 3", st, name)
	}
	jobs := campaignJobs(t, camp)
	if len(jobs) != 1 {
		t.Fatalf("%d Jobs, want 1", len(jobs))
	}
	j := jobs[0]
	if *j.Spec.Parallelism != 3 || *j.Spec.Suspend || j.Labels["app"] != "sequencer" || !metav1.IsControlledBy(&j, camp) {
		t.Fatalf("the Job is not the template at 3 workers owned by the campaign: %+v", j.ObjectMeta)
	}
	if got := j.Spec.Template.Labels; got[CampaignLabel] != camp.Name {
		t.Fatalf("pod template labels %v, want %s=%s among them", got, CampaignLabel, camp.Name)
	}

	// A controller that restarted knows nothing and finds the same Job.
	restarted := &Actuator{Client: k8s, Scheme: scheme}
	if st, err = observeAndScale(ctx, restarted, camp, 5); err != nil {
		t.Fatal(err)
	}
	if jobs = campaignJobs(t, camp); len(jobs) != 1 || *jobs[0].Spec.Parallelism != 5 {
		t.Fatalf("after a restart: %d Jobs, want 1 at 5 workers", len(jobs))
	}
	if obs, err := observe(ctx, a, camp); err != nil || obs.Parallelism != 5 || obs.ActiveJob != name {
		t.Fatalf("observed %+v, %v", obs, err)
	}

	// Zero suspends the Job.
	if _, err = observeAndScale(ctx, a, camp, 0); err != nil {
		t.Fatal(err)
	}
	jobs = campaignJobs(t, camp)
	if !*jobs[0].Spec.Suspend || *jobs[0].Spec.Parallelism != 0 {
		t.Fatalf("at zero the Job is not suspended: %+v", jobs[0].Spec)
	}

	// A new template revision replaces the running Job.
	camp.Spec.Outreach.JobTemplate.Spec.Template.Spec.Containers[0].Image = "sequencer:2"
	if err := k8s.Update(ctx, camp); err != nil {
		t.Fatal(err)
	}
	if st, err = observeAndScale(ctx, a, camp, 4); err != nil {
		t.Fatal(err)
	}
	newName := JobName(camp.Name, camp.Spec.Outreach.JobTemplate)
	jobs = campaignJobs(t, camp)
	if newName == name || st.ActiveJob != newName || len(jobs) != 1 || jobs[0].Name != newName {
		t.Fatalf("after a template change: active %s, Jobs %v; want only %s", st.ActiveJob, names(jobs), newName)
	}
}

// The controller's cache holds each Campaign with a stub for its
// jobTemplate (TrimTemplate). The revision's Job name and hash come from
// the stub, and the Job is made from the template the API server holds.
func TestATrimmedCampaignRunsItsFullTemplate(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	full := camp.Spec.Outreach.JobTemplate
	cached := camp.DeepCopy()
	TrimTemplate(cached)
	stub := cached.Spec.Outreach.JobTemplate
	if !Trimmed(cached) || Trimmed(camp) || stub == nil || len(stub.Spec.Template.Spec.Containers) != 0 || stub.Labels["app"] != "" {
		t.Fatalf("trimmed template %+v, want a stub without the pod template or the template's labels", stub)
	}
	name, hash := Revision(cached)
	if name != JobName(camp.Name, full) || hash != TemplateHash(full) {
		t.Fatalf("the stub's revision is %s %s, want the full template's %s %s", name, hash, JobName(camp.Name, full), TemplateHash(full))
	}
	if n, h := Revision(camp); n != name || h != hash {
		t.Fatalf("the full campaign's revision is %s %s, want %s %s", n, h, name, hash)
	}

	a := &Actuator{Client: k8s, Scheme: scheme}
	st, err := observeAndScale(ctx, a, cached, 3)
	if err != nil {
		t.Fatal(err)
	}
	jobs := campaignJobs(t, camp)
	if st.ActiveJob != name || len(jobs) != 1 || jobs[0].Name != name {
		t.Fatalf("active %s, Jobs %v; want only %s", st.ActiveJob, names(jobs), name)
	}
	j := jobs[0]
	if c := j.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Image != "sequencer:1" || j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyOnFailure {
		t.Errorf("the Job's pod template is not the campaign's: %+v", j.Spec.Template.Spec)
	}
	if j.Labels["app"] != "sequencer" || j.Labels[TemplateHashLabel] != hash || *j.Spec.Parallelism != 3 {
		t.Errorf("the Job is not the template's revision %s at 3 workers: labels %v", hash, j.Labels)
	}
	if obs, err := observe(ctx, a, cached); err != nil || obs.ActiveJob != name || obs.Parallelism != 3 {
		t.Errorf("observed %+v, %v; want %s at 3", obs, err, name)
	}
	// Scaling the Job it found reads no template.
	noReader := &Actuator{Client: k8s, APIReader: failingReader{}, Scheme: scheme}
	if st, err := observeAndScale(ctx, noReader, cached, 5); err != nil || st.Parallelism != 5 {
		t.Errorf("scaling the existing Job: %+v, %v", st, err)
	}
}

// A Job is made only from the revision the campaign was read with: a
// cached campaign older than the API server's makes none, and says why.
func TestAStaleCampaignMakesNoJob(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	stale := camp.DeepCopy()
	TrimTemplate(stale)
	camp.Spec.Outreach.JobTemplate.Spec.Template.Spec.Containers[0].Image = "sequencer:2"
	if err := k8s.Update(ctx, camp); err != nil {
		t.Fatal(err)
	}
	a := &Actuator{Client: k8s, Scheme: scheme}
	if _, err := observeAndScale(ctx, a, stale, 2); err == nil || !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("scaling a stale campaign: %v, want an error saying it changed", err)
	}
	if jobs := campaignJobs(t, camp); len(jobs) != 0 {
		t.Fatalf("a stale campaign made Jobs %v", names(jobs))
	}
	// The campaign as it is now runs.
	fresh := camp.DeepCopy()
	TrimTemplate(fresh)
	st, err := observeAndScale(ctx, a, fresh, 2)
	if err != nil {
		t.Fatal(err)
	}
	if jobs := campaignJobs(t, camp); len(jobs) != 1 || jobs[0].Spec.Template.Spec.Containers[0].Image != "sequencer:2" || st.ActiveJob != jobs[0].Name {
		t.Fatalf("after the change: active %s, Jobs %v; want one Job of sequencer:2", st.ActiveJob, names(jobs))
	}

	// A reader that answers from a trimming cache has no template to give:
	// that is an error, never a Job made from the stub.
	other := jobCampaign(t, namespace(t))
	cached := other.DeepCopy()
	TrimTemplate(cached)
	fromCache := &Actuator{Client: k8s, APIReader: trimmingReader{k8s}, Scheme: scheme}
	if _, err := observeAndScale(ctx, fromCache, cached, 2); err == nil || !strings.Contains(err.Error(), "stub") {
		t.Fatalf("creating a Job from a cached template: %v, want an error", err)
	}
	if jobs := campaignJobs(t, other); len(jobs) != 0 {
		t.Fatalf("a Job made from the stub: %v", names(jobs))
	}
}

// The stub is told apart by a UID in the template's metadata, which the API
// server prunes: a campaign that writes one there, and a revision in
// CachedRevisionAnnotation, is not taken for a trimmed one, and trimming it
// puts its true revision in the annotation.
func TestTheAPIServerNeverReturnsAStub(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	camp.Spec.Outreach.JobTemplate.UID = stubUID
	camp.Annotations = map[string]string{CachedRevisionAnnotation: "0123456789 chosen-by-hand"}
	if err := k8s.Update(ctx, camp); err != nil {
		t.Fatal(err)
	}
	read := &v1alpha1.Campaign{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(camp), read); err != nil {
		t.Fatal(err)
	}
	if Trimmed(read) || read.Spec.Outreach.JobTemplate.UID != "" {
		t.Fatalf("the API server kept the template's UID %q", read.Spec.Outreach.JobTemplate.UID)
	}
	want, wantHash := JobName(read.Name, read.Spec.Outreach.JobTemplate), TemplateHash(read.Spec.Outreach.JobTemplate)
	if name, hash := Revision(read); name != want || hash != wantHash {
		t.Fatalf("revision %s %s, want %s %s computed from the template", name, hash, want, wantHash)
	}
	TrimTemplate(read)
	if name, hash := Revision(read); !Trimmed(read) || name != want || hash != wantHash {
		t.Fatalf("trimmed, revision %s %s, want %s %s", name, hash, want, wantHash)
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Get(context.Context, client.ObjectKey, client.Object, ...client.GetOption) error {
	return fmt.Errorf("no reads expected")
}

func (failingReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return fmt.Errorf("no reads expected")
}

// trimmingReader answers as the controller's cache does.
type trimmingReader struct{ client.Reader }

func (r trimmingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if err := r.Reader.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	if c, ok := obj.(*v1alpha1.Campaign); ok {
		TrimTemplate(c)
	}
	return nil
}

func TestJobNamesStayWithinLabelLimits(t *testing.T) {
	tmpl := &batchv1.JobTemplateSpec{}
	long := strings.Repeat("a", 200)
	if n := JobName(long, tmpl); len(n) != 63 {
		t.Fatalf("a long campaign name gives a Job name of %d characters: %s", len(n), n)
	}
	if JobName("x", tmpl) == JobName("x", &batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{BackoffLimit: ptr.To[int32](1)}}) {
		t.Fatal("two templates share a hash")
	}
	if got, want := JobName("spring-webinar", tmpl), "spring-webinar-"+TemplateHash(tmpl); got != want {
		t.Errorf("a short name is %s, want %s as before", got, want)
	}
	prefix := strings.Repeat("b", maxNamePrefix)
	if JobName(prefix+"-emea", tmpl) == JobName(prefix+"-apac", tmpl) {
		t.Error("two long names that share a prefix share a Job")
	}
	for _, name := range []string{
		strings.Repeat("c", maxNamePrefix-1) + ".x.y",
		strings.Repeat("c", maxNamePrefix-1) + "-x-y",
		strings.Repeat("d", maxNamePrefix-2) + "..-x",
	} {
		n := JobName(name, tmpl)
		if errs := validation.IsDNS1123Subdomain(n); len(errs) > 0 {
			t.Errorf("Job name %s of campaign %s: %v", n, name, errs)
		}
		if errs := validation.IsValidLabelValue(n); len(errs) > 0 {
			t.Errorf("Job name %s as the pods' job-name label: %v", n, errs)
		}
		if v := CampaignLabelValue(name); len(validation.IsValidLabelValue(v)) > 0 || v == CampaignLabelValue(name+"z") {
			t.Errorf("campaign label %s of %s: %v", v, name, validation.IsValidLabelValue(v))
		}
	}
	if CampaignLabelValue("spring-webinar") != "spring-webinar" {
		t.Error("a short name is not its own label value")
	}
}

// Scale used to keep a pointer into the list of the campaign's Jobs and
// then sort that list, so it could report an older, finished Job as the
// active one. The current revision's name sorts after the old one's here,
// which is what moved it.
func TestScaleReportsTheCurrentRevisionsJob(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	a := &Actuator{Client: k8s, Scheme: scheme}
	old, err := observeAndScale(ctx, a, camp, 2)
	if err != nil {
		t.Fatal(err)
	}
	j := &batchv1.Job{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: old.ActiveJob}, j); err != nil {
		t.Fatal(err)
	}
	complete(t, j, true)
	for i := 0; JobName(camp.Name, camp.Spec.Outreach.JobTemplate) <= old.ActiveJob; i++ {
		camp.Spec.Outreach.JobTemplate.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("sequencer:%d", i)
	}
	if err := k8s.Update(ctx, camp); err != nil {
		t.Fatal(err)
	}
	want := JobName(camp.Name, camp.Spec.Outreach.JobTemplate)
	// The first call creates the new revision's Job, the second finds both.
	for _, n := range []int32{3, 5} {
		cur, err := observeAndScale(ctx, a, camp, n)
		if err != nil {
			t.Fatal(err)
		}
		if cur.ActiveJob != want || cur.Parallelism != n || cur.Blocked != nil {
			t.Errorf("Scale reported %+v, want Job %s at %d", cur, want, n)
		}
	}
}

// A Job's workers make leads once their pods run: State.Running is the
// ready pods the Job controller reports (envtest runs no Job controller,
// so the test writes its status), at most the parallelism, and the
// parallelism until the Job controller has reported.
func TestRunningCountsTheJobsReadyPods(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	a := &Actuator{Client: k8s, Scheme: scheme}
	cur, err := observeAndScale(ctx, a, camp, 2)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Running != 2 {
		t.Errorf("before the Job controller reports, Running = %d, want the parallelism 2", cur.Running)
	}
	j := &batchv1.Job{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: cur.ActiveJob}, j); err != nil {
		t.Fatal(err)
	}
	now := metav1.Now()
	j.Status.StartTime, j.Status.Active, j.Status.Ready = &now, 2, ptr.To[int32](1)
	if err := k8s.Status().Update(ctx, j); err != nil {
		t.Fatal(err)
	}
	// The cache-less client reads what was written; Scale patches the Job
	// and reports from the API server's answer.
	if got, err := observe(ctx, a, camp); err != nil || got.Parallelism != 2 || got.Running != 1 {
		t.Errorf("Observe = %+v, %v; want parallelism 2 with 1 running", got, err)
	}
	up, err := observeAndScale(ctx, a, camp, 8)
	if err != nil {
		t.Fatal(err)
	}
	if up.Parallelism != 8 || up.Running != 1 {
		t.Errorf("right after a scale-up Scale = %+v, want parallelism 8 with the 1 pod that runs", up)
	}
	down, err := observeAndScale(ctx, a, camp, 0)
	if err != nil {
		t.Fatal(err)
	}
	if down.Running != 0 {
		t.Errorf("after a scale-down to 0 Running = %d, want 0: no more than the parallelism runs", down.Running)
	}
}

func TestFinishedAndForeignJobsAreReportedNotScaled(t *testing.T) {
	a := &Actuator{Client: k8s, Scheme: scheme}
	for _, c := range []struct {
		name   string
		finish func(*testing.T, *batchv1.Job)
		reason string
	}{
		{"a failed Job", func(t *testing.T, j *batchv1.Job) { complete(t, j, false) }, v1alpha1.JobFailedReason},
		{"a completed Job", func(t *testing.T, j *batchv1.Job) { complete(t, j, true) }, v1alpha1.JobCompletedReason},
	} {
		t.Run(c.name+" runs nothing and says what to do", func(t *testing.T) {
			ns := namespace(t)
			camp := jobCampaign(t, ns)
			st, err := observeAndScale(ctx, a, camp, 4)
			if err != nil {
				t.Fatal(err)
			}
			j := &batchv1.Job{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: st.ActiveJob}, j); err != nil {
				t.Fatal(err)
			}
			c.finish(t, j)
			got, err := observe(ctx, a, camp)
			if err != nil {
				t.Fatal(err)
			}
			if got.Parallelism != 0 || got.Blocked == nil || got.Blocked.Reason != c.reason || !strings.Contains(got.Blocked.Message, "delete the Job") {
				t.Errorf("observed %+v (%+v), want 0 workers, blocked with %s", got, got.Blocked, c.reason)
			}
		})
	}
	// A foreign Job that carries the campaign's label is in the
	// controller's cache and seen at once; one without it is not, and is
	// found when the Job is created.
	for _, labelled := range []bool{true, false} {
		t.Run(fmt.Sprintf("a Job of the campaign's name that it does not control is never its own (labelled %v)", labelled), func(t *testing.T) {
			ns := namespace(t)
			camp := jobCampaign(t, ns)
			name := JobName(camp.Name, camp.Spec.Outreach.JobTemplate)
			foreign := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: *camp.Spec.Outreach.JobTemplate.Spec.DeepCopy()}
			if labelled {
				foreign.Labels = map[string]string{CampaignLabel: CampaignLabelValue(camp.Name)}
			}
			foreign.Spec.Parallelism = ptr.To[int32](7)
			if err := k8s.Create(ctx, foreign); err != nil {
				t.Fatal(err)
			}
			got, err := observe(ctx, a, camp)
			if err != nil {
				t.Fatal(err)
			}
			if labelled && (got.ActiveJob != "" || got.Parallelism != 0 || got.Blocked == nil || got.Blocked.Reason != v1alpha1.JobConflictReason) {
				t.Errorf("observed %+v (%+v), want no Job of its own, blocked with JobConflict", got, got.Blocked)
			}
			if !labelled && (got.ActiveJob != "" || got.Parallelism != 0) {
				t.Errorf("observed %+v, want no Job of its own", got)
			}
			// Scale reports the conflict.
			if st, err := observeAndScale(ctx, a, camp, 2); err == nil && (st.ActiveJob != "" || st.Blocked == nil || st.Blocked.Reason != v1alpha1.JobConflictReason) {
				t.Errorf("Scale adopted a Job the campaign does not control: %+v", st)
			}
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(foreign), foreign); err != nil || *foreign.Spec.Parallelism != 7 || len(foreign.OwnerReferences) != 0 {
				t.Errorf("the foreign Job changed: %v %+v", err, foreign.ObjectMeta.OwnerReferences)
			}
		})
	}
}

func TestScaleSubresource(t *testing.T) {
	ns := namespace(t)
	labels := map[string]string{"app": "prospecting"}
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "prospecting-workers", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "w", Image: "w:1"}}},
			},
		},
	}
	if err := k8s.Create(ctx, dep); err != nil {
		t.Fatal(err)
	}
	camp := &v1alpha1.Campaign{
		ObjectMeta: metav1.ObjectMeta{Name: "outbound", Namespace: ns},
		Spec: v1alpha1.CampaignSpec{Outreach: v1alpha1.OutreachSpec{
			ScaleTargetRef: &v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name},
		}},
	}
	a := &Actuator{Client: k8s, Scheme: scheme}
	if st, err := observe(ctx, a, camp); err != nil || st.Parallelism != 1 {
		t.Fatalf("observed %+v, %v; want 1", st, err)
	}
	if st, err := observeAndScale(ctx, a, camp, 7); err != nil || st.Parallelism != 7 {
		t.Fatalf("scaled to %+v, %v; want 7", st, err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(dep), dep); err != nil || *dep.Spec.Replicas != 7 {
		t.Fatalf("the Deployment runs %d replicas, want 7 (%v)", *dep.Spec.Replicas, err)
	}

	// A Campaign stored before the API refused an empty apiVersion: read as
	// apps/v1 it scaled a Deployment that admission had checked as a core
	// resource. It is neither read nor scaled, and the error says what to set.
	stored := camp.DeepCopy()
	stored.Spec.Outreach.ScaleTargetRef.APIVersion = ""
	const fix = "spec.outreach.scaleTargetRef.apiVersion is empty: set it to the target's group/version"
	if _, err := observe(ctx, a, stored); err == nil || !strings.Contains(err.Error(), fix) {
		t.Fatalf("observing a target with an empty apiVersion: %v", err)
	}
	if _, err := observeAndScale(ctx, a, stored, 0); err == nil || !strings.Contains(err.Error(), fix) {
		t.Fatalf("scaling a target with an empty apiVersion: %v", err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(dep), dep); err != nil || *dep.Spec.Replicas != 7 {
		t.Fatalf("the Deployment runs %d replicas, want 7 (%v)", *dep.Spec.Replicas, err)
	}

	camp.Spec.Outreach.ScaleTargetRef.Name = "missing"
	if _, err := observeAndScale(ctx, a, camp, 2); err == nil || !strings.Contains(err.Error(), `Deployment "missing"`) {
		t.Fatalf("scaling a missing target: %v", err)
	}
}

func names(jobs []batchv1.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.Name)
	}
	return out
}

// complete marks a Job finished, as the Job controller would.
func complete(t *testing.T, j *batchv1.Job, ok bool) {
	t.Helper()
	now := metav1.Now()
	j.Status.StartTime = &now
	if ok {
		j.Status.CompletionTime = &now
		j.Status.Succeeded = 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
	} else {
		j.Status.Failed = 1
		j.Status.Conditions = []batchv1.JobCondition{
			{Type: batchv1.JobFailureTarget, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, LastTransitionTime: now},
		}
	}
	if err := k8s.Status().Update(ctx, j); err != nil {
		t.Fatalf("finishing Job %s: %v", j.Name, err)
	}
}

func TestFinishedJobsAreKeptWithinHistoryLimits(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	camp.Spec.Outreach.SuccessfulJobsHistoryLimit = ptr.To[int32](1)
	camp.Spec.Outreach.FailedJobsHistoryLimit = ptr.To[int32](1)
	if err := k8s.Update(ctx, camp); err != nil {
		t.Fatal(err)
	}
	a := &Actuator{Client: k8s, Scheme: scheme}

	// Five revisions: the first three succeed, the fourth fails, the fifth runs.
	var made []string
	for i := range 5 {
		camp.Spec.Outreach.JobTemplate.Spec.Template.Spec.Containers[0].Image = fmt.Sprintf("sequencer:%d", i)
		if err := k8s.Update(ctx, camp); err != nil {
			t.Fatal(err)
		}
		st, err := observeAndScale(ctx, a, camp, 2)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, st.ActiveJob)
		if i < 4 {
			j := &batchv1.Job{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: st.ActiveJob}, j); err != nil {
				t.Fatal(err)
			}
			complete(t, j, i < 3)
		}
	}
	if _, err := observeAndScale(ctx, a, camp, 2); err != nil {
		t.Fatal(err)
	}
	got := names(campaignJobs(t, camp))
	sort.Strings(got)
	want := []string{made[2], made[3], made[4]}
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("kept %v, want the newest success, the failure and the running Job: %v", got, want)
	}
}

// observe is the state Observe reads.
func observe(ctx context.Context, a *Actuator, camp *v1alpha1.Campaign) (State, error) {
	o, err := a.Observe(ctx, camp)
	return o.State, err
}

// observeAndScale scales as a poll does: from what it observed.
func observeAndScale(ctx context.Context, a *Actuator, camp *v1alpha1.Campaign, n int32) (State, error) {
	o, err := a.Observe(ctx, camp)
	if err != nil {
		return State{}, err
	}
	return a.Scale(ctx, camp, o, n)
}

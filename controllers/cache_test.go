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
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/yaml"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/outreach"
)

// sampleCampaign reads a Campaign from config/samples, as stored: with
// managed fields, and with status if withStatus.
func sampleCampaign(tb testing.TB, file string, withStatus bool) *v1alpha1.Campaign {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "config", "samples", file))
	if err != nil {
		tb.Fatal(err)
	}
	c := &v1alpha1.Campaign{}
	if err := yaml.UnmarshalStrict(data, c); err != nil {
		tb.Fatal(err)
	}
	c.Namespace, c.UID, c.ResourceVersion, c.Generation = "growth-emea", "4b1f2a5e-8c9d-4f0e-9a1b-2c3d4e5f6a7b", "123456", 1
	c.CreationTimestamp = metav1.NewTime(time.Date(2026, time.May, 1, 9, 0, 0, 0, time.UTC))
	c.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationApply,
		APIVersion: "revops.truce.dev/v1alpha1", FieldsType: "FieldsV1", FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}}}
	if withStatus {
		c.Status = reconciledStatus(c)
	}
	return c
}

// reconciledStatus is a status as the controller writes it for a campaign
// that runs: every condition, both metrics, a history of parallelism.
func reconciledStatus(c *v1alpha1.Campaign) v1alpha1.CampaignStatus {
	at := metav1.NewTime(c.CreationTimestamp.Add(time.Hour))
	q := func(s string) *resource.Quantity { v := resource.MustParse(s); return &v }
	cond := func(typ, status, reason, msg string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: metav1.ConditionStatus(status), ObservedGeneration: c.Generation,
			LastTransitionTime: at, Reason: reason, Message: msg}
	}
	name, _ := outreach.Revision(c)
	return v1alpha1.CampaignStatus{
		ObservedGeneration: c.Generation,
		LeadsPerWeek:       q("84"), QualifiedPercent: q("40"), YieldPerWorker: q("15"), YieldBasis: "Plan",
		AllocatedLeadsPerWeek: q("84"), DesiredParallelism: ptr.To[int32](6), CurrentParallelism: ptr.To[int32](6),
		ActiveJob: name, LastScaleTime: &at,
		ParallelismHistory: []v1alpha1.ParallelismRecord{{Since: at, Parallelism: 4}, {Since: at, Parallelism: 6}},
		Metrics:            []v1alpha1.MetricStatus{{Name: "leads", Value: q("84")}, {Name: "qualifiedLeads", Value: q("34")}},
		Conditions: []metav1.Condition{
			cond(v1alpha1.ReadyCondition, "True", v1alpha1.ReconciledReason, "Job "+name+" runs 6 workers"),
			cond(v1alpha1.BalancedCondition, "True", v1alpha1.BalancedReason, "supply 84/wk is within 10% of the 84/wk allocated to the campaign"),
			cond(v1alpha1.MetricsAvailableCondition, "True", v1alpha1.MetricsReadReason, "read leads and qualifiedLeads"),
			cond(v1alpha1.SuspendedCondition, "False", v1alpha1.ActiveReason, "the campaign is active"),
		},
	}
}

func TestTrimCampaign(t *testing.T) {
	full := sampleCampaign(t, jobCampaignSample, true)
	tmpl := full.Spec.Outreach.JobTemplate
	obj, err := trimCampaign(full.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	trimmed := obj.(*v1alpha1.Campaign)

	stub := trimmed.Spec.Outreach.JobTemplate
	if stub == nil || !outreach.Trimmed(trimmed) {
		t.Fatalf("the cached campaign has template %+v, want a stub: a campaign that runs Jobs must still say so", stub)
	}
	if !equality.Semantic.DeepEqual(stub.Spec, batchv1.JobSpec{}) || stub.Labels["app.kubernetes.io/name"] != "" {
		t.Errorf("the stub keeps the template's spec or labels: %+v", stub)
	}
	name, hash := outreach.Revision(trimmed)
	if hash != outreach.TemplateHash(tmpl) || name != outreach.JobName(full.Name, tmpl) {
		t.Errorf("the cached revision is %s %s, want the full template's %s %s",
			name, hash, outreach.JobName(full.Name, tmpl), outreach.TemplateHash(tmpl))
	}
	if n, h := outreach.Revision(full); n != name || h != hash {
		t.Errorf("Revision of the full campaign is %s %s, of the cached one %s %s", n, h, name, hash)
	}
	if trimmed.ManagedFields != nil {
		t.Error("the managed fields are kept")
	}
	// All else is kept.
	want := full.DeepCopy()
	want.ManagedFields, want.Spec.Outreach.JobTemplate = nil, nil
	got := trimmed.DeepCopy()
	got.Spec.Outreach.JobTemplate = nil
	delete(got.Annotations, outreach.CachedRevisionAnnotation)
	if len(got.Annotations) == 0 {
		got.Annotations = nil
	}
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("trimming changed more than the template, its revision's annotation and managed fields:\n got %+v\nwant %+v", got, want)
	}

	// Applied again, as a resync does, it changes nothing.
	again, err := trimCampaign(trimmed.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(again, trimmed) {
		t.Errorf("trimming twice changed the cached campaign:\n got %+v\nwant %+v", again.(*v1alpha1.Campaign).Spec.Outreach.JobTemplate, stub)
	}

	// A name too long for <campaign>-<hash> keeps its Job name too.
	long := full.DeepCopy()
	long.Name = strings.Repeat("spring-webinar-", 6)
	obj, _ = trimCampaign(long.DeepCopy())
	if n, _ := outreach.Revision(obj.(*v1alpha1.Campaign)); n != outreach.JobName(long.Name, tmpl) || len(n) > 63 {
		t.Errorf("the cached Job name of a long campaign is %s, want %s", n, outreach.JobName(long.Name, tmpl))
	}

	// A campaign without a jobTemplate loses only its managed fields.
	scale := sampleCampaign(t, scaleCampSample, true)
	if scale.Spec.Outreach.JobTemplate != nil {
		t.Fatal("the scale sample has a jobTemplate")
	}
	obj, _ = trimCampaign(scale.DeepCopy())
	want = scale.DeepCopy()
	want.ManagedFields = nil
	if !equality.Semantic.DeepEqual(obj, want) {
		t.Errorf("a campaign without a jobTemplate changed:\n got %+v\nwant %+v", obj, want)
	}
	// Anything else, such as a tombstone, passes as it is.
	tomb := toolscache.DeletedFinalStateUnknown{Key: "ns/x", Obj: full}
	if obj, err := trimCampaign(tomb); err != nil || obj != tomb {
		t.Errorf("a tombstone became %v, %v", obj, err)
	}
}

// BenchmarkCachedCampaign measures the live heap of a Campaign in the
// controller's cache: config/samples' Job campaign with a status as the
// controller writes it, decoded from JSON as the informer does, with the
// transform the cache applied before (managed fields stripped) and with
// trimCampaign. heap-B/campaign is the figure in docs/performance.md:
//
//	go test ./controllers/ -run '^$' -bench CachedCampaign -benchtime 10000x
func BenchmarkCachedCampaign(b *testing.B) {
	scheme := k8sruntime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		b.Fatal(err)
	}
	data, err := json.Marshal(sampleCampaign(b, jobCampaignSample, true))
	if err != nil {
		b.Fatal(err)
	}
	decoder := serializer.NewCodecFactory(scheme).UniversalDeserializer()
	for _, bc := range []struct {
		name      string
		transform toolscache.TransformFunc
	}{
		{"managed-fields-stripped", cache.TransformStripManagedFields()},
		{"trimmed", trimCampaign},
	} {
		b.Run(bc.name, func(b *testing.B) {
			cached := make([]any, b.N)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for i := range b.N {
				obj, _, err := decoder.Decode(data, nil, nil)
				if err != nil {
					b.Fatal(err)
				}
				if cached[i], err = bc.transform(obj); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&after)
			if c, ok := cached[0].(*v1alpha1.Campaign); !ok || c.Spec.Outreach.JobTemplate == nil {
				b.Fatalf("decoded %T without a jobTemplate", cached[0])
			}
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/campaign")
			runtime.KeepAlive(cached)
		})
	}
}

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
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/watch"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// A Scale that created the new revision's Job (or patched the parallelism)
// and then failed to retire an old Job reports State{} and an error: the
// poll records the observation it started from, so the workers it added
// are never counted in status.scaling.changes (delta 0) and the next poll's
// scale-up rate limit lets another full step through.
func TestScaleReportsWhatItDidWhenRetiringFails(t *testing.T) {
	ns := namespace(t)
	camp := jobCampaign(t, ns)
	a := &Actuator{Client: k8s, Scheme: scheme}
	if _, err := observeAndScale(ctx, a, camp, 3); err != nil {
		t.Fatal(err)
	}
	// A new revision of the template.
	camp.Spec.Outreach.JobTemplate.Labels["rev"] = "2"
	if err := k8s.Update(ctx, camp); err != nil {
		t.Fatal(err)
	}
	wrapped := interceptor.NewClient(withWatch{k8s}, interceptor.Funcs{
		Delete: func(context.Context, client.WithWatch, client.Object, ...client.DeleteOption) error {
			return errors.New("injected: the API server is briefly unavailable")
		},
	})
	b := &Actuator{Client: wrapped, Scheme: scheme}
	st, err := observeAndScale(ctx, b, camp, 5)
	if err == nil {
		t.Fatal("want the injected error")
	}
	name, _ := Revision(camp)
	var running int32
	for _, j := range campaignJobs(t, camp) {
		if j.Name == name {
			running = *j.Spec.Parallelism
		}
	}
	if running != 5 {
		t.Fatalf("the new revision's Job runs %d, want 5", running)
	}
	if st.Parallelism != running || st.ActiveJob != name {
		t.Fatalf("Scale reported %+v with its error, but Job %s runs %d workers: the poll cannot record the scale-up it made", st, name, running)
	}
}

type withWatch struct{ client.Client }

func (withWatch) Watch(context.Context, client.ObjectList, ...client.ListOption) (watch.Interface, error) {
	return nil, errors.New("not used")
}

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
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/truce-dev/truce/api/v1alpha1"
	"github.com/truce-dev/truce/internal/balance"
	"github.com/truce-dev/truce/internal/snapshot"
)

// A status written before status.scaling existed, whose parallelism history
// holds more than MaxRemembered changes (a Job whose pods became ready one
// by one), must not yield a status.scaling.changes longer than the CRD's
// MaxItems=16: the API server would reject every status write of the
// campaign, and, as status is written before acting, it would never act.
func TestUpgradedMemoryFitsTheCRD(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	s := &v1alpha1.CampaignStatus{}
	for i := range int32(balance.MaxWorkerRecords) {
		s.ParallelismHistory = append(s.ParallelismHistory, v1alpha1.ParallelismRecord{
			Since: metav1.Time{Time: now.Add(time.Duration(i-32) * time.Minute)}, Parallelism: i % 20})
	}
	m := snapshot.Memory(s)
	// A poll that neither changes the recommendation's value nor adds workers.
	got := scalingStatus(m.Remember(ptr.To[int32](3), 0, now, nil))
	if got != nil && len(got.Changes) > 16 {
		t.Fatalf("status.scaling.changes has %d items; the CRD allows 16", len(got.Changes))
	}
	// And a poll that makes no recommendation at all (metrics failing).
	got = scalingStatus(m.Remember(nil, 0, now, nil))
	if got != nil && len(got.Changes) > 16 {
		t.Fatalf("status.scaling.changes has %d items with no recommendation; the CRD allows 16", len(got.Changes))
	}
}

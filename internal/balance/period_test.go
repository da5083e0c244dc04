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

package balance

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/truce-dev/truce/api/v1alpha1"
)

func TestCurrentPeriod(t *testing.T) {
	berlin, err := LoadTimeZone("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int, loc *time.Location) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, loc)
	}
	cases := []struct {
		name       string
		cadence    v1alpha1.Cadence
		loc        *time.Location
		now        time.Time
		start, end time.Time
	}{
		{"a week starts on the Monday before a Wednesday", v1alpha1.Weekly, time.UTC,
			time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC), day(2026, 5, 18, time.UTC), day(2026, 5, 25, time.UTC)},
		{"a Sunday belongs to the week that began six days before", v1alpha1.Weekly, time.UTC,
			time.Date(2026, 5, 24, 23, 59, 0, 0, time.UTC), day(2026, 5, 18, time.UTC), day(2026, 5, 25, time.UTC)},
		{"a Monday at midnight starts a new week", v1alpha1.Weekly, time.UTC,
			day(2026, 5, 25, time.UTC), day(2026, 5, 25, time.UTC), day(2026, 6, 1, time.UTC)},
		{"a month runs from the first to the first", v1alpha1.Monthly, time.UTC,
			time.Date(2026, 2, 14, 12, 0, 0, 0, time.UTC), day(2026, 2, 1, time.UTC), day(2026, 3, 1, time.UTC)},
		{"December's month ends in the next year", v1alpha1.Monthly, time.UTC,
			time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC), day(2026, 12, 1, time.UTC), day(2027, 1, 1, time.UTC)},
		{"the fourth quarter ends on the first of January", v1alpha1.Quarterly, time.UTC,
			time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC), day(2026, 10, 1, time.UTC), day(2027, 1, 1, time.UTC)},
		{"a quarter is aligned in its time zone, not in UTC", v1alpha1.Quarterly, berlin,
			// 23:30 UTC on 30 June is already 1 July in Berlin: the third quarter.
			time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC), day(2026, 7, 1, berlin), day(2026, 10, 1, berlin)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := CurrentPeriod(c.cadence, c.loc, c.now)
			if !p.Start.Equal(c.start) || !p.End.Equal(c.end) {
				t.Errorf("got [%s, %s), want [%s, %s)", p.Start, p.End, c.start, c.end)
			}
			if c.now.Before(p.Start) || !c.now.Before(p.End) {
				t.Errorf("%s is not inside [%s, %s)", c.now, p.Start, p.End)
			}
		})
	}
}

func TestPeriodElapsed(t *testing.T) {
	p := Period{Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name string
		now  time.Time
		want time.Duration
	}{
		{"nothing has elapsed before the start", p.Start.Add(-time.Hour), 0},
		{"a day has elapsed a day in", p.Start.Add(24 * time.Hour), 24 * time.Hour},
		{"no more than the period elapses after its end", p.End.Add(time.Hour), 7 * 24 * time.Hour},
	} {
		if got := p.Elapsed(c.now); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestLoadTimeZone(t *testing.T) {
	if loc, err := LoadTimeZone(""); err != nil || loc != time.UTC {
		t.Errorf("empty time zone: got %v, %v; want UTC", loc, err)
	}
	if _, err := LoadTimeZone("Mars/Olympus_Mons"); err == nil {
		t.Error("an unknown time zone loaded without error")
	}
}

func TestCapacity(t *testing.T) {
	for _, c := range []struct {
		name    string
		reps    int32
		ramping []v1alpha1.RampingReps
		perRep  string
		want    float64
	}{
		{"full reps times leads per rep", 8, nil, "25", 200},
		{"ramping reps count at their productivity", 8, []v1alpha1.RampingReps{{Count: 2, ProductivityPercent: 50}}, "25", 225},
		{"several ramping groups add up", 0, []v1alpha1.RampingReps{{Count: 4, ProductivityPercent: 25}, {Count: 1, ProductivityPercent: 100}}, "10", 20},
		{"fractional leads per rep", 3, nil, "12.5", 37.5},
		{"no reps is no capacity", 0, nil, "25", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Capacity(v1alpha1.CapacitySpec{Reps: c.reps, Ramping: c.ramping, LeadsPerRepPerWeek: resource.MustParse(c.perRep)})
			if got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

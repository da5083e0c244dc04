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
	"math"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

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
	pct := func(p int32) *int32 { return &p }
	// Two reps start on 1 October and ramp from 25% to full over 90 days.
	ramp := func(start string, from *int32, days int32) []v1alpha1.RampingReps {
		return []v1alpha1.RampingReps{{Count: 2, ProductivityPercent: from, StartDate: start, RampDays: &days}}
	}
	oct1 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		reps    int32
		ramping []v1alpha1.RampingReps
		perRep  string
		now     time.Time
		want    float64
	}{
		{"full reps times leads per rep", 8, nil, "25", oct1, 200},
		{"ramping reps count at their productivity", 8, []v1alpha1.RampingReps{{Count: 2, ProductivityPercent: pct(50)}}, "25", oct1, 225},
		{"several ramping groups add up", 0, []v1alpha1.RampingReps{{Count: 4, ProductivityPercent: pct(25)}, {Count: 1, ProductivityPercent: pct(100)}}, "10", oct1, 20},
		{"fractional leads per rep", 3, nil, "12.5", oct1, 37.5},
		{"no reps is no capacity", 0, nil, "25", oct1, 0},
		{"reps who have not started add nothing", 8, ramp("2026-10-01", pct(25), 90), "25", oct1.Add(-time.Hour), 200},
		{"reps on their first day count at their starting productivity", 8, ramp("2026-10-01", pct(25), 90), "25", oct1, 200 + 2*25*0.25},
		{"reps a third into a ramp from 25% count at half", 8, ramp("2026-10-01", pct(25), 90), "25", oct1.AddDate(0, 0, 30), 200 + 2*25*0.5},
		{"reps past their ramp count in full, without an edit", 8, ramp("2026-10-01", pct(25), 90), "25", oct1.AddDate(0, 0, 200), 250},
		{"a ramp with no starting productivity starts at zero", 8, ramp("2026-10-01", nil, 100), "25", oct1.AddDate(0, 0, 10), 200 + 2*25*0.1},
		{"a start date alone is a hire at a fixed share from that day", 8, []v1alpha1.RampingReps{{Count: 2, ProductivityPercent: pct(50), StartDate: "2026-10-01"}}, "25", oct1.AddDate(0, 0, 10), 225},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Capacity(v1alpha1.CapacitySpec{Reps: c.reps, Ramping: c.ramping, LeadsPerRepPerWeek: resource.MustParse(c.perRep)}, c.now, time.UTC)
			if math.Abs(got-c.want) > 1e-9 {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestRampDatesAreReadInThePeriodsTimeZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	c := v1alpha1.CapacitySpec{Reps: 0, LeadsPerRepPerWeek: resource.MustParse("10"),
		Ramping: []v1alpha1.RampingReps{{Count: 1, ProductivityPercent: ptr.To[int32](100), StartDate: "2026-10-01"}}}
	// 23:30 UTC on 30 September is already 1 October in Berlin.
	if got := Capacity(c, time.Date(2026, 9, 30, 23, 30, 0, 0, time.UTC), berlin); got != 10 {
		t.Errorf("in Berlin: got %v, want 10", got)
	}
	if got := Capacity(c, time.Date(2026, 9, 30, 23, 30, 0, 0, time.UTC), time.UTC); got != 0 {
		t.Errorf("in UTC: got %v, want 0", got)
	}
}

func TestPeriodNames(t *testing.T) {
	for _, c := range []struct {
		cadence v1alpha1.Cadence
		at      time.Time
		want    string
	}{
		{v1alpha1.Quarterly, time.Date(2027, 2, 10, 0, 0, 0, 0, time.UTC), "2027-Q1"},
		{v1alpha1.Quarterly, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "2026-Q4"},
		{v1alpha1.Monthly, time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC), "2027-05"},
		// 1 January 2027 is a Friday: its week is ISO week 53 of 2026.
		{v1alpha1.Weekly, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "2026-W53"},
		{v1alpha1.Weekly, time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), "2027-W01"},
	} {
		p := CurrentPeriod(c.cadence, time.UTC, c.at)
		if got := PeriodName(c.cadence, p, time.UTC); got != c.want {
			t.Errorf("%s at %s: got %s, want %s", c.cadence, c.at.Format(time.DateOnly), got, c.want)
		}
	}
}

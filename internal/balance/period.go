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

// Package balance is truce's model: capacity, need, demand, supply, allocation
// and drift, computed by pure functions from a SalesTarget, its campaigns and
// the time. Nothing here talks to a cluster.
package balance

import (
	"fmt"
	"time"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// Period is one calendar-aligned sales period, [Start, End).
type Period struct {
	Start, End time.Time
}

// Length is the period's duration.
func (p Period) Length() time.Duration { return p.End.Sub(p.Start) }

// Elapsed is how much of the period has passed at now, within [0, Length].
func (p Period) Elapsed(now time.Time) time.Duration {
	return min(max(now.Sub(p.Start), 0), p.Length())
}

// LoadTimeZone resolves a period's time zone; empty means UTC.
func LoadTimeZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// CurrentPeriod is the period of the given cadence, aligned in loc, that
// contains now. Weekly periods start on Monday.
func CurrentPeriod(cadence v1alpha1.Cadence, loc *time.Location, now time.Time) Period {
	t := now.In(loc)
	y, m, d := t.Date()
	var start, end time.Time
	switch cadence {
	case v1alpha1.Weekly:
		sinceMonday := (int(t.Weekday()) + 6) % 7
		start = time.Date(y, m, d-sinceMonday, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d-sinceMonday+7, 0, 0, 0, 0, loc)
	case v1alpha1.Monthly:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	default: // Quarterly
		q := time.Month((int(m)-1)/3*3 + 1)
		start = time.Date(y, q, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, q+3, 1, 0, 0, 0, 0, loc)
	}
	return Period{Start: start, End: end}
}

// PeriodName names a period of the cadence as a person reads it, in loc:
// 2027-Q1, 2027-01, or the ISO week 2027-W01.
func PeriodName(cadence v1alpha1.Cadence, p Period, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t := p.Start.In(loc)
	switch cadence {
	case v1alpha1.Weekly:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case v1alpha1.Monthly:
		return t.Format("2006-01")
	default:
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())-1)/3+1)
	}
}

// NextPeriod is the period that follows p.
func NextPeriod(cadence v1alpha1.Cadence, loc *time.Location, p Period) Period {
	if loc == nil {
		loc = time.UTC
	}
	return CurrentPeriod(cadence, loc, p.End)
}

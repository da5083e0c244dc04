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

package main

import (
	"fmt"
	"time"
)

// Cadences are the sales periods a team can count its bookings in, as a
// SalesTarget's spec.period.cadence names them.
var Cadences = []string{"Weekly", "Monthly", "Quarterly"}

// Period is a team's sales period: calendar-aligned in its time zone
// (UTC when empty), weeks starting on Monday, like truce's.
type Period struct {
	Cadence  string `json:"cadence"`
	TimeZone string `json:"timeZone,omitempty"`

	// loc is TimeZone loaded, set by validation.
	loc *time.Location
}

// calendarPeriod is one period: [start, end), and its name.
type calendarPeriod struct {
	name       string
	start, end time.Time
}

// periodOf is the period of cadence, aligned in loc, that contains t. The
// simulator keeps its own calendar rather than truce's, so the e2e tests
// compare two implementations of the same rule.
func periodOf(cadence string, loc *time.Location, t time.Time) calendarPeriod {
	t = t.In(loc)
	y, m, d := t.Date()
	var p calendarPeriod
	switch cadence {
	case "Weekly":
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		p.start = time.Date(y, m, d-back, 0, 0, 0, 0, loc)
		p.end = p.start.AddDate(0, 0, 7)
		wy, w := p.start.ISOWeek()
		p.name = fmt.Sprintf("%d-W%02d", wy, w)
	case "Monthly":
		p.start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		p.end = p.start.AddDate(0, 1, 0)
		p.name = fmt.Sprintf("%d-%02d", y, int(m))
	default: // Quarterly
		q := (int(m) - 1) / 3
		p.start = time.Date(y, time.Month(3*q+1), 1, 0, 0, 0, 0, loc)
		p.end = p.start.AddDate(0, 3, 0)
		p.name = fmt.Sprintf("%d-Q%d", y, q+1)
	}
	return p
}

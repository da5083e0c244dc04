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
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTableCells(t *testing.T) {
	q := onPlan("q", "quarterly", quarterly(30))
	m := onPlan("m", "monthly", monthly())
	quarters := judgedPeriods(q.team.cadence, q.cycle(), teamStart(q.team.cadence))
	months := judgedPeriods(m.team.cadence, m.cycle(), teamStart(m.team.cadence))
	monthly := []float64{93, 94.4, 94.6, 100, 100, 100, 100, 100, 100, 105.4, 105.6, 106}
	cases := []struct {
		name, got, want string
	}{
		{
			"four quarters are listed, the next year's marked",
			attainmentCell(outcome{a: &q, periods: quarters, attainment: []float64{101.4, 98.6, 100, 97.5}}),
			"Q2 101 · Q3 99 · Q4 100 · Q1'28 98",
		},
		{
			"twelve months are summed up as a range and how many are within 95-105",
			attainmentCell(outcome{a: &m, periods: months, attainment: monthly}),
			"93–106, 8 of 12 months in 95–105",
		},
		{"a spread whose ends round alike is one number", spread([]float64{99.6, 100.4}), "100"},
		{"a spread is its lowest and highest", spread([]float64{104, 96.2, 99}), "96–104"},
		{"bought over needed has two decimals", ratio(1330, 1000), "1.33"},
		{"nothing needed is not a ratio", ratio(10, 0), "n/a"},
		{
			"reasons read shown/true in the design's order, those neither shown nor true left out",
			reasonsCell(outcome{
				shownDays: map[string]int{bal: 300, capn: 60, "Unheard": 5},
				trueDays:  map[string]int{bal: 265, conv: 100},
			}),
			"Bal 300/265 · CapNeed 60/0 · Conv 0/100 · Unheard 5/0",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

func TestTheTablePrintsOneRowPerArchetype(t *testing.T) {
	rows := [][]string{
		{"a", "Q2 100", "100", "1.00", "365/365", "Bal 365/365", "0", "0", "0 · 0", "yes"},
		{"a longer name", "Q2 90", "99–100", "0.90", "0/365", "Bal 300/365 · Conv 65/0", "65", "2", "0 · 0", "no: drift shown 65 d"},
	}
	var md bytes.Buffer
	printMarkdown(&md, rows)
	lines := strings.Split(strings.TrimSpace(md.String()), "\n")
	if len(lines) != 2+len(rows) {
		t.Fatalf("markdown has %d lines, want a header, a rule and %d rows:\n%s", len(lines), len(rows), md.String())
	}
	for _, l := range lines {
		if strings.Count(l, " | ")+2 != len(header)+1 || !strings.HasPrefix(l, "| ") || !strings.HasSuffix(l, " |") {
			t.Errorf("markdown line %q does not have %d cells", l, len(header))
		}
	}

	var text bytes.Buffer
	printText(&text, rows)
	lines = strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 2+len(rows) {
		t.Fatalf("text has %d lines, want %d", len(lines), 2+len(rows))
	}
	// Every column starts where the rule's does, on every line.
	starts, at := []int{0}, 0
	for _, f := range strings.SplitAfter(lines[1], "  ") {
		at += utf8.RuneCountInString(f)
		starts = append(starts, at)
	}
	for _, l := range lines {
		runes := []rune(l)
		for n := 1; n < len(header); n++ {
			if at := starts[n]; at > len(runes) || runes[at-1] != ' ' || runes[at-2] != ' ' || runes[at] == ' ' {
				t.Errorf("column %d does not start at %d in %q", n, at, l)
			}
		}
	}
}

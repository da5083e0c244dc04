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

package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
		err  bool
	}{
		{"max\n", 0, false, false},
		{"268435456\n", 268435456, true, false},
		{"9223372036854771712\n", 0, false, false}, // cgroup v1 without a limit
		{"0", 0, false, false},
		{"lots", 0, false, true},
	} {
		got, ok, err := parse(c.in)
		if got != c.want || ok != c.ok || (err != nil) != c.err {
			t.Errorf("parse(%q) = %d, %v, %v; want %d, %v, error %v", c.in, got, ok, err, c.want, c.ok, c.err)
		}
	}
}

func TestAnExplicitLimitIsTheRuntimes(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetMemoryLimit(math.MaxInt64)
	limit, source, err := Set(150 << 20)
	if err != nil || limit != 150<<20 || source != "flag" {
		t.Fatalf("Set = %d, %q, %v", limit, source, err)
	}
	if got := debug.SetMemoryLimit(-1); got != 150<<20 {
		t.Errorf("the runtime's limit is %d, want %d", got, 150<<20)
	}
}

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
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// procStats is a process's memory and CPU time.
type procStats struct {
	peakMiB, rssMiB float64
	// cpu is user plus system CPU seconds.
	cpu float64
}

// readProcStats reads VmHWM and VmRSS from dir/status and utime and stime
// from dir/stat, for dir a /proc/<pid> directory.
func readProcStats(dir string) (procStats, error) {
	var s procStats
	status, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(value)
		if len(f) != 2 || f[1] != "kB" {
			return s, fmt.Errorf("%s: unexpected %s line %q", dir, name, line)
		}
		kb, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return s, err
		}
		if name == "VmHWM" {
			s.peakMiB = kb / 1024
		} else {
			s.rssMiB = kb / 1024
		}
	}
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return s, err
	}
	s.cpu, err = parseStatCPU(string(stat))
	return s, err
}

// parseStatCPU returns utime+stime in seconds from a /proc/<pid>/stat line.
// The command name, in parentheses, may hold spaces, so fields are counted
// after its closing parenthesis: utime and stime are fields 14 and 15.
func parseStatCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field k is f[k-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat %q", stat)
	}
	var ticks float64
	for _, k := range []int{14, 15} {
		v, err := strconv.ParseFloat(f[k-3], 64)
		if err != nil {
			return 0, err
		}
		ticks += v
	}
	return ticks / clockTicks, nil
}

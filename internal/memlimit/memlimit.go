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

// Package memlimit sets the Go runtime's soft memory limit from the
// container's, so the garbage collector works harder before the kernel
// kills the process. Without it, the heap may grow to twice what is live
// (GOGC=100) however close that is to the container's limit.
package memlimit

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// Share is the part of the container's memory limit the Go heap may use;
// the rest is for stacks, the runtime and memory the heap does not count.
const Share = 0.9

// cgroupFiles are where cgroup v2 and v1 keep a container's memory limit.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// unlimitedV1 is above any real limit: cgroup v1 says "no limit" with a
// page-rounded maximum int64.
const unlimitedV1 = 1 << 62

// Set sets the runtime's soft memory limit and says where it came from:
// explicit when positive; otherwise GOMEMLIMIT when set (the runtime has
// read it already); otherwise Share of the cgroup's limit; otherwise none.
func Set(explicit int64) (limit int64, source string, err error) {
	if explicit > 0 {
		debug.SetMemoryLimit(explicit)
		return explicit, "flag", nil
	}
	if os.Getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT", nil
	}
	for _, f := range cgroupFiles {
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, "", err
		}
		max, ok, err := parse(string(data))
		if err != nil {
			return 0, "", fmt.Errorf("reading %s: %w", f, err)
		}
		if !ok {
			return 0, "none", nil
		}
		limit = int64(float64(max) * Share)
		debug.SetMemoryLimit(limit)
		return limit, f, nil
	}
	return 0, "none", nil
}

// parse reads a cgroup memory limit: ok is false when there is none.
func parse(s string) (limit int64, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "max" {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false, err
	}
	if v <= 0 || v >= unlimitedV1 {
		return 0, false, nil
	}
	return v, true, nil
}

//go:build bench

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
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunMeasuresATinyFleet runs the whole benchmark on 2 SalesTargets × 2
// Campaigns: `go test -tags bench ./hack/bench/`. It is slow for a unit
// test (a control plane and the truce binary), so make test leaves it out.
func TestRunMeasuresATinyFleet(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		out, err := exec.Command(filepath.Join("..", "envtest-assets.sh")).Output()
		if err != nil {
			t.Fatalf("building the test control plane: %v", err)
		}
		t.Setenv("KUBEBUILDER_ASSETS", strings.TrimSpace(string(out)))
	}
	truce := filepath.Join(t.TempDir(), "truce")
	if out, err := exec.Command("go", "build", "-o", truce, "../..").CombinedOutput(); err != nil {
		t.Fatalf("building truce: %v\n%s", err, out)
	}
	var log bytes.Buffer
	rows, err := run(context.Background(), options{
		targets: 2, campaignsPerTarget: 2, pollSeconds: 5,
		floorWriters: 4, floorWrites: 100, creators: 4,
		steady: 3 * time.Second, settleQuiet: 2 * time.Second, reactionSample: 2, timeout: 2 * time.Minute,
		truceBin: truce, crdDir: "../../config/crd/bases", samples: "../../config/samples",
		workDir: t.TempDir(),
	}, &log)
	var table bytes.Buffer
	printTable(&table, rows)
	t.Logf("log:\n%s\ntable:\n%s", log.String(), table.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"100% at", "writes to campaigns/status", "writes to jobs (batch)", "steady-state writes", "p99", "peak"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the table has no %q", want)
		}
	}
}

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

// Package argocd tests truce's Argo CD health checks (config/argocd) the way
// Argo CD runs them: each health.lua is evaluated by gopher-lua, the
// interpreter Argo CD embeds, with the object as the Lua table "obj", and the
// table it returns is read back as hs.status and hs.message. Every case of
// each health_test.yaml must match, every fixture in testdata/ must have a
// case, and the kustomize component must put the scripts into argocd-cm
// byte for byte.
package argocd

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

const customizations = "../../config/argocd/resource_customizations"

// kinds are the resources truce ships health checks for, as <group>/<kind>.
var kinds = []string{"revops.truce.dev/Campaign", "revops.truce.dev/SalesTarget"}

// healthTests is the layout of Argo CD's health_test.yaml.
type healthTests struct {
	Tests []struct {
		HealthStatus struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"healthStatus"`
		InputPath string `json:"inputPath"`
	} `json:"tests"`
}

// health is what a script returns.
type health struct{ status, message string }

// validStatuses are the health codes Argo CD accepts from a script.
var validStatuses = []string{"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"}

func TestHealthChecks(t *testing.T) {
	for _, kind := range kinds {
		dir := filepath.Join(customizations, kind)
		script := readFile(t, filepath.Join(dir, "health.lua"))
		var cases healthTests
		if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, "health_test.yaml"))), &cases); err != nil {
			t.Fatalf("%s/health_test.yaml: %v", kind, err)
		}
		if len(cases.Tests) == 0 {
			t.Fatalf("%s/health_test.yaml has no tests", kind)
		}
		covered := map[string]bool{}
		for _, tc := range cases.Tests {
			covered[filepath.Clean(tc.InputPath)] = true
			t.Run(kind+"/"+tc.InputPath, func(t *testing.T) {
				var obj map[string]any
				if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, tc.InputPath))), &obj); err != nil {
					t.Fatalf("%s: %v", tc.InputPath, err)
				}
				got, err := evaluate(script, obj)
				if err != nil {
					t.Fatalf("evaluating %s/health.lua on %s: %v", kind, tc.InputPath, err)
				}
				if !slices.Contains(validStatuses, got.status) {
					t.Fatalf("status %q is not one Argo CD accepts", got.status)
				}
				if got.status != tc.HealthStatus.Status || got.message != tc.HealthStatus.Message {
					t.Errorf("got %s %q, want %s %q", got.status, got.message, tc.HealthStatus.Status, tc.HealthStatus.Message)
				}
			})
		}
		fixtures, err := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fixtures {
			rel, _ := filepath.Rel(dir, f)
			if !covered[rel] {
				t.Errorf("%s: fixture %s has no case in health_test.yaml", kind, rel)
			}
		}
	}
}

// TestEveryBranchIsCovered checks that the fixtures reach every return of
// each script: each health.lua returns hs from several places, and each must
// be the last one taken for at least one fixture.
func TestEveryBranchIsCovered(t *testing.T) {
	for _, kind := range kinds {
		dir := filepath.Join(customizations, kind)
		script := readFile(t, filepath.Join(dir, "health.lua"))
		returns := 0
		for _, line := range strings.Split(script, "\n") {
			if strings.TrimSpace(line) == "return hs" {
				returns++
			}
		}
		instrumented, n := instrument(script)
		if n != returns {
			t.Fatalf("%s: instrumented %d returns of %d", kind, n, returns)
		}
		taken := map[int]bool{}
		fixtures, _ := filepath.Glob(filepath.Join(dir, "testdata", "*.yaml"))
		for _, f := range fixtures {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(readFile(t, f)), &obj); err != nil {
				t.Fatal(err)
			}
			L := newState(obj)
			if err := L.DoString(instrumented); err != nil {
				L.Close()
				t.Fatalf("%s on %s: %v", kind, f, err)
			}
			taken[int(lua.LVAsNumber(L.GetGlobal("truce_branch")))] = true
			L.Close()
		}
		for i := 1; i <= returns; i++ {
			if !taken[i] {
				t.Errorf("%s/health.lua: return %d of %d is taken by no fixture", kind, i, returns)
			}
		}
	}
}

// instrument numbers each "return hs" of script so a run tells which one it
// took, through the global truce_branch.
func instrument(script string) (string, int) {
	lines := strings.Split(script, "\n")
	n := 0
	for i, line := range lines {
		if strings.TrimSpace(line) == "return hs" {
			n++
			indent := line[:len(line)-len(strings.TrimLeft(line, " "))]
			lines[i] = indent + "truce_branch = " + strconv.Itoa(n) + "\n" + line
		}
	}
	return strings.Join(lines, "\n"), n
}

// TestComponentPutsTheScriptsIntoArgoCDConfigMap builds the example overlay
// with the pinned kustomize and checks that argocd-cm carries each script,
// byte for byte, under the key Argo CD reads, next to the data it had.
func TestComponentPutsTheScriptsIntoArgoCDConfigMap(t *testing.T) {
	out, err := exec.Command(kustomizeBinary(t), "build", "testdata/argocd-install").Output()
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	var cm struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal(out, &cm); err != nil {
		t.Fatalf("kustomize build printed something other than one ConfigMap: %v\n%s", err, out)
	}
	if cm.Kind != "ConfigMap" || cm.Metadata.Name != "argocd-cm" || cm.Metadata.Namespace != "argocd" {
		t.Fatalf("got %s %s/%s, want ConfigMap argocd/argocd-cm", cm.Kind, cm.Metadata.Namespace, cm.Metadata.Name)
	}
	if cm.Data["application.resourceTrackingMethod"] != "annotation" {
		t.Errorf("the component dropped argocd-cm's own data: %v", cm.Data)
	}
	for _, kind := range kinds {
		key := "resource.customizations.health." + strings.Replace(kind, "/", "_", 1)
		want := readFile(t, filepath.Join(customizations, kind, "health.lua"))
		if got, ok := cm.Data[key]; !ok {
			t.Errorf("argocd-cm has no %s", key)
		} else if got != want {
			t.Errorf("argocd-cm's %s differs from %s/health.lua", key, kind)
		}
	}
}

// evaluate runs a health script the way Argo CD runs one from argocd-cm: no
// standard libraries but base, table and package, obj set as a global, and
// the returned table read back.
func evaluate(script string, obj map[string]any) (health, error) {
	L := newState(obj)
	defer L.Close()
	if err := L.DoString(script); err != nil {
		return health{}, err
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return health{}, errNotATable{L.Get(-1).Type().String()}
	}
	return health{status: lua.LVAsString(ret.RawGetString("status")), message: lua.LVAsString(ret.RawGetString("message"))}, nil
}

type errNotATable struct{ got string }

func (e errNotATable) Error() string { return "the script returned a " + e.got + ", not a table" }

func newState(obj map[string]any) *lua.LState {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	for name, open := range map[string]lua.LGFunction{
		lua.LoadLibName: lua.OpenPackage, lua.BaseLibName: lua.OpenBase, lua.TabLibName: lua.OpenTable,
	} {
		L.Push(L.NewFunction(open))
		L.Push(lua.LString(name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	return L
}

// toLua converts a decoded object into Lua values: maps become tables with
// string keys, lists tables with indexes from 1, numbers Lua numbers.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case json.Number:
		return lua.LString(v)
	case string:
		return lua.LString(v)
	case []any:
		t := L.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(L, item))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSetString(k, toLua(L, item))
		}
		return t
	}
	return lua.LNil
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

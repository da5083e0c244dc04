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
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// krewPlugin mirrors krew's index types (sigs.k8s.io/krew/pkg/index,
// apiVersion krew.googlecontainertools.github.com/v1alpha2). krew's own
// module cannot be imported: v0.4.3 requires k8s.io/client-go
// v11.0.0+incompatible, which would replace this module's client-go.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Homepage         string `json:"homepage"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			Sha256 string `json:"sha256"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
			Bin string `json:"bin"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestKrewManifest parses plugins/truce.yaml strictly and applies the rules
// krew's index validation applies (pkg/index/validation): the name is the
// file's, the version semantic with a v, every platform has a selector, an
// https uri, a sha256, files and a bin inside the plugin's directory.
func TestKrewManifest(t *testing.T) {
	path := filepath.Join("..", "..", "plugins", "truce.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p krewPlugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatalf("%s is not a krew Plugin: %v", path, err)
	}
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" {
		t.Errorf("apiVersion/kind %s/%s", p.APIVersion, p.Kind)
	}
	if name := strings.TrimSuffix(filepath.Base(path), ".yaml"); p.Metadata.Name != name || !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(name) {
		t.Errorf("metadata.name %q must be the file's name %q, lowercase letters, digits and dashes", p.Metadata.Name, name)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`).MatchString(p.Spec.Version) {
		t.Errorf("spec.version %q is not a semantic version with a v", p.Spec.Version)
	}
	if p.Spec.ShortDescription == "" || len(p.Spec.ShortDescription) > 70 || p.Spec.Homepage == "" {
		t.Errorf("shortDescription (%q, at most 70 characters) and homepage are required", p.Spec.ShortDescription)
	}
	if len(p.Spec.Platforms) == 0 {
		t.Fatal("no platforms")
	}
	seen := map[string]bool{}
	sha := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for i, pl := range p.Spec.Platforms {
		where := fmt.Sprintf("platforms[%d]", i)
		osName, arch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		if osName == "" || arch == "" || seen[osName+"/"+arch] {
			t.Errorf("%s: selector must name a new os and arch: %v", where, pl.Selector.MatchLabels)
		}
		seen[osName+"/"+arch] = true
		if !strings.HasPrefix(pl.URI, "https://") || !strings.Contains(pl.URI, "/"+p.Spec.Version+"/") || !strings.Contains(pl.URI, osName+"_"+arch) {
			t.Errorf("%s: uri %q must be https, of version %s, for %s/%s", where, pl.URI, p.Spec.Version, osName, arch)
		}
		if !sha.MatchString(pl.Sha256) {
			t.Errorf("%s: sha256 %q is not 64 hex digits", where, pl.Sha256)
		}
		bin := "kubectl-truce"
		if osName == "windows" {
			bin += ".exe"
		}
		if pl.Bin != bin || len(pl.Files) == 0 {
			t.Errorf("%s: bin %q, want %q, and files to install", where, pl.Bin, bin)
		}
		for _, f := range pl.Files {
			if f.From == "" || f.To == "" || strings.Contains(f.To, "..") || filepath.IsAbs(f.To) {
				t.Errorf("%s: file %+v must copy into the plugin's directory", where, f)
			}
		}
	}
	// The binary kubectl runs is the one this directory builds.
	if wd, _ := os.Getwd(); filepath.Base(wd) != "kubectl-truce" {
		t.Errorf("the plugin is built from %s, not cmd/kubectl-truce", wd)
	}
}

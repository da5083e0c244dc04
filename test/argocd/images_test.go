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

package argocd

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// TestTheApplicationsImageReachesTheDeployment does what Argo CD does with
// the truce Application's kustomize.images in docs/argocd.md: it runs
// `kustomize edit set image` for each entry in a copy of config/default,
// then builds it, and checks that the controller's Deployment runs that
// image. config/manager already renames the scaffold's `controller` image
// to `truce`, so an entry for `controller` would change nothing.
func TestTheApplicationsImageReachesTheDeployment(t *testing.T) {
	kustomize := kustomizeBinary(t)
	doc := readFile(t, "../../docs/argocd.md")
	m := regexp.MustCompile(`(?m)^\s+images: \[(.+)\]`).FindStringSubmatch(doc)
	if m == nil {
		t.Fatal("docs/argocd.md's Application sets no kustomize.images")
	}
	images := strings.Split(m[1], ",")

	t.Run("the documented entries", func(t *testing.T) {
		got := imagesAfterEdit(t, kustomize, images)
		want := images[0][strings.Index(images[0], "=")+1:]
		if len(got) != 1 || got[0] != want {
			t.Errorf("the Deployment runs %q, want %q", got, want)
		}
	})
	t.Run("an entry for the scaffold's name changes nothing", func(t *testing.T) {
		got := imagesAfterEdit(t, kustomize, []string{"controller=registry.example.com/truce:v0.1.0"})
		if len(got) != 1 || got[0] != "truce:dev" {
			t.Errorf("the Deployment runs %q, want the unchanged truce:dev", got)
		}
	})
}

// imagesAfterEdit copies config/ to a temporary directory, runs
// `kustomize edit set image` with images in its default overlay, as Argo CD
// does in its checkout, and returns the images of the Deployment it builds.
func imagesAfterEdit(t *testing.T, kustomize string, images []string) []string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dir, os.DirFS("../../config")); err != nil {
		t.Fatal(err)
	}
	edit := exec.Command(kustomize, append([]string{"edit", "set", "image"}, images...)...)
	edit.Dir = filepath.Join(dir, "default")
	if out, err := edit.CombinedOutput(); err != nil {
		t.Fatalf("kustomize edit set image: %v\n%s", err, out)
	}
	out, err := exec.Command(kustomize, "build", filepath.Join(dir, "default")).Output()
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	var got []string
	for _, doc := range bytes.Split(out, []byte("\n---\n")) {
		var d appsv1.Deployment
		if err := yaml.Unmarshal(doc, &d); err != nil {
			t.Fatal(err)
		}
		if d.Kind != "Deployment" {
			continue
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			got = append(got, c.Image)
		}
	}
	return got
}

// kustomizeBinary is the pinned kustomize: $KUSTOMIZE (make test sets it),
// or the one `make kustomize` built.
func kustomizeBinary(t *testing.T) string {
	t.Helper()
	k := os.Getenv("KUSTOMIZE")
	if k == "" {
		found, _ := filepath.Glob("../../bin/kustomize-*")
		if len(found) == 0 {
			t.Fatal("no kustomize: run `make kustomize`, or set KUSTOMIZE (make test does)")
		}
		k = found[len(found)-1]
	}
	// The edit runs in another directory.
	abs, err := filepath.Abs(k)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

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

package outreach

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/truce-dev/truce/api/v1alpha1"
)

func TestVerifyScaleTarget(t *testing.T) {
	mapper := meta.NewDefaultRESTMapper(nil)
	for _, gvk := range []schema.GroupVersionKind{
		{Group: "apps", Version: "v1", Kind: "Deployment"},
		{Group: "apps", Version: "v1", Kind: "StatefulSet"},
		{Group: "example.com", Version: "v1", Kind: "Policy"}, // served as policies
	} {
		mapper.Add(gvk, meta.RESTScopeNamespace)
	}
	for _, c := range []struct {
		name string
		ref  v1alpha1.ScaleTargetReference
		want string // "" is accepted; else a part of the error
	}{
		{"a Deployment is checked as deployments", v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "d"}, ""},
		{"a resource that agrees with the kind", v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "s", Resource: "statefulsets"}, ""},
		{"a StatefulSet checked as deployments is refused", v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "s", Resource: "deployments"},
			`kind StatefulSet is served as resource "statefulsets", not "deployments"`},
		// The policy read "" as the core group and the controller as apps:
		// a stored object from before the API refused it is not guessed.
		{"an empty apiVersion is refused, not read as apps/v1", v1alpha1.ScaleTargetReference{Kind: "Deployment", Name: "d"},
			"spec.outreach.scaleTargetRef.apiVersion is empty"},
		{"v1 is the core group, where no Deployment is served", v1alpha1.ScaleTargetReference{APIVersion: "v1", Kind: "Deployment", Name: "d"}, "not served"},
		{"an apiVersion that is not group/version is refused", v1alpha1.ScaleTargetReference{APIVersion: "apps/v1/x", Kind: "Deployment", Name: "d"},
			`apiVersion "apps/v1/x" is not group/version`},
		{"so is one without a group before its slash", v1alpha1.ScaleTargetReference{APIVersion: "/v1", Kind: "Deployment", Name: "d"},
			`apiVersion "/v1" is not group/version`},
		{"a kind whose plural is not kind+s needs the resource", v1alpha1.ScaleTargetReference{APIVersion: "example.com/v1", Kind: "Policy", Name: "p"},
			`set scaleTargetRef.resource to "policies"`},
		{"and is accepted with it", v1alpha1.ScaleTargetReference{APIVersion: "example.com/v1", Kind: "Policy", Name: "p", Resource: "policies"}, ""},
		{"an unknown kind is refused", v1alpha1.ScaleTargetReference{APIVersion: "apps/v1", Kind: "Nope", Name: "n"}, "not served"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := verifyScaleTarget(mapper, &c.ref)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

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
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// CheckedResource is the resource whose scale subresource truce's admission
// policy checked the author's right to update: scaleTargetRef.resource, or
// the kind in lower case plus "s". The policy in config/policy derives it
// the same way.
func CheckedResource(ref *v1alpha1.ScaleTargetReference) string {
	if ref.Resource != "" {
		return ref.Resource
	}
	return strings.ToLower(ref.Kind) + "s"
}

// verifyScaleTarget refuses a target whose kind the API server serves as
// another resource than the one the admission policy checked. Without this
// a tenant could be checked on a resource they may scale and have truce
// scale one they may not, by naming a kind and a resource that disagree.
func verifyScaleTarget(mapper meta.RESTMapper, ref *v1alpha1.ScaleTargetReference) error {
	gv, err := targetGroupVersion(ref)
	if err != nil {
		return err
	}
	gvk := gv.WithKind(ref.Kind)
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("spec.outreach.scaleTargetRef: kind %s is not served by the API server: %w", gvk.Kind, err)
	}
	checked := schema.GroupResource{Group: gvk.Group, Resource: CheckedResource(ref)}
	if mapping.Resource.GroupResource() != checked {
		return fmt.Errorf("spec.outreach.scaleTargetRef: kind %s is served as resource %q, not %q, whose scale rights admission checked; set scaleTargetRef.resource to %q",
			gvk.Kind, mapping.Resource.Resource, checked.Resource, mapping.Resource.Resource)
	}
	return nil
}

// targetGroupVersion is the group and version that scaleTargetRef.apiVersion
// names, the group whose scale rights the admission policy checked. An
// empty apiVersion names none: the API refuses it now, but an object
// stored before it did may still hold one. Read as apps/v1 by the
// controller and as the core group by the policy, it once let a user who
// may scale only core resources have truce scale a Deployment; it is
// refused rather than guessed.
func targetGroupVersion(ref *v1alpha1.ScaleTargetReference) (schema.GroupVersion, error) {
	if ref.APIVersion == "" {
		return schema.GroupVersion{}, errors.New("spec.outreach.scaleTargetRef.apiVersion is empty: set it to the target's group/version, such as apps/v1 (v1 for the core group); truce does not guess the group")
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil || gv.Version == "" || (gv.Group == "" && strings.Contains(ref.APIVersion, "/")) {
		return schema.GroupVersion{}, fmt.Errorf("spec.outreach.scaleTargetRef.apiVersion %q is not group/version: set it to the target's group/version, such as apps/v1 (v1 for the core group)", ref.APIVersion)
	}
	return gv, nil
}

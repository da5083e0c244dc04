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

// Package v1alpha1 contains the revops.truce.dev/v1alpha1 API: Campaigns, the
// lead generation marketing runs, and SalesTargets, the quota and capacity
// sales declares.
// +kubebuilder:object:generate=true
// +groupName=revops.truce.dev
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of the truce API.
	GroupVersion = schema.GroupVersion{Group: "revops.truce.dev", Version: "v1alpha1"}

	// SchemeBuilder registers the truce types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the truce types to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

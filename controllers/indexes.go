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

package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/truce-dev/truce/api/v1alpha1"
)

// SalesTargetRefIndex indexes Campaigns by the SalesTarget they reference, so
// a target's campaigns are listed from the cache without a scan.
const SalesTargetRefIndex = "spec.salesTargetRef.name"

// SetupIndexes registers the cache's field indexes. Call it once per manager,
// before the controllers start.
func SetupIndexes(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &v1alpha1.Campaign{}, SalesTargetRefIndex, func(o client.Object) []string {
		return []string{o.(*v1alpha1.Campaign).Spec.SalesTargetRef.Name}
	})
}

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

package balance

import (
	"math"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Quantity is v as it is shown in status: rounded to a thousandth, NaN and
// infinities as zero, values too large for milli-units in full units.
func Quantity(v float64) resource.Quantity {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return resource.Quantity{Format: resource.DecimalSI}
	case math.Abs(v) < 1e15:
		return *resource.NewMilliQuantity(int64(math.Round(v*1000)), resource.DecimalSI)
	default:
		// Exponent form: the plain digits of a value past int64 parse short.
		q, err := resource.ParseQuantity(strconv.FormatFloat(math.Round(v), 'e', -1, 64))
		if err != nil {
			return resource.Quantity{Format: resource.DecimalSI}
		}
		return q
	}
}

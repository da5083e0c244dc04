#!/usr/bin/env bash
# Downloads the Prometheus Operator's module, pinned, from the Go module
# proxy, and prints the directory of its CRDs (example/prometheus-operator-crd),
# so the chart's tests can validate the ServiceMonitor and PrometheusRule
# against the real schemas. The module cache keeps it: a second run does
# nothing.
#
# Usage: hack/prometheus-operator-crds.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

PROMETHEUS_OPERATOR_VERSION="${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}"
module=github.com/prometheus-operator/prometheus-operator

mod=$(new_build_module prometheus-operator)
trap 'rm -rf "$mod"' EXIT
dir=$(cd "$mod" && retry go mod download -json "$module@$PROMETHEUS_OPERATOR_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/example/prometheus-operator-crd" ] || { echo "no CRDs in $module@$PROMETHEUS_OPERATOR_VERSION" >&2; exit 1; }
printf '%s\n' "$dir/example/prometheus-operator-crd"

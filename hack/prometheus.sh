#!/usr/bin/env bash
# Builds a pinned Prometheus from the Go module proxy for the metrics tests and
# prints the path of the binary. The build leaves out the service-discovery
# plugins (-tags remove_all_sd), whose modules the proxy does not all serve;
# static scrape configs, all the tests need, remain. Cached like the control
# plane: a second run does nothing.
#
# Usage: hack/prometheus.sh            build if missing, print the binary's path
#        hack/prometheus.sh --print    print the path only
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

# Prometheus 3.x is published as module versions v0.3xx.y.
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
dest="$TRUCE_CACHE/prometheus/$PROMETHEUS_VERSION"

if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$dest/prometheus"
  exit 0
fi

build() {
  cached "$dest" prometheus && return 0
  local start=$SECONDS tmp
  mkdir -p "$TRUCE_CACHE/prometheus"
  tmp=$(mktemp -d "$dest.tmp.XXXXXX")
  log "Building Prometheus $PROMETHEUS_VERSION"
  install_prometheus_command "$tmp" "$PROMETHEUS_VERSION" prometheus
  finish_build "$tmp" "$dest"
  log "Built Prometheus in $((SECONDS - start))s: $dest"
}

cached "$dest" prometheus || with_lock "$dest" build
printf '%s\n' "$dest/prometheus"

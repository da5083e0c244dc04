#!/usr/bin/env bash
# Builds promtool, pinned to the Prometheus version hack/prometheus.sh builds,
# from the Go module proxy, for `make test-rules` (promtool check/test rules),
# and prints the path of the binary. Cached like Prometheus: a second run does
# nothing.
#
# Usage: hack/promtool.sh            build if missing, print the binary's path
#        hack/promtool.sh --print    print the path only
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

# One pin for Prometheus and promtool: the default in hack/prometheus.sh.
pinned=$(sed -n 's/^PROMETHEUS_VERSION="\${PROMETHEUS_VERSION:-\(v[0-9.]*\)}"$/\1/p' "$here/prometheus.sh")
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-$pinned}"
[ -n "$PROMETHEUS_VERSION" ] || { echo "no PROMETHEUS_VERSION pinned in hack/prometheus.sh" >&2; exit 1; }
dest="$TRUCE_CACHE/promtool/$PROMETHEUS_VERSION"

if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$dest/promtool"
  exit 0
fi

build() {
  cached "$dest" promtool && return 0
  local start=$SECONDS tmp
  mkdir -p "$TRUCE_CACHE/promtool"
  tmp=$(mktemp -d "$dest.tmp.XXXXXX")
  log "Building promtool $PROMETHEUS_VERSION"
  install_prometheus_command "$tmp" "$PROMETHEUS_VERSION" promtool
  finish_build "$tmp" "$dest"
  log "Built promtool in $((SECONDS - start))s: $dest"
}

cached "$dest" promtool || with_lock "$dest" build
printf '%s\n' "$dest/promtool"

#!/usr/bin/env bash
# Builds a pinned Helm from the Go module proxy, for `make test` (helm lint,
# helm template and the chart's tests), and prints the path of the binary.
# Cached like the other tools: a second run does nothing.
#
# Usage: hack/helm.sh            build if missing, print the binary's path
#        hack/helm.sh --print    print the path only
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

HELM_VERSION="${HELM_VERSION:-v4.3.1}"
dest="$TRUCE_CACHE/helm/$HELM_VERSION"

if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$dest/helm"
  exit 0
fi

build() {
  cached "$dest" helm && return 0
  local start=$SECONDS tmp major=${HELM_VERSION%%.*}
  mkdir -p "$TRUCE_CACHE/helm"
  tmp=$(mktemp -d "$dest.tmp.XXXXXX")
  log "Building Helm $HELM_VERSION"
  # `helm version` reports the version stamped here, as in Helm's own release
  # builds; Kubernetes' version for capabilities comes from the module.
  GOBIN="$tmp" CGO_ENABLED=0 retry go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$HELM_VERSION -X helm.sh/helm/$major/internal/version.gitTreeState=clean" \
    "helm.sh/helm/$major/cmd/helm@$HELM_VERSION"
  finish_build "$tmp" "$dest"
  log "Built Helm in $((SECONDS - start))s: $dest"
}

cached "$dest" helm || with_lock "$dest" build
printf '%s\n' "$dest/helm"

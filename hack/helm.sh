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
  # builds. Helm 4 reads the Kubernetes version it assumes (for
  # .Capabilities and a chart's kubeVersion) from its build; Helm 3 takes it
  # from ldflags, derived from its client-go as its Makefile does, or
  # assumes 1.20.
  local ldflags="-s -w -X helm.sh/helm/$major/internal/version.version=$HELM_VERSION -X helm.sh/helm/$major/internal/version.gitTreeState=clean"
  if [ "$major" = v3 ]; then
    local mod gomod clientgo k8s_minor
    mod=$(new_build_module helm)
    gomod=$(cd "$mod" && retry go mod download -json "helm.sh/helm/v3@$HELM_VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    rm -rf "$mod"
    clientgo=$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$gomod")
    [ -n "$clientgo" ] || { echo "no k8s.io/client-go in Helm $HELM_VERSION's go.mod" >&2; return 1; }
    local p
    for p in pkg/lint/rules pkg/chartutil; do
      ldflags+=" -X helm.sh/helm/v3/$p.k8sVersionMajor=1 -X helm.sh/helm/v3/$p.k8sVersionMinor=$clientgo"
    done
  fi
  GOBIN="$tmp" CGO_ENABLED=0 retry go install -trimpath -ldflags "$ldflags" \
    "helm.sh/helm/$major/cmd/helm@$HELM_VERSION"
  finish_build "$tmp" "$dest"
  log "Built Helm in $((SECONDS - start))s: $dest"
}

cached "$dest" helm || with_lock "$dest" build
printf '%s\n' "$dest/helm"

#!/usr/bin/env bash
# Builds what the local demo/e2e cluster needs beyond the test control plane:
# kube-controller-manager and kube-scheduler from k8s.io/kubernetes (the same
# way hack/envtest-assets.sh builds kube-apiserver) and kwok, which simulates
# nodes and the pods on them. Prints a directory holding all of them, with
# etcd, kube-apiserver and kubectl linked in from the test control plane.
# Cached outside the repository, keyed by version; a second run does nothing.
#
# Usage: hack/cluster-assets.sh            build if missing, print the directory
#        hack/cluster-assets.sh --print    print the directory only
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
dest="$TRUCE_CACHE/cluster/k8s-$K8S_VERSION-kwok-$KWOK_VERSION"
binaries=(kube-controller-manager kube-scheduler kwok etcd kube-apiserver kubectl)

if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$dest"
  exit 0
fi

build() {
  cached "$dest" "${binaries[@]}" && return 0
  local start=$SECONDS tmp envtest
  envtest=$(K8S_VERSION=$K8S_VERSION "$here/envtest-assets.sh")
  mkdir -p "$TRUCE_CACHE/cluster"
  tmp=$(mktemp -d "$dest.tmp.XXXXXX")
  log "Building kwok $KWOK_VERSION (cold: about 2 minutes)"
  GOBIN="$tmp" CGO_ENABLED=0 retry go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
  log "Building kube-controller-manager and kube-scheduler $K8S_VERSION (cold: about 5 minutes on 2 cores)"
  build_kubernetes "$tmp" "$K8S_VERSION" kube-controller-manager kube-scheduler
  local b
  for b in etcd kube-apiserver kubectl; do ln -s "$envtest/$b" "$tmp/$b"; done
  finish_build "$tmp" "$dest"
  log "Built the local cluster in $((SECONDS - start))s: $dest"
}

cached "$dest" "${binaries[@]}" || with_lock "$dest" build
printf '%s\n' "$dest"

#!/usr/bin/env bash
# Builds the test control plane (kube-apiserver, etcd, kubectl) from pinned Go
# modules and prints the directory that holds them, for KUBEBUILDER_ASSETS.
#
# No release binary is downloaded: kube-apiserver and kubectl come from
# k8s.io/kubernetes with its staging modules replaced by the published k8s.io/*
# modules of the same release; etcd comes from go.etcd.io/etcd/server/v3's
# etcdmain. The result is cached outside the repository, keyed by version, and
# a second run does nothing.
#
# Usage: hack/envtest-assets.sh            build if missing, print the directory
#        hack/envtest-assets.sh --print    print the directory only
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
# Staging modules are published as v0.<minor>.<patch> of the same release.
STAGING_VERSION="v0.${K8S_VERSION#v1.}"

dest="$TRUCE_CACHE/envtest/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$dest"
  exit 0
fi

build_kubernetes() {
  local out=$1 mod gomod
  mod=$(new_build_module kubernetes)
  log "Building kube-apiserver and kubectl $K8S_VERSION (cold: about 8 minutes on 2 cores)"
  gomod=$(cd "$mod" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them
  # with ./staging paths, which do not apply to a dependency; point each one
  # at its published release instead.
  sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod" |
    while read -r m; do
      printf 'replace %s => %s %s\n' "$m" "$m" "$STAGING_VERSION" >>"$mod/go.mod"
    done
  (
    cd "$mod"
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" >/dev/null
    local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
    local v=k8s.io/component-base/version
    CGO_ENABLED=0 go build -trimpath -o "$out/" \
      -ldflags "-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl
  )
  rm -rf "$mod"
}

build_etcd() {
  local out=$1 mod
  mod=$(new_build_module etcd)
  log "Building etcd $ETCD_VERSION"
  cat >"$mod/main.go" <<'EOF'
// Command etcd is etcd's own entry point, built from the server module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
EOF
  (
    cd "$mod"
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
    go mod tidy >/dev/null
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd" .
  )
  rm -rf "$mod"
}

build() {
  cached "$dest" kube-apiserver etcd kubectl && return 0
  local start=$SECONDS tmp
  mkdir -p "$TRUCE_CACHE/envtest"
  tmp=$(mktemp -d "$dest.tmp.XXXXXX")
  build_etcd "$tmp"
  build_kubernetes "$tmp"
  finish_build "$tmp" "$dest"
  log "Built the test control plane in $((SECONDS - start))s: $dest"
}

cached "$dest" kube-apiserver etcd kubectl || with_lock "$dest" build
printf '%s\n' "$dest"

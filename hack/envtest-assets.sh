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

dest="$TRUCE_CACHE/envtest/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"

if [ "${1:-}" = "--print" ]; then
  printf '%s\n' "$dest"
  exit 0
fi

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
    retry go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
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
  log "Building kube-apiserver and kubectl $K8S_VERSION (cold: about 8 minutes on 2 cores)"
  build_kubernetes "$tmp" "$K8S_VERSION" kube-apiserver kubectl
  finish_build "$tmp" "$dest"
  log "Built the test control plane in $((SECONDS - start))s: $dest"
}

cached "$dest" kube-apiserver etcd kubectl || with_lock "$dest" build
printf '%s\n' "$dest"

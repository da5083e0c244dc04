# Shared helpers for the hack/ scripts that build pinned binaries from the Go
# module proxy into a per-machine cache outside the repository.
# Source it; do not run it.

# TRUCE_CACHE holds every binary built here, keyed by version, so a second run
# (or a second clone on the same machine) reuses them.
TRUCE_CACHE="${TRUCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/truce}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# retry CMD...: runs CMD up to three times, waiting longer each time, so a
# module proxy's or checksum database's passing failure (a 503) does not fail
# a cold build that takes many minutes.
retry() {
  local n
  for n in 1 2; do
    "$@" && return 0
    log "Failed (attempt $n of 3), retrying in $((n * 15)) s: $*"
    sleep $((n * 15))
  done
  "$@"
}

# cached DIR FILE...: true when DIR holds a completed build of every FILE.
cached() {
  local dir=$1; shift
  [ -f "$dir/.complete" ] || return 1
  local f
  for f in "$@"; do [ -x "$dir/$f" ] || return 1; done
}

# with_lock DIR CMD...: runs CMD holding an exclusive lock for DIR, so two
# concurrent `make test` runs do not build the same thing twice.
with_lock() {
  local dir=$1; shift
  mkdir -p "$(dirname "$dir")"
  (
    flock 9
    "$@"
  ) 9>"$dir.lock"
}

# new_build_module NAME: a scratch Go module for one build, printed on stdout.
# Builds happen outside the repository so they never touch its go.mod.
new_build_module() {
  local d
  mkdir -p "$TRUCE_CACHE/build"
  d=$(mktemp -d "$TRUCE_CACHE/build/$1.XXXXXX")
  (cd "$d" && go mod init "build.local/$1" >/dev/null 2>&1)
  printf '%s\n' "$d"
}

# finish_build TMPDIR DEST: moves a finished build into place atomically.
finish_build() {
  local tmp=$1 dest=$2
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

# install_prometheus_command OUT VERSION CMD: installs cmd/CMD (prometheus,
# promtool) of Prometheus at module VERSION (v0.316.0 is Prometheus 3.16.0)
# into OUT, without the service-discovery plugins (-tags remove_all_sd),
# whose modules the proxy does not all serve.
install_prometheus_command() {
  local out=$1 version=$2 cmd=$3
  local minor=${version#v0.3}; minor=${minor%%.*}; minor=$((10#$minor))
  GOBIN="$out" CGO_ENABLED=0 retry go install -trimpath -tags remove_all_sd \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=3.$minor.${version##*.}" \
    "github.com/prometheus/prometheus/cmd/$cmd@$version"
}

# build_kubernetes OUT VERSION CMD...: builds the commands CMD (kube-apiserver,
# kubectl, kube-scheduler, ...) of k8s.io/kubernetes at VERSION into OUT.
# k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them
# with ./staging paths, which do not apply to a dependency; each one is pointed
# at its published release (v0.<minor>.<patch> of the same release) instead.
build_kubernetes() {
  local out=$1 version=$2; shift 2
  local staging="v0.${version#v1.}" mod gomod c
  local pkgs=() gets=()
  for c in "$@"; do
    pkgs+=("k8s.io/kubernetes/cmd/$c")
    gets+=("k8s.io/kubernetes/cmd/$c@$version")
  done
  mod=$(new_build_module kubernetes)
  gomod=$(cd "$mod" && retry go mod download -json "k8s.io/kubernetes@$version" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$gomod" |
    while read -r m; do
      printf 'replace %s => %s %s\n' "$m" "$m" "$staging" >>"$mod/go.mod"
    done
  (
    cd "$mod"
    retry go get "${gets[@]}" >/dev/null
    local minor=${version#v1.}; minor=${minor%%.*}
    local v=k8s.io/component-base/version
    CGO_ENABLED=0 go build -trimpath -o "$out/" \
      -ldflags "-s -w -X $v.gitVersion=$version -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
      "${pkgs[@]}"
  )
  rm -rf "$mod"
}

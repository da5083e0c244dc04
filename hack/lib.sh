# Shared helpers for the hack/ scripts that build pinned binaries from the Go
# module proxy into a per-machine cache outside the repository.
# Source it; do not run it.

# TRUCE_CACHE holds every binary built here, keyed by version, so a second run
# (or a second clone on the same machine) reuses them.
TRUCE_CACHE="${TRUCE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/truce}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

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

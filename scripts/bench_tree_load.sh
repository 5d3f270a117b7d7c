#!/bin/bash
# Load a 1M-table (or N-table) declared tree, with and without the parsed-file cache
# (issue #16 item 4; figures in docs/benchmarks.md, "Import"). Needs a release build:
#   cargo build --release --bin brickkit --example synth_snapshot
# Usage: scripts/bench_tree_load.sh N [WORKDIR]   (default WORKDIR /tmp/bench-tree-N)
# Writes a synthetic snapshot (5 columns, 3 grants, 3 tags per table), imports it with
# --out, then times validate (no cache, cold, warm) and drift detect (no cache, warm).
set -u
N=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/target/release
W=${2:-/tmp/bench-tree-$N}
mkdir -p "$W"
if [ ! -d "$W/snap" ]; then
  /usr/bin/time -f "synth %e s %M KB" "$B/examples/synth_snapshot" --rich "$N" "$W/snap"
fi
if [ ! -d "$W/tree" ]; then
  mkdir -p "$W/tree"
  printf 'project: scale\ndefault_environment: dev\nenvironments:\n  dev: {}\n' > "$W/tree/brickkit.yaml"
  /usr/bin/time -f "import %e s %M KB" "$B/brickkit" import --snapshot "$W/snap" --out "$W/tree/imported" > /dev/null
  du -sh "$W/tree"
fi
t() {
  label=$1; shift
  /usr/bin/time -f "$label: wall %e s, user %U s, sys %S s, peak %M KB, exit %x" "$@" > /dev/null 2> "$W/err.txt"
  grep -E "^$label|cache|warning" "$W/err.txt"
}
rm -rf "$W/cache"
uptime
t "validate no-cache" "$B/brickkit" validate "$W/tree" --no-cache -v
export BRICKKIT_CACHE_DIR=$W/cache
t "validate cold" "$B/brickkit" validate "$W/tree" -v
t "validate warm" "$B/brickkit" validate "$W/tree" -v
du -sh "$W/cache"
t "detect no-cache" "$B/brickkit" drift detect "$W/tree" --env dev --snapshot "$W/snap" --no-cache -v
t "detect warm" "$B/brickkit" drift detect "$W/tree" --env dev --snapshot "$W/snap" -v
uptime

#!/usr/bin/env bash
# Collect a large synthetic ucsim workspace with the release binaries and report wall time
# and peak memory of `brickkit snapshot collect` (issue 6, item 9: the 1,000,000-table bulk
# collection). Usage:
#   scripts/bench_collect_scale.sh [TABLES] [MODE] [PAGE_SIZE]   (defaults: 1000000 bulk 100)
# Builds nothing: run `cargo build --release --bin brickkit -p ucsim --bin ucsim` first.
# Work files go to ${BENCH_DIR:-/tmp/brickkit-bench-collect} (a 1M-table state is ~1 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
tables=${1:-1000000}
mode=${2:-bulk}
page=${3:-100}
catalogs=2
schemas=20
per_schema=$(( (tables + catalogs * schemas - 1) / (catalogs * schemas) ))
dir=${BENCH_DIR:-/tmp/brickkit-bench-collect}
mkdir -p "$dir"
state="$dir/state-$catalogs-$schemas-$per_schema.sqlite"
ucsim=target/release/ucsim
brickkit=target/release/brickkit
for b in "$ucsim" "$brickkit"; do
  [[ -x $b ]] || { echo "missing $b: build the release binaries first" >&2; exit 2; }
done
rm -f "$dir/partial.sqlite"
if [[ ! -f $state ]]; then
  echo "generating $catalogs x $schemas x $per_schema tables into $state"
  /usr/bin/time -f "generate: %e s wall, %M KiB peak" \
    "$ucsim" generate --catalogs $catalogs --schemas $schemas --tables "$per_schema" --seed 7 --out "$dir/partial.sqlite"
  mv "$dir/partial.sqlite" "$state"
fi
log="$dir/ucsim.out"
"$ucsim" serve --state "$state" --token T --page-size "$page" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q "listening on" "$log" 2>/dev/null && break
  sleep 0.1
done
url=$(sed -n 's/^ucsim listening on //p' "$log" | head -1)
[[ -n $url ]] || { echo "ucsim did not start:" >&2; cat "$log" >&2; exit 2; }
out="$dir/snapshots"
rm -rf "$out"
echo "collecting $((catalogs * schemas * per_schema)) tables in $mode mode from $url (page size $page)"
RUST_LOG=${RUST_LOG:-} /usr/bin/time -f "collect: %e s wall, %U s user, %S s sys, %M KiB peak RSS" \
  "$brickkit" snapshot collect --host "$url" --token T --warehouse-id W --mode "$mode" \
  --out "$out" --no-history -v
server_rss=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo "ucsim peak RSS: $server_rss KiB"
"$brickkit" snapshot show "$(ls -d "$out"/* | head -1)" | head -20

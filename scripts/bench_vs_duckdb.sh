#!/usr/bin/env bash
# Reading a Parquet snapshot: brickkit against DuckDB on the same files, side by side in one
# run (issue 16 item 1: brickkit within 1.5x DuckDB's full-scan time and 5x its memory).
#
#   scripts/bench_vs_duckdb.sh [--build] [--runs N] [SIZES...]   (default sizes: 100000 300000 1000000)
#
# Per size: a synthetic snapshot of SIZE tables (`examples/synth_snapshot --full`: the store
# bench's, 5 columns, 3 grants and 3 tags per table, ~12 rows per table; reused when it is
# already in the work dir), then N rounds (default 3) of `brickkit snapshot show DIR` (reads
# every table, checks format version, counts and content digest) and of DuckDB decoding and
# hashing every column of every table (one Python process, threads=2), each under
# `/usr/bin/time -v`. Prints median wall, CPU and peak RSS of both, the ratios and the targets.
# Binaries: target/release/brickkit and target/release/examples/synth_snapshot (built only
# with --build). DuckDB comes from PyPI into .venv-bench (created on first use).
# Work files: ${BENCH_DIR:-/tmp/brickkit-bench-duckdb} (a 1M-table snapshot is ~14 MB).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

die() { echo "bench_vs_duckdb: $*" >&2; exit 2; }

build=0
runs=3
sizes=()
while (($#)); do
  case $1 in
    --build) build=1 ;;
    --runs) shift; runs=${1:-}; [[ $runs =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive count" ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] || die "not a table count: $1"; sizes+=("$1") ;;
  esac
  shift
done
((${#sizes[@]})) || sizes=(100000 300000 1000000)

brickkit=$ROOT/target/release/brickkit
synth=$ROOT/target/release/examples/synth_snapshot
if ((build)); then
  CARGO_INCREMENTAL=0 cargo build --release --bin brickkit --example synth_snapshot \
    || die "cargo build failed"
fi
for b in "$brickkit" "$synth"; do
  [[ -x $b ]] || die "missing $b: build it with --build (or: cargo build --release --bin brickkit --example synth_snapshot)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for wall, CPU and peak RSS (apt-get install time)"

venv=$ROOT/.venv-bench
if ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  echo "installing duckdb into $venv"
  python3 -m venv "$venv" || die "cannot create $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check duckdb || die "pip install duckdb failed"
fi

dir=${BENCH_DIR:-/tmp/brickkit-bench-duckdb}
mkdir -p "$dir"
pairs=()
for n in "${sizes[@]}"; do
  snap=$dir/snap-full-$n
  if [[ ! -f $snap/manifest.json ]]; then
    rm -rf "$snap" "$snap.partial"
    echo "writing a synthetic snapshot of $n tables to $snap"
    "$synth" --full "$n" "$snap.partial" >/dev/null || die "synth_snapshot $n failed"
    mv "$snap.partial" "$snap"
  fi
  pairs+=("$n=$snap")
done
echo "brickkit $("$brickkit" --version 2>/dev/null | head -1), DuckDB $("$venv/bin/python" -c 'import duckdb; print(duckdb.__version__)'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$venv/bin/python" "$ROOT/scripts/bench_vs_duckdb.py" compare "$brickkit" "$runs" "${pairs[@]}" \
  || die "a measurement failed (see above)"

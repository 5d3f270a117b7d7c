#!/usr/bin/env bash
# Render the drift report of a 40-securable tree against a 1,000,000-table Parquet snapshot
# with `--unmanaged all`, in every format, with the release binary, and print wall time,
# peak RSS and output size per format (issue 15, item 6; figures in docs/benchmarks.md).
# Usage:
#   scripts/bench_reports.sh [BRICKKIT_BINARY] [TABLES]   (defaults: target/release/brickkit 1000000)
# The fixtures (snapshot and tree) are written once by `cargo bench --bench report -- TABLES`
# under ${BRICKKIT_BENCH_DIR:-target/bench-report}; this script runs that first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/brickkit}
tables=${2:-1000000}
dir=${BRICKKIT_BENCH_DIR:-target/bench-report}
[[ -x $bin ]] || { echo "missing $bin: cargo build --release --bin brickkit" >&2; exit 2; }
if [[ ! -f $dir/snap-$tables/manifest.json || ! -f $dir/tree/brickkit.yaml ]]; then
  cargo bench --bench report -- "$tables"
fi
out=${BENCH_OUT:-/tmp/brickkit-bench-report}
mkdir -p "$out"
printf '%-10s %-8s %9s %10s %12s %12s\n' format verbose wall_s peak_MiB bytes gzip_bytes
for verbose in "" "--verbose"; do
  for f in json text markdown junit sarif; do
    file="$out/report.$f"
    rm -f "$file"
    # Exit 1 (drift found) is the expected outcome here.
    /usr/bin/time -f '%e %M' -o "$out/time" "$bin" $verbose drift detect "$dir/tree" \
      --snapshot "$dir/snap-$tables" --unmanaged all --no-history --format "$f" --output "$file" \
      || [[ $? -eq 1 ]]
    read -r wall kib < "$out/time"
    size=$(stat -c %s "$file")
    gz=$(gzip -c "$file" | wc -c)
    printf '%-10s %-8s %9s %10s %12s %12s\n' "$f" "${verbose:-no}" "$wall" $((kib / 1024)) "$size" "$gz"
  done
done

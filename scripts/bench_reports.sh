#!/usr/bin/env bash
# Render the drift report of a 40-securable tree against a 1,000,000-table Parquet snapshot
# with `--unmanaged all` (998,992 unmanaged findings) in every format with release
# binaries, and print wall time, CPU time (user + sys), peak RSS and output size per format
# (issue 15, item 6; figures in docs/benchmarks.md). Binaries alternate format by format, so
# load from other processes hits them alike; each figure is the best of ROUNDS runs (2).
# Usage:
#   scripts/bench_reports.sh [BINARY]...   (default: target/release/brickkit)
#   VERBOSE=1 adds `--verbose`; TABLES=N picks another snapshot size.
# The fixtures (snapshot and tree) are written once by `cargo bench --bench report -- N`
# under ${BRICKKIT_BENCH_DIR:-target/bench-report}; this script runs that first if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bins=("$@")
[[ ${#bins[@]} -gt 0 ]] || bins=(target/release/brickkit)
tables=${TABLES:-1000000}
rounds=${ROUNDS:-2}
dir=${BRICKKIT_BENCH_DIR:-target/bench-report}
for b in "${bins[@]}"; do
  [[ -x $b ]] || { echo "missing $b: cargo build --release --bin brickkit" >&2; exit 2; }
done
if [[ ! -f $dir/snap-$tables/manifest.json || ! -f $dir/tree/brickkit.yaml ]]; then
  cargo bench --bench report -- "$tables"
fi
verbose=()
[[ -n ${VERBOSE:-} ]] && verbose=(--verbose)
out=${BENCH_OUT:-/tmp/brickkit-bench-report}
mkdir -p "$out"
uptime
printf '%-28s %-9s %8s %8s %9s %12s %11s\n' binary format wall_s cpu_s peak_MiB bytes gzip_bytes
for f in json text markdown junit sarif; do
  for b in "${bins[@]}"; do
    best_wall=999999; best_cpu=999999; best_kib=0
    for _ in $(seq 1 "$rounds"); do
      file="$out/report.$f"
      rm -f "$file"
      # Exit 1 (drift found) is the expected outcome here.
      /usr/bin/time -f '%e %U %S %M' -o "$out/time" "$b" "${verbose[@]}" drift detect "$dir/tree" \
        --snapshot "$dir/snap-$tables" --unmanaged all --no-history --format "$f" --output "$file" \
        || [[ $? -eq 1 ]]
      read -r wall user sys kib < <(tail -1 "$out/time")
      cpu=$(echo "$user + $sys" | bc)
      if (( $(echo "$wall < $best_wall" | bc) )); then best_wall=$wall; fi
      if (( $(echo "$cpu < $best_cpu" | bc) )); then best_cpu=$cpu; fi
      (( kib > best_kib )) && best_kib=$kib
    done
    size=$(stat -c %s "$file")
    gz=$(gzip -c "$file" | wc -c)
    printf '%-28s %-9s %8s %8s %9s %12s %11s\n' "$b" "$f" "$best_wall" "$best_cpu" $((best_kib / 1024)) "$size" "$gz"
  done
done
uptime

#!/usr/bin/env bash
# One brickkit pipeline at metastore scale, measured stage by stage (issue 16 item 3):
#
#   ucsim generate (seed 7) -> ucsim serve -> snapshot collect --mode bulk -> import --out
#   -> drift detect (tree vs the saved snapshot) -> history ingest -> change 0.5 % of the
#   tables through the workspace API -> snapshot collect -> drift detect -> history ingest
#
#   scripts/pipeline_1m.sh [--build] [TABLES]        (default 1000000)
#
# Per stage: wall time, CPU (user+sys) and peak RSS of the process (/usr/bin/time), API
# requests served (from ucsim's request log, GET /ucsim/requests: last_seq before and
# after), bytes on disk of what the stage wrote. Prints a markdown table for
# docs/benchmarks.md, then checks: the first detect finds no drift on the imported tree, the
# second finds exactly the changed tables drifted, the second ingest records one or two state
# events per change (an owner change also moves the table's updated_at). Exits 1 when a
# check fails, 2 when a stage fails.
# Binaries: target/release/{brickkit,ucsim} (built only with --build). Knobs:
# BENCH_DIR (default /tmp/brickkit-pipeline; a 1M-table ucsim state is ~1 GB and is kept
# between runs as state-*.sqlite, delete it to measure `generate` again), UCSIM_PAGE_SIZE
# (100), CHANGE_FRACTION (0.005), BRICKKIT_BIN and UCSIM_BIN (other binaries).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

die() { echo "pipeline_1m: $*" >&2; exit 2; }

build=0
tables=1000000
while (($#)); do
  case $1 in
    --build) build=1 ;;
    -h | --help) awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0"; exit 0 ;;
    *) [[ $1 =~ ^[1-9][0-9]*$ ]] || die "not a table count: $1"; tables=$1 ;;
  esac
  shift
done
catalogs=2
schemas=20
per_schema=$(((tables + catalogs * schemas - 1) / (catalogs * schemas)))
tables=$((catalogs * schemas * per_schema))
page=${UCSIM_PAGE_SIZE:-100}
fraction=${CHANGE_FRACTION:-0.005}
token=pipeline-bench-token
warehouse=W

brickkit=${BRICKKIT_BIN:-$ROOT/target/release/brickkit}
ucsim=${UCSIM_BIN:-$ROOT/target/release/ucsim}
if ((build)); then
  export CARGO_INCREMENTAL=0
  cargo build --release --bin brickkit || die "cargo build (brickkit) failed"
  cargo build --release -p ucsim --bin ucsim || die "cargo build (ucsim) failed"
fi
for b in "$brickkit" "$ucsim"; do
  [[ -x $b ]] || die "missing $b: build it with --build (or: cargo build --release --bin brickkit; cargo build --release -p ucsim --bin ucsim)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is needed for CPU and peak RSS (apt-get install time)"
command -v curl >/dev/null || die "curl is needed to read ucsim's request log"
command -v python3 >/dev/null || die "python3 is needed for the API changes"

dir=${BENCH_DIR:-/tmp/brickkit-pipeline}
mkdir -p "$dir"
base=$dir/state-$catalogs-$schemas-$per_schema-seed7.sqlite
state=$dir/run.sqlite
snaps=$dir/snapshots
tree=$dir/tree
history=$dir/history.sqlite
logs=$dir/logs
rm -rf "$state" "$state"-* "$snaps" "$tree" "$history" "$history"-* "$logs" "$dir"/detect*.txt
mkdir -p "$logs"

server=
url=
cleanup() {
  if [[ -n $server ]]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# API requests ucsim has served so far (admin routes are not logged), or "" without a server.
requests() {
  [[ -n $url ]] || return 0
  curl -fsS "$url/ucsim/requests?since=18446744073709551615" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["last_seq"])'
}

group() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<<"$1"; }
size_of() { { du -sb "$@" 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}'; }
human() { awk -v b="$1" 'BEGIN {
  if (b >= 1073741824) printf "%.2f GiB", b / 1073741824;
  else if (b >= 1048576) printf "%.1f MiB", b / 1048576;
  else printf "%.0f KiB", b / 1024 }'; }

rows=()
n_stage=0
# stage NAME OK_CODES WHAT -- CMD...: runs CMD under /usr/bin/time, output in $logs; dies on an
# exit code not in OK_CODES (space separated); sets $rc. WHAT names the bytes column, the
# caller appends them via stage_bytes.
stage() {
  local name=$1 ok=$2
  shift 2
  n_stage=$((n_stage + 1))
  local slug
  slug=$(printf '%02d-%s' "$n_stage" "$(tr -c 'a-z0-9\n' '-' <<<"${name,,}")")
  echo "[$(date -u +%T)] $name" >&2
  local before after
  before=$(requests)
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$logs/$slug.time" "$@" >"$logs/$slug.out" 2>"$logs/$slug.err"
  rc=$?
  set -e
  if [[ " $ok " != *" $rc "* ]]; then
    echo "--- $name: exit $rc; last lines of $logs/$slug.err:" >&2
    tail -n 20 "$logs/$slug.err" >&2
    die "stage '$name' failed (exit $rc)"
  fi
  after=$(requests)
  local wall user sys rss
  read -r wall user sys rss < <(tail -n 1 "$logs/$slug.time")
  stage_out=$logs/$slug.out
  stage_err=$logs/$slug.err
  local reqs="—"
  [[ -n $before && -n $after ]] && reqs=$(group $((after - before)))
  row="| $name | $wall s | $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.1f", u + s}') s | $(group "$(awk -v k="$rss" 'BEGIN {printf "%.0f", k / 1024}')") MiB | $reqs"
}
# stage_bytes WHAT PATH...: closes the row of the last stage with the bytes of PATH...
stage_bytes() {
  local what=$1
  shift
  rows+=("$row | $(human "$(size_of "$@")") ($what) |")
}

echo "pipeline: $tables tables ($catalogs catalogs x $schemas schemas x $per_schema), change fraction $fraction, page size $page, work dir $dir" >&2
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%a %b %d %Y %H:%M UTC')" >&2

# 1. generate (kept between runs: the state is mutated on a copy)
if [[ -f $base ]]; then
  rows+=("| ucsim generate | reused $(basename "$base") | | | — | $(human "$(size_of "$base")") (ucsim state) |")
else
  rm -f "$dir/state-partial.sqlite"
  stage "ucsim generate" "0" "$ucsim" generate --catalogs "$catalogs" --schemas "$schemas" \
    --tables "$per_schema" --seed 7 --out "$dir/state-partial.sqlite"
  mv "$dir/state-partial.sqlite" "$base"
  stage_bytes "ucsim state" "$base"
fi
cp "$base" "$state"

# 2. serve
"$ucsim" serve --state "$state" --token "$token" --warehouse "$warehouse" --page-size "$page" \
  >"$logs/ucsim.out" 2>&1 &
server=$!
for _ in $(seq 1 1200); do
  grep -q "listening on" "$logs/ucsim.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
url=$(sed -n 's/^ucsim listening on //p' "$logs/ucsim.out" | head -1)
[[ -n $url ]] || { cat "$logs/ucsim.out" >&2; die "ucsim did not start"; }

entries() { [[ -d $1 ]] && find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n'; return 0; }
collect() {
  local before
  before=$(entries "$snaps")
  stage "$1" "0" "$brickkit" snapshot collect --host "$url" --token "$token" \
    --warehouse-id "$warehouse" --mode bulk --out "$snaps" --no-history --color never
  local new
  new=$(comm -13 <(sort <<<"$before") <(entries "$snaps" | sort) | grep -v '^history' | head -1)
  [[ -n $new && -d $snaps/$new ]] || die "$1 wrote no new snapshot under $snaps"
  collected=$snaps/$new
  stage_bytes "snapshot" "$collected"
}
detect() {
  stage "$1" "0 1" "$brickkit" drift detect "$tree" --env dev --snapshot "$2" --unmanaged all \
    --no-history --color never -o "$3"
  detect_rc=$rc
  stage_bytes "text report" "$3"
}
ingest() {
  stage "$1" "0" "$brickkit" history ingest "$2" --history "$history" --color never
  events=$(grep -ho '[0-9]* state event' "$stage_out" "$stage_err" | head -1 | cut -d' ' -f1)
  [[ -n $events ]] || die "$1: no 'N state event(s)' line in its output"
  stage_bytes "history" "$history" "$history"-*
}
# Parses a text report's Summary line into drifted/on/missing/unmanaged/unknown/compliant.
summary() {
  local line
  line=$(grep '^Summary:' "$1" | tail -1)
  [[ $line =~ ([0-9]+)\ drifted\ field\(s\)\ on\ ([0-9]+)\ securable\(s\),\ ([0-9]+)\ missing,\ ([0-9]+)\ unmanaged,\ ([0-9]+)\ unknown,\ ([0-9]+)\ compliant ]] \
    || die "no Summary line in $1"
  drifted=${BASH_REMATCH[1]} drifted_on=${BASH_REMATCH[2]} missing=${BASH_REMATCH[3]}
  unmanaged=${BASH_REMATCH[4]} unknown=${BASH_REMATCH[5]} compliant=${BASH_REMATCH[6]}
  summary_line=$line
}

# 3. first collect, import, detect, ingest
collect "snapshot collect --mode bulk (1)"
snap1=$collected
mkdir -p "$tree"
printf 'project: pipeline\ndefault_environment: dev\nenvironments:\n  dev: {}\n' >"$tree/brickkit.yaml"
stage "import --out" "0" "$brickkit" import --snapshot "$snap1" --out "$tree/imported" --color never
stage_bytes "tree, $(find "$tree" -type f | wc -l) files" "$tree"
detect "drift detect (1)" "$snap1" "$dir/detect1.txt"
summary "$dir/detect1.txt"
d1=("$detect_rc" "$drifted" "$drifted_on" "$missing" "$unmanaged" "$unknown" "$compliant" "$summary_line")
ingest "history ingest (1)" "$snap1"
events1=$events

# 4. change a fraction of the tables through the API, then collect, detect, ingest again
stage "change $(awk -v f="$fraction" 'BEGIN {printf "%g", f * 100}') % of tables (API)" "0" \
  python3 "$ROOT/scripts/pipeline_change.py" "$url" "$token" "$warehouse" "$catalogs" \
  "$schemas" "$per_schema" "$fraction"
change_json=$(tail -n 1 "$stage_out")
changed=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["changed"])' "$change_json")
stage_bytes "ucsim state" "$state" "$state"-*
collect "snapshot collect --mode bulk (2)"
snap2=$collected
detect "drift detect (2)" "$snap2" "$dir/detect2.txt"
summary "$dir/detect2.txt"
ingest "history ingest (2)" "$snap2"
events2=$events
server_rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$server/status")

echo
echo "| stage | wall | CPU (user+sys) | peak RSS | API requests (ucsim log) | bytes on disk |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "ucsim (page size $page): peak RSS $server_rss MiB over the run. Changes: $change_json."
echo

failed=0
check() { # check OK MESSAGE
  if [[ $1 == 1 ]]; then echo "ok:     $2"; else echo "FAILED: $2"; failed=1; fi
}
check "$(((d1[0] == 0 && d1[1] == 0 && d1[3] == 0 && d1[4] == 0) ? 1 : 0))" \
  "detect (1) on the imported tree: exit ${d1[0]}, ${d1[1]} drifted, ${d1[3]} missing, ${d1[4]} unmanaged, ${d1[5]} unknown, ${d1[6]} compliant (${d1[7]})"
check "$(((detect_rc == 1 && drifted_on == changed && missing == 0 && unmanaged == 0) ? 1 : 0))" \
  "detect (2) after $changed changes: exit $detect_rc, $drifted drifted field(s) on $drifted_on securable(s) (expected $changed, $(awk -v a="$drifted_on" -v t="$tables" 'BEGIN {printf "%.2f", 100 * a / t}') % of $tables tables), $missing missing, $unmanaged unmanaged"
check "$(((events2 >= changed && events2 <= 2 * changed) ? 1 : 0))" \
  "ingest (2) recorded $events2 state event(s) for $changed changed tables (between 1x and 2x: an owner change also moves updated_at; ingest (1), the baseline: $events1)"
((failed == 0)) || { echo "pipeline_1m: a check failed (logs in $logs)" >&2; exit 1; }

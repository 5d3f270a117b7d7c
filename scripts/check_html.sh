#!/usr/bin/env bash
# The HTML reports in a real browser (issue 17, item 3): headless Chromium (Debian's
# `chromium`, installed with apt-get when missing) loads the example's `drift detect
# --format html` page, a `history report --html` page of three drift runs on three
# snapshots, and a `drift detect --format html` page of a synthetic metastore with
# HTML_SCALE_TABLES (default 1,000,000) undeclared tables (`--unmanaged all`) with the
# `history report --html` page of the history that run recorded (as many open drift), and checks
# each (scripts/check_html.py): no console error, no network request but the page itself,
# no horizontal overflow at 375 px, the filter box filters, the chart has one point per
# snapshot; the big pages must stay under 3 MB. Installs websocket-client into .venv-html.
# Skips with a printed reason only when Chromium cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
tables=${HTML_SCALE_TABLES:-1000000}
max_bytes=$((3 * 1024 * 1024))

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "html: SKIPPED: chromium is not installed and apt-get needs root (no sudo)"; exit 0
    fi
  fi
  echo "installing chromium (apt-get)"
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; }; then
    echo "html: SKIPPED: chromium could not be installed with apt-get"; exit 0
  fi
  chromium=$(command -v chromium)
fi
if [ ! -x .venv-html/bin/python ]; then python3 -m venv .venv-html; fi
if ! .venv-html/bin/python -c "import websocket" 2>/dev/null; then
  .venv-html/bin/pip install --quiet websocket-client
fi

[ -x target/debug/brickkit ] || cargo build --quiet
cargo build --quiet --example synth_snapshot
bk=./target/debug/brickkit
synth=./target/debug/examples/synth_snapshot
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# detect exits 1 when it finds drift: expected here.
detect() { "$bk" drift detect examples/governance --env dev "$@" || [ $? -eq 1 ]; }

detect --snapshot snapshots/example --no-history --format html -o "$work/example.html"

# A history of three drift runs on three snapshots of one synthetic metastore, growing.
"$synth" 20 "$work/s1" 1 >/dev/null
"$synth" 60 "$work/s2" 2 >/dev/null
"$synth" 120 "$work/s3" 3 >/dev/null
for s in "$work/s1" "$work/s2" "$work/s3"; do
  detect --snapshot "$s" --unmanaged all --history "$work/history.sqlite" >/dev/null 2>&1
done
"$bk" history report --history "$work/history.sqlite" --html "$work/history.html" >/dev/null

# At scale: one synthetic metastore, every table undeclared.
"$synth" "$tables" "$work/big" >/dev/null
# The same run records its snapshot and its ~1M open drift in a history, whose page must
# stay small and usable too.
detect --snapshot "$work/big" --unmanaged all --history "$work/big-history.sqlite" \
  --format html -o "$work/scale.html" 2>/dev/null
"$bk" history report --history "$work/big-history.sqlite" --html "$work/scale-history.html" >/dev/null
rm -f "$work/big-history.sqlite"*
size=$(wc -c < "$work/scale.html")
hsize=$(wc -c < "$work/scale-history.html")
if [ "$hsize" -gt "$max_bytes" ]; then
  echo "html: the history page of $tables open drift is $hsize bytes (limit $max_bytes)" >&2; exit 1
fi
if ! grep -q "UNMANAGED (" "$work/scale.html"; then
  echo "html: the scale page has no UNMANAGED section" >&2; exit 1
fi
if [ "$size" -gt "$max_bytes" ]; then
  echo "html: the page of $tables unmanaged tables is $size bytes (limit $max_bytes)" >&2; exit 1
fi

.venv-html/bin/python scripts/check_html.py "$chromium" \
  "$work/example.html:filter=orders" \
  "$work/history.html:points=3:filter=dev" \
  "$work/scale.html:filter=table" \
  "$work/scale-history.html:points=1:filter=dev"
echo "html: example, history (3 snapshots), $tables unmanaged tables ($size bytes) and their history ($hsize bytes) render in $("$chromium" --version 2>/dev/null | head -1)"

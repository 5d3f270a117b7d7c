#!/usr/bin/env bash
# Runs the official Databricks SDK for Python against a live `ucsim serve` (issue 5, item 7).
# Creates a virtual environment (.venv-ucsim in the repository root, git-ignored), installs
# databricks-sdk, starts ucsim on a free loopback port with crates/ucsim/ci/sdk_seed.json, runs
# crates/ucsim/ci/sdk_check.py, and exits non-zero on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
VENV="${UCSIM_VENV:-$ROOT/.venv-ucsim}"
TOKEN="ucsim-ci-token"

if ! "$VENV/bin/python" -c 'import databricks.sdk' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check databricks-sdk
fi

cargo build --quiet -p ucsim --bin ucsim
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | "$VENV/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET_DIR/debug/ucsim"

LOG="$(mktemp)"
"$BIN" serve --addr 127.0.0.1:0 --token "$TOKEN" --seed crates/ucsim/ci/sdk_seed.json \
  --page-size 2 --warehouse wh-ucsim >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT

URL=""
for _ in $(seq 1 100); do
  if LINE="$(head -n 1 "$LOG" 2>/dev/null)" && [[ "$LINE" == "ucsim listening on "* ]]; then
    URL="${LINE#ucsim listening on }"
    break
  fi
  if ! kill -0 "$PID" 2>/dev/null; then
    cat "$LOG" >&2
    echo "sdk_check: ucsim exited before listening" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "sdk_check: ucsim did not print its address line within 10 s" >&2
  exit 1
fi

"$VENV/bin/python" crates/ucsim/ci/sdk_check.py "$URL" "$TOKEN"

#!/usr/bin/env bash
# Check that DuckDB and a plain SQLite client read brickkit snapshots (issue 3, item 9).
# Creates .venv at the repository root and installs duckdb into it on first use (see
# scripts/check_duckdb.py). Uses the debug binary when it exists, else `cargo run`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x target/debug/brickkit ] && [ -z "${BRICKKIT:-}" ]; then
  export BRICKKIT=./target/debug/brickkit
fi
exec python3 scripts/check_duckdb.py "$@"

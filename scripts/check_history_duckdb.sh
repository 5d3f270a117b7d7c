#!/usr/bin/env bash
# Run every queries/*.sql on a history with SQLite and on its Parquet export with DuckDB,
# and compare the answers (issue 7, item 6). Creates .venv at the repository root and
# installs duckdb into it on first use (see scripts/check_history_duckdb.py). Uses the
# debug binary when it exists, else `cargo run`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x target/debug/brickkit ] && [ -z "${BRICKKIT:-}" ]; then
  export BRICKKIT=./target/debug/brickkit
fi
exec python3 scripts/check_history_duckdb.py "$@"

#!/usr/bin/env bash
# Spark (pyspark 4.x from PyPI, local[2], the machine's Java 17) reads every Parquet table of
# snapshots/example with the documented types and the history export, runs the example of
# docs/spark.md, and checks that every queries/*.sql answers as `brickkit query` does on
# SQLite (issue 17, item 2). Creates .venv-spark at the repository root on first use (see
# scripts/check_spark.py); skips, saying why, only when no Java runtime is installed. Uses
# the debug binary when it exists, else `cargo run`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Spark binds to the loopback address (no warning about the host name resolving to it).
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
if [ -x target/debug/brickkit ] && [ -z "${BRICKKIT:-}" ]; then
  export BRICKKIT=./target/debug/brickkit
fi
exec python3 scripts/check_spark.py "$@"

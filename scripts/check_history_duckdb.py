#!/usr/bin/env python3
"""Run every `queries/*.sql` on a history with SQLite and on its Parquet export with DuckDB,
and check that both engines give the same answers (issue 7, item 6).

Histories checked:
- the known-answer history of the integration tests (written by
  `BRICKKIT_HISTORY_FIXTURE=<path> cargo test --test it history::queries`), which gives
  every query a non-empty answer;
- the history `brickkit drift detect` records for `snapshots/example`;
- any history paths given on the command line.

DuckDB reads `<export>/<table>/day=*/part-0.parquet` (without hive partitioning: `day` is a
column of the files) and creates the projection views from `queries/schema/002_views.sql`
and `queries/schema/005_violation_views.sql`, so the same view names answer on both engines.

Creates its own virtual environment (`.venv` at the repository root) and installs duckdb
there on first use. Exits non-zero on any difference.

Usage: python3 scripts/check_history_duckdb.py [HISTORY.sqlite ...]
Environment: BRICKKIT = command that runs brickkit (default: `cargo run --quiet --`).
"""

import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
TABLES = [
    "snapshots", "state_events", "drift_runs", "drift_events", "operation_events",
    "plan_events", "apply_events", "op_events", "op_changes", "violation_runs",
    "violation_events",
]
# The portable projection views, in the order brickkit creates them.
VIEW_FILES = ["002_views.sql", "005_violation_views.sql"]


def ensure_duckdb():
    """Re-run this script inside .venv with duckdb installed, unless already there."""
    try:
        import duckdb  # noqa: F401

        return
    except ImportError:
        pass
    py = VENV / "bin" / "python"
    if os.environ.get("BRICKKIT_CHECK_IN_VENV"):
        sys.exit("error: duckdb is still not importable inside .venv")
    if not py.exists():
        print(f"creating virtual environment {VENV}")
        venv.create(VENV, with_pip=True)
    if subprocess.run([str(py), "-c", "import duckdb"], capture_output=True).returncode != 0:
        print("installing duckdb into .venv")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "duckdb"], check=True)
    env = dict(os.environ, BRICKKIT_CHECK_IN_VENV="1")
    sys.exit(subprocess.run([str(py), __file__, *sys.argv[1:]], env=env).returncode)


def brickkit(*args):
    cmd = shlex.split(os.environ.get("BRICKKIT", "cargo run --quiet --")) + list(args)
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def norm(rows):
    out = []
    for row in rows:
        cells = []
        for c in row:
            if isinstance(c, bool):
                c = int(c)
            if isinstance(c, (int, float)):
                c = round(float(c), 6)
            cells.append(c)
        out.append(tuple(cells))
    return out


def statements(sql_text):
    lines = [l for l in sql_text.splitlines() if not l.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def check_history(db: Path, work: Path) -> list:
    import duckdb

    failures = []
    export = work / "parquet"
    code, _, err = brickkit("history", "export", "--parquet", str(export), "--history", str(db))
    if code != 0:
        return [f"{db}: export failed: {err.strip()}"]
    con = duckdb.connect()
    for t in TABLES:
        glob = (export / t / "day=*" / "part-0.parquet").as_posix()
        con.execute(
            f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = false)"
        )
    for f in VIEW_FILES:
        for stmt in statements((ROOT / "queries/schema" / f).read_text()):
            con.execute(stmt)
    lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    files = sorted((ROOT / "queries").glob("*.sql"))
    for q in files:
        text = q.read_text()
        try:
            a = norm(lite.execute(text).fetchall())
        except Exception as e:  # noqa: BLE001
            failures.append(f"{db} {q.name}: sqlite: {e}")
            continue
        try:
            b = norm(con.execute(text).fetchall())
        except Exception as e:  # noqa: BLE001
            failures.append(f"{db} {q.name}: duckdb: {e}")
            continue
        if a != b:
            failures.append(f"{db} {q.name}: answers differ\n  sqlite: {a}\n  duckdb: {b}")
        else:
            print(f"ok  {db.name} {q.name}: {len(a)} row(s) on both engines")
    return failures


def main():
    ensure_duckdb()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        histories = [Path(p).resolve() for p in sys.argv[1:]]
        fixture = tmp / "known.sqlite"
        r = subprocess.run(
            ["cargo", "test", "--quiet", "--test", "it", "history::queries"],
            cwd=ROOT,
            env=dict(os.environ, BRICKKIT_HISTORY_FIXTURE=str(fixture)),
            capture_output=True,
            text=True,
        )
        if r.returncode != 0 or not fixture.exists():
            failures.append(f"known-answer history not written: {r.stdout[-2000:]}{r.stderr[-2000:]}")
        else:
            histories.append(fixture)
        example = tmp / "example.sqlite"
        code, _, err = brickkit(
            "drift", "detect", "examples/governance", "--env", "dev",
            "--snapshot", "snapshots/example", "--history", str(example),
        )
        if code not in (0, 1) or not example.exists():
            failures.append(f"example history not written: {err.strip()}")
        else:
            histories.append(example)
        for i, db in enumerate(histories):
            work = tmp / f"h{i}"
            work.mkdir()
            failures += check_history(db, work)
    for f in failures:
        print("FAIL", f)
    if failures:
        sys.exit(1)
    print(f"history queries: SQLite and DuckDB agree on {len(histories)} history file(s)")


if __name__ == "__main__":
    main()

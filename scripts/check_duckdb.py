#!/usr/bin/env python3
"""Check that engines users already have can read brickkit snapshots.

- DuckDB (Python package `duckdb`) reads every Parquet table of `snapshots/example/` with
  the column names and types documented in `docs/formats/snapshot.md`, the row counts of
  `manifest.json`, maps and lists as real MAP / LIST values, and a glob over snapshots.
- A plain SQLite client (Python's `sqlite3` module, and the `sqlite3` CLI when installed)
  queries the `.sqlite` form made by `brickkit snapshot convert`.

Creates its own virtual environment (`.venv` at the repository root) and installs duckdb
there on first use. Exits non-zero on any failure.

Usage: python3 scripts/check_duckdb.py [SNAPSHOT_DIR]
Environment: BRICKKIT = command that runs brickkit (default: `cargo run --quiet --`).
"""

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

TEXT, INT, BOOL, TS, MAP, LIST = (
    "VARCHAR",
    "INTEGER",
    "BOOLEAN",
    "TIMESTAMP WITH TIME ZONE",
    "MAP(VARCHAR, VARCHAR)",
    "VARCHAR[]",
)

# Documented layout (docs/formats/snapshot.md): table -> [(column, duckdb type, sqlite type)].
TABLES = {
    "securables": [
        ("snapshot_id", TEXT), ("kind", TEXT), ("full_name", TEXT), ("parent", TEXT),
        ("owner", TEXT), ("comment", TEXT), ("securable_type", TEXT), ("format", TEXT),
        ("location", TEXT), ("properties", MAP), ("details", MAP), ("created_at", TS),
        ("updated_at", TS),
    ],
    "columns": [
        ("snapshot_id", TEXT), ("table_full_name", TEXT), ("name", TEXT),
        ("position", INT), ("type_text", TEXT), ("nullable", BOOL), ("comment", TEXT),
    ],
    "grants": [
        ("snapshot_id", TEXT), ("securable_kind", TEXT), ("securable_full_name", TEXT),
        ("principal", TEXT), ("privilege", TEXT),
    ],
    "tags": [
        ("snapshot_id", TEXT), ("securable_kind", TEXT), ("securable_full_name", TEXT),
        ("column_name", TEXT), ("key", TEXT), ("value", TEXT),
    ],
    "row_filters": [
        ("snapshot_id", TEXT), ("table_full_name", TEXT), ("function_full_name", TEXT),
        ("input_columns", LIST),
    ],
    "column_masks": [
        ("snapshot_id", TEXT), ("table_full_name", TEXT), ("column_name", TEXT),
        ("function_full_name", TEXT), ("using_columns", LIST),
    ],
    "collection_issues": [
        ("snapshot_id", TEXT), ("securable_kind", TEXT), ("full_name", TEXT),
        ("attribute", TEXT), ("subtree", BOOL), ("error_code", TEXT), ("message", TEXT),
    ],
}
SQLITE_TYPE = {TEXT: "TEXT", INT: "INTEGER", BOOL: "INTEGER", TS: "TEXT", MAP: "TEXT", LIST: "TEXT"}
APPLICATION_ID = 0x42524B53

failures = []


def check(cond, msg):
    if cond:
        print(f"  ok   {msg}")
    else:
        print(f"  FAIL {msg}")
        failures.append(msg)


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


def check_parquet(snap: Path, manifest: dict):
    import duckdb

    con = duckdb.connect()
    print(f"DuckDB {duckdb.__version__} reading {snap}")
    for table, cols in TABLES.items():
        path = str(snap / f"{table}.parquet")
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
        got = [(r[0], r[1]) for r in described]
        check(got == cols, f"{table}.parquet columns and types {'' if got == cols else got}")
        n = con.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()[0]
        check(n == manifest["counts"][table], f"{table}.parquet has {n} rows as the manifest says")
        ids = con.execute(
            "SELECT DISTINCT snapshot_id FROM read_parquet(?)", [path]
        ).fetchall()
        check(
            n == 0 or ids == [(manifest["snapshot_id"],)],
            f"{table}.parquet rows carry snapshot_id {manifest['snapshot_id']}",
        )
        kv = con.execute(
            "SELECT decode(key), decode(value) FROM parquet_kv_metadata(?)", [path]
        ).fetchall()
        kv = dict(kv)
        check(
            kv.get("brickkit.format_version") == str(manifest["format_version"])
            and kv.get("brickkit.table") == table,
            f"{table}.parquet key-value metadata names format version and table",
        )
        codecs = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT compression FROM parquet_metadata(?)", [path]
            ).fetchall()
        }
        check(codecs <= {"ZSTD"}, f"{table}.parquet is zstd-compressed ({codecs})")
    # Maps and lists are real MAP / LIST values.
    v = con.execute(
        "SELECT properties['delta.enableChangeDataFeed'] FROM read_parquet(?) "
        "WHERE full_name = 'sales_dev.orders.order_lines'",
        [str(snap / "securables.parquet")],
    ).fetchone()
    check(v is not None and v[0] in ("true", ["true"]), f"map lookup on properties gives {v}")
    v = con.execute(
        "SELECT len(input_columns), input_columns[1] FROM read_parquet(?) LIMIT 1",
        [str(snap / "row_filters.parquet")],
    ).fetchone()
    check(v is not None and v[0] >= 1, f"list access on input_columns gives {v}")
    # A glob spans snapshots.
    glob = str(snap.parent / "*" / "grants.parquet")
    n = con.execute("SELECT count(*) FROM read_parquet(?)", [glob]).fetchone()[0]
    check(n >= manifest["counts"]["grants"], f"read_parquet('{glob}') spans snapshots ({n} rows)")


def check_sqlite(db: Path, manifest: dict):
    print(f"sqlite3 {sqlite3.sqlite_version} reading {db}")
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    app = con.execute("PRAGMA application_id").fetchone()[0]
    check(app == APPLICATION_ID, f"application_id is {app:#x}")
    ver = con.execute("PRAGMA user_version").fetchone()[0]
    check(ver == manifest["format_version"], f"user_version is {ver}")
    for table, cols in TABLES.items():
        info = con.execute(f"PRAGMA table_info({table})").fetchall()
        got = [(r[1], r[2]) for r in info]
        want = [(c, SQLITE_TYPE[t]) for c, t in cols]
        check(got == want, f"table {table} columns and types {'' if got == want else got}")
        n = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        check(n == manifest["counts"][table], f"table {table} has {n} rows")
    row = con.execute("SELECT snapshot_id, content_digest, counts FROM manifest").fetchone()
    check(
        row[0] == manifest["snapshot_id"] and row[1] == manifest["content_digest"],
        "manifest table matches manifest.json",
    )
    check(json.loads(row[2]) == manifest["counts"], "manifest counts are JSON")
    props = con.execute(
        "SELECT json_extract(properties, '$.\"delta.enableChangeDataFeed\"') FROM securables "
        "WHERE full_name = 'sales_dev.orders.order_lines'"
    ).fetchone()
    check(props == ("true",), f"json_extract on properties gives {props}")
    plan = " ".join(
        r[-1]
        for r in con.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM grants WHERE securable_full_name = 'x'"
        ).fetchall()
    )
    check("INDEX" in plan.upper(), f"grants lookup by securable uses an index ({plan})")
    cli = shutil.which("sqlite3")
    if cli:
        out = subprocess.run(
            [cli, str(db), "SELECT count(*) FROM tags;"], capture_output=True, text=True
        )
        check(
            out.returncode == 0 and out.stdout.strip() == str(manifest["counts"]["tags"]),
            f"sqlite3 CLI counts tags ({out.stdout.strip() or out.stderr.strip()})",
        )
    else:
        print("  (no sqlite3 CLI on PATH: checked with Python's sqlite3 module only)")


def main():
    ensure_duckdb()
    snap = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "snapshots" / "example"
    manifest = json.loads((snap / "manifest.json").read_text())
    check_parquet(snap, manifest)
    brickkit = shlex.split(os.environ.get("BRICKKIT", "cargo run --quiet --"))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "example.sqlite"
        r = subprocess.run(
            [*brickkit, "snapshot", "convert", str(snap), str(db)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        check(r.returncode == 0, f"brickkit snapshot convert to SQLite {r.stderr.strip()}")
        if r.returncode == 0:
            # `convert` writes the current format: an older snapshot (the checked-in example
            # is format 1) is upgraded, so its digest is recomputed. The SQLite file is
            # checked against the manifest brickkit reports for it, and that manifest against
            # the source: same snapshot, same row counts.
            shown = subprocess.run(
                [*brickkit, "snapshot", "show", "--format", "json", str(db)],
                cwd=ROOT,
                capture_output=True,
                text=True,
            )
            check(shown.returncode == 0, f"brickkit snapshot show of the SQLite file {shown.stderr.strip()}")
            converted = json.loads(shown.stdout)["manifest"] if shown.returncode == 0 else manifest
            check(
                converted["snapshot_id"] == manifest["snapshot_id"]
                and converted["counts"] == manifest["counts"],
                "the converted snapshot is the same snapshot with the same row counts",
            )
            check(
                converted["format_version"] >= manifest["format_version"],
                f"convert writes format {converted['format_version']} (source {manifest['format_version']})",
            )
            check_sqlite(db, converted)
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all snapshot reader checks passed")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Spark reads what brickkit writes, and every `queries/*.sql` answers on Spark SQL exactly as
`brickkit query` does on SQLite (issue 17, item 2).

Steps, in one SparkSession (`local[2]`):
1. every Parquet table of `snapshots/example`, each read by its own path: the column names
   and Spark types must be those of docs/formats/snapshot.md (its "Types" table mapped to
   Spark: text STRING, int32 INT, bool BOOLEAN, timestamp TIMESTAMP, map MAP<STRING,STRING>,
   list ARRAY<STRING>);
2. two histories: the known-answer history of the integration tests (every query has rows)
   and the one the README main job records for `snapshots/example`; each exported with
   `brickkit history export --parquet` into a directory laid out as docs/spark.md says;
   every exported table must have the SQLite columns (INTEGER -> BIGINT, TEXT -> STRING)
   then `at_ts` TIMESTAMP equal to `timestamp_millis(at_ms)`;
3. the python block of docs/spark.md, run unchanged (so the doc stays true): it reads the
   snapshots by glob, registers the history tables and the views of queries/schema
   (`CREATE VIEW` run as `CREATE OR REPLACE TEMPORARY VIEW`, the one spelling Spark needs
   over temporary views) and runs every queries/*.sql per history;
4. each answer is compared with `brickkit query FILE --history H --format json`: same rows
   in the same order; numbers compared as floats rounded to 6 decimals (Spark computes the
   divisions in DECIMAL, SQLite in REAL), booleans as 0/1, text as is.

Creates `.venv-spark` at the repository root with pyspark from PyPI on first use. Needs
Java (17): when no `java` runs at all it prints why and exits 0 (skipped). Exits non-zero
on any difference. Environment: BRICKKIT = command that runs brickkit (default
`cargo run --quiet --`).
"""

import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-spark"
DOC = ROOT / "docs" / "spark.md"
SNAPSHOT_DOC = ROOT / "docs" / "formats" / "snapshot.md"
DOC_MARKER = "<!-- scripts/check_spark.py runs the next python block -->"


def java_present():
    try:
        r = subprocess.run(["java", "-version"], capture_output=True, text=True)
    except FileNotFoundError:
        return None
    return (r.stderr or r.stdout).splitlines()[0] if r.returncode == 0 else None


def ensure_pyspark():
    """Re-run this script inside .venv-spark with pyspark installed, unless already there."""
    try:
        import pyspark  # noqa: F401

        return
    except ImportError:
        pass
    py = VENV / "bin" / "python"
    if os.environ.get("BRICKKIT_CHECK_IN_VENV"):
        sys.exit("error: pyspark is still not importable inside .venv-spark")
    if not py.exists():
        print(f"creating virtual environment {VENV}")
        venv.create(VENV, with_pip=True)
    if subprocess.run([str(py), "-c", "import pyspark"], capture_output=True).returncode != 0:
        print("installing pyspark into .venv-spark")
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "pyspark>=4,<5"], check=True)
    env = dict(os.environ, BRICKKIT_CHECK_IN_VENV="1")
    sys.exit(subprocess.run([str(py), __file__, *sys.argv[1:]], env=env).returncode)


def brickkit(*args):
    cmd = shlex.split(os.environ.get("BRICKKIT", "cargo run --quiet --")) + list(args)
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def doc_block():
    text = DOC.read_text()
    i = text.index(DOC_MARKER)
    m = re.search(r"```python\n(.*?)```", text[i:], re.S)
    if not m:
        sys.exit(f"error: no python block after the marker in {DOC}")
    return m.group(1)


def documented_snapshot_types():
    """{table: [(column, logical type)]} from docs/formats/snapshot.md."""
    tables, current = {}, None
    for line in SNAPSHOT_DOC.read_text().splitlines():
        m = re.match(r"### `(\w+)`", line)
        if m:
            current = m.group(1)
            tables[current] = []
            continue
        if line.startswith("## "):
            current = None
        m = re.match(r"\| `(\w+)` \| ([a-z0-9]+)", line)
        if current and m:
            tables[current].append((m.group(1), m.group(2)))
    return tables


def spark_type_name(logical):
    return {
        "text": "StringType()",
        "int32": "IntegerType()",
        "bool": "BooleanType()",
        "timestamp": "TimestampType()",
        "map": "MapType(StringType(), StringType(), True)",
        "list": "ArrayType(StringType(), True)",
    }[logical]


def norm(v):
    from decimal import Decimal

    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float, Decimal)):
        return round(float(v), 6)
    return v


def sqlite_answer(query, db):
    code, out, err = brickkit("query", str(query), "--history", str(db), "--format", "json")
    if code != 0:
        raise RuntimeError(f"brickkit query failed: {err.strip()}")
    doc = json.loads(out)
    cols = doc["columns"]
    return cols, [tuple(norm(r.get(c)) for c in cols) for r in doc["rows"]]


def build_histories(tmp, failures):
    """{name: history file}: the known-answer history and the README main job's."""
    histories = {}
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
        histories["known"] = fixture
    example = tmp / "example.sqlite"
    code, _, err = brickkit(
        "drift", "detect", "examples/governance", "--env", "dev",
        "--snapshot", "snapshots/example", "--history", str(example),
    )
    if code not in (0, 1) or not example.exists():
        failures.append(f"example history not written: {err.strip()}")
    else:
        histories["acme-dev"] = example
    return histories


def main():
    started = time.time()
    java = java_present()
    if java is None:
        print("spark: SKIPPED: no Java runtime (`java -version` does not run); pyspark needs Java 17")
        return
    ensure_pyspark()
    from pyspark.sql import SparkSession, functions as F

    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        histories = build_histories(tmp, failures)
        # The layout of docs/spark.md: <workspace>/snapshots/<id>/ and <workspace>/history/.
        manifest = json.loads((ROOT / "snapshots/example/manifest.json").read_text())
        shutil.copytree(
            ROOT / "snapshots/example", data / "acme-dev" / "snapshots" / manifest["snapshot_id"]
        )
        for name, db in histories.items():
            out = data / name / "history"
            out.parent.mkdir(parents=True, exist_ok=True)
            code, _, err = brickkit("history", "export", "--parquet", str(out), "--history", str(db))
            if code != 0:
                failures.append(f"{name}: export failed: {err.strip()}")

        print(f"histories built and exported ({time.time() - started:.0f}s)")
        print(f"spark: {java}; starting local[2]")
        spark = (
            SparkSession.builder.master("local[2]")
            .appName("brickkit-check")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("OFF")
        print(f"spark session up ({time.time() - started:.0f}s)")

        # 1. Snapshot tables, each by its own path, typed as documented.
        documented = documented_snapshot_types()
        files = sorted((ROOT / "snapshots/example").glob("*.parquet"))
        for f in files:
            table = f.stem
            if table not in documented:
                failures.append(f"snapshot {f.name}: no table `{table}` in {SNAPSHOT_DOC.name}")
                continue
            got = [(c.name, repr(c.dataType)) for c in spark.read.parquet(str(f)).schema.fields]
            want = [(c, spark_type_name(t)) for c, t in documented[table]]
            if got != want:
                failures.append(f"snapshot {f.name}: Spark reads {got}, documented {want}")
        if set(documented) != {f.stem for f in files}:
            failures.append(
                f"snapshot tables {sorted(f.stem for f in files)} != documented {sorted(documented)}"
            )
        print(f"ok  {len(files)} snapshot tables read with the documented column types ({time.time() - started:.0f}s)")

        # 2. History exports: the SQLite columns, then at_ts.
        for name, db in histories.items():
            lite = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            export = data / name / "history"
            for t in sorted(p.name for p in export.iterdir()):
                info = lite.execute(f"SELECT name, type FROM pragma_table_info('{t}')").fetchall()
                want = [(n, "LongType()" if ty.upper() == "INTEGER" else "StringType()") for n, ty in info]
                want.append(("at_ts", "TimestampType()"))
                df = spark.read.parquet(str(export / t / "day=*" / "part-0.parquet"))
                got = [(c.name, repr(c.dataType)) for c in df.schema.fields]
                if got != want:
                    failures.append(f"{name} export {t}: Spark reads {got}, want {want}")
                    continue
                ms = "taken_at_ms" if t == "snapshots" else "at_ms"
                bad = df.filter(~F.col("at_ts").eqNullSafe(F.timestamp_millis(F.col(ms)))).count()
                if bad:
                    failures.append(f"{name} export {t}: {bad} row(s) with at_ts != timestamp_millis({ms})")
            print(f"ok  {name}: every exported table typed (SQLite columns + at_ts) ({time.time() - started:.0f}s)")

        # 3. The doc's example, unchanged.
        os.environ["BRICKKIT_DATA"] = str(data)
        os.environ["BRICKKIT_QUERIES"] = str(ROOT / "queries")
        scope = {"__name__": "docs_spark_example"}
        t0 = time.time()
        try:
            exec(compile(doc_block(), str(DOC), "exec"), scope)
        except Exception as e:  # noqa: BLE001
            failures.append(f"docs/spark.md example failed: {str(e).splitlines()[0]}")
        answers = scope.get("answers", {})
        print(f"docs/spark.md example ran in {time.time() - t0:.0f}s")

        # 4. Compare with brickkit query on SQLite.
        queries = sorted((ROOT / "queries").glob("*.sql"))
        agree = 0
        for name, db in histories.items():
            for q in queries:
                rows = answers.get((name, q.name))
                if rows is None:
                    failures.append(f"{name} {q.name}: the example gave no answer")
                    continue
                try:
                    cols, want = sqlite_answer(q, db)
                except Exception as e:  # noqa: BLE001
                    failures.append(f"{name} {q.name}: sqlite: {e}")
                    continue
                got_cols = list(rows[0].__fields__) if rows else cols
                got = [tuple(norm(v) for v in r) for r in rows]
                if got_cols != cols or got != want:
                    failures.append(
                        f"{name} {q.name}: answers differ\n  sqlite {cols}: {want}\n  spark  {got_cols}: {got}"
                    )
                else:
                    agree += 1
                    print(f"ok  {name} {q.name}: {len(want)} row(s) on both engines")
        spark.stop()

    for f in failures:
        print("FAIL", f)
    wall = time.time() - started
    if failures:
        print(f"spark: {len(failures)} failure(s) ({wall:.0f}s)")
        sys.exit(1)
    print(
        f"spark: {len(queries)} queries agree with SQLite on {len(histories)} histories "
        f"({agree} answers); {len(files)} snapshot tables typed as documented; {wall:.0f}s"
    )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Read the same Parquet snapshot with brickkit and with DuckDB, side by side (issue 16 item 1).

Driven by scripts/bench_vs_duckdb.sh, which builds nothing unless asked, makes the synthetic
snapshots and the `.venv-bench` with `duckdb`, then runs this file inside that venv:

    python bench_vs_duckdb.py compare BRICKKIT RUNS SIZE=DIR [SIZE=DIR ...]
    python bench_vs_duckdb.py scan DIR        # the DuckDB side: one process, every table
    python bench_vs_duckdb.py startup         # its fixed cost: Python, import duckdb, connect

`compare` runs, per size and per round (interleaved so that load on a shared machine hits both
sides alike), `BRICKKIT snapshot show DIR` (it reads every table and checks the format
version, counts and content digest) and `scan DIR` under `/usr/bin/time -v`; then prints
wall time, CPU (user+sys) and peak RSS of both (median of the rounds, and the fastest wall),
the ratios brickkit/DuckDB and the issue's targets (time <= 1.5x, memory <= 5x). Exits 1 when
a run fails or DuckDB's row counts differ from the snapshot's manifest.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TIME_TARGET = 1.5
MEMORY_TARGET = 5.0


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def startup():
    """The DuckDB side's fixed cost: start Python, import duckdb, connect; no scan."""
    import duckdb  # only inside the venv

    duckdb.connect(config={"threads": 2}).execute("SELECT 1").fetchall()


def scan(snapshot_dir):
    """Decode and hash every column of every table; print {table: rows} as JSON."""
    import duckdb  # only inside the venv

    con = duckdb.connect(config={"threads": 2})
    rows = {}
    for f in sorted(Path(snapshot_dir).glob("*.parquet")):
        src = "read_parquet('" + str(f).replace("'", "''") + "')"
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        exprs = ["count(*)"] + ['sum(hash("' + c.replace('"', '""') + '"))' for c in cols]
        got = con.execute(f"SELECT {', '.join(exprs)} FROM {src}").fetchone()
        rows[f.stem] = got[0]
    json.dump(rows, sys.stdout, sort_keys=True)
    print()


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (stdout, wall s, cpu s, peak RSS KiB)."""
    with tempfile.NamedTemporaryFile(prefix="bench-time-", suffix=".txt") as t:
        p = subprocess.run(
            ["/usr/bin/time", "-v", "-o", t.name, *cmd],
            capture_output=True,
            text=True,
            check=False,
        )
        if p.returncode != 0:
            fail(f"`{' '.join(cmd)}` exited {p.returncode}:\n{p.stderr.strip()}")
        fields = {}
        for line in Path(t.name).read_text().splitlines():
            k, _, v = line.strip().rpartition(": ")
            fields[k] = v
    wall = 0.0
    for part in fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"):
        wall = wall * 60 + float(part)
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    return p.stdout, wall, cpu, int(fields["Maximum resident set size (kbytes)"])


def summary(runs):
    return {
        "wall": statistics.median(r[0] for r in runs),
        "wall_min": min(r[0] for r in runs),
        "cpu": statistics.median(r[1] for r in runs),
        "rss": statistics.median(r[2] for r in runs),
    }


def mib(kib):
    return f"{kib / 1024:,.0f} MiB"


def compare(brickkit, rounds, pairs):
    me = [sys.executable, os.path.abspath(__file__), "scan"]
    base = summary([timed([sys.executable, os.path.abspath(__file__), "startup"])[1:]
                    for _ in range(rounds)])
    results = []
    for pair in pairs:
        size, _, snap = pair.partition("=")
        manifest = json.loads((Path(snap) / "manifest.json").read_text())
        want = {k: v for k, v in manifest["counts"].items() if "." not in k}
        bk, dd = [], []
        for i in range(rounds):
            _, w, c, r = timed([brickkit, "snapshot", "show", "--color", "never", snap])
            bk.append((w, c, r))
            out, w2, c2, r2 = timed([*me, snap])
            dd.append((w2, c2, r2))
            got = json.loads(out)
            if got != want:
                fail(f"DuckDB counted {got} rows in {snap}, the manifest says {want}")
            print(
                f"  {int(size):>9,} tables, round {i + 1}/{rounds}: brickkit {w:.2f} s "
                f"{mib(r)}, DuckDB {w2:.2f} s {mib(r2)}",
                flush=True,
            )
        results.append((int(size), sum(want.values()), summary(bk), summary(dd)))

    print()
    print(f"Median of {rounds} runs (min wall in brackets); brickkit = `snapshot show`, "
          "DuckDB = hash every column of every table, threads=2")
    print()
    print("| tables | rows | brickkit wall | brickkit CPU | brickkit peak RSS "
          "| DuckDB wall | DuckDB CPU | DuckDB peak RSS | time ratio | memory ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for size, rows, b, d in results:
        tr = b["wall"] / d["wall"] if d["wall"] else float("inf")
        mr = b["rss"] / d["rss"] if d["rss"] else float("inf")
        print(
            f"| {size:,} | {rows:,} | {b['wall']:.2f} s ({b['wall_min']:.2f}) | "
            f"{b['cpu']:.2f} s | {mib(b['rss'])} | {d['wall']:.2f} s ({d['wall_min']:.2f}) | "
            f"{d['cpu']:.2f} s | {mib(d['rss'])} | {tr:.2f}x | {mr:.1f}x |"
        )
        verdicts.append((size, tr, mr))
    print()
    print(f"DuckDB's fixed cost (Python start, import duckdb, connect; no scan), included "
          f"above: {base['wall']:.2f} s wall, {base['cpu']:.2f} s CPU, {mib(base['rss'])}")
    print()
    for size, tr, mr in verdicts:
        t = "met" if tr <= TIME_TARGET else "missed"
        m = "met" if mr <= MEMORY_TARGET else "missed"
        print(
            f"{size:>9,} tables: time {tr:.2f}x (target <= {TIME_TARGET}x: {t}), "
            f"memory {mr:.1f}x (target <= {MEMORY_TARGET:g}x: {m})"
        )


def main(argv):
    if argv == ["startup"]:
        startup()
    elif len(argv) == 2 and argv[0] == "scan":
        scan(argv[1])
    elif len(argv) >= 4 and argv[0] == "compare":
        compare(argv[1], int(argv[2]), argv[3:])
    else:
        fail("usage: bench_vs_duckdb.py scan DIR | compare BRICKKIT RUNS SIZE=DIR...")


if __name__ == "__main__":
    main(sys.argv[1:])

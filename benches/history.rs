//! History benchmark (issue 7, item 9; history format 2, issue 16): ingest successive
//! generated snapshots of N tables with a fraction of tables changed between snapshots;
//! prints seconds per ingest, the history size against the sum of the full snapshots
//! (Parquet) after 10, 50 and 100 snapshots (and the last), where the bytes go, and each
//! `queries/` file's time on the result.
//!
//! ```sh
//! cargo bench --bench history                       # 100 snapshots x 100,000 tables, 0.5%
//! cargo bench --bench history -- 20 10000 0.005     # snapshots, tables, changed fraction
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::Path;
use std::time::Instant;

use brickkit::history::{History, IngestOptions};
use brickkit::model::{SecurableKind, Timestamp};
use brickkit::state::id::new_snapshot_id;
use brickkit::state::{GrantRow, Snapshot, store};
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};

fn size_of(p: &Path) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p)
            .unwrap()
            .map(|e| size_of(&e.unwrap().path()))
            .sum()
    } else {
        std::fs::metadata(p).map_or(0, |m| m.len())
    }
}

fn stamp(s: &mut Snapshot, i: u32) {
    let t = Timestamp(
        Timestamp::from_civil(2026, 1, 1, 6, 0, 0, 0).millis() + i64::from(i) * 86_400_000,
    );
    s.manifest.taken_at = t;
    s.manifest.snapshot_id = new_snapshot_id(t, i);
    s.manifest.content_digest = String::new();
    s.sort();
    s.manifest.counts = s.row_counts();
}

/// Change `n` tables of snapshot `i`: an owner, a new grant or a tag value, in turn.
fn mutate(s: &mut Snapshot, tables: &[usize], i: usize, n: usize) {
    let stride = (tables.len() / n.max(1)).max(1);
    for k in 0..n {
        let t = tables[(k * stride + i * 7919) % tables.len()];
        let name = s.securables[t].full_name.clone();
        match (k + i) % 3 {
            0 => s.securables[t].owner = Some(format!("owner_{i}_{k}").into()),
            1 => s.grants.push(GrantRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: name,
                principal: format!("grp_adhoc_{i}").into(),
                privilege: "SELECT".into(),
            }),
            _ => {
                if let Some(tag) = s
                    .tags
                    .iter_mut()
                    .find(|g| g.securable_full_name == name && g.column_name.is_none())
                {
                    tag.value = format!("value_{i}").into();
                }
            }
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let snapshots: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(100);
    let tables: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let fraction: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(0.005);
    let changed = ((tables as f64) * fraction).round() as usize;
    println!(
        "history bench: {snapshots} snapshots x {tables} tables, {changed} tables changed per snapshot"
    );

    let dir = tempfile::tempdir().unwrap();
    let mut s = generate_snapshot(&SynthSpec::with_tables(tables, 0.0, 11));
    stamp(&mut s, 0);
    let table_idx: Vec<usize> = s
        .securables
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == Some(SecurableKind::Table))
        .map(|(i, _)| i)
        .collect();
    let one = dir.path().join("one-snapshot");
    store::write(&s, &one).unwrap();
    let snapshot_bytes = size_of(&one);
    let one_sqlite = dir.path().join("one-snapshot.sqlite");
    store::write(&s, &one_sqlite).unwrap();
    let snapshot_sqlite_bytes = size_of(&one_sqlite);

    let hp = dir.path().join("history.sqlite");
    let mut h = History::open_or_create(&hp).unwrap();
    let t0 = Instant::now();
    h.ingest_snapshot(&s, IngestOptions::default()).unwrap();
    let first = t0.elapsed().as_secs_f64();
    println!("first ingest (baseline, every fact is an event): {first:.2} s");

    let share = |h: &History, n: usize| {
        h.connection()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let hist = size_of(&hp);
        let total = snapshot_bytes * n as u64;
        println!(
            "  after {n:>3} snapshots: history {:.1} MiB = {:.1}% of {n} Parquet snapshots ({:.1} MiB)",
            hist as f64 / 1048576.0,
            100.0 * hist as f64 / total as f64,
            total as f64 / 1048576.0
        );
    };
    share(&h, 1);
    let mut times = Vec::new();
    for i in 1..snapshots {
        mutate(&mut s, &table_idx, i, changed);
        stamp(&mut s, u32::try_from(i).unwrap());
        let t = Instant::now();
        h.ingest_snapshot(&s, IngestOptions::default()).unwrap();
        times.push(t.elapsed().as_secs_f64());
        if [10, 50, 100].contains(&(i + 1)) && i + 1 != snapshots {
            share(&h, i + 1);
        }
    }
    if !times.is_empty() {
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let max = times.iter().copied().fold(0.0, f64::max);
        println!(
            "incremental ingest: mean {mean:.2} s, max {max:.2} s over {} snapshots (target <= 3 s)",
            times.len()
        );
    }
    h.connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    let events: i64 = h
        .connection()
        .query_row("SELECT count(*) FROM state_log", [], |r| r.get(0))
        .unwrap();
    let hist = size_of(&hp);
    let total = snapshot_bytes * snapshots as u64;
    println!(
        "history size: {:.1} MiB ({events} state events) vs {snapshots} full Parquet snapshots {:.1} MiB: {:.1}% (target <= 50%)",
        hist as f64 / 1048576.0,
        total as f64 / 1048576.0,
        100.0 * hist as f64 / total as f64
    );
    let total_sqlite = snapshot_sqlite_bytes * snapshots as u64;
    println!(
        "  vs {snapshots} full SQLite snapshots {:.1} MiB: {:.1}%",
        total_sqlite as f64 / 1048576.0,
        100.0 * hist as f64 / total_sqlite as f64
    );
    // Without the derived cache (current_digests), i.e. the events alone.
    let cache: i64 = h
        .connection()
        .query_row(
            "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'current_%' OR name LIKE 'sqlite_autoindex_current_%'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    if cache > 0 {
        println!(
            "  of which derived cache: {:.1} MiB; events alone {:.1}%",
            cache as f64 / 1048576.0,
            100.0 * (hist as f64 - cache as f64) / total as f64
        );
    }

    // Where the bytes go (SQLite's dbstat: tables and their indexes).
    let mut st = h
        .connection()
        .prepare("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8")
        .unwrap();
    let parts: Vec<(String, i64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(st);
    for (name, bytes) in parts {
        println!("  {name:<36} {:>8.1} MiB", bytes as f64 / 1048576.0);
    }

    // BENCH_HISTORY_KEEP=PATH keeps a copy of the history (to look at query plans).
    if let Some(keep) = std::env::var_os("BENCH_HISTORY_KEEP") {
        std::fs::copy(&hp, keep).unwrap();
    }

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap();
        let t = Instant::now();
        let r = h.query(&sql).unwrap();
        println!(
            "query {:<30} {:>8.3} s  {} row(s)",
            f.file_name().unwrap().to_string_lossy(),
            t.elapsed().as_secs_f64(),
            r.rows.len()
        );
    }
}

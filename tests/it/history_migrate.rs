//! `brickkit history migrate` (issue 16): a history format 1 store — the checked-in
//! `tests/fixtures/history/v3-known.sqlite`, written by the previous brickkit itself, and
//! stores built by copying a format 2 store's rows into the legacy schema
//! (`queries/schema/legacy/`) — is refused by every command with a message naming the
//! command, converted in place, and afterwards answers every `queries/*.sql`, every
//! projection view and every exported table exactly as before (plain SQLite, no brickkit
//! functions); migrating again changes nothing; `kill -9` during a migration leaves either
//! the old store untouched or the new one complete.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use brickkit::history::{History, IngestOptions, Migrated, store};
use rusqlite::{Connection, OpenFlags};

use crate::crash::{Rng, kill_after};
use crate::history::{base, mutate, stamp};
use crate::support::{brickkit_with, repo};

const VIEWS: [&str; 7] = [
    "current_state",
    "drift_timeline",
    "open_drift",
    "drift_resolutions",
    "violation_timeline",
    "open_violations",
    "violation_resolutions",
];

/// Tables copied row for row, with the first version that has them.
const TABLES: [&str; 9] = [
    "drift_runs",
    "drift_events",
    "operation_events",
    "plan_events",
    "apply_events",
    "op_events",
    "op_changes",
    "violation_runs",
    "violation_events",
];

/// Every question users ask of a history: each `queries/*.sql` (rows in its order), each
/// projection view (rows sorted: views have no order) and each exported table by `seq`.
fn questions() -> Vec<(String, String, bool)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join("queries"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut q: Vec<(String, String, bool)> = files
        .iter()
        .map(|f| {
            (
                f.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(f).unwrap(),
                false,
            )
        })
        .collect();
    for v in VIEWS {
        q.push((v.to_string(), format!("SELECT * FROM {v}"), true));
    }
    for t in brickkit::history::export::TABLES {
        q.push((
            t.to_string(),
            format!("SELECT * FROM {t} ORDER BY seq"),
            false,
        ));
    }
    q
}

/// The answers of every question on the store at `path`, read with plain SQLite.
fn answers(path: &Path) -> Vec<(String, Vec<String>, Vec<String>)> {
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    questions()
        .into_iter()
        .map(|(name, sql, sort)| {
            let mut st = c
                .prepare(sql.trim())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let cols: Vec<String> = st.column_names().map(str::to_string).collect();
            let n = cols.len();
            let mut rows: Vec<String> = st
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            if sort {
                rows.sort();
            }
            (name, cols, rows)
        })
        .collect()
}

fn version(path: &Path) -> i64 {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

/// A format 1 (event-store version 3) copy of the format 2 store `from`: the rows the
/// previous brickkit would have written for the same ingests (its schema, its cache).
fn downgrade(from: &Path, to: &Path) {
    let schema = |f: &str| std::fs::read_to_string(repo().join("queries/schema").join(f)).unwrap();
    let c = Connection::open(to).unwrap();
    c.execute_batch(&format!(
        "BEGIN; {} {} {} {} {} PRAGMA application_id = {}; PRAGMA user_version = 3; COMMIT;",
        schema("legacy/001_events_v3.sql"),
        schema("002_views.sql"),
        schema("003_apply.sql"),
        schema("004_violations.sql"),
        schema("005_violation_views.sql"),
        store::APPLICATION_ID
    ))
    .unwrap();
    c.execute("ATTACH DATABASE ?1 AS n", [from.to_str().unwrap()])
        .unwrap();
    let mut sql = String::from(
        "BEGIN; INSERT INTO main.snapshots SELECT * FROM n.snapshots ORDER BY seq; \
         INSERT INTO main.state_events SELECT * FROM n.state_events ORDER BY seq; ",
    );
    for t in TABLES {
        sql.push_str(&format!(
            "INSERT INTO main.{t} SELECT * FROM n.{t} ORDER BY seq; "
        ));
    }
    sql.push_str(
        "INSERT INTO main.current_facts SELECT lineage, securable_kind, securable, attribute, \
         item, sub_item, value FROM main.current_state; \
         INSERT INTO main.current_digests SELECT l.s, t.kind, k.name, d.digest \
         FROM n.current_digests d JOIN n.strings l ON l.id = d.lineage \
         JOIN n.securables k ON k.id = d.sec JOIN n.kinds t ON t.id = d.kind; \
         COMMIT; DETACH DATABASE n;",
    );
    c.execute_batch(&sql).unwrap();
}

/// A format 2 history of `snapshots` snapshots of `tables` tables, a few changes each.
fn history_of(path: &Path, tables: usize, snapshots: u32) -> Vec<brickkit::state::Snapshot> {
    let mut h = History::open_or_create(path).unwrap();
    let mut s = base(tables);
    let mut kept = Vec::new();
    for i in 0..snapshots {
        if i > 0 {
            for k in 0..6u8 {
                mutate(
                    &mut s,
                    k.wrapping_mul(5).wrapping_add(i as u8),
                    (i as usize) * 7 + usize::from(k) * 3,
                    k,
                );
            }
        }
        stamp(&mut s, i);
        h.ingest_snapshot(&s, IngestOptions::default()).unwrap();
        kept.push(s.clone());
    }
    h.connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    kept
}

#[test]
fn the_previous_brickkits_store_is_refused_then_migrated_and_answers_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    std::fs::copy(repo().join("tests/fixtures/history/v3-known.sqlite"), &path).unwrap();
    let p = path.to_str().unwrap();
    let before = answers(&path);
    assert!(
        before
            .iter()
            .any(|(n, _, rows)| n == "state_events" && !rows.is_empty()),
        "the fixture has state events"
    );
    let bytes = std::fs::read(&path).unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    // Every command that uses the history refuses it, names the command, writes nothing.
    for args in [
        vec!["query", "queries/open_drift.sql", "--history", p],
        vec!["history", "show", "--history", p],
        vec!["history", "report", "--html", out, "--history", p],
        vec!["history", "export", "--parquet", out, "--history", p],
        vec!["history", "ingest", "snapshots/example", "--history", p],
    ] {
        let r = brickkit_with(&args, &[]);
        assert_ne!(r.code, 0, "{args:?} accepted a format 1 store");
        assert!(
            r.stderr
                .contains("history format 1, which this brickkit no longer reads or writes")
                && r.stderr.contains("`brickkit history migrate --history "),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{args:?} changed the store"
        );
    }
    let r = brickkit_with(&["history", "migrate", "--history", p], &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "migrated from event-store version 3 (history format 1) to version 4 (history format 2): 3 snapshot(s), 72 state event(s) kept"
        ),
        "{}",
        r.stdout
    );
    assert_eq!(version(&path), 4);
    let after = answers(&path);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "{} answers differently after migration", b.0);
    }
    assert_eq!(before.len(), after.len());
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".migrate")), "{names:?}");

    // Again: already current, nothing changes.
    let bytes = std::fs::read(&path).unwrap();
    let r = brickkit_with(&["history", "migrate", "--history", p], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("already history format 2 (event-store version 4); nothing changed"),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // And brickkit uses it: the queries answer through brickkit too, the export works.
    let r = brickkit_with(&["query", "queries/open_drift.sql", "--history", p], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = brickkit_with(
        &["history", "export", "--parquet", out, "--history", p],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    // A missing file is not created.
    let missing = dir.path().join("none.sqlite");
    let r = brickkit_with(
        &["history", "migrate", "--history", missing.to_str().unwrap()],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!missing.exists());
}

#[test]
fn a_migrated_store_folds_queries_and_ingests_like_the_store_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin.sqlite");
    let kept = history_of(&origin, 25, 12);
    let old = dir.path().join("old.sqlite");
    downgrade(&origin, &old);
    let before = answers(&old);
    assert_eq!(
        before,
        answers(&origin),
        "the downgraded copy answers as the origin"
    );
    let done = store::migrate(&old, || {}).unwrap();
    assert!(
        matches!(
            done,
            Migrated::Migrated {
                from: 3,
                snapshots: 12,
                ..
            }
        ),
        "{done:?}"
    );
    assert_eq!(answers(&old), before);
    let mut h = History::open(&old).unwrap();
    for s in &kept {
        assert_eq!(&h.fold_at(&s.manifest.snapshot_id).unwrap(), s);
    }
    // The cache came along: the next ingest writes the same events into both.
    let mut next = kept.last().unwrap().clone();
    mutate(&mut next, 0, 3, 9);
    mutate(&mut next, 2, 5, 9);
    mutate(&mut next, 7, 1, 9);
    stamp(&mut next, 12);
    let a = h.ingest_snapshot(&next, IngestOptions::default()).unwrap();
    let b = History::open(&origin)
        .unwrap()
        .ingest_snapshot(&next, IngestOptions::default())
        .unwrap();
    assert_eq!(a, b);
    drop(h);
    assert_eq!(answers(&old), answers(&origin));
}

#[test]
fn kill_9_during_migrate_leaves_the_old_store_or_the_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin.sqlite");
    history_of(&origin, 400, 4);
    let old = dir.path().join("old.sqlite");
    downgrade(&origin, &old);
    let before = answers(&old);
    let old_bytes = std::fs::read(&old).unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let path = work.join("history.sqlite");
    let p = path.to_str().unwrap().to_string();
    let args = ["history", "migrate", "--history", p.as_str()];
    std::fs::copy(&old, &path).unwrap();
    let t0 = Instant::now();
    let r = brickkit_with(&args, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = t0.elapsed().max(Duration::from_millis(50));
    let mut rng = Rng(0x5eed_1601);
    let (mut old_seen, mut new_seen) = (0, 0);
    for round in 0..10 {
        std::fs::copy(&old, &path).unwrap();
        let _ = std::fs::remove_file(work.join("history.sqlite-wal"));
        let _ = std::fs::remove_file(work.join("history.sqlite-shm"));
        kill_after(&args, rng.delay(d));
        match version(&path) {
            3 => {
                old_seen += 1;
                assert_eq!(std::fs::read(&path).unwrap(), old_bytes, "round {round}");
            }
            4 => new_seen += 1,
            v => panic!("round {round}: version {v}"),
        }
        assert_eq!(answers(&path), before, "round {round}");
        // A re-run completes (and removes what a killed run left).
        let r = brickkit_with(&args, &[]);
        assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        assert_eq!(version(&path), 4);
        assert_eq!(answers(&path), before, "round {round}");
        let names: Vec<String> = std::fs::read_dir(&work)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.contains(".migrate")), "{names:?}");
    }
    assert!(old_seen > 0, "no kill landed before the rename");
    eprintln!("kill -9 during migrate: {old_seen} old, {new_seen} new");
}

//! Crash safety: `kill -9` (SIGKILL, no cleanup code runs) at seeded random points of
//! `snapshot collect`, `snapshot convert`, `history ingest` and `drift apply`. After every
//! kill, no half-written snapshot is listed or reads as valid, every snapshot the history
//! records folds back to exactly that snapshot, and a re-run completes.
//!
//! The kill points are drawn from a fixed seed in `[0, 1.2 × d]`, where `d` is the measured
//! duration of an uninterrupted run of the same command (a kill after the end is a no-op).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brickkit::history::{Cell, History};
use brickkit::state::{Snapshot, store};
use serde_json::{Value, json};

use crate::apply::{apply, call, example_workspace, mutating, plan_to};
use crate::history::{base, mutate, stamp};
use crate::support::sim::{TOKEN, collect, content, start};
use crate::support::{brickkit_with, repo};

/// A tiny deterministic generator (xorshift64*), so every run kills at the same points.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A delay in `[0, 1.2 × d]`.
    pub(crate) fn delay(&mut self, d: Duration) -> Duration {
        let max = d.as_micros() as u64 * 6 / 5 + 1;
        Duration::from_micros(self.next() % max)
    }
}

/// Run the binary with `args` and SIGKILL it after `after`; true when it was still running.
pub(crate) fn kill_after(args: &[&str], after: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_brickkit"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg")
        .env_remove("DATABRICKS_HOST")
        .env_remove("DATABRICKS_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while t0.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2).min(after.saturating_sub(t0.elapsed())));
    }
    let running = child.try_wait().unwrap().is_none();
    // `Child::kill` is SIGKILL on Unix.
    let _ = child.kill();
    child.wait().unwrap();
    running
}

/// How long an uninterrupted run of `args` takes (exit code asserted 0).
fn timed(args: &[&str]) -> Duration {
    let t0 = Instant::now();
    let r = brickkit_with(args, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    t0.elapsed()
}

/// `snapshot list dir`: exits 0 and every path it lists reads as a valid snapshot.
fn listed(dir: &Path) -> Vec<(PathBuf, Snapshot)> {
    let r = brickkit_with(&["snapshot", "list", dir.to_str().unwrap()], &[]);
    assert_eq!(r.code, 0, "snapshot list: {}\n{}", r.stdout, r.stderr);
    r.stdout
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let p = PathBuf::from(l.split_whitespace().last().unwrap());
            let s = store::read(&p).unwrap_or_else(|e| panic!("{} is listed: {e}", p.display()));
            (p, s)
        })
        .collect()
}

/// The history at `path` (when it exists) is sound: SQLite's integrity check passes, and
/// every snapshot it records folds back to the snapshot of that id in `snaps`. Returns the
/// recorded ids.
fn history_consistent(path: &Path, snaps: &[Snapshot]) -> Vec<String> {
    if !path.exists() {
        return Vec::new();
    }
    let db = rusqlite::Connection::open(path).unwrap();
    let ok: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok", "{}", path.display());
    drop(db);
    let h = History::open(path).unwrap();
    let ids: Vec<String> = h
        .query("SELECT snapshot_id FROM snapshots ORDER BY taken_at_ms")
        .unwrap()
        .rows
        .into_iter()
        .map(|r| match &r[0] {
            Cell::Text(t) => t.clone(),
            c => panic!("{c:?}"),
        })
        .collect();
    for id in &ids {
        let s = snaps
            .iter()
            .find(|s| &s.manifest.snapshot_id == id)
            .unwrap_or_else(|| panic!("the history records {id}, which no snapshot has"));
        assert_eq!(&h.fold_at(id).unwrap(), s, "fold of {id}");
    }
    ids
}

#[test]
fn killed_collections_leave_no_half_snapshot_and_a_consistent_history() {
    // 3 items per page and 4 ms per request: a collection takes a few hundred ms.
    let h = start(json!({"latency_ms": 4}), 3);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("snaps");
    let o = out.to_str().unwrap();
    let args = [
        "snapshot",
        "collect",
        "--host",
        &h.base_url,
        "--token",
        TOKEN,
        "--out",
        o,
        "--jobs",
        "4",
    ];
    let d = timed(&args);
    let want = content(&listed(&out)[0].1);
    let mut rng = Rng(0x5eed_c011);
    let mut killed = 0;
    for _ in 0..8 {
        killed += usize::from(kill_after(&args, rng.delay(d)));
        let l = listed(&out);
        for (p, s) in &l {
            assert_eq!(content(s), want, "{}", p.display());
        }
        let snaps: Vec<Snapshot> = l.into_iter().map(|(_, s)| s).collect();
        history_consistent(&out.join("history.sqlite"), &snaps);
    }
    eprintln!("crash: {killed} of 8 runs killed mid-way (uninterrupted run {d:?})");
    assert!(
        killed >= 2,
        "only {killed} of 8 runs were killed mid-way ({d:?})"
    );
    // What the kills left: hidden temporary entries, never listed.
    let hidden = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.')
        })
        .count();
    eprintln!("crash collect: {hidden} hidden temporary entries left by the kills");
    // A re-run completes and is recorded.
    let (run, snap) = collect(&h, &out, &["--jobs", "4"]);
    assert_eq!(content(&snap), want);
    let snaps: Vec<Snapshot> = listed(&out).into_iter().map(|(_, s)| s).collect();
    let ids = history_consistent(&out.join("history.sqlite"), &snaps);
    assert!(
        ids.contains(&snap.manifest.snapshot_id),
        "{ids:?}\n{}",
        run.stderr
    );
}

#[test]
fn killed_conversions_leave_either_nothing_or_the_whole_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = base(1500);
    stamp(&mut s, 0);
    let input = dir.path().join("in");
    store::write(&s, &input).unwrap();
    let want = store::read(&input).unwrap();
    let i = input.to_str().unwrap();
    let probe = dir.path().join("probe.sqlite");
    let d = timed(&["snapshot", "convert", i, probe.to_str().unwrap()]);
    let mut rng = Rng(0x00c0_4e27);
    let mut killed = 0;
    for n in 0..8 {
        // Both directions of the conversion: to SQLite and back to Parquet.
        let (src, out) = if n % 2 == 0 {
            (i.to_string(), dir.path().join(format!("out{n}.sqlite")))
        } else {
            (
                probe.to_str().unwrap().to_string(),
                dir.path().join(format!("out{n}")),
            )
        };
        let o = out.to_str().unwrap();
        killed += usize::from(kill_after(&["snapshot", "convert", &src, o], rng.delay(d)));
        if out.exists() {
            assert_eq!(store::read(&out).unwrap(), want, "{o}");
        } else {
            let r = brickkit_with(&["snapshot", "convert", &src, o], &[]);
            assert_eq!(r.code, 0, "{}", r.stderr);
            assert_eq!(store::read(&out).unwrap(), want, "{o}");
        }
    }
    eprintln!("crash: {killed} of 8 runs killed mid-way (uninterrupted run {d:?})");
    assert!(
        killed >= 2,
        "only {killed} of 8 runs were killed mid-way ({d:?})"
    );
    // Whatever is listed is whole.
    for (p, got) in listed(dir.path()) {
        assert_eq!(got, want, "{}", p.display());
    }
}

#[test]
fn killed_ingests_leave_a_history_that_folds_to_every_recorded_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = base(300);
    let mut snaps = Vec::new();
    let mut paths = Vec::new();
    for i in 0..8u32 {
        mutate(&mut s, (i % 12) as u8, i as usize * 7, 1);
        mutate(&mut s, ((i + 5) % 12) as u8, i as usize * 3, 2);
        stamp(&mut s, i);
        s.manifest.content_digest = String::new();
        let p = dir.path().join(format!("s{i}"));
        store::write(&s, &p).unwrap();
        snaps.push(store::read(&p).unwrap());
        paths.push(p.to_str().unwrap().to_string());
    }
    let args_for = |hist: &Path| {
        let mut a = vec![
            "history".to_string(),
            "ingest".into(),
            "--history".into(),
            hist.to_str().unwrap().into(),
        ];
        a.extend(paths.iter().cloned());
        a
    };
    let probe = dir.path().join("probe.sqlite");
    let a = args_for(&probe);
    let d = timed(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(history_consistent(&probe, &snaps).len(), 8);
    let mut rng = Rng(0x0001_46e5);
    let mut killed = 0;
    let mut recorded = Vec::new();
    let mut generation = 0;
    let mut hist = dir.path().join("history-0.sqlite");
    for _ in 0..8 {
        // A history that a run finished is put aside: the next kills hit a fresh ingest.
        if recorded.len() == 8 {
            generation += 1;
            hist = dir.path().join(format!("history-{generation}.sqlite"));
            recorded.clear();
        }
        let a = args_for(&hist);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        killed += usize::from(kill_after(&a, rng.delay(d)));
        let ids = history_consistent(&hist, &snaps);
        // Ingest is append-only: nothing recorded is ever lost by a later kill.
        assert!(ids.starts_with(&recorded), "{recorded:?} then {ids:?}");
        recorded = ids;
    }
    eprintln!("crash: {killed} of 8 runs killed mid-way (uninterrupted run {d:?})");
    assert!(
        killed >= 2,
        "only {killed} of 8 runs were killed mid-way ({d:?})"
    );
    let a = args_for(&hist);
    let a: Vec<&str> = a.iter().map(String::as_str).collect();
    timed(&a);
    assert_eq!(history_consistent(&hist, &snaps).len(), 8);
}

#[test]
fn killed_applies_with_a_history_are_finished_by_a_rerun() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let hist = dir.path().join("history.sqlite");
    // 150 ms per statement: the 15 operations take about 1 s with two in flight.
    call(
        &h,
        "PATCH",
        "/ucsim/faults",
        json!({"statement_delay_ms": 150}),
    );
    let args = [
        "drift",
        "apply",
        "--host",
        &h.base_url,
        "--token",
        TOKEN,
        "--warehouse-id",
        "W",
        "--plan",
        plan.to_str().unwrap(),
        "--auto-approve",
        "--history",
        hist.to_str().unwrap(),
        "--jobs",
        "2",
    ];
    let before = mutating(&h);
    let mut rng = Rng(0x00a9_917e);
    let d = Duration::from_millis(1200);
    let mut killed = 0;
    for _ in 0..6 {
        killed += usize::from(kill_after(&args, rng.delay(d)));
        if hist.exists() {
            let db = rusqlite::Connection::open(&hist).unwrap();
            let ok: String = db
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(ok, "ok");
        }
    }
    eprintln!("crash apply: {killed} of 6 runs killed mid-way");
    assert!(killed >= 1, "only {killed} of 6 runs were killed mid-way");
    let sent = mutating(&h) - before;
    call(&h, "DELETE", "/ucsim/faults", Value::Null);
    let r = apply(
        &h,
        &[
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--history",
            hist.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let applied = v["summary"]["applied"].as_u64().unwrap();
    let done = v["summary"]["already_done"].as_u64().unwrap();
    assert_eq!(applied + done, 15, "{v:#}");
    // No operation is sent twice: every kill only cut the run short.
    eprintln!(
        "crash apply: {sent} mutating requests before, {applied} applied + {done} already done by the re-run"
    );
    assert!(
        (sent as u64) + applied <= 15 + 2 * killed as u64,
        "{sent} sent before, {applied} after, {killed} kills"
    );
    // Nothing is left to plan.
    let (run, _) = collect(&h, dir.path(), &["--no-history"]);
    let r = brickkit_with(
        &[
            "drift",
            "plan",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            run.path.unwrap().to_str().unwrap(),
            "--no-history",
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
}

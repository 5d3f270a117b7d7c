//! Benchmark of drift detection on synthetic metastores (`brickkit_testkit::synth::generate`:
//! 5 columns, 3 grants, 3 tags per table, 1% of tables drifted):
//!
//! 1. the differ alone (`diff::diff`), N declared tables against an N-table snapshot, on a
//!    1-thread and a 2-thread rayon pool (best of a few runs);
//! 2. end to end without YAML: read the snapshot from Parquet (`state::store::read`), diff,
//!    classify and render the JSON report, on 1 and 2 threads;
//!
//! plus the process's resident and peak memory. Prints one line per measurement; the
//! figures go to `docs/benchmarks.md`.
//!
//! Run: `cargo bench --bench diff` (10k, 100k, 1M) or `cargo bench --bench diff -- 100000`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use brickkit::diff::{self, DiffOptions};
use brickkit::drift::{self, DriftOptions};
use brickkit::model::Timestamp;
use brickkit::report::{self, Format, RenderOptions};
use brickkit::state::store;
use brickkit_testkit::synth::{self, SynthSpec};

/// The allocator the `brickkit` binary uses (see `src/main.rs`), so the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `VmRSS` and `VmHWM` (peak) of this process, in MiB.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Reset the peak (`VmHWM`) to the current resident size (Linux `clear_refs`).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        sizes
    };
    for n in sizes {
        let spec = SynthSpec::with_tables(n, 0.01, 7);
        let t0 = Instant::now();
        let (declared, snapshot) = synth::generate(&spec);
        let (rss, _) = memory();
        println!(
            "n={n}: generated in {:.2}s: {} declared, {} snapshot securables, {} columns, {} grants, {} tags; rss {rss} MiB",
            t0.elapsed().as_secs_f64(),
            declared.securables.len(),
            snapshot.securables.len(),
            snapshot.columns.len(),
            snapshot.grants.len(),
            snapshot.tags.len(),
        );

        for threads in [1usize, 2] {
            let t = Instant::now();
            let n_idx = pool(threads).install(|| diff::SnapshotIndex::build(&snapshot).len());
            println!(
                "n={n}: index threads={threads}: {:.3}s ({n_idx} securables)",
                t.elapsed().as_secs_f64()
            );
        }

        // 1. The differ alone.
        let runs = if n >= 1_000_000 { 3 } else { 5 };
        let mut best = Vec::new();
        for threads in [1usize, 2] {
            reset_peak();
            let p = pool(threads);
            let mut changes = 0;
            let mut times: Vec<Duration> = (0..runs)
                .map(|_| {
                    p.install(|| {
                        let t = Instant::now();
                        let set = diff::diff(&declared, &snapshot, &DiffOptions::default());
                        let e = t.elapsed();
                        changes = set.change_count();
                        e
                    })
                })
                .collect();
            times.sort();
            let (_, peak) = memory();
            println!(
                "n={n}: diff threads={threads}: best {:.3}s median {:.3}s of {runs}; {changes} changes; peak rss {peak} MiB",
                times[0].as_secs_f64(),
                times[runs / 2].as_secs_f64()
            );
            best.push(times[0]);
        }
        println!(
            "n={n}: diff speed-up 2 threads vs 1: {:.2}x",
            best[0].as_secs_f64() / best[1].as_secs_f64()
        );

        // 2. End to end from Parquet (no YAML): read, diff, classify, render JSON.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snap");
        let t = Instant::now();
        store::write(&snapshot, &path).unwrap();
        println!("n={n}: parquet write {:.2}s", t.elapsed().as_secs_f64());
        drop(snapshot);
        for threads in [1usize, 2] {
            reset_peak();
            pool(threads).install(|| {
                let t = Instant::now();
                let snap = store::read(&path).unwrap();
                let read = t.elapsed();
                let set = diff::diff(&declared, &snap, &DiffOptions::default());
                let diffed = t.elapsed();
                let opts = DriftOptions {
                    timestamp: Timestamp(0),
                    ..DriftOptions::default()
                };
                let rep = drift::classify(&declared, &snap, set, &opts);
                let classified = t.elapsed();
                let mut out = Vec::new();
                report::render(&rep, Format::Json, &RenderOptions::default(), &mut out).unwrap();
                let total = t.elapsed();
                let s = rep.summary();
                let (_, peak) = memory();
                println!(
                    "n={n}: end-to-end threads={threads}: {:.2}s (read {:.2}s, diff {:.2}s, classify {:.2}s, json {:.2}s, {} MiB); {} drifted fields, {} missing, {} compliant; peak rss {peak} MiB (declared state resident throughout)",
                    total.as_secs_f64(),
                    read.as_secs_f64(),
                    (diffed - read).as_secs_f64(),
                    (classified - diffed).as_secs_f64(),
                    (total - classified).as_secs_f64(),
                    out.len() / (1 << 20),
                    s.drifted,
                    s.missing,
                    s.compliant
                );
            });
        }
    }
}

//! Benchmark of the differ: N declared tables against an N-table snapshot with 1% drift,
//! on a 1-thread and a 2-thread rayon pool, plus classification and JSON rendering, and
//! the process's memory. Prints one line per measurement; figures go to
//! `docs/benchmarks.md`.
//!
//! Run: `cargo bench --bench diff` (sizes 10k, 100k, 1M) or
//! `cargo bench --bench diff -- 100000` for chosen sizes.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

#[path = "../tests/it/drift/generate.rs"]
mod generate;

use std::time::{Duration, Instant};

use brickkit::diff::{self, DiffOptions};
use brickkit::drift::{self, DriftOptions};
use brickkit::model::Timestamp;
use brickkit::report::{self, Format, RenderOptions};

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

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
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
        let t0 = Instant::now();
        let (declared, snapshot) = generate::generate(n, 100);
        let gen_time = t0.elapsed();
        let (rss_inputs, _) = memory();
        println!(
            "n={n} generated in {:.2}s: {} declared securables, {} snapshot securables, {} grants, {} tags; rss {} MiB",
            gen_time.as_secs_f64(),
            declared.securables.len(),
            snapshot.securables.len(),
            snapshot.grants.len(),
            snapshot.tags.len(),
            rss_inputs
        );
        let runs = if n >= 1_000_000 { 2 } else { 3 };
        let mut times = Vec::new();
        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut changes = 0;
            let t = best_of(runs, || {
                pool.install(|| {
                    let t = Instant::now();
                    let set = diff::diff(&declared, &snapshot, &DiffOptions::default());
                    let e = t.elapsed();
                    changes = set.change_count();
                    drop(set);
                    e
                })
            });
            let (_, peak) = memory();
            println!(
                "n={n} threads={threads} diff {:.3}s (best of {runs}), {changes} changes, peak rss {peak} MiB",
                t.as_secs_f64()
            );
            times.push(t);
        }
        println!(
            "n={n} speed-up 2 threads vs 1: {:.2}x",
            times[0].as_secs_f64() / times[1].as_secs_f64()
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.install(|| {
            let t = Instant::now();
            let set = diff::diff(&declared, &snapshot, &DiffOptions::default());
            let d = t.elapsed();
            let opts = DriftOptions {
                timestamp: Timestamp(0),
                ..DriftOptions::default()
            };
            let t = Instant::now();
            let report = drift::classify(&declared, &snapshot, set, &opts);
            let c = t.elapsed();
            let t = Instant::now();
            let mut sink = std::io::sink();
            report::render(&report, Format::Json, &RenderOptions::default(), &mut sink).unwrap();
            let r = t.elapsed();
            let s = report.summary();
            let (_, peak) = memory();
            println!(
                "n={n} threads=2 diff {:.3}s + classify {:.3}s + json render {:.3}s; {} drifted, {} missing, {} unmanaged, {} compliant; peak rss {peak} MiB",
                d.as_secs_f64(),
                c.as_secs_f64(),
                r.as_secs_f64(),
                s.drifted,
                s.missing,
                s.unmanaged,
                s.compliant
            );
        });
    }
}

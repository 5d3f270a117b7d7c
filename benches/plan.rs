//! Benchmark of planning on synthetic metastores (`brickkit_testkit::synth::generate`:
//! 5 columns, 3 grants, 3 tags per table, 5% of tables drifted):
//!
//! 1. planning after the diff (`plan::plan`: the classification and the planner) and the
//!    planner alone on an already classified report (`plan::plan_report`), best of 3;
//! 2. the plan file: encode + write + read + decode of a 100,000-operation plan, and its
//!    size per operation.
//!
//! Targets (issue 13): planning ≤ 1 s after the diff at 1,000,000 tables; plan file write +
//! read ≤ 1 s for 100,000 operations; ≤ 100 bytes per operation on average. The figures go
//! to `docs/benchmarks.md`.
//!
//! Run: `cargo bench --bench plan` (1M tables) or `cargo bench --bench plan -- 100000`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use brickkit::diff::{self, DiffOptions};
use brickkit::drift::{self, DriftOptions};
use brickkit::plan::{self, Plan, PlanOptions, file};
use brickkit_testkit::synth::{self, SynthSpec};

/// The allocator the `brickkit` binary uses (see `src/main.rs`), so the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = None;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        times.push(t.elapsed());
        out = Some(v);
    }
    times.sort();
    (times[0], out.unwrap())
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let spec = SynthSpec::with_tables(n, 0.05, 7);
    let t = Instant::now();
    let (declared, snapshot) = synth::generate(&spec);
    println!(
        "n={n}: generated in {:.2}s ({} declared securables)",
        t.elapsed().as_secs_f64(),
        declared.securables.len()
    );
    let t = Instant::now();
    let diffs = diff::diff(&declared, &snapshot, &DiffOptions::default());
    println!(
        "n={n}: diff {:.3}s, {} changes",
        t.elapsed().as_secs_f64(),
        diffs.change_count()
    );

    // 1. Planning after the diff.
    let opts = PlanOptions::default();
    let (full, p) = best(3, || plan::plan(&declared, &snapshot, &diffs, &opts));
    let s = p.summary();
    println!(
        "n={n}: plan (classify + plan) best {:.3}s of 3: {} operations ({} create, {} change, {} revoke), {} not planned",
        full.as_secs_f64(),
        p.operations.len(),
        s.create,
        s.change,
        s.revoke,
        s.not_planned
    );
    let report = drift::classify(
        &declared,
        &snapshot,
        diffs.clone(),
        &DriftOptions::default(),
    );
    let (alone, _) = best(3, || {
        plan::plan_report(&declared, &snapshot, &diffs, &report, &opts)
    });
    println!(
        "n={n}: planner alone (after classify) best {:.3}s of 3",
        alone.as_secs_f64()
    );

    // The plan's own file: bytes per operation without any repetition added.
    let own = file::encode(&p).unwrap();
    println!(
        "n={n}: the plan's own file: {} operations, {} bytes, {:.1} bytes/operation",
        p.operations.len(),
        own.len(),
        own.len() as f64 / p.operations.len().max(1) as f64
    );

    // 2. The plan file with 100,000 operations (the plan's own, cycled with fresh ids if it
    //    has fewer).
    let target = 100_000;
    let mut big: Plan = p.clone();
    big.operations.clear();
    let mut i = 0usize;
    while big.operations.len() < target && !p.operations.is_empty() {
        let mut op = p.operations[i % p.operations.len()].clone();
        if i >= p.operations.len() {
            op.id = format!("{}#{}", op.id, i / p.operations.len());
        }
        big.operations.push(op);
        i += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.bkplan");
    let (write, bytes) = best(3, || {
        let bytes = file::encode(&big).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        bytes.len()
    });
    let (read, back) = best(3, || file::decode(&std::fs::read(&path).unwrap()).unwrap());
    assert_eq!(back.operations.len(), big.operations.len());
    println!(
        "plan file, {} operations: write {:.3}s + read {:.3}s = {:.3}s; {} bytes, {:.1} bytes/operation",
        big.operations.len(),
        write.as_secs_f64(),
        read.as_secs_f64(),
        (write + read).as_secs_f64(),
        bytes,
        bytes as f64 / big.operations.len() as f64
    );
}

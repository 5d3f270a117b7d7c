//! Benchmark of `brickkit import` on synthetic metastores
//! (`brickkit_testkit::synth::generate_snapshot`: 5 columns, 3 grants, 3 tags per table):
//! rendering the declared-format YAML of every securable (`import::render`, infrastructure
//! included), its size, and the process's peak memory against the snapshot's own.
//!
//! Before the snapshot index (issue #16 item 4) rendering scanned every tag, grant and column
//! row for each securable: 26 s for 10,000 tables, 155 s for 20,000.
//!
//! Then the rendered files (`import::render_files`, one per catalog and schema, as
//! `brickkit import --out` writes them) are written to a temp tree with a `brickkit.yaml`
//! and loaded three times: without the parsed-file cache, with a cold cache (parse and
//! store every file) and warm (every file from the cache).
//!
//! Run: `cargo bench --bench import` (10k, 100k, 1M) or `cargo bench --bench import -- 100000`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::path::Path;
use std::time::Instant;

use brickkit::declared::{self, cache::Cache};
use brickkit::import::{self, ImportOptions};
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};

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
        let snap = generate_snapshot(&SynthSpec::with_tables(n, 0.01, 7));
        let (rss_snapshot, _) = memory();
        let opts = ImportOptions {
            infrastructure: true,
            ..ImportOptions::default()
        };
        let start = Instant::now();
        let yaml = import::render(&snap, &opts);
        let took = start.elapsed();
        let (_, peak) = memory();
        println!(
            "import {n} tables: render {:.2} s, {} MiB of YAML ({} lines); RSS with the snapshot {rss_snapshot} MiB, peak {peak} MiB",
            took.as_secs_f64(),
            yaml.len() / (1024 * 1024),
            yaml.lines().count()
        );
        drop(yaml);
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        write_tree(&tree, &import::render_files(&snap, &opts));
        drop(snap);
        let cache = dir.path().join("cache");
        for (label, cache) in [
            ("no cache", None),
            ("cold cache", Some(Cache::new(&cache, b"bench"))),
            ("warm cache", Some(Cache::new(&cache, b"bench"))),
        ] {
            let start = Instant::now();
            let loaded = declared::load_with(&tree, Some("dev"), cache.as_ref());
            let took = start.elapsed();
            let (_, peak) = memory();
            let securables = loaded.state.as_ref().map_or(0, |s| s.securables.len());
            println!(
                "  load {n} tables ({label}): {:.2} s, {securables} securables, {} diagnostics, peak {peak} MiB{}",
                took.as_secs_f64(),
                loaded.diagnostics.len(),
                cache
                    .map(|c| format!(" ({:?})", c.stats()))
                    .unwrap_or_default()
            );
        }
    }
}

/// The imported files under `root`, with a project file for `dev`.
fn write_tree(root: &Path, files: &[import::ImportFile]) {
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(
        root.join("brickkit.yaml"),
        "project: bench\ndefault_environment: dev\nenvironments:\n  dev: {}\n",
    )
    .unwrap();
    for f in files {
        let path = root.join("imported").join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &f.text).unwrap();
    }
}

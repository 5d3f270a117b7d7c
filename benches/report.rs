//! Benchmark of the drift report renderers at metastore scale (issue 15, item 6).
//!
//! Writes the fixtures `scripts/bench_reports.sh` runs the release binary on, once, under
//! `target/bench-report/` (or `$BRICKKIT_BENCH_DIR`):
//!
//! - `snap-<N>/`: an N-table Parquet snapshot (`brickkit_testkit::synth::generate_snapshot`,
//!   `SynthSpec::with_tables(N, 0.01, 1)`: 10 catalogs × 10 schemas, 5 columns, 3 grants,
//!   3 tags per table, filter functions and masks);
//! - `tree/`: a 40-securable declaration tree (3 catalogs, their 30 schemas, 7 tables, two of
//!   them with a wrong owner), so `--unmanaged all` reports every other securable.
//!
//! Then, in this process, reads the snapshot, detects drift with `--unmanaged all` and
//! renders every format into a counting sink (best of 3), printing time, bytes and the
//! process's peak resident memory. The figures that go to `docs/benchmarks.md` are those of
//! the `brickkit drift detect` process itself (`scripts/bench_reports.sh`).
//!
//! Run: `cargo bench --bench report` (1M tables) or `cargo bench --bench report -- 100000`.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use brickkit::drift::UnmanagedScope;
use brickkit::model::Timestamp;
use brickkit::report::{self, Format, RenderOptions};
use brickkit::state::store;
use brickkit_testkit::synth::{self, SynthSpec};

/// The allocator the `brickkit` binary uses (see `src/main.rs`), so the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `VmHWM` (peak resident) of this process, in MiB.
fn peak_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}

/// A writer that only counts bytes.
struct Count(u64);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The 40-securable tree: 3 catalogs × 10 schemas and 7 tables of the synthetic snapshot.
fn write_tree(dir: &Path, tables_per_schema: usize) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("brickkit.yaml"),
        "project: bench\ndefault_environment: bench\nenvironments:\n  bench: {}\n",
    )
    .unwrap();
    let mut y = String::from("catalogs:\n");
    let mut table = 0usize;
    for c in 0..3 {
        y.push_str(&format!(
            "  - name: cat_{c:03}\n    owner: grp_platform\n    schemas:\n"
        ));
        for s in 0..10 {
            y.push_str(&format!(
                "      - name: sch_{s:03}\n        owner: grp_data_eng\n"
            ));
            if c == 0 && s < 7 {
                // Table numbers of schema s in catalog 0 start at s × tables per schema;
                // the first one of each is declared, owners t % 7 (two of them wrong).
                let t = table;
                let owner = if s < 2 {
                    "grp_wrong_owner".to_string()
                } else {
                    format!("grp_owner_{}", t % 7)
                };
                y.push_str(&format!(
                    "        tables:\n          - name: tbl_{t:07}\n            owner: {owner}\n"
                ));
            }
            table += tables_per_schema;
        }
    }
    std::fs::write(dir.join("catalogs.yaml"), y).unwrap();
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let root = std::env::var_os("BRICKKIT_BENCH_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-report"),
        PathBuf::from,
    );
    let spec = SynthSpec::with_tables(n, 0.01, 1);
    let snap_dir = root.join(format!("snap-{n}"));
    if !snap_dir.join("manifest.json").exists() {
        let t = Instant::now();
        let snapshot = synth::generate_snapshot(&spec);
        let _ = std::fs::remove_dir_all(&snap_dir);
        std::fs::create_dir_all(&root).unwrap();
        store::write(&snapshot, &snap_dir).unwrap();
        println!(
            "n={n}: snapshot written to {} in {:.1}s",
            snap_dir.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let tree = root.join("tree");
    write_tree(&tree, spec.tables_per_schema);
    println!("tree: {}", tree.display());
    println!("snapshot: {}", snap_dir.display());

    let loaded = brickkit::app::load_tree(&tree, None).unwrap();
    let opts = brickkit::app::DetectOptions {
        timestamp: Timestamp(0),
        unmanaged: UnmanagedScope::All,
        ignore: Vec::new(),
    };
    let t = Instant::now();
    let detected = brickkit::app::detect(
        &loaded,
        brickkit::app::Source::Saved(snap_dir.as_path()),
        &opts,
    )
    .unwrap();
    let rep = &detected.report;
    let s = rep.summary();
    println!(
        "n={n}: read + detect {:.2}s: {} drifted, {} missing, {} unmanaged, {} compliant; peak rss {} MiB",
        t.elapsed().as_secs_f64(),
        s.drifted,
        s.missing,
        s.unmanaged,
        s.compliant,
        peak_mib()
    );
    for verbose in [false, true] {
        for format in Format::ALL {
            let ropts = RenderOptions {
                verbose,
                ..RenderOptions::default()
            };
            let mut times: Vec<Duration> = Vec::new();
            let mut bytes = 0;
            for _ in 0..3 {
                let mut sink = Count(0);
                let t = Instant::now();
                report::render(rep, format, &ropts, &mut sink).unwrap();
                times.push(t.elapsed());
                bytes = sink.0;
            }
            times.sort();
            println!(
                "n={n}: render {format:<8} verbose={verbose:<5}: best {:.3}s, {:.1} MB; peak rss {} MiB",
                times[0].as_secs_f64(),
                bytes as f64 / 1e6,
                peak_mib()
            );
        }
    }
}

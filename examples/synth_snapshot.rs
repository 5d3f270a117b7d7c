//! Write a synthetic snapshot of N tables (no columns, grants or tags; none of them
//! declared by `examples/governance`), for checks at metastore scale:
//! `drift detect examples/governance --env dev --snapshot DIR --unmanaged all` then reports
//! about N unmanaged securables. Used by `scripts/check_html.sh`.
//!
//! Run from the repository root: `cargo run --example synth_snapshot -- 1000000 /tmp/snap [DAY]`
//! (every snapshot is of the same lineage; DAY, 1 to 28, says when it was taken:
//! 2026-11-DAY, so a few of them make a history of one point per day).
//!
//! With `--full` the snapshot is the store bench's instead (`benches/store.rs`: 5 columns,
//! 3 grants and 3 tags per table, 1 % drift, seed 1; ~12 rows per table), the one
//! `scripts/bench_vs_duckdb.sh` reads with brickkit and with DuckDB. With `--rich` every
//! table gets 5 columns, 3 grants and 3 tags and no drift (the import bench's metastore):
//! `brickkit import --out` of it is the 1M-table tree of docs/benchmarks.md
//! (`scripts/bench_tree_load.sh`).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::Path;

use brickkit::model::Timestamp;
use brickkit::state::id::new_snapshot_id;
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--full");
    let rich = args.iter().any(|a| a == "--rich");
    args.retain(|a| a != "--full" && a != "--rich");
    let (Some(n), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: synth_snapshot [--full | --rich] TABLES OUT_DIR [DAY]".into());
    };
    let tables: usize = n.parse()?;
    let day: u32 = args.get(3).map_or(Ok(27), |s| s.parse())?;
    let spec = if full {
        SynthSpec::with_tables(tables, 0.01, 1)
    } else if rich {
        SynthSpec::with_tables(tables, 0.0, 7)
    } else {
        SynthSpec {
            columns_per_table: 0,
            grants_per_table: 0,
            tags_per_table: 0,
            ..SynthSpec::with_tables(tables, 0.0, 7)
        }
    };
    let mut snapshot = generate_snapshot(&spec);
    let taken_at = Timestamp::from_civil(2026, 11, day.clamp(1, 28), 0, 0, 0, 0);
    snapshot.manifest.taken_at = taken_at;
    snapshot.manifest.snapshot_id = new_snapshot_id(taken_at, 7);
    brickkit::state::store::write(&snapshot, Path::new(out))?;
    println!(
        "{out}: {} securables ({} tables)",
        snapshot.securables.len(),
        spec.table_count()
    );
    Ok(())
}

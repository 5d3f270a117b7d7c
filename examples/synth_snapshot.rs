//! Write a synthetic snapshot of N tables (no columns, grants or tags; none of them
//! declared by `examples/governance`), for checks at metastore scale:
//! `drift detect examples/governance --env dev --snapshot DIR --unmanaged all` then reports
//! about N unmanaged securables. Used by `scripts/check_html.sh`.
//!
//! Run from the repository root: `cargo run --example synth_snapshot -- 1000000 /tmp/snap [DAY]`
//! (every snapshot is of the same lineage; DAY, 1 to 28, says when it was taken:
//! 2026-11-DAY, so a few of them make a history of one point per day).
//!
//! With `SYNTH_RICH=1` every table gets 5 columns, 3 grants and 3 tags (the import bench's
//! metastore): `brickkit import --out` of it is the 1M-table tree of docs/benchmarks.md.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::Path;

use brickkit::model::Timestamp;
use brickkit::state::id::new_snapshot_id;
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(n), Some(out)) = (args.get(1), args.get(2)) else {
        return Err("usage: synth_snapshot TABLES OUT_DIR [DAY]".into());
    };
    let tables: usize = n.parse()?;
    let day: u32 = args.get(3).map_or(Ok(27), |s| s.parse())?;
    let rich = std::env::var("SYNTH_RICH").is_ok_and(|v| v == "1");
    let spec = if rich {
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

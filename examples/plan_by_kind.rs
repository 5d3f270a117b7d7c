//! The library surface of reconciliation, without the CLI: for each securable kind, read its
//! state (from a saved snapshot here; `brickkit::app::collect_to_disk` or
//! `brickkit::state::collect::collect` read it live), diff it, plan it, and keep the plan
//! file an apply would replay.
//!
//! Run from the repository root: `cargo run --example plan_by_kind`.

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::path::Path;

use brickkit::app;
use brickkit::declared::DeclaredState;
use brickkit::diff::{self, DiffOptions};
use brickkit::drift::IgnoreRules;
use brickkit::model::SecurableKind;
use brickkit::plan::{self, PlanOptions, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tree = app::load_tree(Path::new("examples/governance"), Some("dev"))?;
    let snapshot = app::snapshot::read(Path::new("snapshots/example"))?;
    let opts = PlanOptions {
        ignore: IgnoreRules::from_specs(&tree.state.ignore, &[]).unwrap(),
        ..PlanOptions::default()
    };

    for kind in SecurableKind::ALL {
        // The declarations of one kind: read, diff and plan just those.
        let state = DeclaredState {
            securables: tree
                .state
                .securables
                .iter()
                .filter(|s| s.kind == kind)
                .cloned()
                .collect(),
            ..tree.state.clone()
        };
        if state.securables.is_empty() {
            continue;
        }
        let observed = snapshot
            .securables
            .iter()
            .filter(|s| s.kind == Some(kind))
            .count();
        let diffs = diff::diff(&state, &snapshot, &DiffOptions::default());
        let plan = plan::plan(&state, &snapshot, &diffs, &opts);
        println!(
            "{kind}: {} declared, {observed} observed, {} changed field(s), {} operation(s)",
            state.securables.len(),
            diffs.change_count(),
            plan.operations.len()
        );
        for op in &plan.operations {
            println!("  {} {} [{}]", op.effect().symbol(), op.full_name, op.op);
        }
    }

    // The whole tree's plan, as a reviewer sees it and as a file apply replays.
    let diffs = diff::diff(&tree.state, &snapshot, &DiffOptions::default());
    let plan = plan::plan(&tree.state, &snapshot, &diffs, &opts);
    println!("{}", render::summary_line(&plan));
    let out = std::env::temp_dir().join("plan_by_kind.bkplan");
    let digest = app::write_plan(&out, &plan)?;
    assert_eq!(app::read_plan(&out)?, plan);
    println!("plan file {} ({digest})", out.display());
    Ok(())
}

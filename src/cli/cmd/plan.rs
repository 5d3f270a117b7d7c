//! `brickkit drift plan` and `brickkit drift show-plan`: plan the operations that would fix
//! the drift through `app::plan` (against a saved snapshot, or live like `drift detect`),
//! print the plan, optionally write the plan file; print a saved plan file exactly as it
//! was printed when made.
//!
//! Exit codes: 0 nothing to do, 1 the plan has operations, 2 error (tree does not load,
//! snapshot unreadable or live collection impossible, bad ignore pattern, plan file not
//! writable, or a plan file that is not a plan, of an unknown version, truncated or
//! corrupt).

use brickkit::app::{self, PlanRequest};
use brickkit::plan::{Plan, render};

use crate::cli::args::{DriftPlanArgs, Globals, PlanFormat, ShowPlanArgs};
use crate::cli::report::{workflow_error, workflow_error_then};
use crate::cli::source::{self, SourceArgs};
use crate::cli::{clock, exit, term};

fn print(plan: &Plan, format: PlanFormat) -> anyhow::Result<u8> {
    let mut buf = Vec::new();
    render::render(plan, format.into(), &mut buf)?;
    term::stdout_write(&buf)?;
    Ok(if plan.is_empty() {
        exit::OK
    } else {
        exit::DRIFT
    })
}

pub fn plan(args: &DriftPlanArgs, g: &Globals) -> anyhow::Result<u8> {
    let tree = match app::load_tree(&args.dir, args.env.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            workflow_error_then(&e, "; nothing was planned");
            return Ok(exit::ERROR);
        }
    };
    let opts = PlanRequest {
        timestamp: clock::now(),
        unmanaged: args.unmanaged.into(),
        ignore: args.ignore.clone(),
    };
    let source_args = SourceArgs {
        snapshot: args.snapshot.as_deref(),
        conn: &args.conn,
        mode: args.mode,
        snapshots_dir: &args.snapshots_dir,
        verb: "plan against",
    };
    let Ok(planned) = source::run(
        &tree,
        &source_args,
        g,
        |source| app::plan::plan(&tree, source, &opts),
        |r| (&r.snapshot, r.snapshot_path.as_path()),
    ) else {
        return Ok(exit::ERROR);
    };
    let planned = match planned {
        Ok(p) => p,
        Err(e) => {
            workflow_error(&e);
            return Ok(exit::ERROR);
        }
    };
    if let Some(out) = &args.out {
        match app::write_plan(out, &planned.plan) {
            Ok(digest) => {
                if !g.quiet {
                    term::info(&format!("plan written to {} ({digest})", out.display()));
                }
            }
            Err(e) => {
                workflow_error(&e);
                return Ok(exit::ERROR);
            }
        }
    }
    // History is a side record: failing to write it warns, never changes the exit code.
    if !args.no_history
        && let Err(e) =
            app::history::record_drift(&args.history, &planned.snapshot, &planned.report)
    {
        term::warn(&format!(
            "drift not recorded in history: {e} (pass --no-history to skip)"
        ));
    }
    // The plan itself, named by its file digest (the same with or without --out).
    if !args.no_history {
        let digest = app::apply::digest_of_plan(&planned.plan);
        if let Err(e) =
            app::history::record_plan(&args.history, &planned.plan, &digest, opts.timestamp)
        {
            term::warn(&format!(
                "plan not recorded in history: {e} (pass --no-history to skip)"
            ));
        }
    }
    print(&planned.plan, args.format)
}

pub fn show(args: &ShowPlanArgs, _g: &Globals) -> anyhow::Result<u8> {
    match app::read_plan(&args.file) {
        Ok(plan) => print(&plan, args.format),
        Err(e) => {
            workflow_error(&e);
            Ok(exit::ERROR)
        }
    }
}

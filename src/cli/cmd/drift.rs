//! `brickkit drift detect`: load the tree and detect drift through `app::detect` (against a
//! saved snapshot, or live: the declared catalogs and the infrastructure are collected and
//! the snapshot kept under `--snapshots-dir`), render the report, record it in history,
//! choose the exit code. The report is streamed to `--output` (atomically) or stdout;
//! `--verbose` lists every finding where text, markdown and JUnit would collapse long lists.
//!
//! Exit codes: 0 in sync (no finding at or above `--fail-on`), 1 drift at or above
//! `--fail-on` (missing securables count as warning, unmanaged as info, unless a severity
//! override says otherwise; unknown never fails on its own), 3 the snapshot holds
//! collection issues and `--fail-on-issues` was given (wins over 1), 2 error (tree does not
//! load, snapshot unreadable or live collection impossible, bad ignore pattern, output not
//! writable).

use anyhow::Context as _;
use brickkit::app::{self, DetectOptions};
use brickkit::report::{self, Format, RenderOptions};

use crate::cli::args::{DriftDetectArgs, Globals};
use crate::cli::report::{workflow_error, workflow_error_then, writer_lock};
use crate::cli::source::{self, SourceArgs};
use crate::cli::{clock, exit, output, term};

pub fn detect(args: &DriftDetectArgs, g: &Globals) -> anyhow::Result<u8> {
    let tree = match app::load_tree(&args.dir, args.env.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            workflow_error_then(&e, "; nothing was compared");
            return Ok(exit::ERROR);
        }
    };
    if !tree.violations.is_empty() && !g.quiet {
        term::warn(&format!(
            "{}: {} convention violation(s) in the declarations (run `brickkit validate` for details)",
            args.dir.display(),
            tree.violations.len()
        ));
    }
    // A live run records the snapshot it takes: hold the history's writer lock from before
    // its time is read until it is recorded (see `snapshot collect`).
    let _lock = (args.snapshot.is_none() && !args.no_history)
        .then(|| writer_lock(&args.history, g.quiet))
        .flatten();
    let opts = DetectOptions {
        timestamp: clock::now(),
        unmanaged: args.unmanaged.into(),
        ignore: args.ignore.clone(),
    };
    let source_args = SourceArgs {
        snapshot: args.snapshot.as_deref(),
        conn: &args.conn,
        mode: args.mode,
        snapshots_dir: &args.snapshots_dir,
        verb: "compare against",
    };
    let Ok(detected) = source::run(
        &tree,
        &source_args,
        g,
        |source| app::detect(&tree, source, &opts),
        |r| (&r.snapshot, r.snapshot_path.as_path()),
    ) else {
        return Ok(exit::ERROR);
    };
    let detected = match detected {
        Ok(d) => d,
        Err(e) => {
            workflow_error(&e);
            return Ok(exit::ERROR);
        }
    };

    let format: Format = args.format.into();
    let render_opts = RenderOptions {
        color: format == Format::Text && args.output.is_none() && term::use_color(g.color),
        source_root: Some(args.dir.display().to_string()),
        verbose: g.verbose > 0,
        ..RenderOptions::default()
    };
    // Streamed into the file or stdout: a report of a million findings is never held whole.
    let render =
        |w: &mut dyn std::io::Write| report::render(&detected.report, format, &render_opts, w);
    match &args.output {
        Some(path) => output::write_atomic_with(path, render)
            .with_context(|| format!("cannot write report {}", path.display()))?,
        None => term::stdout_stream(render)?,
    }

    // History is a side record: failing to write it warns, never changes the exit code.
    if !args.no_history
        && let Err(e) =
            app::history::record_drift(&args.history, &detected.snapshot, &detected.report)
    {
        term::warn(&format!(
            "drift not recorded in history: {e} (pass --no-history to skip)"
        ));
    }

    let issues = detected.snapshot.collection_issues.len();
    if issues > 0 && !g.quiet {
        term::warn(&format!(
            "the snapshot is partial: {issues} collection issue(s); {} securable(s) or attribute(s) could not be checked (UNKNOWN in the report)",
            detected.report.unknown.len()
        ));
    }
    let code = if args.fail_on_issues && issues > 0 {
        exit::PARTIAL
    } else if detected.report.fails(args.fail_on.into()) {
        exit::DRIFT
    } else {
        exit::OK
    };
    // The process ends right after this: freeing the snapshot and the report one string at
    // a time (tens of millions at metastore scale) would cost about half a second of CPU
    // for nothing (docs/benchmarks.md, policy rules).
    std::mem::forget(detected);
    Ok(code)
}

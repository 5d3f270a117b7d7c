//! `brickkit drift detect`: load the tree and detect drift through `app::detect` (against a
//! saved snapshot, or live: the declared catalogs and the infrastructure are collected and
//! the snapshot kept under `--snapshots-dir`), render the report, record it in history,
//! choose the exit code.
//!
//! Exit codes: 0 in sync (no finding at or above `--fail-on`), 1 drift at or above
//! `--fail-on` (missing securables count as warning, unmanaged as info, unless a severity
//! override says otherwise; unknown never fails on its own), 2 error (tree does not load,
//! snapshot unreadable or live collection impossible, bad ignore pattern, output not
//! writable).

use anyhow::Context as _;
use brickkit::app::{self, DetectOptions, Source};
use brickkit::report::{self, Format, RenderOptions};

use crate::cli::args::{DriftDetectArgs, Globals};
use crate::cli::progress::Bar;
use crate::cli::report::{warn_collection_issues, workflow_error, workflow_error_then};
use crate::cli::{clock, env, exit, output, term};

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
    let opts = DetectOptions {
        timestamp: clock::now(),
        unmanaged: args.unmanaged.into(),
        ignore: args.ignore.clone(),
    };
    let detected = match &args.snapshot {
        Some(path) => app::detect(&tree, Source::Saved(path), &opts),
        None => {
            env::init_tracing();
            let inputs = env::connection_inputs(&args.conn, Some(tree.connection.clone()));
            let live = app::connect(&inputs).and_then(|connection| {
                let bar = Bar::start(g.quiet);
                let source = Source::Live {
                    connection: &connection,
                    mode: args.mode.into(),
                    out: &args.snapshots_dir,
                    entropy: clock::entropy(),
                    progress: bar.clone(),
                };
                let result = app::detect(&tree, source, &opts);
                bar.finish();
                result
            });
            if let Err(
                e @ (app::Error::Connection(_)
                | app::Error::Collect { .. }
                | app::Error::NothingCollected { .. }
                | app::Error::Client(_)),
            ) = &live
            {
                workflow_error(e);
                term::error(
                    "live collection failed; pass --snapshot <PATH> to compare against a saved snapshot",
                );
                return Ok(exit::ERROR);
            }
            if let Ok(d) = &live {
                warn_collection_issues(&d.snapshot, g.quiet);
                if !g.quiet {
                    term::info(&format!(
                        "live snapshot kept at {}",
                        d.snapshot_path.display()
                    ));
                }
            }
            live
        }
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
        ..RenderOptions::default()
    };
    let mut buf = Vec::new();
    report::render(&detected.report, format, &render_opts, &mut buf)?;
    match &args.output {
        Some(path) => output::write_atomic(path, &buf)
            .with_context(|| format!("cannot write report {}", path.display()))?,
        None => term::stdout_write(&buf)?,
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

    Ok(if detected.report.fails(args.fail_on.into()) {
        exit::DRIFT
    } else {
        exit::OK
    })
}

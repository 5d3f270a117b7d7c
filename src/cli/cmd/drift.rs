//! `brickkit drift detect`: load the declaration tree, read the snapshot, diff and
//! classify, render the report, choose the exit code.
//!
//! Exit codes: 0 in sync (no finding at or above `--fail-on`), 1 drift at or above
//! `--fail-on` (missing securables count as warning, unmanaged as info, unless a severity
//! override says otherwise; unknown never fails on its own), 2 error (tree does not load,
//! snapshot unreadable or live collection impossible, bad ignore pattern, output not
//! writable). Without `--snapshot` the declared catalogs and the infrastructure are
//! collected live (the snapshot is kept under `--snapshots-dir`).

use std::io::Write;

use anyhow::Context;

use crate::cli::args::{
    DriftDetectArgs, FailOn, Globals, ReportFormat, StoreFormat, UnmanagedScope,
};
use crate::cli::cmd::collect;
use crate::cli::cmd::validate::diagnostic_line;
use crate::cli::{exit, term};
use crate::declared::{self, Level};
use crate::diff::DiffOptions;
use crate::drift::{self, DriftOptions, IgnoreRules};
use crate::model::{SecurableKind, Severity};
use crate::report::{self, Format, RenderOptions};
use crate::state::store;

pub fn detect(args: &DriftDetectArgs, g: &Globals) -> anyhow::Result<u8> {
    let loaded = declared::load(&args.dir, args.env.as_deref());
    let errors = loaded
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    let state = match (&loaded.state, errors) {
        (Some(state), 0) => state,
        _ => {
            let mut err = std::io::stderr().lock();
            for d in &loaded.diagnostics {
                let _ = writeln!(err, "{}", diagnostic_line(&args.dir, d));
            }
            drop(err);
            term::error(&format!(
                "{}: the declaration tree cannot be loaded ({errors} error(s)); nothing was compared",
                args.dir.display()
            ));
            return Ok(exit::ERROR);
        }
    };
    let violations = loaded.diagnostics.len();
    if violations > 0 && !g.quiet {
        term::warn(&format!(
            "{}: {violations} convention violation(s) in the declarations (run `brickkit validate` for details)",
            args.dir.display()
        ));
    }

    let snapshot_path = match &args.snapshot {
        Some(p) => p.clone(),
        None => {
            // Live: collect the declared catalogs and the infrastructure, keep the snapshot.
            let catalogs: Vec<String> = state
                .securables
                .iter()
                .filter(|s| s.kind == SecurableKind::Catalog)
                .map(|s| s.full_name.clone())
                .collect();
            let envc = declared::connection::env_connection(&args.dir, args.env.as_deref())
                .unwrap_or_default();
            let mut conn = args.conn.clone();
            if conn.host.is_none() && std::env::var_os("DATABRICKS_HOST").is_none() {
                conn.host = envc.host.clone();
            }
            let req = collect::Request {
                catalogs,
                mode: args.mode,
                format: StoreFormat::Parquet,
                out: args.snapshots_dir.clone(),
                infrastructure: true,
                conn,
                profile_default: envc.profile,
                warehouse_default: envc.warehouse_id,
            };
            match collect::collect_to_disk(&req, g)? {
                Some((p, _)) => {
                    if !g.quiet {
                        term::info(&format!("live snapshot kept at {}", p.display()));
                    }
                    p
                }
                None => {
                    term::error(
                        "live collection failed; pass --snapshot <PATH> to compare against a saved snapshot",
                    );
                    return Ok(exit::ERROR);
                }
            }
        }
    };
    let snapshot = store::read(&snapshot_path)
        .with_context(|| format!("cannot use snapshot {}", snapshot_path.display()))?;

    let ignore = match IgnoreRules::from_specs(&state.ignore, &args.ignore) {
        Ok(rules) => rules,
        Err(errs) => {
            for e in &errs {
                term::error(&e.to_string());
            }
            return Ok(exit::ERROR);
        }
    };
    let opts = DriftOptions {
        timestamp: crate::cli::clock::now(),
        unmanaged: match args.unmanaged {
            UnmanagedScope::Declared => drift::UnmanagedScope::Declared,
            UnmanagedScope::All => drift::UnmanagedScope::All,
        },
        ignore,
    };
    let report = drift::detect(state, &snapshot, &DiffOptions::default(), &opts);

    let format = match args.format {
        ReportFormat::Text => Format::Text,
        ReportFormat::Json => Format::Json,
        ReportFormat::Markdown => Format::Markdown,
        ReportFormat::Sarif => Format::Sarif,
        ReportFormat::Junit => Format::Junit,
    };
    let render_opts = RenderOptions {
        color: format == Format::Text && args.output.is_none() && term::use_color(g.color),
        source_root: Some(args.dir.display().to_string()),
        ..RenderOptions::default()
    };
    let mut buf = Vec::new();
    report::render(&report, format, &render_opts, &mut buf)?;
    match &args.output {
        Some(path) => crate::cli::output::write_atomic(path, &buf)
            .with_context(|| format!("cannot write report {}", path.display()))?,
        None => term::stdout_write(&buf)?,
    }

    // History is a side record: failing to write it warns, never changes the exit code.
    if !args.no_history {
        match crate::cli::cmd::history::record(&args.history, &snapshot, &report) {
            Ok(_) => {}
            Err(e) => term::warn(&format!(
                "drift not recorded in history: {e} (pass --no-history to skip)"
            )),
        }
    }

    let threshold = match args.fail_on {
        FailOn::Critical => Severity::Critical,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    Ok(if report.fails(threshold) {
        exit::DRIFT
    } else {
        exit::OK
    })
}

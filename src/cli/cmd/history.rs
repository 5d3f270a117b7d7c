//! `brickkit history ingest | show | report | export`: orchestration over
//! `brickkit::history`. Exit codes: 0 done, 2 error (a refused snapshot writes nothing;
//! snapshots before it in the same call stay recorded).

use anyhow::Context;

use crate::cli::args::{
    Globals, HistoryExportArgs, HistoryIngestArgs, HistoryReportArgs, HistoryShowArgs,
};
use crate::cli::{exit, term};
use crate::declared::{self, DeclaredState, Level};
use crate::diff::DiffOptions;
use crate::drift::{self, DriftOptions, DriftReport, IgnoreRules};
use crate::history::{self, History, IngestOptions, Ingested};
use crate::model::Timestamp;
use crate::state::{Snapshot, store};

use crate::cli::clock::now;

/// Drift of `snapshot` against a loaded tree, with the tree's own ignore rules.
pub fn drift_of(state: &DeclaredState, snapshot: &Snapshot) -> anyhow::Result<DriftReport> {
    let ignore = IgnoreRules::from_specs(&state.ignore, &[]).map_err(|errs| {
        anyhow::anyhow!(
            "{}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let opts = DriftOptions {
        timestamp: now(),
        unmanaged: drift::UnmanagedScope::Declared,
        ignore,
    };
    Ok(drift::detect(
        state,
        snapshot,
        &DiffOptions::default(),
        &opts,
    ))
}

/// Record a snapshot and its drift report (used by `drift detect`).
pub fn record(
    path: &std::path::Path,
    snapshot: &Snapshot,
    report: &DriftReport,
) -> Result<(Ingested, Ingested), history::Error> {
    let mut h = History::open_or_create(path)?;
    let a = h.ingest_snapshot(snapshot, IngestOptions::default())?;
    let b = h.ingest_drift(report)?;
    Ok((a, b))
}

/// Record a snapshot alone (used by `snapshot collect`).
pub fn record_snapshot(
    path: &std::path::Path,
    snapshot: &Snapshot,
) -> Result<Ingested, history::Error> {
    History::open_or_create(path)?.ingest_snapshot(snapshot, IngestOptions::default())
}

pub fn ingest(args: &HistoryIngestArgs, g: &Globals) -> anyhow::Result<u8> {
    let declared_state = match &args.declared {
        None => None,
        Some(dir) => {
            let loaded = declared::load(dir, args.env.as_deref());
            let errors = loaded
                .diagnostics
                .iter()
                .filter(|d| d.level == Level::Error)
                .count();
            match loaded.state {
                Some(state) if errors == 0 => Some(state),
                _ => {
                    term::error(&format!(
                        "{}: the declaration tree cannot be loaded ({errors} error(s)); nothing was ingested (run `brickkit validate`)",
                        dir.display()
                    ));
                    return Ok(exit::ERROR);
                }
            }
        }
    };
    // Order by taken_at so a batch given in any order ingests oldest first.
    let mut manifests = Vec::new();
    for p in &args.snapshots {
        let m = store::read_manifest(p)
            .with_context(|| format!("cannot use snapshot {}", p.display()))?;
        manifests.push((m.taken_at, m.snapshot_id, p.clone()));
    }
    manifests.sort();
    let mut h = History::open_or_create(&args.history)?;
    let opts = IngestOptions {
        allow_mixed: args.allow_mixed,
    };
    for (_, id, p) in manifests {
        let snapshot =
            store::read(&p).with_context(|| format!("cannot use snapshot {}", p.display()))?;
        let outcome = h.ingest_snapshot(&snapshot, opts)?;
        let drift_outcome = match &declared_state {
            Some(state) => Some(h.ingest_drift(&drift_of(state, &snapshot)?)?),
            None => None,
        };
        if !g.quiet {
            let what = match outcome {
                Ingested::Added { events } => format!("{events} state event(s)"),
                Ingested::AlreadyPresent => "already recorded, nothing written".to_string(),
            };
            let drift = match drift_outcome {
                Some(Ingested::Added { events }) => format!(", {events} drift event(s)"),
                Some(Ingested::AlreadyPresent) => ", drift already recorded".to_string(),
                None => String::new(),
            };
            term::stdout_write(
                format!("{}: snapshot {id}: {what}{drift}\n", args.history.display()).as_bytes(),
            )?;
        }
    }
    Ok(exit::OK)
}

fn parse_since(s: &str) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(s).or_else(|| Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z")))
}

pub fn show(args: &HistoryShowArgs, _g: &Globals) -> anyhow::Result<u8> {
    let since = match &args.since {
        None => None,
        Some(s) => match parse_since(s) {
            Some(t) => Some(t.millis()),
            None => {
                term::error(&format!(
                    "--since {s}: not a date (YYYY-MM-DD) or RFC 3339 time"
                ));
                return Ok(exit::ERROR);
            }
        },
    };
    let h = History::open(&args.history)?;
    let entries = h.timeline(since, args.securable.as_deref())?;
    term::stdout_write(history::show::render(&entries).as_bytes())?;
    Ok(exit::OK)
}

pub fn report(args: &HistoryReportArgs, g: &Globals) -> anyhow::Result<u8> {
    let h = History::open(&args.history)?;
    let data = h.report_data()?;
    let html = history::html::render(&data);
    crate::cli::output::write_atomic(&args.html, html.as_bytes())
        .with_context(|| format!("cannot write report {}", args.html.display()))?;
    if !g.quiet {
        term::stdout_write(
            format!(
                "{}: {} snapshot(s), {} open drift\n",
                args.html.display(),
                data.points.len(),
                data.open.len()
            )
            .as_bytes(),
        )?;
    }
    Ok(exit::OK)
}

pub fn export(args: &HistoryExportArgs, g: &Globals) -> anyhow::Result<u8> {
    let h = History::open(&args.history)?;
    let files = history::export::export(&h, &args.parquet)?;
    if !g.quiet {
        term::stdout_write(
            format!("{}: {files} Parquet file(s)\n", args.parquet.display()).as_bytes(),
        )?;
    }
    Ok(exit::OK)
}

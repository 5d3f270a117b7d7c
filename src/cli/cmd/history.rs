//! `brickkit history ingest | show | report | export | migrate`: orchestration over
//! `brickkit::history`. Exit codes: 0 done, 2 error (a refused snapshot writes nothing;
//! snapshots before it in the same call stay recorded).

use anyhow::Context;
use brickkit::app::{self, history::BatchItem};
use brickkit::history::{self, History, IngestOptions, Ingested};
use brickkit::model::Timestamp;

use crate::cli::args::{
    Globals, HistoryExportArgs, HistoryIngestArgs, HistoryMigrateArgs, HistoryReportArgs,
    HistoryShowArgs,
};
use crate::cli::report::workflow_error_then;
use crate::cli::{clock, exit, output, term};

pub fn ingest(args: &HistoryIngestArgs, g: &Globals) -> anyhow::Result<u8> {
    let tree = match &args.declared {
        None => None,
        Some(dir) => match app::load_tree(dir, args.env.as_deref()) {
            Ok(t) => Some(t),
            Err(e) => {
                workflow_error_then(&e, "; nothing was ingested (run `brickkit validate`)");
                return Ok(exit::ERROR);
            }
        },
    };
    let opts = IngestOptions {
        allow_mixed: args.allow_mixed,
    };
    let print = |item: &BatchItem| -> std::io::Result<()> {
        if g.quiet {
            return Ok(());
        }
        let what = match item.state {
            Ingested::Added { events } => format!("{events} state event(s)"),
            Ingested::AlreadyPresent => "already recorded, nothing written".to_string(),
        };
        let drift = match item.drift {
            Some(Ingested::Added { events }) => format!(", {events} drift event(s)"),
            Some(Ingested::AlreadyPresent) => ", drift already recorded".to_string(),
            None => String::new(),
        };
        term::stdout_write(
            format!(
                "{}: snapshot {}: {what}{drift}\n",
                args.history.display(),
                item.snapshot_id
            )
            .as_bytes(),
        )
    };
    app::history::ingest_batch(
        &args.history,
        &args.snapshots,
        tree.as_ref().map(|t| &t.state),
        opts,
        clock::now(),
        print,
    )?;
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
    output::write_atomic(&args.html, html.as_bytes())
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

pub fn migrate(args: &HistoryMigrateArgs, g: &Globals) -> anyhow::Result<u8> {
    let path = &args.history;
    let waiting = || {
        if !g.quiet {
            term::info(&format!(
                "{}: another run holds the history's writer lock; waiting for it",
                path.display()
            ));
        }
    };
    let done = history::store::migrate(path, waiting)?;
    if !g.quiet {
        let line = match done {
            history::Migrated::AlreadyCurrent => format!(
                "{}: already history format 2 (event-store version {}); nothing changed\n",
                path.display(),
                history::store::EVENT_STORE_VERSION
            ),
            history::Migrated::Migrated {
                from,
                snapshots,
                state_events,
                bytes_before,
                bytes_after,
            } => format!(
                "{}: migrated from event-store version {from} (history format 1) to version {} (history format 2): {snapshots} snapshot(s), {state_events} state event(s) kept; {bytes_before} -> {bytes_after} bytes\n",
                path.display(),
                history::store::EVENT_STORE_VERSION
            ),
        };
        term::stdout_write(line.as_bytes())?;
    }
    Ok(exit::OK)
}

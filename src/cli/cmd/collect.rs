//! `brickkit snapshot collect`: resolve the connection, collect and write a snapshot
//! through `app::collect_to_disk`, warn for each collection issue, record it in history
//! and print the snapshot path last on stdout; a summary line on stderr says how many
//! securables and collection issues it holds. Exit codes: 0 written (possibly with
//! collection issues), 3 written with collection issues under `--fail-on-issues`, 2 nothing
//! collected or written.

use brickkit::app::{self, CollectRequest};

use crate::cli::args::{Globals, SnapshotCollectArgs};
use crate::cli::progress::Bar;
use crate::cli::report::{warn_collection_issues, workflow_error, writer_lock};
use crate::cli::{clock, env, exit, term};

pub fn run(args: &SnapshotCollectArgs, g: &Globals) -> anyhow::Result<u8> {
    env::init_tracing();
    let conn = match app::connect(&env::connection_inputs(&args.conn, None)) {
        Ok(c) => c,
        Err(e) => {
            workflow_error(&e);
            return Ok(exit::ERROR);
        }
    };
    let history = (!args.no_history).then(|| {
        args.history
            .clone()
            .unwrap_or_else(|| args.out.join("history.sqlite"))
    });
    // Held from before the snapshot's time is read until it is recorded (see
    // `app::history::lock_for_collection`); released when this function returns.
    let _lock = history.as_deref().and_then(|h| writer_lock(h, g.quiet));
    let req = CollectRequest {
        catalogs: args.catalogs.clone(),
        mode: args.mode.into(),
        format: args.format.into(),
        out: args.out.clone(),
        infrastructure: !args.no_infrastructure,
        taken_at: clock::now(),
        entropy: clock::entropy(),
    };
    let bar = Bar::start(g.quiet);
    let result = app::collect_to_disk(&conn, &req, bar.clone());
    bar.finish();
    let collected = match result {
        Ok(c) => c,
        Err(e) => {
            workflow_error(&e);
            return Ok(exit::ERROR);
        }
    };
    warn_collection_issues(&collected.snapshot, g.quiet);
    if g.verbose > 0 && !g.quiet {
        term::info(&format!(
            "collected {} securables with {} requests ({} retries)",
            collected.snapshot.securables.len(),
            collected.requests,
            collected.retries
        ));
    }
    // History is a side record: failing to write it warns, never changes the exit code.
    if let Some(history) = &history
        && let Err(e) = app::history::record_snapshot(history, &collected.snapshot)
    {
        term::warn(&format!(
            "snapshot not recorded in history {}: {e} (pass --no-history to skip)",
            history.display()
        ));
    }
    let issues = collected.snapshot.collection_issues.len();
    if !g.quiet {
        term::info(&format!(
            "snapshot {}: {} securable(s), {issues} collection issue(s){}",
            collected.snapshot.manifest.snapshot_id,
            collected.snapshot.securables.len(),
            if issues > 0 {
                " (partial: what they name is unknown)"
            } else {
                ""
            }
        ));
    }
    term::stdout_write(format!("{}\n", collected.path.display()).as_bytes())?;
    Ok(if args.fail_on_issues && issues > 0 {
        exit::PARTIAL
    } else {
        exit::OK
    })
}

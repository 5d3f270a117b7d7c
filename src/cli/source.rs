//! Where `drift detect` and `drift plan` get the actual state: a saved snapshot, or a live
//! collection of the declared scope (connection resolved, progress bar drawn, collection
//! issues warned, the kept snapshot named). One place for what both commands print around
//! a live collection; the workflow itself is the caller's (`app::detect`, `app::plan::plan`).

use std::path::Path;

use brickkit::app::{self, Source, Tree};
use brickkit::state::Snapshot;

use crate::cli::args::{CollectMode, ConnectionArgs, Globals};
use crate::cli::progress::Bar;
use crate::cli::report::{warn_collection_issues, workflow_error};
use crate::cli::{clock, env, term};

/// The flags that choose the source.
pub struct SourceArgs<'a> {
    pub snapshot: Option<&'a Path>,
    pub conn: &'a ConnectionArgs,
    pub mode: CollectMode,
    pub snapshots_dir: &'a Path,
    /// What the command does with the state, for the hint after a failed collection
    /// (`compare against`, `plan against`).
    pub verb: &'static str,
}

/// Run `workflow` on the chosen source. `Err(())` when a live collection failed (already
/// reported, with the hint to pass `--snapshot`); other workflow errors come back in `Ok`.
/// `snapshot_of` gives the result's snapshot and where it was kept.
pub fn run<T>(
    tree: &Tree,
    args: &SourceArgs<'_>,
    g: &Globals,
    workflow: impl FnOnce(Source<'_>) -> Result<T, app::Error>,
    snapshot_of: impl Fn(&T) -> (&Snapshot, &Path),
) -> Result<Result<T, app::Error>, ()> {
    if let Some(path) = args.snapshot {
        return Ok(workflow(Source::Saved(path)));
    }
    env::init_tracing();
    let inputs = env::connection_inputs(args.conn, Some(tree.connection.clone()));
    let live = app::connect(&inputs).and_then(|connection| {
        let bar = Bar::start(g.quiet);
        let result = workflow(Source::Live {
            connection: &connection,
            mode: args.mode.into(),
            out: args.snapshots_dir,
            entropy: clock::entropy(),
            progress: bar.clone(),
        });
        bar.finish();
        result
    });
    match &live {
        Err(e) if e.is_collection_failure() => {
            workflow_error(e);
            term::error(&format!(
                "live collection failed; pass --snapshot <PATH> to {} a saved snapshot",
                args.verb
            ));
            return Err(());
        }
        Ok(r) => {
            let (snapshot, path) = snapshot_of(r);
            warn_collection_issues(snapshot, g.quiet);
            if !g.quiet {
                term::info(&format!("live snapshot kept at {}", path.display()));
            }
        }
        Err(_) => {}
    }
    Ok(live)
}

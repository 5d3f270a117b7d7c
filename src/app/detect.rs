//! Drift detection as a workflow: the snapshot comes from a saved file or from a live
//! collection of what the tree declares (its catalogs and the infrastructure), then the
//! pure differ and classifier run with the tree's and the caller's ignore rules.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::app::collect::{CollectRequest, Collected, collect_to_disk};
use crate::app::{Connection, Error, Tree, snapshot};
use crate::declared::DeclaredState;
use crate::diff::DiffOptions;
use crate::drift::{self, DriftOptions, DriftReport, IgnoreRules, UnmanagedScope};
use crate::model::{SecurableKind, Timestamp};
use crate::state::Snapshot;
use crate::state::collect::{Mode, Progress};
use crate::state::store::Format;

/// Where the actual state comes from.
pub enum Source<'a> {
    /// A saved snapshot (offline).
    Saved(&'a Path),
    /// Collect the declared scope live and keep the snapshot under `out` (Parquet).
    Live {
        connection: &'a Connection,
        mode: Mode,
        out: &'a Path,
        entropy: u32,
        progress: Arc<dyn Progress>,
    },
}

/// How to classify.
#[derive(Debug, Clone)]
pub struct DetectOptions {
    /// The report's time and, for a live source, the snapshot's (the caller reads the clock).
    pub timestamp: Timestamp,
    pub unmanaged: UnmanagedScope,
    /// Ignore patterns from the caller (`--ignore`), on top of the tree's.
    pub ignore: Vec<String>,
}

/// A detection's result.
#[derive(Debug)]
pub struct Detected {
    pub snapshot_path: PathBuf,
    pub snapshot: Snapshot,
    pub report: DriftReport,
    /// Set for a live source: what the collection cost.
    pub collected: Option<(u64, u64)>,
}

/// Detect drift of `tree` against `source`. Ignore patterns are checked before anything is
/// collected.
pub fn detect(tree: &Tree, source: Source<'_>, opts: &DetectOptions) -> Result<Detected, Error> {
    let ignore =
        IgnoreRules::from_specs(&tree.state.ignore, &opts.ignore).map_err(Error::Ignore)?;
    let (snapshot_path, snapshot, collected) = load_source(tree, source, opts.timestamp)?;
    let drift_opts = DriftOptions {
        timestamp: opts.timestamp,
        unmanaged: opts.unmanaged,
        ignore,
    };
    let report = drift::detect(&tree.state, &snapshot, &DiffOptions::default(), &drift_opts);
    Ok(Detected {
        snapshot_path,
        snapshot,
        report,
        collected,
    })
}

/// A loaded source: the snapshot's path, the snapshot and, for a live collection, its
/// (requests, retries).
pub(crate) type Loaded = (PathBuf, Snapshot, Option<(u64, u64)>);

/// The snapshot a workflow compares against: read a saved one, or collect the tree's
/// declared scope live (keeping it on disk).
pub(crate) fn load_source(
    tree: &Tree,
    source: Source<'_>,
    timestamp: Timestamp,
) -> Result<Loaded, Error> {
    Ok(match source {
        Source::Saved(path) => (path.to_path_buf(), snapshot::read(path)?, None),
        Source::Live {
            connection,
            mode,
            out,
            entropy,
            progress,
        } => {
            let req = CollectRequest {
                catalogs: declared_catalogs(&tree.state),
                mode,
                format: Format::Parquet,
                out: out.to_path_buf(),
                infrastructure: true,
                taken_at: timestamp,
                entropy,
            };
            let Collected {
                path,
                snapshot,
                requests,
                retries,
            } = collect_to_disk(connection, &req, progress)?;
            (path, snapshot, Some((requests, retries)))
        }
    })
}

/// Drift of `snapshot` against `state` with the tree's own ignore rules and the declared
/// unmanaged scope (what history records for a batch of snapshots).
pub fn drift_of(
    state: &DeclaredState,
    snapshot: &Snapshot,
    timestamp: Timestamp,
) -> Result<DriftReport, Error> {
    let ignore = IgnoreRules::from_specs(&state.ignore, &[]).map_err(Error::Ignore)?;
    let opts = DriftOptions {
        timestamp,
        unmanaged: UnmanagedScope::Declared,
        ignore,
    };
    Ok(drift::detect(
        state,
        snapshot,
        &DiffOptions::default(),
        &opts,
    ))
}

/// The catalogs a tree declares (the scope of a live collection).
pub fn declared_catalogs(state: &DeclaredState) -> Vec<String> {
    state
        .securables
        .iter()
        .filter(|s| s.kind == SecurableKind::Catalog)
        .map(|s| s.full_name.clone())
        .collect()
}

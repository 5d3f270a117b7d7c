//! Recording in the history store as a workflow: a collected snapshot, a snapshot with its
//! drift report, or a batch of saved snapshots (oldest first, each with its drift against a
//! tree when one is given); a plan; the journal of an apply. History is a side record:
//! callers decide whether a failure here changes their outcome.

use std::path::{Path, PathBuf};

use crate::app::detect::drift_of;
use crate::app::{Error, snapshot};
use crate::declared::DeclaredState;
use crate::drift::DriftReport;
use crate::history::{self, ApplyJournal, History, IngestOptions, Ingested};
use crate::model::Timestamp;
use crate::plan::Plan;
use crate::state::{Snapshot, store};

/// Take the writer lock of the history at `path` for a run that collects a snapshot and
/// records it: taken before the snapshot's time is read, held until it is recorded, so
/// concurrent collections reach the history in `taken_at` order and none is refused as late.
/// `waiting` is called when another run holds it (then this waits for it).
pub fn lock_for_collection(
    path: &Path,
    waiting: impl FnOnce(),
) -> Result<history::WriterLock, history::Error> {
    history::lock_writer(path, waiting)
}

/// Record a snapshot alone (after `snapshot collect`).
pub fn record_snapshot(path: &Path, snapshot: &Snapshot) -> Result<Ingested, history::Error> {
    History::open_or_create(path)?.ingest_snapshot(snapshot, IngestOptions::default())
}

/// Record a snapshot and the drift report made from it (after `drift detect`).
pub fn record_drift(
    path: &Path,
    snapshot: &Snapshot,
    report: &DriftReport,
) -> Result<(Ingested, Ingested), history::Error> {
    let mut h = History::open_or_create(path)?;
    let a = h.ingest_snapshot(snapshot, IngestOptions::default())?;
    let b = h.ingest_drift(report)?;
    Ok((a, b))
}

/// Record a plan (after `drift plan`, or when an apply plans on the spot): `digest` is the
/// plan file's `sha256:<hex>`, `at` the time it was made. The same digest again is a no-op.
pub fn record_plan(
    path: &Path,
    plan: &Plan,
    digest: &str,
    at: Timestamp,
) -> Result<Ingested, history::Error> {
    History::open_or_create(path)?.record_plan(plan, digest, at)
}

/// The history journal of one apply of `plan` (digest `digest`) starting at `started_at`:
/// its id is derived from both ([`history::apply_id`]); pass the same `started_at` as the
/// report's. Opening refuses a foreign or newer history before anything is sent.
pub fn apply_journal(
    path: &Path,
    plan: &Plan,
    digest: &str,
    started_at: Timestamp,
) -> Result<ApplyJournal, history::Error> {
    ApplyJournal::open(path, plan, digest, &history::apply_id(digest, started_at))
}

/// What one snapshot of a batch added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    pub snapshot_id: String,
    pub path: PathBuf,
    pub state: Ingested,
    /// `None` when no tree was given.
    pub drift: Option<Ingested>,
}

/// Ingest saved snapshots into the history at `history`, oldest first whatever the order
/// given; with `tree`, also the drift of each against it (report time `timestamp`).
/// `on_item` sees each snapshot once it is recorded. A refused snapshot stops the batch;
/// those before it stay recorded.
pub fn ingest_batch(
    history: &Path,
    paths: &[PathBuf],
    tree: Option<&DeclaredState>,
    opts: IngestOptions,
    timestamp: Timestamp,
    mut on_item: impl FnMut(&BatchItem) -> std::io::Result<()>,
) -> Result<(), Error> {
    let mut order = Vec::with_capacity(paths.len());
    for p in paths {
        let m = store::read_manifest(p).map_err(|source| Error::ReadSnapshot {
            path: p.clone(),
            source,
        })?;
        order.push((m.taken_at, m.snapshot_id, p.clone()));
    }
    order.sort();
    let mut h = History::open_or_create(history)?;
    for (_, snapshot_id, path) in order {
        let snap = snapshot::read(&path)?;
        let state = h.ingest_snapshot(&snap, opts)?;
        let drift = match tree {
            Some(t) => Some(h.ingest_drift(&drift_of(t, &snap, timestamp)?)?),
            None => None,
        };
        let item = BatchItem {
            snapshot_id,
            path,
            state,
            drift,
        };
        on_item(&item).map_err(|source| Error::Io {
            path: history.to_path_buf(),
            what: "cannot report progress",
            source,
        })?;
    }
    Ok(())
}

//! Collect a snapshot through a resolved [`Connection`] and keep it on disk: run the
//! collector on a small async runtime, refuse an empty result, write the snapshot atomically
//! under the output directory. Reporting (warnings per collection issue, the progress bar)
//! is the caller's: the collected snapshot carries its issues.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::app::{Connection, Error};
use crate::model::Timestamp;
use crate::state::Snapshot;
use crate::state::collect::{self, CollectOptions, Mode, Progress};
use crate::state::store::{self, Format};

/// A collection to run and keep.
#[derive(Debug, Clone)]
pub struct CollectRequest {
    /// Catalogs to collect (empty: every catalog).
    pub catalogs: Vec<String>,
    pub mode: Mode,
    /// Storage format of the written snapshot.
    pub format: Format,
    /// Directory that receives the snapshot (created when missing).
    pub out: PathBuf,
    /// Collect storage credentials, external locations and connections.
    pub infrastructure: bool,
    /// The moment the snapshot is taken (the caller reads the clock).
    pub taken_at: Timestamp,
    /// Entropy for the snapshot id.
    pub entropy: u32,
}

/// A snapshot collected and written.
#[derive(Debug)]
pub struct Collected {
    pub path: PathBuf,
    pub snapshot: Snapshot,
    /// Requests sent and retried during the collection.
    pub requests: u64,
    pub retries: u64,
}

/// Collect the workspace behind `conn` as `req` says and write the snapshot under
/// `req.out`. A collection in which every read failed is [`Error::NothingCollected`] and
/// writes nothing; a partial one is written with its collection issues.
pub fn collect_to_disk(
    conn: &Connection,
    req: &CollectRequest,
    progress: Arc<dyn Progress>,
) -> Result<Collected, Error> {
    let opts = CollectOptions {
        catalogs: req.catalogs.clone(),
        mode: req.mode,
        warehouse_id: conn.warehouse_id.clone(),
        infrastructure: req.infrastructure,
        taken_at: req.taken_at,
        entropy: req.entropy,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Client(format!("cannot start the async runtime: {e}")))?;
    let snapshot = rt
        .block_on(collect::collect(&conn.client, &opts, progress))
        .map_err(|error| Error::Collect {
            host: conn.host.clone(),
            error: Box::new(error),
        })?;
    if snapshot.securables.is_empty() && !snapshot.collection_issues.is_empty() {
        return Err(Error::NothingCollected {
            host: conn.host.clone(),
            issues: snapshot
                .collection_issues
                .iter()
                .map(|i| i.message.to_string())
                .collect(),
        });
    }
    std::fs::create_dir_all(&req.out).map_err(|source| Error::Io {
        path: req.out.clone(),
        what: "cannot create the snapshot directory",
        source,
    })?;
    let path = snapshot_path(&req.out, &snapshot.manifest.snapshot_id, req.format);
    store::write(&snapshot, &path).map_err(|source| Error::WriteSnapshot {
        path: path.clone(),
        source,
    })?;
    // The manifest as written (format version, counts, content digest filled in): the one
    // the history records, so that its fold is this snapshot.
    let mut snapshot = snapshot;
    snapshot.manifest = store::read_manifest(&path).map_err(|source| Error::WriteSnapshot {
        path: path.clone(),
        source,
    })?;
    Ok(Collected {
        path,
        snapshot,
        requests: conn.client.requests_sent(),
        retries: conn.client.retries(),
    })
}

/// Where a snapshot with id `id` is written under `dir`.
pub fn snapshot_path(dir: &Path, id: &str, format: Format) -> PathBuf {
    match format {
        Format::Parquet => dir.join(id),
        Format::Sqlite => dir.join(format!("{id}.sqlite")),
    }
}

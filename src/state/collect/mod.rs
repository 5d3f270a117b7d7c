//! Collection: read a workspace through `api` into the snapshot model.
//!
//! Owns the walk (infrastructure, catalogs, schemas, tables, volumes, functions), the
//! mapping of wire objects to snapshot rows ([`rows`]) and the two modes: `rest`
//! (per-securable calls, concurrent) and `bulk` (tags, grants, filters and masks from a few
//! `information_schema` queries per catalog, [`bulk`]). A read that fails becomes a
//! `CollectionIssue` row (with `subtree` for a failed list) and the walk goes on: never is
//! "could not read" turned into "does not exist". Only fatal errors (bad credentials,
//! unreachable host) stop it. The only part of `state` that may use `api`.

mod bulk;
mod common;
mod infra;
mod known;
mod rest;
mod rows;
mod scoped;
mod sqlrows;

use std::collections::BTreeSet;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::api::{self, Client};
use crate::model::{SecurableKind, Text, Timestamp};

use crate::state::id::new_snapshot_id;
use crate::state::{CollectionIssue, Manifest, SNAPSHOT_FORMAT_VERSION, Snapshot};
pub use bulk::{catalog_statements, describe_statements};
pub use scoped::{Target, scoped};

/// How tags, grants, filters and masks are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Per-securable REST calls, concurrent.
    Rest,
    /// `information_schema` queries per catalog through a SQL warehouse.
    Bulk,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Rest => "rest",
            Mode::Bulk => "bulk",
        }
    }
}

/// What to collect and how.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    /// Catalogs to collect (empty: every catalog of the metastore).
    pub catalogs: Vec<String>,
    pub mode: Mode,
    /// SQL warehouse for bulk mode.
    pub warehouse_id: Option<String>,
    /// Collect storage credentials, external locations and connections.
    pub infrastructure: bool,
    /// The moment the snapshot is taken (the caller reads the clock).
    pub taken_at: Timestamp,
    /// Entropy for the snapshot id.
    pub entropy: u32,
}

/// Progress callbacks (the CLI draws a bar; tests ignore them).
pub trait Progress: Send + Sync {
    /// `n` more securables of `kind` were collected.
    fn collected(&self, kind: SecurableKind, n: u64);
}

/// A progress sink that does nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn collected(&self, _kind: SecurableKind, _n: u64) {}
}

/// Why a collection produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("collection stopped: {0}")]
    Fatal(#[source] api::Error),
    #[error("bulk mode needs a SQL warehouse: pass --warehouse-id or set DATABRICKS_WAREHOUSE_ID")]
    NoWarehouse,
}

/// Collect a snapshot. Returns `Err` only when nothing can be collected (bad credentials,
/// unreachable host, bulk mode without a warehouse); every other failure is a
/// `collection_issues` row. The snapshot comes back sorted, counts and digest left for the
/// store to fill in.
pub async fn collect(
    client: &Client,
    opts: &CollectOptions,
    progress: Arc<dyn Progress>,
) -> Result<Snapshot, Error> {
    if opts.mode == Mode::Bulk && opts.warehouse_id.is_none() {
        return Err(Error::NoWarehouse);
    }
    let (metastore, snap) = tokio::join!(metastore_id(client), async {
        match opts.mode {
            Mode::Rest => rest::collect(client, opts, progress).await,
            Mode::Bulk => bulk::collect(client, opts, progress).await,
        }
    });
    let mut snap = snap?;
    let metastore_id = match metastore {
        Ok(id) => id,
        Err(e) if e.is_fatal() => return Err(Error::Fatal(e)),
        Err(e) => {
            snap.collection_issues
                .push(issue(None, "", Some("metastore_id"), false, &e));
            None
        }
    };
    dedup(&mut snap);
    snap.sort();
    let scope: Vec<String> = if opts.catalogs.is_empty() {
        vec!["*".to_string()]
    } else {
        let s: BTreeSet<String> = opts.catalogs.iter().map(|c| c.to_lowercase()).collect();
        s.into_iter().collect()
    };
    let lineage = {
        let mut h = Sha256::new();
        h.update(client.host().as_bytes());
        h.update(b"\n");
        h.update(scope.join(",").as_bytes());
        let d = h.finalize();
        d.iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    snap.manifest = Manifest {
        format_version: SNAPSHOT_FORMAT_VERSION,
        snapshot_id: new_snapshot_id(opts.taken_at, opts.entropy),
        lineage,
        parent_id: None,
        taken_at: opts.taken_at,
        host: Some(client.host().to_string()),
        metastore_id,
        scope,
        collector_mode: opts.mode.as_str().to_string(),
        brickkit_version: env!("CARGO_PKG_VERSION").to_string(),
        counts: Default::default(),
        content_digest: String::new(),
    };
    Ok(snap)
}

/// The metastore's id (`GET .../metastore_summary`); `None` when the answer has none.
pub(crate) async fn metastore_id(client: &Client) -> Result<Option<String>, api::Error> {
    let v = client
        .get("/api/2.1/unity-catalog/metastore_summary", &[])
        .await?;
    Ok(v.get("metastore_id")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string))
}

fn dedup(s: &mut Snapshot) {
    s.grants.sort();
    s.grants.dedup();
    s.tags.sort();
    s.tags.dedup();
    s.collection_issues.sort();
    s.collection_issues.dedup();
}

/// A collection issue for a failed read.
pub(crate) fn issue(
    kind: Option<SecurableKind>,
    full_name: &str,
    attribute: Option<&str>,
    subtree: bool,
    e: &api::Error,
) -> CollectionIssue {
    CollectionIssue {
        securable_kind: kind,
        full_name: full_name.into(),
        attribute: attribute.map(Text::from),
        subtree,
        error_code: Some(e.code().into()),
        message: e.to_string().into(),
    }
}

//! **History**: an append-only event store derived from successive snapshots and from each
//! drift detection, so that "when did this grant appear" and "how long was that drift open"
//! are SQL questions (`queries/`).
//!
//! [`events`] flattens snapshots into facts and diffs them into state events; [`fold`]
//! turns state events back into snapshot content (the event-sourcing invariant); [`store`]
//! is the only file that touches the history SQLite file. Plans and applies are events too
//! (`plan_created`, and the [`ApplyJournal`] of an apply: started, intent before each
//! operation's requests, result after, finished). The store never deletes or updates an
//! event, never reads the clock (event times are snapshot times, or the times the apply
//! gives) and never interprets declarations or rules (drift and policy-rule violation
//! events come from a [`crate::drift::DriftReport`]: its findings, its violations, its rule
//! unknowns and the rules it evaluated).

pub mod events;
pub mod export;
pub mod fold;
pub mod html;
pub mod show;
pub mod store;

use std::path::PathBuf;

pub use store::{
    ApplyJournal, Cell, History, IngestOptions, Ingested, Migrated, QueryResult, TimelineEntry,
    WriterLock, apply_id, is_history_file, lock_writer,
};

/// Default location of the history file.
pub const DEFAULT_PATH: &str = "snapshots/history.sqlite";

/// Everything that can go wrong with a history file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{path}: history file does not exist (ingest a snapshot first: brickkit history ingest <SNAPSHOT>)"
    )]
    Missing { path: PathBuf },
    #[error("{path}: cannot {what}: {source}")]
    Io {
        path: PathBuf,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("{path}: not a readable SQLite database, refusing to use it as history: {source}")]
    Corrupt {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "{path}: not a brickkit history (SQLite application_id {found:#x}); refusing to write to a foreign database"
    )]
    Foreign { path: PathBuf, found: i32 },
    #[error(
        "{path}: history event-store version {found} is not supported (this brickkit reads version {supported}, history format 2, and migrates versions 1 to 3); nothing was written"
    )]
    Version {
        path: PathBuf,
        found: i32,
        supported: i32,
    },
    #[error(
        "{path}: history event-store version {found} is history format 1, which this brickkit no longer reads or writes; convert it once with `brickkit history migrate --history {path}` (keeps every event; nothing was written)"
    )]
    NeedsMigration { path: PathBuf, found: i32 },
    #[error(
        "{path}: snapshot {id} (taken {taken_at}) is older than {newest_id} (taken {newest_at}), already in the history; late snapshots are refused, not placed: ingest snapshots in taken_at order"
    )]
    OutOfOrder {
        path: PathBuf,
        id: String,
        taken_at: String,
        newest_id: String,
        newest_at: String,
    },
    #[error(
        "{path}: snapshot {id} comes from workspace/lineage {found}, but the history holds {expected}; pass --allow-mixed to keep both"
    )]
    Mixed {
        path: PathBuf,
        id: String,
        found: String,
        expected: String,
    },
    #[error("{path}: no snapshot {id} in the history")]
    NoSuchSnapshot { path: PathBuf, id: String },
    #[error("{path}: manifest recorded for snapshot {id} is unreadable: {message}")]
    Manifest {
        path: PathBuf,
        id: String,
        message: String,
    },
    #[error("{path}: cannot {what}: {source}")]
    Sql {
        path: PathBuf,
        what: &'static str,
        source: rusqlite::Error,
    },
    #[error("{path}: query failed: {source}")]
    Query {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: cannot export the history as Parquet: {message}")]
    Export { path: PathBuf, message: String },
    #[error("{path}: only read-only statements (SELECT, WITH) may be run as queries")]
    NotReadOnly { path: PathBuf },
}

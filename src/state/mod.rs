//! Observed state: the snapshot model, its stores (Parquet, SQLite) and helpers (content
//! digest, snapshot ids).
//!
//! Owns everything about what the workspace *is*. Must never know about declarations or
//! drift; only `state::store` touches Parquet/SQLite.

pub mod collect;
pub mod digest;
pub mod id;
pub(crate) mod intern;
pub mod retention;
pub mod snapshot;
pub mod store;

pub use snapshot::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, Manifest, RowFilterRow,
    SNAPSHOT_FORMAT_VERSION, SecurableRow, Snapshot, TagRow,
};

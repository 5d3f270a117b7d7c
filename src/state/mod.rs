//! Observed state: the snapshot model, its stores (Parquet, SQLite) and helpers.
//!
//! Owns everything about what the workspace *is*. Must never know about declarations or
//! drift; only `state::store` touches Parquet/SQLite.

pub mod snapshot;

pub use snapshot::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, Manifest, RowFilterRow,
    SNAPSHOT_FORMAT_VERSION, SecurableRow, Snapshot, TagRow,
};

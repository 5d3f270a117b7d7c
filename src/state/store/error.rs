//! `store::Error`: everything that can go wrong reading or writing a snapshot file. Every
//! variant names the file and says what is wrong with it.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Error of a snapshot store operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The path does not exist (only used when the OS says so).
    #[error("{}: no such file or directory", .path.display())]
    NotFound { path: PathBuf },
    /// An IO operation failed for another reason (permissions, disk full, ...).
    #[error("{}: could not {op}: {source}", .path.display())]
    Io {
        path: PathBuf,
        op: &'static str,
        #[source]
        source: io::Error,
    },
    /// The path exists but is not a snapshot of either format.
    #[error("{}: not a brickkit snapshot: {reason}", .path.display())]
    NotASnapshot { path: PathBuf, reason: String },
    /// A snapshot directory without its `manifest.json`.
    #[error(
        "{}: not a brickkit snapshot: missing manifest.json (a Parquet snapshot is a directory holding manifest.json and one .parquet file per table)",
        .dir.display()
    )]
    MissingManifest { dir: PathBuf },
    /// A format version this brickkit does not read.
    #[error(
        "{}: unsupported snapshot format version {found} (this brickkit reads version {supported}; use a brickkit that knows version {found})",
        .path.display()
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    /// The manifest cannot be parsed or holds an invalid value.
    #[error("{}: invalid manifest: {reason}", .path.display())]
    BadManifest { path: PathBuf, reason: String },
    /// A Parquet file that cannot be decoded (truncated, corrupted, not Parquet).
    #[error("{}: corrupt or truncated Parquet file: {reason}", .path.display())]
    Parquet { path: PathBuf, reason: String },
    /// A table whose columns are not the documented ones.
    #[error("{}: unexpected table layout: {reason}", .path.display())]
    Schema { path: PathBuf, reason: String },
    /// SQLite refused to open, read or write the file.
    #[error("{}: SQLite error: {reason}", .path.display())]
    Sqlite { path: PathBuf, reason: String },
    /// A value that the format does not allow (unknown securable kind, negative position...).
    #[error("{}: invalid value in {table}.{column}: {reason}", .path.display())]
    InvalidValue {
        path: PathBuf,
        table: &'static str,
        column: &'static str,
        reason: String,
    },
    /// Row counts differ from those the manifest records.
    #[error("{}: row counts do not match the manifest: {reason}", .path.display())]
    CountMismatch { path: PathBuf, reason: String },
    /// The content does not hash to the manifest's digest.
    #[error(
        "{}: content digest mismatch (the snapshot is corrupted or was modified): manifest says {expected}, content hashes to {actual}",
        .path.display()
    )]
    DigestMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
    /// Writing would replace something that already exists.
    #[error("{}: already exists; refusing to overwrite it", .path.display())]
    AlreadyExists { path: PathBuf },
    /// The snapshot handed to `write` is not valid.
    #[error("{}: cannot write snapshot: {reason}", .path.display())]
    Invalid { path: PathBuf, reason: String },
}

impl Error {
    pub(crate) fn io(path: &Path, op: &'static str, source: io::Error) -> Error {
        if source.kind() == io::ErrorKind::NotFound {
            Error::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            Error::Io {
                path: path.to_path_buf(),
                op,
                source,
            }
        }
    }

    pub(crate) fn parquet(path: &Path, e: impl fmt::Display) -> Error {
        Error::Parquet {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn sqlite(path: &Path, e: impl fmt::Display) -> Error {
        Error::Sqlite {
            path: path.to_path_buf(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn schema(path: &Path, reason: impl Into<String>) -> Error {
        Error::Schema {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    /// True when the path was simply not a snapshot (as opposed to a broken one).
    pub fn is_not_a_snapshot(&self) -> bool {
        matches!(
            self,
            Error::NotASnapshot { .. } | Error::MissingManifest { .. }
        )
    }
}

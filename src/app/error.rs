//! The workflow layer's error: what step failed and on which path or host, with the lower
//! module's error as its source. Messages never contain a token or secret (the `api`
//! errors they wrap are already redacted).

use std::path::PathBuf;

use crate::declared::Diagnostic;
use crate::{api, drift, history, plan, state};

/// Why a workflow step could not finish.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The declaration tree has errors; `diagnostics` holds all of them (and violations).
    #[error("{}: the declaration tree cannot be loaded ({errors} error(s))", dir.display())]
    TreeRefused {
        dir: PathBuf,
        errors: usize,
        diagnostics: Vec<Diagnostic>,
    },
    /// Connection settings could not be resolved (no host, unknown profile, half an OAuth
    /// client, unreadable config file).
    /// (The wrapped error is shown, not chained: its message is the whole story.)
    #[error("{0}")]
    Connection(api::Error),
    /// The HTTP client or the async runtime could not be built.
    #[error("cannot start the client: {0}")]
    Client(String),
    /// The collector stopped (bad credentials, unreachable host, no warehouse in bulk mode).
    #[error("{host}: {error}")]
    Collect {
        host: String,
        error: Box<state::collect::Error>,
    },
    /// Every read failed: nothing was collected. `issues` are the collector's messages.
    #[error("nothing could be collected")]
    NothingCollected { host: String, issues: Vec<String> },
    /// A saved snapshot cannot be read (missing, corrupt, unknown version).
    #[error("cannot use snapshot {}", path.display())]
    ReadSnapshot {
        path: PathBuf,
        #[source]
        source: state::store::Error,
    },
    /// A snapshot cannot be written.
    #[error("cannot write snapshot {}", path.display())]
    WriteSnapshot {
        path: PathBuf,
        #[source]
        source: state::store::Error,
    },
    /// A directory cannot be created or read.
    #[error("{}: {what}", path.display())]
    Io {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// A path given as a directory of snapshots is missing or is not a directory.
    #[error("{}: {problem}", path.display())]
    SnapshotDir {
        path: PathBuf,
        problem: &'static str,
    },
    /// An output directory that already exists, which a command never overwrites.
    #[error("{}: already exists; {what} writes a new directory and never overwrites one (remove it or name another)", path.display())]
    OutputExists { path: PathBuf, what: &'static str },
    /// Ignore patterns (from `brickkit.yaml` or the caller) that do not parse.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Ignore(Vec<drift::IgnoreError>),
    /// A plan file that cannot be used (not a plan, unknown version, truncated, corrupt).
    #[error("cannot use plan file {}", path.display())]
    PlanFile {
        path: PathBuf,
        #[source]
        source: plan::file::FileError,
    },
    /// The workspace could not be used for an apply (credentials, host).
    #[error("{host}: apply stopped: {error}")]
    Apply {
        host: String,
        error: Box<api::Error>,
    },
    /// The history store refused or failed.
    #[error(transparent)]
    History(#[from] history::Error),
}

impl Error {
    /// True when a live collection could not happen or read nothing (connection settings,
    /// client, collector stopped, every read failed): a saved snapshot is the way around it.
    pub fn is_collection_failure(&self) -> bool {
        matches!(
            self,
            Error::Connection(_)
                | Error::Client(_)
                | Error::Collect { .. }
                | Error::NothingCollected { .. }
        )
    }
}

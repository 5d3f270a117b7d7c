//! **Apply**: replaying a reviewed [`crate::plan::Plan`] against the live workspace, safely.
//!
//! [`outcome`] holds what an apply did (pure data) and the [`outcome::Journal`] the history
//! store implements.

pub mod check;
pub mod execute;
pub mod outcome;
pub mod render;
pub mod run;

/// Progress of an apply (the CLI draws a bar; tests ignore it).
pub trait Progress: Send + Sync {
    /// The apply will settle `total` operations.
    fn start(&self, total: u64);
    /// `n` more operations are settled.
    fn done(&self, n: u64);
}

/// A progress sink that does nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: u64) {}
    fn done(&self, _: u64) {}
}

pub use outcome::{
    APPLY_FORMAT_VERSION, ApplyReport, Counts, Journal, Moved, NoJournal, OpResult, Refusal,
    Requests, Residual, Status,
};
pub use run::{ApplyOptions, DEFAULT_JOBS, run};

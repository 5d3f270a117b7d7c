//! **Apply**: replaying a reviewed [`crate::plan::Plan`] against the live workspace, safely.
//!
//! [`outcome`] holds what an apply did (pure data) and the [`outcome::Journal`] the history
//! store implements.

pub mod outcome;

pub use outcome::{
    APPLY_FORMAT_VERSION, ApplyReport, Counts, Journal, Moved, NoJournal, OpResult, Refusal,
    Requests, Residual, Status,
};

//! Exit codes: 0 in sync / valid, 1 drift or convention violations, 2 error, 3 partial
//! snapshot under `--fail-on-issues`.
//! (ripgrep's and driftctl's convention: 2 always means something went wrong.)

/// In sync, valid, or the command succeeded.
pub const OK: u8 = 0;
/// Drift at or above `--fail-on`, or convention violations.
pub const DRIFT: u8 = 1;
/// Bad input, unreadable files, API failure: nothing was decided.
pub const ERROR: u8 = 2;
/// The run completed, but its snapshot is partial (collection issues) and
/// `--fail-on-issues` was given: wins over [`DRIFT`], since what was compared is incomplete.
pub const PARTIAL: u8 = 3;

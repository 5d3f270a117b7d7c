//! What an apply did: one [`OpResult`] per planned operation (in plan order), the refusal
//! that stopped it before anything was sent, the verification's residual drift, and the
//! request counts. Plain data, built by the executor and read by the renderers
//! ([`super::render`]), the history journal and library callers.
//!
//! Pure nouns: no IO, no clock (times are given), never a secret (errors carry the API's
//! message, which names the request, never its body or token).

use crate::diff::Value;
use crate::model::{SecurableKind, Timestamp};
use crate::plan::OpKind;

/// Version of the apply JSON report (`docs/formats/apply-json.md`).
pub const APPLY_FORMAT_VERSION: u32 = 1;

/// What happened to one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Its requests were sent and accepted (or, after a lost answer, a re-read showed the
    /// target holds).
    Applied,
    /// The live check found every attribute already at its target: nothing was sent.
    AlreadyDone,
    /// Not attempted: an operation it depends on failed, or the apply was refused.
    Skipped,
    /// Its request was refused (403, 400, a `FAILED` statement) or its outcome is unknown.
    Failed,
    /// `--dry-run`: would be sent.
    WouldApply,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Applied,
        Status::AlreadyDone,
        Status::Skipped,
        Status::Failed,
        Status::WouldApply,
    ];

    /// The snake_case name of JSON, history and text.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applied => "applied",
            Status::AlreadyDone => "already_done",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::WouldApply => "would_apply",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// The outcome of one planned operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpResult {
    /// The plan's operation id.
    pub id: String,
    pub kind: SecurableKind,
    pub full_name: String,
    pub op: OpKind,
    pub column: Option<String>,
    pub status: Status,
    /// Why it was skipped, or the error that failed it (never a secret).
    pub detail: Option<String>,
    /// Short error code for a failure: the HTTP status, the SQL state, `transport`.
    pub error_code: Option<String>,
    /// Mutating requests sent for it (0 when already done, skipped or dry-run).
    pub requests: u32,
    /// Wall time spent on it, milliseconds.
    pub duration_ms: u64,
}

/// One attribute that is neither where the plan found it nor where it wants it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Moved {
    pub op_id: String,
    pub kind: SecurableKind,
    pub full_name: String,
    /// Drift field spelling (`grants.alice`, `tags.pii`, `exists`, ...).
    pub attribute: String,
    /// The precondition recorded in the plan.
    pub planned_from: Value,
    /// What the live read shows; `None` when it could not be read.
    pub now: Option<Value>,
    pub target: Value,
    /// Why it could not be read, for `now: None`.
    pub unreadable: Option<String>,
}

/// Why an apply sent nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Attributes moved since the plan was made (or could not be re-read).
    Stale(Vec<Moved>),
    /// The plan was made for another workspace or metastore.
    WrongWorkspace { expected: String, found: String },
    /// Something the apply needs is missing (a SQL warehouse, a secret variable).
    Missing(String),
    /// No terminal to confirm on and no `--auto-approve`, or the user said no.
    NotConfirmed(String),
}

impl Refusal {
    pub fn as_str(&self) -> &'static str {
        match self {
            Refusal::Stale(_) => "stale",
            Refusal::WrongWorkspace { .. } => "wrong_workspace",
            Refusal::Missing(_) => "missing",
            Refusal::NotConfirmed(_) => "not_confirmed",
        }
    }
}

/// One attribute still not at its target after the apply (verification).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Residual {
    pub op_id: String,
    pub kind: SecurableKind,
    pub full_name: String,
    pub attribute: String,
    pub target: Value,
    /// `None`: could not be re-read.
    pub now: Option<Value>,
}

/// Requests the apply sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Requests {
    /// Reads of the precondition check (HTTP requests, retries included).
    pub check: u64,
    /// Mutating requests (REST `POST`/`PATCH`, SQL statement submissions).
    pub mutating: u64,
    /// Reads of the verification.
    pub verify: u64,
    /// Retries the transport made (429/503, lost connections of safe requests).
    pub retries: u64,
}

/// The whole story of one apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyReport {
    pub host: String,
    pub metastore_id: Option<String>,
    /// `sha256:<hex>` of the plan file (or of the plan's encoding when planned on the spot).
    pub plan_digest: String,
    pub project: String,
    pub environment: String,
    pub dry_run: bool,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// Set when nothing was sent.
    pub refusal: Option<Refusal>,
    /// One per planned operation, in plan order.
    pub results: Vec<OpResult>,
    /// The verification's findings; `None` when none ran (dry run, refusal, nothing applied).
    pub residual: Option<Vec<Residual>>,
    pub requests: Requests,
    pub duration_ms: u64,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub applied: usize,
    pub already_done: usize,
    pub skipped: usize,
    pub failed: usize,
    pub would_apply: usize,
}

impl ApplyReport {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.results {
            match r.status {
                Status::Applied => c.applied += 1,
                Status::AlreadyDone => c.already_done += 1,
                Status::Skipped => c.skipped += 1,
                Status::Failed => c.failed += 1,
                Status::WouldApply => c.would_apply += 1,
            }
        }
        c
    }

    /// True when every operation was applied or already done (or would be, in a dry run),
    /// nothing was refused and no residual drift remains: exit 0.
    pub fn succeeded(&self) -> bool {
        self.refusal.is_none()
            && self.results.iter().all(|r| {
                matches!(
                    r.status,
                    Status::Applied | Status::AlreadyDone | Status::WouldApply
                )
            })
            && self.residual.as_ref().is_none_or(Vec::is_empty)
    }
}

/// Where an apply writes its story while it runs: the history store (intent before each
/// call, result after), or nothing. Called from one task, in order.
pub trait Journal: Send {
    /// The apply starts (after the precondition check passed, before any request).
    fn started(&mut self, report: &ApplyReport);
    /// About to send the requests of `op_id` (intent before the call).
    fn intent(&mut self, op_id: &str, at: Timestamp);
    /// One operation's outcome (every operation gets exactly one, in completion order).
    fn result(&mut self, result: &OpResult, at: Timestamp);
    /// The apply is over (or was refused): the final report.
    fn finished(&mut self, report: &ApplyReport);
}

/// A journal that records nothing (`--no-history`).
pub struct NoJournal;

impl Journal for NoJournal {
    fn started(&mut self, _: &ApplyReport) {}
    fn intent(&mut self, _: &str, _: Timestamp) {}
    fn result(&mut self, _: &OpResult, _: Timestamp) {}
    fn finished(&mut self, _: &ApplyReport) {}
}

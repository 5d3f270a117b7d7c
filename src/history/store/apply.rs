//! Recording plans and applies: `plan_created` (one row per plan digest) and the apply
//! journal — `apply_started`, `op_intent` (committed before the operation's requests are
//! sent), `op_result` with the attribute changes of an applied operation (one transaction),
//! `apply_finished`. Every event is committed as it arrives, so an interrupted apply leaves
//! a readable prefix of its story: an intent without a result says the requests may have
//! been sent.
//!
//! Never stores a request body (so no connection option, not even its `${env:VAR}`
//! reference, reaches the history through a request), never updates or deletes a row, and
//! never reads the clock: times are the ones the caller gives.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use super::ingest::day_of;
use super::{History, Ingested, SqlContext};
use crate::apply::{ApplyReport, Journal, OpResult, Refusal, Status};
use crate::history::Error;
use crate::model::Timestamp;
use crate::plan::Plan;

/// The id of an apply: its start time and the first 12 hex digits of the SHA-256 of the
/// plan digest and that time. Deterministic (no randomness in the store) and sortable by
/// start time.
pub fn apply_id(plan_digest: &str, started_at: Timestamp) -> String {
    let mut h = Sha256::new();
    h.update(plan_digest.as_bytes());
    h.update([0u8]);
    h.update(started_at.millis().to_le_bytes());
    let hex: String = h
        .finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    let t: String = started_at
        .to_rfc3339()
        .chars()
        .filter(|c| !matches!(c, '-' | ':'))
        .collect();
    format!("apply-{t}-{hex}")
}

impl History {
    /// Append a `plan_created` event for `plan`, whose digest (`sha256:<hex>`) is `digest`,
    /// at time `at`. The same digest again is a no-op.
    pub fn record_plan(
        &mut self,
        plan: &Plan,
        digest: &str,
        at: Timestamp,
    ) -> Result<Ingested, Error> {
        let path = &self.path;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(path, "begin a transaction")?;
        let present: Option<i64> = tx
            .query_row(
                "SELECT seq FROM plan_events WHERE plan_digest = ?1",
                [digest],
                |r| r.get(0),
            )
            .optional()
            .context(path, "look up the plan")?;
        if present.is_some() {
            return Ok(Ingested::AlreadyPresent);
        }
        let s = plan.summary();
        tx.execute(
            "INSERT INTO plan_events (at_ms, occurred_at, day, event, plan_digest, project, \
             environment, host, metastore_id, snapshot_id, snapshot_digest, declared_digest, \
             operations, creates, changes, revokes, not_planned, brickkit_version) \
             VALUES (?1, ?2, ?3, 'plan_created', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
             ?14, ?15, ?16, ?17)",
            params![
                at.millis(),
                at.to_rfc3339(),
                day_of(at),
                digest,
                plan.project,
                plan.environment,
                plan.snapshot.host,
                plan.snapshot.metastore_id,
                plan.snapshot.id,
                plan.snapshot.digest,
                plan.declared_digest,
                plan.operations.len() as i64,
                s.create as i64,
                s.change as i64,
                s.revoke as i64,
                s.not_planned as i64,
                plan.brickkit_version,
            ],
        )
        .context(path, "append the plan event")?;
        tx.commit().context(path, "commit")?;
        Ok(Ingested::Added { events: 1 })
    }
}

/// What the journal knows of one planned operation.
struct OpInfo {
    kind: String,
    securable: String,
    operation: String,
    column: Option<String>,
    /// (attribute, before, after), as `diff::Value` text.
    changes: Vec<(String, String, String)>,
}

/// The history's [`Journal`]: writes each event of one apply as it arrives. A write that
/// fails is kept (see [`ApplyJournal::error`]) and stops the journal — the apply goes on,
/// its story is not recorded any further; the caller decides what that means.
pub struct ApplyJournal {
    history: History,
    apply_id: String,
    plan_digest: String,
    operations: usize,
    ops: HashMap<String, OpInfo>,
    error: Option<Error>,
}

impl ApplyJournal {
    /// Open (or create) the history at `path` for the apply `apply_id` of `plan` (digest
    /// `plan_digest`). A foreign, corrupt or newer file is refused here, before the apply
    /// sends anything.
    pub fn open(
        path: &Path,
        plan: &Plan,
        plan_digest: &str,
        apply_id: &str,
    ) -> Result<ApplyJournal, Error> {
        let history = History::open_or_create(path)?;
        let ops = plan
            .operations
            .iter()
            .map(|op| {
                let info = OpInfo {
                    kind: op.kind.as_str().to_string(),
                    securable: op.full_name.clone(),
                    operation: op.op.as_str().to_string(),
                    column: op.column.clone(),
                    changes: op
                        .changes
                        .iter()
                        .map(|c| {
                            (
                                c.attribute.clone(),
                                c.precondition.to_string(),
                                c.target.to_string(),
                            )
                        })
                        .collect(),
                };
                (op.id.clone(), info)
            })
            .collect();
        Ok(ApplyJournal {
            history,
            apply_id: apply_id.to_string(),
            plan_digest: plan_digest.to_string(),
            operations: plan.operations.len(),
            ops,
            error: None,
        })
    }

    /// The apply's id.
    pub fn apply_id(&self) -> &str {
        &self.apply_id
    }

    /// The first write that failed, if any (nothing was written after it).
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// `Err` with the first write that failed.
    pub fn into_result(self) -> Result<(), Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn keep(&mut self, r: Result<(), Error>) {
        if let Err(e) = r
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    fn write_apply_event(&self, event: &str, r: &ApplyReport) -> Result<(), Error> {
        let finished = event == "apply_finished";
        let at = if finished {
            r.finished_at
        } else {
            r.started_at
        };
        let c = r.counts();
        let n = |x: usize| finished.then_some(x as i64);
        let m = |x: u64| finished.then_some(x as i64);
        let (refusal, refusal_detail) = match (&r.refusal, finished) {
            (Some(f), true) => (Some(f.as_str()), Some(refusal_detail(f))),
            _ => (None, None),
        };
        let residual = if finished {
            r.residual.as_ref().map(|v| v.len() as i64)
        } else {
            None
        };
        self.history
            .conn
            .execute(
                "INSERT INTO apply_events (apply_id, at_ms, occurred_at, day, event, plan_digest, \
                 project, environment, host, metastore_id, dry_run, operations, applied, \
                 already_done, skipped, failed, would_apply, refusal, refusal_detail, residual, \
                 check_requests, mutating_requests, verify_requests, retries, duration_ms) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                 ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)",
                params![
                    self.apply_id,
                    at.millis(),
                    at.to_rfc3339(),
                    day_of(at),
                    event,
                    self.plan_digest,
                    r.project,
                    r.environment,
                    r.host,
                    r.metastore_id,
                    i64::from(r.dry_run),
                    self.operations as i64,
                    n(c.applied),
                    n(c.already_done),
                    n(c.skipped),
                    n(c.failed),
                    n(c.would_apply),
                    refusal,
                    refusal_detail,
                    residual,
                    m(r.requests.check),
                    m(r.requests.mutating),
                    m(r.requests.verify),
                    m(r.requests.retries),
                    m(r.duration_ms),
                ],
            )
            .context(&self.history.path, "append an apply event")?;
        Ok(())
    }

    fn write_intent(&self, op_id: &str, at: Timestamp) -> Result<(), Error> {
        let info = self.ops.get(op_id);
        let s = |f: fn(&OpInfo) -> &str| info.map_or("", f);
        self.history
            .conn
            .execute(
                "INSERT INTO op_events (apply_id, at_ms, occurred_at, day, event, op_id, \
                 securable_kind, securable, operation, column_name) \
                 VALUES (?1, ?2, ?3, ?4, 'op_intent', ?5, ?6, ?7, ?8, ?9)",
                params![
                    self.apply_id,
                    at.millis(),
                    at.to_rfc3339(),
                    day_of(at),
                    op_id,
                    s(|i| &i.kind),
                    s(|i| &i.securable),
                    s(|i| &i.operation),
                    info.and_then(|i| i.column.as_deref()),
                ],
            )
            .context(&self.history.path, "append an operation intent")?;
        Ok(())
    }

    fn write_result(&mut self, r: &OpResult, at: Timestamp) -> Result<(), Error> {
        let path = self.history.path.clone();
        let tx = self
            .history
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context(&path, "begin a transaction")?;
        let (ms, text, day) = (at.millis(), at.to_rfc3339(), day_of(at));
        let kind = r.kind.as_str();
        let operation = r.op.as_str();
        tx.execute(
            "INSERT INTO op_events (apply_id, at_ms, occurred_at, day, event, op_id, \
             securable_kind, securable, operation, column_name, status, detail, error_code, \
             requests, duration_ms) \
             VALUES (?1, ?2, ?3, ?4, 'op_result', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                self.apply_id,
                ms,
                text,
                day,
                r.id,
                kind,
                r.full_name,
                operation,
                r.column,
                r.status.as_str(),
                r.detail,
                r.error_code,
                i64::from(r.requests),
                r.duration_ms as i64,
            ],
        )
        .context(&path, "append an operation result")?;
        if r.status == Status::Applied
            && let Some(info) = self.ops.get(&r.id)
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO op_changes (apply_id, op_id, at_ms, occurred_at, day, \
                     securable_kind, securable, operation, column_name, attribute, \
                     before_value, after_value) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .context(&path, "prepare")?;
            for (attribute, before, after) in &info.changes {
                ins.execute(params![
                    self.apply_id,
                    r.id,
                    ms,
                    text,
                    day,
                    kind,
                    r.full_name,
                    operation,
                    r.column,
                    attribute,
                    before,
                    after
                ])
                .context(&path, "append an attribute change")?;
            }
        }
        tx.commit().context(&path, "commit")
    }
}

/// The refusal's reason as one line of text.
fn refusal_detail(r: &Refusal) -> String {
    match r {
        Refusal::Stale(moved) => moved
            .iter()
            .map(|m| {
                let now = match (&m.now, &m.unreadable) {
                    (Some(v), _) => v.to_string(),
                    (None, Some(why)) => format!("unreadable ({why})"),
                    (None, None) => "unreadable".to_string(),
                };
                format!(
                    "{} {} {}: planned from {}, now {now}, target {}",
                    m.kind.as_str(),
                    m.full_name,
                    m.attribute,
                    m.planned_from,
                    m.target
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Refusal::WrongWorkspace { expected, found } => {
            format!("the plan was made for {expected}, this workspace is {found}")
        }
        Refusal::Missing(s) | Refusal::NotConfirmed(s) => s.clone(),
    }
}

impl Journal for ApplyJournal {
    fn started(&mut self, report: &ApplyReport) {
        if self.error.is_none() {
            let r = self.write_apply_event("apply_started", report);
            self.keep(r);
        }
    }

    fn intent(&mut self, op_id: &str, at: Timestamp) {
        if self.error.is_none() {
            let r = self.write_intent(op_id, at);
            self.keep(r);
        }
    }

    fn result(&mut self, result: &OpResult, at: Timestamp) {
        if self.error.is_none() {
            let r = self.write_result(result, at);
            self.keep(r);
        }
    }

    fn finished(&mut self, report: &ApplyReport) {
        if self.error.is_none() {
            let r = self.write_apply_event("apply_finished", report);
            self.keep(r);
        }
    }
}

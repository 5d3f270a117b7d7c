//! Printing an apply: text for a terminal and a pipeline log — per securable, the seed's
//! `ReconcileResult` (changes applied, skipped with the reason, errors, duration), then the
//! verification and one summary line — and JSON for bots (`docs/formats/apply-json.md`).
//! A refused apply prints why and, for a stale plan, every moved attribute with the value
//! the plan was made from, the value now and the target.
//!
//! Pure functions writing to `&mut dyn io::Write`. The report holds no secret: request
//! bodies shown by a dry run are the plan's, with `${env:VAR}` references unresolved.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::diff::Value;
use crate::plan::doc::{RequestDoc, ValueDoc, value_doc};
use crate::plan::{Operation, Plan, Request};

use super::outcome::{APPLY_FORMAT_VERSION, ApplyReport, Moved, OpResult, Refusal, Status};

/// Output formats of an apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Render `report` (of `plan`) in `format`.
pub fn render(
    report: &ApplyReport,
    plan: &Plan,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text(report, plan, out),
        Format::Json => json(report, plan, out),
    }
}

/// What a refusal says, in one sentence.
pub fn refusal_message(r: &Refusal) -> String {
    match r {
        Refusal::Stale(moved) => format!(
            "the plan is stale: {} attribute(s) moved since it was made (or could not be re-read); nothing was sent — make a new plan",
            moved.len()
        ),
        Refusal::WrongWorkspace { expected, found } => {
            format!("the plan was made for {expected}, this is {found}; nothing was sent")
        }
        Refusal::Missing(m) => format!("{m}; nothing was sent"),
        Refusal::NotConfirmed(m) => format!("{m}; nothing was sent"),
    }
}

/// One moved attribute, for a person.
pub fn moved_line(m: &Moved) -> String {
    let now = match (&m.now, &m.unreadable) {
        (Some(v), _) => format!("now {v}"),
        (None, Some(why)) => format!("now unknown (could not re-read: {why})"),
        (None, None) => "now unknown".to_string(),
    };
    format!(
        "{} {} {}: planned from {}, {now}, target {}",
        m.kind, m.full_name, m.attribute, m.planned_from, m.target
    )
}

/// `Apply: 10 applied, 1 already done, 0 skipped, 1 failed; 11 mutating requests`.
pub fn summary_line(report: &ApplyReport) -> String {
    let c = report.counts();
    if report.dry_run {
        return format!(
            "Dry run: {} would apply, {} already done; no mutating request sent",
            c.would_apply, c.already_done
        );
    }
    if let Some(r) = &report.refusal {
        return format!("Apply refused ({}): nothing sent", r.as_str());
    }
    format!(
        "Apply: {} applied, {} already done, {} skipped, {} failed; {} mutating request(s) in {:.1} s",
        c.applied,
        c.already_done,
        c.skipped,
        c.failed,
        report.requests.mutating,
        report.duration_ms as f64 / 1000.0
    )
}

fn request_line(r: &Request) -> String {
    match r {
        Request::Rest { method, path, body } => format!("{} {path} {body}", method.as_str()),
        Request::Sql { statement } => format!("SQL {statement}"),
    }
}

/// One securable's results, each with its planned operation.
type Group<'a> = (String, Vec<(&'a OpResult, Option<&'a Operation>)>);

/// Operations grouped by securable, in plan order of first appearance.
fn by_securable<'a>(report: &'a ApplyReport, plan: &'a Plan) -> Vec<Group<'a>> {
    let ops: BTreeMap<&str, &Operation> =
        plan.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    let mut order: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<(&OpResult, Option<&Operation>)>> = BTreeMap::new();
    for r in &report.results {
        let key = format!("{} {}", r.kind, r.full_name);
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups
            .entry(key)
            .or_default()
            .push((r, ops.get(r.id.as_str()).copied()));
    }
    order
        .into_iter()
        .map(|k| {
            let v = groups.remove(&k).unwrap_or_default();
            (k, v)
        })
        .collect()
}

fn what(r: &OpResult) -> String {
    match &r.column {
        Some(c) => format!("{} (column {c})", r.op),
        None => r.op.to_string(),
    }
}

fn text(report: &ApplyReport, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{} {} to {} (metastore {}), plan {}",
        if report.dry_run {
            "Dry run of"
        } else {
            "Apply of"
        },
        plural(plan.operations.len(), "operation"),
        report.host,
        report.metastore_id.as_deref().unwrap_or("-"),
        report.plan_digest
    )?;
    if let Some(r) = &report.refusal {
        writeln!(out, "refused: {}", refusal_message(r))?;
        if let Refusal::Stale(moved) = r {
            for m in moved {
                writeln!(out, "  {}", moved_line(m))?;
            }
        }
        writeln!(out, "{}", summary_line(report))?;
        return Ok(());
    }
    for (securable, items) in by_securable(report, plan) {
        let count = |st: &[Status]| items.iter().filter(|(r, _)| st.contains(&r.status)).count();
        let applied = count(&[Status::Applied, Status::WouldApply]);
        let done = count(&[Status::AlreadyDone]);
        let skipped = count(&[Status::Skipped]);
        let errors = count(&[Status::Failed]);
        let ms: u64 = items.iter().map(|(r, _)| r.duration_ms).sum();
        writeln!(out)?;
        writeln!(
            out,
            "{securable}: {applied} {}, {done} already done, {skipped} skipped, {errors} error(s), {ms} ms",
            if report.dry_run {
                "to apply"
            } else {
                "applied"
            }
        )?;
        for (r, op) in items {
            let mark = match r.status {
                Status::Applied => "applied     ",
                Status::AlreadyDone => "already done",
                Status::Skipped => "skipped     ",
                Status::Failed => "error       ",
                Status::WouldApply => "would apply ",
            };
            writeln!(out, "  {mark} {}", what(r))?;
            if matches!(
                r.status,
                Status::Applied | Status::WouldApply | Status::AlreadyDone
            ) && let Some(op) = op
            {
                for c in &op.changes {
                    writeln!(
                        out,
                        "      {}: {} → {}",
                        c.attribute, c.precondition, c.target
                    )?;
                }
            }
            if r.status == Status::WouldApply
                && let Some(op) = op
            {
                for q in &op.requests {
                    writeln!(out, "      => {}", request_line(q))?;
                }
            }
            if let Some(d) = &r.detail
                && !matches!(r.status, Status::AlreadyDone)
            {
                writeln!(out, "      {d}")?;
            }
        }
    }
    writeln!(out)?;
    match &report.residual {
        Some(res) if res.is_empty() => writeln!(
            out,
            "Verification: every applied change holds (no residual drift)"
        )?,
        Some(res) => {
            writeln!(
                out,
                "Verification: {} residual",
                plural(res.len(), "attribute")
            )?;
            for r in res {
                let now = r.now.as_ref().map_or_else(
                    || "unknown (could not re-read)".to_string(),
                    ToString::to_string,
                );
                writeln!(
                    out,
                    "  {} {} {}: target {}, now {now}",
                    r.kind, r.full_name, r.attribute, r.target
                )?;
            }
        }
        None if report.dry_run => {}
        None => writeln!(out, "Verification: nothing was applied, nothing to verify")?,
    }
    writeln!(
        out,
        "Requests: {} check read(s), {} mutating, {} verification read(s), {} retried",
        report.requests.check,
        report.requests.mutating,
        report.requests.verify,
        report.requests.retries
    )?;
    writeln!(out, "{}", summary_line(report))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

#[derive(Serialize)]
struct ReportDoc<'a> {
    format_version: u32,
    outcome: &'static str,
    host: &'a str,
    metastore_id: Option<&'a str>,
    plan_digest: &'a str,
    project: &'a str,
    environment: &'a str,
    dry_run: bool,
    started_at: String,
    finished_at: String,
    duration_ms: u64,
    refusal: Option<RefusalDoc>,
    summary: SummaryDoc,
    requests: RequestsDoc,
    securables: Vec<SecurableDoc<'a>>,
    residual: Option<Vec<ResidualDoc<'a>>>,
}

#[derive(Serialize)]
struct RefusalDoc {
    kind: &'static str,
    message: String,
    moved: Vec<MovedDoc>,
}

#[derive(Serialize)]
struct MovedDoc {
    operation_id: String,
    kind: String,
    full_name: String,
    attribute: String,
    planned_from: Option<ValueDoc>,
    now: Option<ValueDoc>,
    now_known: bool,
    target: Option<ValueDoc>,
    unreadable: Option<String>,
}

#[derive(Serialize)]
struct SummaryDoc {
    operations: usize,
    applied: usize,
    already_done: usize,
    skipped: usize,
    failed: usize,
    would_apply: usize,
}

#[derive(Serialize)]
struct RequestsDoc {
    check: u64,
    mutating: u64,
    verify: u64,
    retries: u64,
}

#[derive(Serialize)]
struct SecurableDoc<'a> {
    kind: String,
    full_name: &'a str,
    changes_applied: Vec<ChangeDoc<'a>>,
    changes_skipped: Vec<ChangeDoc<'a>>,
    errors: Vec<ErrorDoc<'a>>,
    duration_ms: u64,
    operations: Vec<OpDoc<'a>>,
}

#[derive(Serialize)]
struct ChangeDoc<'a> {
    operation_id: &'a str,
    attribute: &'a str,
    before: Option<ValueDoc>,
    after: Option<ValueDoc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

#[derive(Serialize)]
struct ErrorDoc<'a> {
    operation_id: &'a str,
    error_code: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct OpDoc<'a> {
    id: &'a str,
    operation: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<&'a str>,
    status: &'static str,
    detail: Option<&'a str>,
    error_code: Option<&'a str>,
    requests: u32,
    duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    would_send: Option<Vec<RequestDoc>>,
}

#[derive(Serialize)]
struct ResidualDoc<'a> {
    operation_id: &'a str,
    kind: String,
    full_name: &'a str,
    attribute: &'a str,
    target: Option<ValueDoc>,
    now: Option<ValueDoc>,
    now_known: bool,
}

fn request_doc(r: &Request) -> RequestDoc {
    match r {
        Request::Rest { method, path, body } => RequestDoc::Rest {
            method: method.as_str().to_string(),
            path: path.clone(),
            body: body.clone(),
        },
        Request::Sql { statement } => RequestDoc::Sql {
            statement: statement.clone(),
        },
    }
}

fn vd(v: &Value) -> Option<ValueDoc> {
    value_doc(v)
}

/// `succeeded`, `failed` or `refused`.
pub fn outcome(report: &ApplyReport) -> &'static str {
    if report.refusal.is_some() {
        "refused"
    } else if report.succeeded() {
        "succeeded"
    } else {
        "failed"
    }
}

fn json(report: &ApplyReport, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    let c = report.counts();
    let securables = by_securable(report, plan)
        .into_iter()
        .filter_map(|(_, items)| {
            let first = items.first()?.0;
            let mut s = SecurableDoc {
                kind: first.kind.to_string(),
                full_name: &first.full_name,
                changes_applied: Vec::new(),
                changes_skipped: Vec::new(),
                errors: Vec::new(),
                duration_ms: items.iter().map(|(r, _)| r.duration_ms).sum(),
                operations: Vec::new(),
            };
            for (r, op) in items {
                if let Some(op) = op {
                    for ch in &op.changes {
                        let doc = ChangeDoc {
                            operation_id: &r.id,
                            attribute: &ch.attribute,
                            before: vd(&ch.precondition),
                            after: vd(&ch.target),
                            reason: None,
                        };
                        match r.status {
                            Status::Applied | Status::WouldApply => s.changes_applied.push(doc),
                            Status::AlreadyDone | Status::Skipped => {
                                s.changes_skipped.push(ChangeDoc {
                                    reason: r.detail.as_deref(),
                                    ..doc
                                })
                            }
                            Status::Failed => {}
                        }
                    }
                }
                if r.status == Status::Failed {
                    s.errors.push(ErrorDoc {
                        operation_id: &r.id,
                        error_code: r.error_code.as_deref(),
                        message: r.detail.as_deref().unwrap_or(""),
                    });
                }
                s.operations.push(OpDoc {
                    id: &r.id,
                    operation: r.op.as_str(),
                    column: r.column.as_deref(),
                    status: r.status.as_str(),
                    detail: r.detail.as_deref(),
                    error_code: r.error_code.as_deref(),
                    requests: r.requests,
                    duration_ms: r.duration_ms,
                    would_send: (r.status == Status::WouldApply).then(|| {
                        op.map(|o| o.requests.iter().map(request_doc).collect())
                            .unwrap_or_default()
                    }),
                });
            }
            Some(s)
        })
        .collect();
    let doc = ReportDoc {
        format_version: APPLY_FORMAT_VERSION,
        outcome: outcome(report),
        host: &report.host,
        metastore_id: report.metastore_id.as_deref(),
        plan_digest: &report.plan_digest,
        project: &report.project,
        environment: &report.environment,
        dry_run: report.dry_run,
        started_at: report.started_at.to_rfc3339(),
        finished_at: report.finished_at.to_rfc3339(),
        duration_ms: report.duration_ms,
        refusal: report.refusal.as_ref().map(|r| RefusalDoc {
            kind: r.as_str(),
            message: refusal_message(r),
            moved: match r {
                Refusal::Stale(m) => m
                    .iter()
                    .map(|m| MovedDoc {
                        operation_id: m.op_id.clone(),
                        kind: m.kind.to_string(),
                        full_name: m.full_name.clone(),
                        attribute: m.attribute.clone(),
                        planned_from: vd(&m.planned_from),
                        now: m.now.as_ref().and_then(vd),
                        now_known: m.now.is_some(),
                        target: vd(&m.target),
                        unreadable: m.unreadable.clone(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }),
        summary: SummaryDoc {
            operations: report.results.len(),
            applied: c.applied,
            already_done: c.already_done,
            skipped: c.skipped,
            failed: c.failed,
            would_apply: c.would_apply,
        },
        requests: RequestsDoc {
            check: report.requests.check,
            mutating: report.requests.mutating,
            verify: report.requests.verify,
            retries: report.requests.retries,
        },
        securables,
        residual: report.residual.as_ref().map(|res| {
            res.iter()
                .map(|r| ResidualDoc {
                    operation_id: &r.op_id,
                    kind: r.kind.to_string(),
                    full_name: &r.full_name,
                    attribute: &r.attribute,
                    target: vd(&r.target),
                    now: r.now.as_ref().and_then(vd),
                    now_known: r.now.is_some(),
                })
                .collect()
        }),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
    writeln!(out)
}

//! One apply, start to finish: confirm the workspace is the plan's, check what it needs
//! (a warehouse for SQL, the secrets it references), re-read every touched attribute and
//! refuse a stale plan before a single mutating request, execute, then re-read the touched
//! scope and report what is still not at its target.

use std::collections::BTreeMap;

use tokio::time::Instant;

use crate::api::auth::Secret;
use crate::api::{self, Client};
use crate::model::Timestamp;
use crate::plan::{Plan, Request};
use crate::state::collect;

use super::Progress;
use super::check::{self, Verdict};
use super::execute::{self, Exec};
use super::outcome::{ApplyReport, Journal, OpResult, Refusal, Requests, Status};

/// How to apply.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Check and report, send no mutating request.
    pub dry_run: bool,
    /// Operations in flight at most (different securables).
    pub jobs: usize,
    /// SQL warehouse for statements and for reading tags in bulk.
    pub warehouse_id: Option<String>,
    /// Values of the plan's `${env:VAR}` references (the caller reads the environment).
    pub secrets: BTreeMap<String, Secret>,
    /// `sha256:<hex>` naming the plan.
    pub plan_digest: String,
}

/// Default concurrency: Unity Catalog write APIs are rate limited per workspace
/// (reference §16: a few tens of requests per second per endpoint); 8 operations in flight
/// stays well below while hiding latency.
pub const DEFAULT_JOBS: usize = 8;

/// `https://Host/` and `https://host` are one host.
fn same_host(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
        s.strip_prefix("https://")
            .or_else(|| s.strip_prefix("http://"))
            .map(str::to_string)
            .unwrap_or(s)
    };
    norm(a) == norm(b)
}

/// Apply `plan` through `client`. `Err` only when the workspace cannot be used at all (bad
/// credentials, unreachable host); every refusal and failure is in the report.
pub async fn run(
    client: &Client,
    plan: &Plan,
    opts: &ApplyOptions,
    journal: &mut dyn Journal,
    progress: &dyn Progress,
    clock: &(dyn Fn() -> Timestamp + Sync),
) -> Result<ApplyReport, api::Error> {
    let t0 = Instant::now();
    let sent0 = client.requests_sent();
    let retries0 = client.retries();
    let mut report = ApplyReport {
        host: client.host().to_string(),
        metastore_id: None,
        plan_digest: opts.plan_digest.clone(),
        project: plan.project.clone(),
        environment: plan.environment.clone(),
        dry_run: opts.dry_run,
        started_at: clock(),
        finished_at: Timestamp::default(),
        refusal: None,
        results: Vec::new(),
        residual: None,
        requests: Requests::default(),
        duration_ms: 0,
    };
    let refuse =
        |mut report: ApplyReport, refusal: Refusal, journal: &mut dyn Journal, why: &str| {
            report.results = plan.operations.iter().map(|op| skipped(op, why)).collect();
            report.refusal = Some(refusal);
            report.requests.check = client.requests_sent() - sent0;
            report.requests.retries = client.retries() - retries0;
            report.finished_at = clock();
            report.duration_ms = t0.elapsed().as_millis() as u64;
            journal.started(&report);
            journal.finished(&report);
            report
        };

    // The workspace: the plan's host and metastore.
    if let Some(h) = &plan.snapshot.host
        && !same_host(h, client.host())
    {
        let r = Refusal::WrongWorkspace {
            expected: h.clone(),
            found: client.host().to_string(),
        };
        return Ok(refuse(
            report,
            r,
            journal,
            "refused: the plan is for another workspace",
        ));
    }
    match collect::metastore_id(client).await {
        Ok(id) => report.metastore_id = id,
        Err(e) if e.is_fatal() => return Err(e),
        Err(e) => {
            let r = Refusal::Missing(format!(
                "cannot read the workspace's metastore to confirm it is the plan's: {e}"
            ));
            return Ok(refuse(
                report,
                r,
                journal,
                "refused: the metastore could not be confirmed",
            ));
        }
    }
    if let (Some(want), Some(have)) = (&plan.snapshot.metastore_id, &report.metastore_id)
        && want != have
    {
        let r = Refusal::WrongWorkspace {
            expected: format!("metastore {want}"),
            found: format!("metastore {have}"),
        };
        return Ok(refuse(
            report,
            r,
            journal,
            "refused: the plan is for another metastore",
        ));
    }
    // What the requests need.
    let needs_sql = plan
        .operations
        .iter()
        .any(|o| o.requests.iter().any(|r| matches!(r, Request::Sql { .. })));
    if needs_sql && opts.warehouse_id.is_none() && !opts.dry_run {
        let r = Refusal::Missing("the plan runs SQL statements and no SQL warehouse is configured: pass --warehouse-id or set DATABRICKS_WAREHOUSE_ID".into());
        return Ok(refuse(report, r, journal, "refused: no SQL warehouse"));
    }
    if !opts.dry_run {
        let missing: Vec<String> = execute::references(plan)
            .into_iter()
            .filter(|n| !opts.secrets.contains_key(n))
            .collect();
        if !missing.is_empty() {
            let r = Refusal::Missing(format!(
                "environment variable(s) {} referenced by the plan (${{env:...}}) are not set",
                missing.join(", ")
            ));
            return Ok(refuse(
                report,
                r,
                journal,
                "refused: a referenced environment variable is not set",
            ));
        }
    }

    // The live check, before anything is sent.
    let targets = check::targets(&plan.operations);
    let live = collect::scoped(client, &targets, opts.warehouse_id.as_deref())
        .await
        .map_err(|e| match e {
            collect::Error::Fatal(e) => e,
            other => api::Error::Auth(other.to_string()),
        })?;
    let verdicts = check::check(plan, &live);
    let mut moved: Vec<_> = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::Stale(m) => Some(m.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    report.requests.check = client.requests_sent() - sent0;
    if !moved.is_empty() {
        moved.sort();
        return Ok(refuse(
            report,
            Refusal::Stale(moved),
            journal,
            "refused: the plan is stale",
        ));
    }

    if opts.dry_run {
        report.results = plan
            .operations
            .iter()
            .zip(&verdicts)
            .map(|(op, v)| {
                let mut r = skipped(op, "");
                if *v == Verdict::Done {
                    r.status = Status::AlreadyDone;
                    r.detail = Some("already at its target: nothing to send".into());
                } else {
                    r.status = Status::WouldApply;
                    r.detail = None;
                }
                r
            })
            .collect();
        report.requests.retries = client.retries() - retries0;
        report.finished_at = clock();
        report.duration_ms = t0.elapsed().as_millis() as u64;
        journal.started(&report);
        journal.finished(&report);
        return Ok(report);
    }

    journal.started(&report);
    progress.start(plan.operations.len() as u64);
    let before_exec = client.requests_sent();
    report.results = execute::execute(
        plan,
        &verdicts,
        Exec {
            client,
            warehouse_id: opts.warehouse_id.as_deref(),
            secrets: &opts.secrets,
            jobs: opts.jobs.max(1),
            journal: &mut *journal,
            progress,
            clock,
        },
    )
    .await;
    report.requests.mutating = report.results.iter().map(|r| u64::from(r.requests)).sum();
    let _ = before_exec;

    // Verification: what was applied (or found done) is re-read and compared.
    let settled: Vec<_> = plan
        .operations
        .iter()
        .zip(&report.results)
        .filter(|(_, r)| r.status == Status::Applied)
        .map(|(op, _)| op.clone())
        .collect();
    if !settled.is_empty() {
        let before = client.requests_sent();
        let targets = check::targets(&settled);
        report.residual = Some(
            match collect::scoped(client, &targets, opts.warehouse_id.as_deref()).await {
                Ok(live) => check::residual(settled.iter(), &live),
                Err(_) => check::residual(settled.iter(), &unreadable_all(&settled)),
            },
        );
        report.requests.verify = client.requests_sent() - before;
    }
    report.requests.retries = client.retries() - retries0;
    report.finished_at = clock();
    report.duration_ms = t0.elapsed().as_millis() as u64;
    journal.finished(&report);
    Ok(report)
}

/// A snapshot that says every touched securable could not be read.
fn unreadable_all(ops: &[crate::plan::Operation]) -> crate::state::Snapshot {
    let mut s = crate::state::Snapshot::default();
    for op in ops {
        s.collection_issues.push(crate::state::CollectionIssue {
            securable_kind: Some(op.kind),
            full_name: op.full_name.clone().into(),
            attribute: None,
            subtree: false,
            error_code: Some("verify".into()),
            message: "the verification read failed".into(),
        });
    }
    s
}

fn skipped(op: &crate::plan::Operation, why: &str) -> OpResult {
    OpResult {
        id: op.id.clone(),
        kind: op.kind,
        full_name: op.full_name.clone(),
        op: op.op,
        column: op.column.clone(),
        status: Status::Skipped,
        detail: Some(why.to_string()),
        error_code: None,
        requests: 0,
        duration_ms: 0,
    }
}

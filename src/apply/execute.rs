//! **Execution**: the operations that passed the live check, sent in dependency order with
//! bounded concurrency. Operations on one securable run one after another, in plan order
//! (concurrent `ALTER`s of one table conflict); different securables run side by side, at
//! most `jobs` at a time. An operation whose `depends_on` did not succeed is skipped with
//! the reason; independent ones go on.
//!
//! A mutating request is never sent twice after it may have reached the server: the
//! transport retries only what was refused before being processed (429, 503, no
//! connection). After a lost answer (a timeout, a dropped connection, a 5xx) the operation's
//! attributes are re-read: it counts as applied when they now hold the target, as failed
//! ("outcome unknown") otherwise — a later run finds out which through the live check.
//!
//! The journal gets the intent before the first request of an operation and its result
//! after; it is called from this one coordinating task, in order.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use serde_json::Value as Json;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::api::auth::Secret;
use crate::api::{self, Client};
use crate::model::Timestamp;
use crate::plan::{Method, Operation, Plan, Request};
use crate::state::collect;

use super::check::{self, Verdict};
use super::outcome::{Journal, OpResult, Status};

/// What execution needs besides the plan.
pub struct Exec<'a> {
    pub client: &'a Client,
    pub warehouse_id: Option<&'a str>,
    /// Values of the `${env:VAR}` references in request bodies.
    pub secrets: &'a BTreeMap<String, Secret>,
    /// Operations in flight at most (different securables).
    pub jobs: usize,
    pub journal: &'a mut dyn Journal,
    pub progress: &'a dyn super::Progress,
    pub clock: &'a (dyn Fn() -> Timestamp + Sync),
}

/// How one operation's requests went.
struct Sent {
    index: usize,
    status: Status,
    detail: Option<String>,
    error_code: Option<String>,
    requests: u32,
    duration_ms: u64,
}

/// Run every operation whose verdict is `Apply`; `Done` ones are `already_done` without a
/// request. Returns one result per operation, in plan order.
pub async fn execute(plan: &Plan, verdicts: &[Verdict], ex: Exec<'_>) -> Vec<OpResult> {
    let ops = &plan.operations;
    let n = ops.len();
    let index: HashMap<&str, usize> = ops
        .iter()
        .enumerate()
        .map(|(i, o)| (o.id.as_str(), i))
        .collect();
    // Edges: explicit dependencies (must succeed) and the previous operation on the same
    // securable (order only).
    let mut must: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut pending: Vec<usize> = vec![0; n];
    let mut last_on: HashMap<(crate::model::SecurableKind, String), usize> = HashMap::new();
    for (i, op) in ops.iter().enumerate() {
        let mut preds: Vec<usize> = op
            .depends_on
            .iter()
            .filter_map(|d| index.get(d.as_str()).copied())
            .filter(|&p| p < i)
            .collect();
        must[i] = preds.clone();
        if let Some(&p) = last_on.get(&(op.kind, op.full_name.to_lowercase())) {
            preds.push(p);
        }
        last_on.insert((op.kind, op.full_name.to_lowercase()), i);
        preds.sort_unstable();
        preds.dedup();
        pending[i] = preds.len();
        for p in preds {
            succ[p].push(i);
        }
    }
    let mut results: Vec<Option<OpResult>> = vec![None; n];
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| pending[i] == 0).map(Reverse).collect();
    let mut running: JoinSet<Sent> = JoinSet::new();
    let jobs = ex.jobs.max(1);
    let client = ex.client.clone();
    let warehouse = ex.warehouse_id.map(str::to_string);
    let secrets = Arc::new(ex.secrets.clone());
    let mut finished = 0usize;
    loop {
        // Start what is ready, in plan order, while there is room.
        while running.len() < jobs {
            let Some(Reverse(i)) = ready.pop() else { break };
            let op = &ops[i];
            let failed_dep = must[i].iter().find(|&&p| {
                !matches!(
                    results[p].as_ref().map(|r| r.status),
                    Some(Status::Applied | Status::AlreadyDone)
                )
            });
            let immediate = if let Some(&p) = failed_dep {
                Some(result_of(
                    op,
                    Status::Skipped,
                    Some(format!("depends on {}, which was not applied", ops[p].id)),
                    None,
                    0,
                    0,
                ))
            } else if verdicts.get(i) == Some(&Verdict::Done) {
                Some(result_of(
                    op,
                    Status::AlreadyDone,
                    Some("already at its target: nothing sent".into()),
                    None,
                    0,
                    0,
                ))
            } else {
                None
            };
            if let Some(r) = immediate {
                ex.journal.result(&r, (ex.clock)());
                results[i] = Some(r);
                finished += 1;
                ex.progress.done(1);
                release(i, &succ, &mut pending, &mut ready);
                continue;
            }
            ex.journal.intent(&op.id, (ex.clock)());
            let op = op.clone();
            let client = client.clone();
            let warehouse = warehouse.clone();
            let secrets = secrets.clone();
            running.spawn(
                async move { run_one(i, &op, &client, warehouse.as_deref(), &secrets).await },
            );
        }
        if running.is_empty() && ready.is_empty() {
            break;
        }
        let Some(joined) = running.join_next().await else {
            continue;
        };
        let sent = match joined {
            Ok(s) => s,
            Err(e) => {
                // A task that did not finish leaves its operation's outcome unknown; the
                // coordinator cannot tell which one without the index, so it stops here.
                tracing::error!(error = %e, "an apply task failed");
                break;
            }
        };
        let op = &ops[sent.index];
        let r = result_of(
            op,
            sent.status,
            sent.detail,
            sent.error_code,
            sent.requests,
            sent.duration_ms,
        );
        ex.journal.result(&r, (ex.clock)());
        results[sent.index] = Some(r);
        finished += 1;
        ex.progress.done(1);
        release(sent.index, &succ, &mut pending, &mut ready);
    }
    let _ = finished;
    ops.iter()
        .zip(results)
        .map(|(op, r)| {
            r.unwrap_or_else(|| {
                result_of(
                    op,
                    Status::Skipped,
                    Some("not attempted: the apply stopped".into()),
                    None,
                    0,
                    0,
                )
            })
        })
        .collect()
}

fn release(
    i: usize,
    succ: &[Vec<usize>],
    pending: &mut [usize],
    ready: &mut BinaryHeap<Reverse<usize>>,
) {
    for &s in &succ[i] {
        pending[s] -= 1;
        if pending[s] == 0 {
            ready.push(Reverse(s));
        }
    }
}

fn result_of(
    op: &Operation,
    status: Status,
    detail: Option<String>,
    error_code: Option<String>,
    requests: u32,
    duration_ms: u64,
) -> OpResult {
    OpResult {
        id: op.id.clone(),
        kind: op.kind,
        full_name: op.full_name.clone(),
        op: op.op,
        column: op.column.clone(),
        status,
        detail,
        error_code,
        requests,
        duration_ms,
    }
}

/// True when a failed write may still have been carried out: no answer, or a server error.
fn outcome_unknown(e: &api::Error) -> bool {
    match e {
        api::Error::Transport { .. } | api::Error::Decode { .. } => true,
        api::Error::Api { status, .. } => *status >= 500,
        api::Error::Sql { state, .. } => state != "FAILED",
        api::Error::Auth(_) => false,
    }
}

async fn run_one(
    index: usize,
    op: &Operation,
    client: &Client,
    warehouse: Option<&str>,
    secrets: &BTreeMap<String, Secret>,
) -> Sent {
    let start = Instant::now();
    let mut requests = 0u32;
    for req in &op.requests {
        requests += 1;
        let r = send(client, warehouse, secrets, req).await;
        if let Err(e) = r {
            let (status, detail) = if outcome_unknown(&e) {
                // Read back what the operation changes: it may have happened.
                let targets = check::targets(std::slice::from_ref(op));
                match collect::scoped(client, &targets, warehouse).await {
                    Ok(live) if check::holds(op, &live) => (
                        Status::Applied,
                        format!("the answer was lost ({e}); a re-read shows the target holds"),
                    ),
                    Ok(_) => (
                        Status::Failed,
                        format!(
                            "{e}; a re-read does not show the target: the outcome is unknown, run apply again"
                        ),
                    ),
                    Err(re) => (
                        Status::Failed,
                        format!(
                            "{e}; the re-read failed too ({re}): the outcome is unknown, run apply again"
                        ),
                    ),
                }
            } else {
                (Status::Failed, e.to_string())
            };
            let code = (status == Status::Failed).then(|| e.code());
            return Sent {
                index,
                status,
                detail: Some(detail),
                error_code: code,
                requests,
                duration_ms: start.elapsed().as_millis() as u64,
            };
        }
    }
    Sent {
        index,
        status: Status::Applied,
        detail: None,
        error_code: None,
        requests,
        duration_ms: start.elapsed().as_millis() as u64,
    }
}

/// A piece of a string with `${env:NAME}` references: literal text or a reference's name.
enum Piece<'a> {
    Text(&'a str),
    Env(&'a str),
}

/// The one scanner of `${env:NAME}` references: calls `each` with the literal text and the
/// references in order (an unterminated `${env:` is literal text).
fn scan<'a, E>(s: &'a str, mut each: impl FnMut(Piece<'a>) -> Result<(), E>) -> Result<(), E> {
    let mut rest = s;
    while let Some(i) = rest.find("${env:") {
        let Some(j) = rest[i..].find('}') else { break };
        each(Piece::Text(&rest[..i]))?;
        each(Piece::Env(&rest[i + 6..i + j]))?;
        rest = &rest[i + j + 1..];
    }
    each(Piece::Text(rest))
}

/// `${env:NAME}` references in a string, resolved; `Err` names a missing variable.
pub fn resolve(s: &str, secrets: &BTreeMap<String, Secret>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    scan(s, |piece| {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Env(name) => match secrets.get(name) {
                Some(v) => out.push_str(v.expose()),
                None => return Err(name.to_string()),
            },
        }
        Ok(())
    })?;
    Ok(out)
}

/// The `${env:NAME}` references of a plan's request bodies, sorted.
pub fn references(plan: &Plan) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    for op in &plan.operations {
        for r in &op.requests {
            if let Request::Rest { body, .. } = r {
                let _ = scan(body, |piece| {
                    if let Piece::Env(name) = piece {
                        names.insert(name.to_string());
                    }
                    Ok::<(), std::convert::Infallible>(())
                });
            }
        }
    }
    names.into_iter().collect()
}

fn resolve_json(v: &mut Json, secrets: &BTreeMap<String, Secret>) -> Result<(), String> {
    match v {
        Json::String(s) if s.contains("${env:") => {
            *s = resolve(s, secrets)?;
        }
        Json::Array(a) => {
            for x in a {
                resolve_json(x, secrets)?;
            }
        }
        Json::Object(m) => {
            for x in m.values_mut() {
                resolve_json(x, secrets)?;
            }
        }
        _ => {}
    }
    Ok(())
}

async fn send(
    client: &Client,
    warehouse: Option<&str>,
    secrets: &BTreeMap<String, Secret>,
    req: &Request,
) -> Result<(), api::Error> {
    match req {
        Request::Rest { method, path, body } => {
            let mut json: Json = serde_json::from_str(body).map_err(|e| api::Error::Decode {
                method: method.as_str().into(),
                path: path.clone(),
                message: format!("the plan's request body is not JSON: {e}"),
            })?;
            resolve_json(&mut json, secrets).map_err(|name| {
                api::Error::Auth(format!("environment variable {name} is not set"))
            })?;
            match method {
                Method::Post => client.post(path, &json).await.map(|_| ()),
                Method::Patch => client.patch(path, &json).await.map(|_| ()),
            }
        }
        Request::Sql { statement } => {
            let Some(w) = warehouse else {
                return Err(api::Error::Auth(
                    "a SQL warehouse is needed to run this statement".into(),
                ));
            };
            api::sql::execute_write(client, w, statement)
                .await
                .map(|_| ())
        }
    }
}

//! Replaying a plan against `ucsim`: a workspace seeded from the shipped example snapshot
//! (`brickkit_testkit::sim_seed::sim_seed`) accepts every request the planner emits for
//! `examples/governance --env dev`, sent in plan order (REST with the bearer token, SQL
//! through the Statement Execution API); collected afterwards, nothing that was planned
//! is still drifted. Groundwork for `drift apply` (issue #14).
//!
//! The apply fixture (`brickkit_testkit::apply_fixture`) does the same for a plan holding every
//! kind of operation and every kind of create, with hostile names and values, which must read
//! back exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use brickkit::app::{self, PlanRequest, Source};
use brickkit::drift::UnmanagedScope;
use brickkit::model::SecurableKind;
use brickkit::model::Timestamp;
use brickkit::plan::{Method, OpKind, Plan, Request};
use brickkit::state::{Snapshot, store};
use brickkit_testkit::apply_fixture;
use brickkit_testkit::sim_seed::sim_seed;
use serde_json::{Value, json};

use crate::support::repo;
use crate::support::sim::{TOKEN, collect, log_seq, mutating_requests};

/// The example tree's `dev` plan against the snapshot at `snapshot`.
fn plan(snapshot: &Path) -> Plan {
    let tree = app::load_tree(&repo().join("examples/governance"), Some("dev")).unwrap();
    let req = PlanRequest {
        timestamp: Timestamp::from_civil(2026, 12, 1, 0, 0, 0, 0),
        unmanaged: UnmanagedScope::default(),
        ignore: Vec::new(),
    };
    app::plan::plan(&tree, Source::Saved(snapshot), &req)
        .unwrap()
        .plan
}

/// Replace every string that is exactly `${env:VAR}` by the value `env` gives VAR (what
/// apply does with connection secrets).
fn resolve_env(v: &mut Value, env: &[(&str, &str)]) {
    match v {
        Value::String(s) => {
            if let Some(var) = s.strip_prefix("${env:").and_then(|r| r.strip_suffix('}')) {
                let (_, value) = env
                    .iter()
                    .find(|(k, _)| *k == var)
                    .unwrap_or_else(|| panic!("no value for ${{env:{var}}}"));
                *s = value.to_string();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| resolve_env(x, env)),
        Value::Object(o) => o.values_mut().for_each(|x| resolve_env(x, env)),
        _ => {}
    }
}

/// Send `req` to `base`; `Err` with what the server said when it was refused.
async fn send(c: &reqwest::Client, base: &str, req: &Request) -> Result<(), String> {
    send_with(c, base, req, &[]).await
}

/// [`send`], resolving `${env:VAR}` in REST bodies from `env`.
async fn send_with(
    c: &reqwest::Client,
    base: &str,
    req: &Request,
    env: &[(&str, &str)],
) -> Result<(), String> {
    let (method, path, body) = match req {
        Request::Rest { method, path, body } => {
            let m = match method {
                Method::Post => reqwest::Method::POST,
                Method::Patch => reqwest::Method::PATCH,
            };
            let mut body = serde_json::from_str::<Value>(body).unwrap();
            resolve_env(&mut body, env);
            (m, path.clone(), body)
        }
        Request::Sql { statement } => (
            reqwest::Method::POST,
            "/api/2.0/sql/statements".to_string(),
            json!({"statement": statement, "warehouse_id": "W", "wait_timeout": "10s"}),
        ),
    };
    let r = c
        .request(method, format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let mut v: Value = r.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!("HTTP {status}: {v}"));
    }
    if matches!(req, Request::Sql { .. }) {
        // Poll a statement that is still running until it is done.
        while matches!(v["status"]["state"].as_str(), Some("PENDING" | "RUNNING")) {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let id = v["statement_id"].as_str().unwrap().to_string();
            v = c
                .get(format!("{base}/api/2.0/sql/statements/{id}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
        }
        if v["status"]["state"] != "SUCCEEDED" {
            return Err(format!(
                "statement {}: {}",
                v["status"]["state"], v["status"]
            ));
        }
    }
    Ok(())
}

/// The attributes a plan changes: `(securable, column, attribute)`.
fn planned(p: &Plan) -> BTreeSet<(String, Option<String>, String)> {
    p.operations
        .iter()
        .flat_map(|op| {
            op.changes
                .iter()
                .map(|c| (op.full_name.clone(), op.column.clone(), c.attribute.clone()))
        })
        .collect()
}

#[test]
fn example_plan_replays_on_ucsim_and_leaves_no_planned_drift() {
    let example = repo().join("snapshots/example");
    let snapshot = store::read(&example).unwrap();
    let h = ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(sim_seed(&snapshot)),
        ..ucsim::Config::default()
    })
    .unwrap();

    let before = plan(&example);
    assert!(!before.operations.is_empty());
    // The seeded workspace is the snapshot: collected, it plans the same requests, except
    // under what the example could not read (its collection issues; the seed holds no
    // such securables, so the collection finds them missing).
    let unread: Vec<String> = snapshot
        .collection_issues
        .iter()
        .map(|i| format!("{}.", i.full_name))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let (seeded, _) = collect(&h, dir.path(), &[]);
    let requests = |p: &Plan| -> Vec<Request> {
        p.operations
            .iter()
            .filter(|o| !unread.iter().any(|u| o.full_name.starts_with(u.as_str())))
            .flat_map(|o| o.requests.clone())
            .collect()
    };
    assert_eq!(
        requests(&plan(seeded.path.as_ref().unwrap())),
        requests(&before)
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let mut refused = Vec::new();
    for op in &before.operations {
        for req in &op.requests {
            if let Err(e) = rt.block_on(send(&client, &h.base_url, req)) {
                refused.push(format!("{} [{}]: {req:?}\n    {e}", op.full_name, op.op));
            }
        }
    }
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));

    // Collected back, nothing planned is drifted any more (what was not planned — the
    // reporting schema's tables the example could not list, the undeclared and ignored
    // tables — may remain).
    let (run, _) = collect(&h, dir.path(), &[]);
    let after = plan(run.path.as_ref().unwrap());
    let still: Vec<_> = planned(&before)
        .intersection(&planned(&after))
        .cloned()
        .collect();
    assert!(still.is_empty(), "still drifted after replay: {still:?}");
}

/// The apply fixture's tree planned against the snapshot at `snapshot`.
fn fixture_plan(snapshot: &Path) -> Plan {
    let tree = app::load_tree(&apply_fixture::tree(), Some(apply_fixture::ENV)).unwrap();
    let req = PlanRequest {
        timestamp: Timestamp::from_civil(2026, 12, 1, 0, 0, 0, 0),
        unmanaged: UnmanagedScope::default(),
        ignore: Vec::new(),
    };
    app::plan::plan(&tree, Source::Saved(snapshot), &req)
        .unwrap()
        .plan
}

/// Every comment, tag and column tag the tree declares, and every declared name, read back
/// from `snap` exactly (no case folding, no unquoting).
fn declared_values_read_back(snap: &Snapshot) -> Vec<String> {
    let tree = app::load_tree(&apply_fixture::tree(), Some(apply_fixture::ENV)).unwrap();
    let mut wrong = Vec::new();
    for d in &tree.state.securables {
        let Some(row) = snap
            .securables
            .iter()
            .find(|r| r.kind == Some(d.kind) && r.full_name == d.full_name)
        else {
            wrong.push(format!(
                "{} {:?}: not found by its exact name",
                d.kind, d.full_name
            ));
            continue;
        };
        if d.comment.is_some() && row.comment.as_deref() != d.comment.as_deref() {
            wrong.push(format!("{:?}: comment {:?}", d.full_name, row.comment));
        }
        let tags_of = |col: Option<&str>| -> BTreeMap<String, String> {
            snap.tags
                .iter()
                .filter(|t| t.securable_full_name == d.full_name && t.column_name.as_deref() == col)
                .map(|t| (t.key.to_string(), t.value.to_string()))
                .collect()
        };
        if d.kind.in_catalog() && d.kind != SecurableKind::Function && tags_of(None) != d.tags {
            wrong.push(format!("{:?}: tags {:?}", d.full_name, tags_of(None)));
        }
        for c in &d.columns {
            if !snap
                .columns
                .iter()
                .any(|r| r.table_full_name == d.full_name && r.name == c.name)
            {
                wrong.push(format!("{:?}: no column {:?}", d.full_name, c.name));
            }
            if tags_of(Some(&c.name)) != c.tags {
                let got = tags_of(Some(&c.name));
                wrong.push(format!("{:?}.{:?}: tags {got:?}", d.full_name, c.name));
            }
        }
    }
    wrong
}

#[test]
fn fixture_plan_has_every_operation_and_replays_on_ucsim() {
    let h = ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(apply_fixture::seed()),
        ..ucsim::Config::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (seeded, _) = collect(&h, dir.path(), &[]);
    let before = fixture_plan(seeded.path.as_ref().unwrap());

    let ops: BTreeSet<OpKind> = before.operations.iter().map(|o| o.op).collect();
    assert_eq!(ops, OpKind::ALL.into_iter().collect(), "{before:#?}");
    let created: BTreeSet<SecurableKind> = before
        .operations
        .iter()
        .filter(|o| o.op == OpKind::Create)
        .map(|o| o.kind)
        .collect();
    assert_eq!(created, SecurableKind::ALL.into_iter().collect());
    let bodies = |op: OpKind| -> Vec<String> {
        before
            .operations
            .iter()
            .filter(|o| o.op == op)
            .flat_map(|o| &o.requests)
            .map(|r| match r {
                Request::Rest { body, .. } => body.clone(),
                Request::Sql { statement } => statement.clone(),
            })
            .collect()
    };
    assert!(
        bodies(OpKind::UpdateGrants)
            .iter()
            .any(|b| b.contains("\"add\"") && b.contains("\"remove\"")),
        "no grants PATCH adds and removes at once"
    );
    let creates = bodies(OpKind::Create);
    assert!(
        creates
            .iter()
            .any(|b| b.contains(" MASK ") && b.contains(" WITH ROW FILTER "))
    );
    let secret = format!("${{env:{}}}", apply_fixture::SECRET_VAR);
    assert!(creates.iter().any(|b| b.contains(&secret)));
    assert!(
        !creates
            .iter()
            .any(|b| b.contains(apply_fixture::SECRET_VALUE))
    );
    assert!(
        before
            .operations
            .iter()
            .any(|o| o.op == OpKind::SetTags && o.column.is_some())
            && before
                .operations
                .iter()
                .any(|o| o.op == OpKind::UnsetTags && o.column.is_some()),
        "column tags are set and unset"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let env = [(apply_fixture::SECRET_VAR, apply_fixture::SECRET_VALUE)];
    let mut refused = Vec::new();
    let seq = log_seq(&h.base_url);
    for op in &before.operations {
        for req in &op.requests {
            if let Err(e) = rt.block_on(send_with(&client, &h.base_url, req, &env)) {
                refused.push(format!("{} [{}]: {req:?}\n    {e}", op.full_name, op.op));
            }
        }
    }
    assert!(refused.is_empty(), "refused:\n{}", refused.join("\n"));
    // One logged write per request, each the request sent (statements by their text).
    let writes = mutating_requests(&h.base_url, seq);
    let sent: Vec<Request> = before
        .operations
        .iter()
        .flat_map(|o| o.requests.clone())
        .collect();
    assert_eq!(writes.len(), sent.len());
    for (w, r) in writes.iter().zip(&sent) {
        assert_eq!(w.status, 200);
        match r {
            Request::Sql { statement } => assert_eq!(w.statement.as_ref(), Some(statement)),
            Request::Rest { path, .. } => assert_eq!(&w.path, path),
        }
    }
    // The connection was created with the secret itself, never the reference.
    let conn = writes
        .iter()
        .find(|w| w.path.ends_with("/connections"))
        .unwrap();
    let password = &conn.body.as_ref().unwrap()["options"]["password"];
    assert_eq!(password, apply_fixture::SECRET_VALUE);

    let (run, after_snap) = collect(&h, dir.path(), &[]);
    let after = fixture_plan(run.path.as_ref().unwrap());
    let still: Vec<_> = planned(&before)
        .intersection(&planned(&after))
        .cloned()
        .collect();
    assert!(still.is_empty(), "still drifted after replay: {still:?}");
    assert!(after.is_empty(), "left to do: {:#?}", after.operations);
    let wrong = declared_values_read_back(&after_snap);
    assert!(wrong.is_empty(), "read back wrong:\n{}", wrong.join("\n"));
}

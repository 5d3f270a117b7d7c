//! Replaying a plan against `ucsim`: a workspace seeded from the shipped example snapshot
//! (`brickkit_testkit::sim_seed::sim_seed`) accepts every request the planner emits for
//! `examples/governance --env dev`, sent in plan order (REST with the bearer token, SQL
//! through the Statement Execution API); collected afterwards, nothing that was planned
//! is still drifted. Groundwork for `drift apply` (issue #14).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use brickkit::app::{self, PlanRequest, Source};
use brickkit::drift::UnmanagedScope;
use brickkit::model::Timestamp;
use brickkit::plan::{Method, Plan, Request};
use brickkit::state::store;
use brickkit_testkit::sim_seed::sim_seed;
use serde_json::{Value, json};

use crate::support::repo;
use crate::support::sim::{TOKEN, collect};

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

/// Send `req` to `base`; `Err` with what the server said when it was refused.
async fn send(c: &reqwest::Client, base: &str, req: &Request) -> Result<(), String> {
    let (method, path, body) = match req {
        Request::Rest { method, path, body } => {
            let m = match method {
                Method::Post => reqwest::Method::POST,
                Method::Patch => reqwest::Method::PATCH,
            };
            (
                m,
                path.clone(),
                serde_json::from_str::<Value>(body).unwrap(),
            )
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

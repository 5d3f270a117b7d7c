//! `brickkit drift apply` against `ucsim` on loopback: the shipped example's drift seeded
//! into a workspace, planned to a file, applied, verified; re-runs, stale plans, failures,
//! faults and dry runs.

use std::path::Path;

use brickkit::state::store;
use brickkit_testkit::sim_seed::sim_seed;
use serde_json::Value;

use crate::support::sim::{TOKEN, collect, mutating_requests};

/// Send `method` `body` to ucsim's admin or API route `path` (as the token's principal).
pub fn call(h: &ucsim::Handle, method: &str, path: &str, body: Value) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let c = reqwest::Client::new();
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = c
            .request(m, format!("{}{path}", h.base_url))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v = r.json::<Value>().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {v}");
        v
    })
}
use crate::support::{Run, brickkit_with, repo};

/// A workspace seeded with the example snapshot's content.
pub fn example_workspace() -> ucsim::Handle {
    let snapshot = store::read(&repo().join("snapshots/example")).unwrap();
    ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(sim_seed(&snapshot)),
        ..ucsim::Config::default()
    })
    .unwrap()
}

/// `drift plan` of the example tree against a fresh collection of `h`, written to `out`.
pub fn plan_to(h: &ucsim::Handle, dir: &Path, out: &Path) -> Run {
    let (run, _) = collect(h, dir, &[]);
    let snap = run.path.unwrap();
    let r = brickkit_with(
        &[
            "drift",
            "plan",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            snap.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-history",
        ],
        &[],
    );
    assert!(r.code == 1 || r.code == 0, "plan: {}", r.stderr);
    r
}

/// `drift apply` against `h` with `extra` flags.
pub fn apply(h: &ucsim::Handle, extra: &[&str]) -> Run {
    let mut args = vec![
        "drift",
        "apply",
        "--host",
        &h.base_url,
        "--token",
        TOKEN,
        "--warehouse-id",
        "W",
    ];
    args.extend_from_slice(extra);
    brickkit_with(&args, &[])
}

/// Mutating requests in ucsim's log so far (`write` entries, failed ones included).
pub fn mutating(h: &ucsim::Handle) -> usize {
    mutating_requests(&h.base_url, 0).len()
}

/// `drift plan` of the example against a fresh collection of `h`: its exit code and JSON.
fn replan(h: &ucsim::Handle, dir: &Path) -> (i32, Value) {
    let (run, _) = collect(h, dir, &[]);
    let snap = run.path.unwrap();
    let r = brickkit_with(
        &[
            "drift",
            "plan",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            snap.to_str().unwrap(),
            "--format",
            "json",
            "--no-history",
        ],
        &[],
    );
    (r.code, serde_json::from_str(&r.stdout).unwrap())
}

fn json_of(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr))
}

fn no_secret(r: &Run) {
    assert!(
        !r.stdout.contains(TOKEN) && !r.stderr.contains(TOKEN),
        "the token leaked"
    );
}

#[test]
fn the_example_drift_is_applied_verified_and_a_second_apply_sends_nothing() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let p = plan.to_str().unwrap();
    let before = mutating(&h);
    let r = apply(
        &h,
        &[
            "--plan",
            p,
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    no_secret(&r);
    let v = json_of(&r);
    let sent = mutating(&h) - before;
    assert_eq!(v["outcome"], "succeeded");
    assert_eq!(v["summary"]["applied"], 15);
    assert_eq!(v["requests"]["mutating"], sent as u64);
    assert_eq!(sent, 15, "one request per operation");
    assert_eq!(v["residual"], serde_json::json!([]));
    // Nothing planned is left: a new plan has no operation.
    let (code, after) = replan(&h, dir.path());
    assert_eq!(code, 0, "{after:#}");
    assert_eq!(after["operations"], serde_json::json!([]));
    // A second apply of the same plan file finds everything done and sends nothing.
    let before = mutating(&h);
    let r2 = apply(
        &h,
        &[
            "--plan",
            p,
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r2.code, 0, "{}\n{}", r2.stdout, r2.stderr);
    assert_eq!(
        mutating(&h),
        before,
        "a second apply sent a mutating request"
    );
    let v2 = json_of(&r2);
    assert_eq!(v2["summary"]["already_done"], 15);
    assert_eq!(v2["requests"]["mutating"], 0);
}

#[test]
fn a_grant_changed_after_planning_refuses_the_whole_apply_before_anything_is_sent() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    // Someone else grants MODIFY where the plan revokes SELECT.
    call(
        &h,
        "PATCH",
        "/api/2.1/unity-catalog/permissions/table/sales_dev.orders.daily_totals",
        serde_json::json!({"changes": [{"principal": "grp_marketing_interns", "add": ["MODIFY"]}]}),
    );
    let before = mutating(&h);
    let r = apply(
        &h,
        &[
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--no-history",
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(mutating(&h), before, "a stale apply sent something");
    assert!(
        r.stdout.contains(
            "table sales_dev.orders.daily_totals grants.grp_marketing_interns: planned from {SELECT}, now {MODIFY, SELECT}, target {}"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("the plan is stale"), "{}", r.stderr);
}

#[test]
fn a_refused_write_skips_only_its_securable_and_a_rerun_finishes_the_job() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let p = plan.to_str().unwrap();
    // No permission to write anything about finance_dev.ledger.accounts.
    call(
        &h,
        "PATCH",
        "/ucsim/faults",
        serde_json::json!({"rules": [
            {"statement_contains": "`finance_dev`.`ledger`.`accounts`", "status": 0,
             "error_code": "PERMISSION_DENIED", "sql_state": "42501",
             "message": "[INSUFFICIENT_PERMISSIONS] User does not have CREATE TABLE on Schema 'finance_dev.ledger'. SQLSTATE: 42501"},
            {"method": "PATCH", "path": "/api/2.1/unity-catalog/permissions/table/finance_dev.ledger.fx_rates",
             "status": 403, "error_code": "PERMISSION_DENIED",
             "message": "User does not have MANAGE on Table 'finance_dev.ledger.fx_rates'."}
        ]}),
    );
    let r = apply(
        &h,
        &[
            "--plan",
            p,
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = json_of(&r);
    assert_eq!(v["outcome"], "failed");
    assert_eq!(v["summary"]["failed"], 2, "{v:#}");
    // The table's tags and owner depend on its create: skipped; the 11 others applied.
    assert_eq!(v["summary"]["skipped"], 2, "{v:#}");
    assert_eq!(v["summary"]["applied"], 11, "{v:#}");
    let fx = v["securables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["full_name"] == "finance_dev.ledger.fx_rates")
        .unwrap();
    assert_eq!(fx["errors"][0]["error_code"], "403", "{fx:#}");
    let accounts = v["securables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["full_name"] == "finance_dev.ledger.accounts")
        .unwrap();
    assert!(
        accounts["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("INSUFFICIENT_PERMISSIONS")
    );
    // The permission is fixed: a re-run applies the rest and nothing twice.
    call(&h, "DELETE", "/ucsim/faults", Value::Null);
    let before = mutating(&h);
    let r = apply(
        &h,
        &[
            "--plan",
            p,
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = json_of(&r);
    assert_eq!(v["summary"]["applied"], 4, "{v:#}");
    assert_eq!(v["summary"]["already_done"], 11, "{v:#}");
    assert_eq!(mutating(&h) - before, 4);
    assert_eq!(replan(&h, dir.path()).0, 0);
}

#[test]
fn a_dry_run_prints_every_request_and_sends_none() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let before = mutating(&h);
    let r = apply(
        &h,
        &[
            "--plan",
            plan.to_str().unwrap(),
            "--dry-run",
            "--no-history",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(mutating(&h), before);
    assert!(r.stdout.contains("=> PATCH /api/2.1/unity-catalog/permissions/table/sales_dev.orders.daily_totals {\"changes\":[{\"principal\":\"grp_marketing_interns\",\"remove\":[\"SELECT\"]}]}"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("=> SQL ALTER TABLE `sales_dev`.`orders`.`returns` SET ROW FILTER")
    );
    assert!(
        r.stdout
            .contains("Dry run: 15 would apply, 0 already done; no mutating request sent"),
        "{}",
        r.stdout
    );
}

#[test]
fn injected_429_and_503_faults_change_nothing_in_the_outcome() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    call(
        &h,
        "PATCH",
        "/ucsim/faults",
        serde_json::json!({"fault_rate": 0.2}),
    );
    let r = apply(
        &h,
        &[
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = json_of(&r);
    assert_eq!(v["summary"]["applied"], 15, "{v:#}");
    assert!(
        v["requests"]["retries"].as_u64().unwrap() > 0,
        "no fault was injected: {v:#}"
    );
    call(&h, "DELETE", "/ucsim/faults", Value::Null);
    assert_eq!(replan(&h, dir.path()).0, 0);
}

#[test]
fn without_a_terminal_or_auto_approve_nothing_is_sent() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let before = mutating(&h);
    let r = apply(&h, &["--plan", plan.to_str().unwrap(), "--no-history"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("pass --auto-approve"), "{}", r.stderr);
    assert_eq!(mutating(&h), before);
}

#[test]
fn a_plan_for_another_workspace_is_refused() {
    let a = example_workspace();
    let b = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&a, dir.path(), &plan);
    let before = mutating(&b);
    let r = apply(
        &b,
        &[
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--no-history",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("the plan was made for http://127.0.0.1:"),
        "{}",
        r.stderr
    );
    assert_eq!(mutating(&b), before);
}

#[test]
fn a_killed_apply_is_finished_by_a_rerun() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    // Slow statements: the apply is killed while it is half done.
    call(
        &h,
        "PATCH",
        "/ucsim/faults",
        serde_json::json!({"statement_delay_ms": 400}),
    );
    let before = mutating(&h);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_brickkit"))
        .args([
            "drift",
            "apply",
            "--host",
            &h.base_url,
            "--token",
            TOKEN,
            "--warehouse-id",
            "W",
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--no-history",
            "--jobs",
            "2",
        ])
        .current_dir(repo())
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while mutating(&h) - before < 5 && t0.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sent = mutating(&h) - before;
    assert!((5..15).contains(&sent), "killed after {sent} requests");
    call(&h, "DELETE", "/ucsim/faults", Value::Null);
    let r = apply(
        &h,
        &[
            "--plan",
            plan.to_str().unwrap(),
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = json_of(&r);
    assert!(v["summary"]["already_done"].as_u64().unwrap() >= 3, "{v:#}");
    assert_eq!(replan(&h, dir.path()).0, 0);
}

/// `examples/ucsim/example-seed.json` — the workspace the README's apply walkthrough and
/// `.ci/run` start `ucsim serve` with — is the example snapshot's content
/// (`UPDATE_EXPECT=1` rewrites it).
#[test]
fn the_shipped_example_seed_is_the_example_snapshot() {
    let snapshot = store::read(&repo().join("snapshots/example")).unwrap();
    let want = serde_json::to_string_pretty(&sim_seed(&snapshot)).unwrap() + "\n";
    let path = repo().join("examples/ucsim/example-seed.json");
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{} is stale (UPDATE_EXPECT=1 to refresh)",
        path.display()
    );
}

/// The parts of an apply report that change from run to run — times, durations, the port,
/// digests (the plan names its snapshot, whose id holds the time) — masked.
fn masked(s: &str, h: &ucsim::Handle) -> String {
    let s = s.replace(&h.base_url, "http://127.0.0.1:PORT");
    let re = |p: &str| regex::Regex::new(p).unwrap();
    let s = re(r"sha256:[0-9a-f]{64}").replace_all(&s, "sha256:DIGEST");
    let s = re(r#""(started_at|finished_at)": "[^"]+""#).replace_all(&s, "\"$1\": \"TIME\"");
    let s = re(r#""duration_ms": \d+"#).replace_all(&s, "\"duration_ms\": 0");
    let s = re(r"\d+ ms\b").replace_all(&s, "N ms");
    let s = re(r"in \d+\.\d s").replace_all(&s, "in N s");
    let s = re(r"\d{8}T\d{9}Z-[0-9a-f]{8}").replace_all(&s, "SNAPSHOT");
    re(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
        .replace_all(&s, "TIME")
        .into_owned()
}

fn golden(name: &str) -> std::path::PathBuf {
    repo().join("tests/golden/apply").join(name)
}

/// Golden files of every apply output: text and JSON of an apply, a second apply, a dry
/// run, a stale refusal and a partial failure (`UPDATE_EXPECT=1` rewrites them).
#[test]
fn apply_reports_match_their_golden_files() {
    let check = crate::drift::check_golden;
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let p = plan.to_str().unwrap();
    let base = ["--plan", p, "--auto-approve", "--no-history", "--jobs", "1"];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        apply(&h, &a)
    };
    let r = run(&["--dry-run", "--format", "json"]);
    check(&golden("dry-run.json"), &masked(&r.stdout, &h));
    // A stale plan: someone revoked what the plan expects to find.
    call(
        &h,
        "PATCH",
        "/api/2.1/unity-catalog/permissions/table/sales_dev.orders.daily_totals",
        serde_json::json!({"changes": [{"principal": "grp_marketing_interns", "add": ["MODIFY"]}]}),
    );
    let r = run(&[]);
    check(&golden("stale.txt"), &masked(&r.stdout, &h));
    let r = run(&["--format", "json"]);
    check(&golden("stale.json"), &masked(&r.stdout, &h));
    call(
        &h,
        "PATCH",
        "/api/2.1/unity-catalog/permissions/table/sales_dev.orders.daily_totals",
        serde_json::json!({"changes": [{"principal": "grp_marketing_interns", "remove": ["MODIFY"]}]}),
    );
    // A refused write, then the rest.
    call(
        &h,
        "PATCH",
        "/ucsim/faults",
        serde_json::json!({"rules": [{"statement_contains": "`sales_dev`.`orders`.`returns`", "status": 0,
            "error_code": "PERMISSION_DENIED", "sql_state": "42501",
            "message": "[INSUFFICIENT_PERMISSIONS] User does not have MODIFY on Table 'sales_dev.orders.returns'. SQLSTATE: 42501"}]}),
    );
    let r = run(&[]);
    check(&golden("partial.txt"), &masked(&r.stdout, &h));
    call(&h, "DELETE", "/ucsim/faults", Value::Null);
    let r = run(&["--format", "json"]);
    check(&golden("rerun.json"), &masked(&r.stdout, &h));
    let r = run(&[]);
    check(&golden("second.txt"), &masked(&r.stdout, &h));
}

/// The apply fixture: every operation kind, every create kind, hostile names and values, a
/// connection whose password is a `${env:VAR}` reference.
#[test]
fn every_operation_kind_is_applied_exactly_and_no_secret_is_written_anywhere() {
    use brickkit_testkit::apply_fixture::{self, SECRET_VALUE, SECRET_VAR};
    let h = ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(apply_fixture::seed()),
        ..ucsim::Config::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tree = apply_fixture::tree();
    let tree = tree.to_str().unwrap();
    let history = dir.path().join("history.sqlite");
    let hist = history.to_str().unwrap();
    let plan_file = dir.path().join("p.bkplan");
    let pf = plan_file.to_str().unwrap();
    let plan_of = |out: Option<&str>| {
        let (run, _) = collect(&h, dir.path(), &["--no-history"]);
        let snap = run.path.unwrap();
        let mut a = vec![
            "drift",
            "plan",
            tree,
            "--env",
            apply_fixture::ENV,
            "--snapshot",
            snap.to_str().unwrap(),
            "--history",
            hist,
            "--format",
            "json",
        ];
        if let Some(o) = out {
            a.extend(["--out", o]);
        }
        let r = brickkit_with(&a, &[]);
        assert!(r.code <= 1, "{}", r.stderr);
        (r.code, json_of(&r))
    };
    let (code, planned) = plan_of(Some(pf));
    assert_eq!(code, 1);
    let n = planned["operations"].as_array().unwrap().len();
    let secret_env = [(SECRET_VAR, SECRET_VALUE)];
    let apply_env = |extra: &[&str], env: &[(&str, &str)]| {
        let mut a = vec![
            "drift",
            "apply",
            "--host",
            &h.base_url,
            "--token",
            TOKEN,
            "--warehouse-id",
            "W",
            "--plan",
            pf,
            "--auto-approve",
            "--history",
            hist,
        ];
        a.extend_from_slice(extra);
        brickkit_with(&a, env)
    };
    // Without the secret's variable, nothing is sent.
    let before = mutating(&h);
    let r = apply_env(&[], &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains(SECRET_VAR), "{}", r.stderr);
    assert_eq!(mutating(&h), before);
    // With it, every operation is applied, one mutating request each.
    let r = apply_env(&["--format", "json"], &secret_env);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = json_of(&r);
    assert_eq!(v["summary"]["applied"], n as u64, "{v:#}");
    assert_eq!(mutating(&h) - before, n);
    let mut outputs = vec![r.stdout.clone(), r.stderr.clone()];
    // The connection was created with the real password.
    let created = mutating_requests(&h.base_url, 0)
        .into_iter()
        .find(|e| e.method == "POST" && e.decoded_path.ends_with("/connections"))
        .unwrap();
    assert_eq!(created.body.unwrap()["options"]["password"], SECRET_VALUE);
    // Nothing planned is left, hostile names included (a new plan is empty).
    let (code, after) = plan_of(None);
    assert_eq!(code, 0, "{after:#}");
    // A second apply sends nothing.
    let before = mutating(&h);
    let r = apply_env(&[], &secret_env);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(mutating(&h), before);
    outputs.extend([r.stdout, r.stderr]);
    // The secret is in no output, the plan (decoded) or the history.
    let shown = brickkit_with(&["drift", "show-plan", pf, "--format", "json"], &[]);
    assert!(shown.stdout.contains(&format!("${{env:{SECRET_VAR}}}")));
    outputs.push(shown.stdout);
    for o in &outputs {
        assert!(
            !o.contains(SECRET_VALUE) && !o.contains(TOKEN),
            "a secret leaked:\n{o}"
        );
    }
    {
        let f = &history;
        let bytes = std::fs::read(f).unwrap_or_default();
        let hay = String::from_utf8_lossy(&bytes);
        assert!(
            !hay.contains(SECRET_VALUE) && !hay.contains(TOKEN),
            "{} holds a secret",
            f.display()
        );
    }
}

/// A write that took effect but whose answer never came back (the client timed out) is read
/// back — and counted applied because the target holds — never sent a second time.
#[test]
fn a_write_whose_answer_is_lost_is_read_back_and_never_sent_again() {
    use brickkit::api::{Client, ClientOptions, Credentials, ResolvedAuth, Secret};
    use brickkit::apply::{self, ApplyOptions, NoJournal, NoProgress, Status};
    use brickkit::model::Timestamp;
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan_file);
    let (plan, digest) = brickkit::app::apply::read_plan_with_digest(&plan_file).unwrap();
    let grants = "/api/2.1/unity-catalog/permissions/table/sales_dev.orders.daily_totals";
    call(
        &h,
        "PATCH",
        "/ucsim/faults",
        serde_json::json!({"rules": [{"method": "PATCH", "path": grants, "status": 0, "answer_delay_ms": 3000}]}),
    );
    let auth = ResolvedAuth {
        host: h.base_url.clone(),
        credentials: Credentials::Token(Secret::new(TOKEN)),
        warehouse_id: Some("W".into()),
        profile: None,
    };
    let client = Client::new(
        &auth,
        ClientOptions {
            request_timeout: std::time::Duration::from_millis(800),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let opts = ApplyOptions {
        jobs: 4,
        warehouse_id: Some("W".into()),
        plan_digest: digest,
        ..ApplyOptions::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let before = mutating(&h);
    let report = rt
        .block_on(apply::run(
            &client,
            &plan,
            &opts,
            &mut NoJournal,
            &NoProgress,
            &|| Timestamp(0),
        ))
        .unwrap();
    let op = report
        .results
        .iter()
        .find(|r| r.id == "table:sales_dev.orders.daily_totals:update_grants")
        .unwrap();
    assert_eq!(op.status, Status::Applied, "{op:?}");
    assert!(
        op.detail
            .as_deref()
            .unwrap()
            .contains("a re-read shows the target holds"),
        "{op:?}"
    );
    let sent_to_grants = mutating_requests(&h.base_url, 0)
        .iter()
        .filter(|e| e.method == "PATCH" && e.decoded_path == grants)
        .count();
    assert_eq!(sent_to_grants, 1, "the PATCH was sent again");
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(mutating(&h) - before, 15);
}

/// Without a SQL warehouse a plan with statements is refused before anything is sent; a dry
/// run still checks live, reading tags over REST instead of `information_schema`.
#[test]
fn without_a_warehouse_statements_are_refused_and_a_dry_run_reads_tags_over_rest() {
    let h = example_workspace();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("p.bkplan");
    plan_to(&h, dir.path(), &plan);
    let p = plan.to_str().unwrap();
    let args = [
        "drift",
        "apply",
        "--host",
        &h.base_url,
        "--token",
        TOKEN,
        "--plan",
        p,
        "--no-history",
    ];
    let before = mutating(&h);
    let mut a = args.to_vec();
    a.push("--auto-approve");
    let r = brickkit_with(&a, &[]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("no SQL warehouse is configured"),
        "{}",
        r.stderr
    );
    let since = crate::support::sim::log_seq(&h.base_url);
    let mut a = args.to_vec();
    a.extend(["--dry-run", "--format", "json"]);
    let r = brickkit_with(&a, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(json_of(&r)["summary"]["would_apply"], 15);
    assert_eq!(mutating(&h), before);
    let log =
        crate::support::sim::ureq_get(&format!("{}/ucsim/requests?since={since}", h.base_url));
    let paths: Vec<String> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["decoded_path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.contains("/entity-tag-assignments/tables/")),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.contains("/sql/statements")),
        "{paths:?}"
    );
}

/// A tree whose conventions carry policy rules with and without a fix (issue 15 item 4).
fn rules_tree(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("tree");
    std::fs::create_dir_all(root.join("conventions")).unwrap();
    std::fs::write(
        root.join("brickkit.yaml"),
        "project: rulefix\ndefault_environment: dev\nenvironments:\n  dev: {warehouse_id: \"W\"}\nconventions: [conventions/rules.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        root.join("catalogs.yaml"),
        "catalogs:\n  - name: rc\n    schemas:\n      - name: s\n",
    )
    .unwrap();
    std::fs::write(
        root.join("conventions/rules.yaml"),
        r#"convention: rulefix
rules:
  - id: no-account-users-writes
    message: nobody writes through account users
    severity: critical
    forbidden_grant: {principals: ["account users"], privileges: [MODIFY]}
  - id: tables-have-a-tier
    message: every table has a tier
    scope: {kinds: [table]}
    required_tag: {key: tier, allowed: [bronze, silver, gold], default: bronze}
  - id: pii-is-masked
    message: pii columns are masked
    severity: critical
    scope: {kinds: [table]}
    protection: {column_tags: {pii: "true"}, require_mask: true}
"#,
    )
    .unwrap();
    root
}

/// `drift <verb> <tree> --snapshot <fresh collection of h> --format json`: code and JSON.
fn rules_json(
    h: &ucsim::Handle,
    dir: &Path,
    tree: &Path,
    verb: &str,
    extra: &[&str],
) -> (i32, Value) {
    let (run, _) = collect(h, dir, &[]);
    let snap = run.path.unwrap();
    let mut args = vec![
        "drift",
        verb,
        tree.to_str().unwrap(),
        "--env",
        "dev",
        "--snapshot",
        snap.to_str().unwrap(),
        "--format",
        "json",
        "--no-history",
    ];
    args.extend_from_slice(extra);
    let r = brickkit_with(&args, &[]);
    assert!(
        r.code == 0 || r.code == 1,
        "{verb}: {}\n{}",
        r.stdout,
        r.stderr
    );
    (r.code, json_of(&r))
}

#[test]
fn rule_fixes_are_planned_and_applied_and_a_missing_mask_is_left_for_a_person() {
    let h = ucsim::Server::start(ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(serde_json::json!({
            "format_version": 1,
            "principals": {"groups": [{"display_name": "analysts"}]},
            "catalogs": [{
                "name": "rc", "owner": "analysts",
                "schemas": [{
                    "name": "s", "owner": "analysts",
                    "tables": [{
                        "name": "t", "table_type": "MANAGED", "data_source_format": "DELTA",
                        "owner": "analysts",
                        "columns": [
                            {"name": "email", "type_text": "string", "tags": {"pii": "true"}},
                            {"name": "id", "type_text": "int"}
                        ],
                        "grants": {"account users": ["SELECT", "MODIFY"], "analysts": ["MODIFY"]}
                    }]
                }]
            }]
        })),
        ..ucsim::Config::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tree = rules_tree(dir.path());
    let file = dir.path().join("rules.bkplan");
    let (_, before) = rules_json(&h, dir.path(), &tree, "detect", &[]);
    let rules_of = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> = r["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                format!(
                    "{} {}",
                    v["rule"].as_str().unwrap(),
                    v["field"].as_str().unwrap()
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        rules_of(&before),
        [
            "no-account-users-writes grants.account users",
            "pii-is-masked columns.email.mask",
            "tables-have-a-tier tags.tier",
        ]
    );

    let (code, plan) = rules_json(
        &h,
        dir.path(),
        &tree,
        "plan",
        &["--out", file.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{plan:#}");
    let ops = plan["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 2, "{plan:#}");
    let grants = ops
        .iter()
        .find(|o| o["operation"] == "update_grants")
        .unwrap();
    assert_eq!(grants["full_name"], "rc.s.t");
    assert_eq!(
        grants["changes"],
        serde_json::json!([{
            "attribute": "grants.account users",
            "before": ["MODIFY", "SELECT"],
            "after": ["SELECT"],
            "from_rules": ["no-account-users-writes"]
        }])
    );
    let tags = ops.iter().find(|o| o["operation"] == "set_tags").unwrap();
    assert_eq!(tags["changes"][0]["after"], "bronze");
    assert_eq!(
        tags["changes"][0]["from_rules"],
        serde_json::json!(["tables-have-a-tier"])
    );
    let left = plan["left_for_person"].as_array().unwrap();
    assert_eq!(left.len(), 1, "{plan:#}");
    assert_eq!(left[0]["rule"], "pii-is-masked");
    assert_eq!(left[0]["field"], "columns.email.mask");
    assert_eq!(left[0]["cause"], "no_fix");

    let r = apply(
        &h,
        &[
            "--plan",
            file.to_str().unwrap(),
            "--auto-approve",
            "--no-history",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
    let v = json_of(&r);
    assert_eq!(v["outcome"], "succeeded");
    assert_eq!(v["summary"]["applied"], 2);
    assert_eq!(v["residual"], serde_json::json!([]));

    // Re-detected: the fixed violations are gone, the missing mask stays, and a new plan
    // has nothing to do but still leaves it for a person. analysts keep MODIFY.
    let (_, after) = rules_json(&h, dir.path(), &tree, "detect", &[]);
    assert_eq!(rules_of(&after), ["pii-is-masked columns.email.mask"]);
    let (_, again) = rules_json(&h, dir.path(), &tree, "plan", &[]);
    assert_eq!(again["operations"], serde_json::json!([]));
    assert_eq!(again["left_for_person"].as_array().unwrap().len(), 1);
    let perms = call(
        &h,
        "GET",
        "/api/2.1/unity-catalog/permissions/table/rc.s.t",
        Value::Null,
    );
    let analysts = perms["privilege_assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["principal"] == "analysts")
        .unwrap()
        .clone();
    assert_eq!(analysts["privileges"], serde_json::json!(["MODIFY"]));
}

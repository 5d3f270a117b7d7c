//! Chaos: `snapshot collect` (REST and bulk) and `drift apply` against a `ucsim` that answers
//! 20 % of requests 429/503, adds latency spikes and is restarted mid-run on the same port
//! from its SQLite state file; the outcome (snapshot content, apply result, re-plan) must be
//! the fault-free one.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use brickkit::state::store;
use brickkit_testkit::sim_seed::sim_seed;
use serde_json::{Value, json};

use crate::apply::{call, plan_to};
use crate::support::repo;
use crate::support::sim::{TOKEN, collect, content, log_seq, seed};

/// 20 % random 429/503, 3 ms on every request, and latency spikes: 250 ms on 8 reads and on
/// 4 writes.
fn chaos() -> Value {
    json!({
        "fault_rate": 0.2,
        "latency_ms": 3,
        "rules": [
            {"method": "READ", "status": 0, "delay_ms": 250, "times": 8},
            {"method": "WRITE", "status": 0, "delay_ms": 250, "times": 4}
        ]
    })
}

/// A workspace whose state lives in `state` (seeded with `seed` when fresh), on `port`
/// (0: any), with `faults`.
fn start_on(
    state: &Path,
    port: u16,
    seed: Value,
    page_size: usize,
    faults: Value,
) -> ucsim::Handle {
    ucsim::Server::start(ucsim::Config {
        addr: format!("127.0.0.1:{port}"),
        tokens: vec![TOKEN.into()],
        state: Some(state.to_path_buf()),
        seed_json: Some(seed),
        page_size,
        faults: serde_json::from_value(faults).unwrap(),
        ..ucsim::Config::default()
    })
    .unwrap()
}

/// Spawn the binary with `args` (stdout and stderr captured).
fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_brickkit"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("DATABRICKS_CONFIG_FILE", "/nonexistent/databrickscfg")
        .env_remove("DATABRICKS_HOST")
        .env_remove("DATABRICKS_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Wait until `h` has logged `n` requests (or the child ended), then stop it and start a new
/// server on the same port from the same state file. Returns the new server and how many
/// requests the old one had answered.
fn restart_after(
    h: ucsim::Handle,
    n: u64,
    child: &mut Child,
    restart: impl FnOnce(u16) -> ucsim::Handle,
) -> (ucsim::Handle, u64) {
    let t0 = Instant::now();
    while log_seq(&h.base_url) < n && t0.elapsed() < Duration::from_secs(30) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the restart"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let seen = log_seq(&h.base_url);
    let port = h.addr.port();
    h.stop();
    (restart(port), seen)
}

fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn collections_under_faults_spikes_and_a_restart_give_the_fault_free_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    for mode in ["rest", "bulk"] {
        let clean_state = dir.path().join(format!("clean-{mode}.sqlite"));
        let clean = start_on(&clean_state, 0, seed(), 3, json!({}));
        let (_, want) = collect(&clean, dir.path(), &["--mode", mode, "--warehouse-id", "W"]);
        let requests = log_seq(&clean.base_url);
        drop(clean);
        let state = dir.path().join(format!("{mode}.sqlite"));
        let h = start_on(&state, 0, seed(), 3, chaos());
        let out = dir.path().join(mode);
        let mut child = spawn(&[
            "snapshot",
            "collect",
            "--host",
            &h.base_url,
            "--token",
            TOKEN,
            "--warehouse-id",
            "W",
            "--mode",
            mode,
            "--jobs",
            "8",
            "--out",
            out.to_str().unwrap(),
        ]);
        let (h, before) = restart_after(h, requests / 3, &mut child, |port| {
            start_on(&state, port, seed(), 3, chaos())
        });
        let (code, stdout, stderr) = finish(child);
        assert_eq!(code, 0, "{mode}: {stderr}");
        let got = store::read(Path::new(stdout.lines().last().unwrap())).unwrap();
        assert_eq!(content(&got), content(&want), "{mode}");
        assert!(got.collection_issues.is_empty(), "{mode}: {stderr}");
        let after = log_seq(&h.base_url);
        eprintln!(
            "chaos {mode}: fault-free {requests} requests; chaos {before} before the restart + {after} after"
        );
    }
}

#[test]
fn an_apply_under_faults_spikes_and_a_restart_ends_as_the_fault_free_one() {
    let snapshot = store::read(&repo().join("snapshots/example")).unwrap();
    let example = sim_seed(&snapshot);
    let dir = tempfile::tempdir().unwrap();
    let apply_args = |h: &ucsim::Handle, plan: &Path| -> Vec<String> {
        [
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
            "--format",
            "json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let mut results = Vec::new();
    for chaotic in [false, true] {
        let state = dir.path().join(format!("ws-{chaotic}.sqlite"));
        let h = start_on(&state, 0, example.clone(), 100, json!({}));
        let plan = dir.path().join(format!("p-{chaotic}.bkplan"));
        plan_to(&h, dir.path(), &plan);
        // Statements take 100 ms, so the apply lasts long enough to be restarted.
        let faults = if chaotic {
            let mut f = chaos();
            f["statement_delay_ms"] = json!(100);
            f
        } else {
            json!({"statement_delay_ms": 100})
        };
        call(&h, "PATCH", "/ucsim/faults", faults.clone());
        let args = apply_args(&h, &plan);
        let mut child = spawn(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let h = if chaotic {
            let base = log_seq(&h.base_url);
            let (h, _) = restart_after(h, base + 12, &mut child, |port| {
                start_on(&state, port, example.clone(), 100, faults.clone())
            });
            h
        } else {
            h
        };
        let (code, stdout, stderr) = finish(child);
        assert_eq!(code, 0, "chaotic={chaotic}: {stdout}\n{stderr}");
        let v: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(v["outcome"], "succeeded", "{v:#}");
        let s = &v["summary"];
        assert_eq!(
            s["applied"].as_u64().unwrap() + s["already_done"].as_u64().unwrap(),
            15,
            "{v:#}"
        );
        eprintln!(
            "chaos apply chaotic={chaotic}: summary {s}, requests {}",
            v["requests"]
        );
        call(&h, "DELETE", "/ucsim/faults", Value::Null);
        // Re-detect: nothing is left to plan, and the workspace is the fault-free one.
        let (run, after) = collect(&h, dir.path(), &["--no-history"]);
        let r = crate::support::brickkit_with(
            &[
                "drift",
                "plan",
                "examples/governance",
                "--env",
                "dev",
                "--snapshot",
                run.path.unwrap().to_str().unwrap(),
                "--no-history",
            ],
            &[],
        );
        assert_eq!(r.code, 0, "{}", r.stdout);
        results.push(content(&after));
    }
    assert_eq!(results[0], results[1]);
}

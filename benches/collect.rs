//! Collection figures (issue 6 item 9), printed, not asserted: a synthetic ucsim workspace
//! (`BRICKKIT_BENCH_TABLES` tables, default 10,000) with 10 ms latency per request, collected
//! in rest and bulk mode (requests sent, wall time, snapshot equality), and, when
//! `BRICKKIT_BENCH_PYTHON` names a Python with `databricks-sdk`, the SDK baseline
//! `benches/collect_sdk_baseline.py` (list, then grants per securable, sequentially).
//!
//! Run: `cargo bench --bench collect`. Only 127.0.0.1 is contacted. Knobs (environment):
//! `BRICKKIT_BENCH_TABLES`, `BRICKKIT_BENCH_LATENCY_MS`, `BRICKKIT_BENCH_JOBS` (default 64, as the CLI),
//! `BRICKKIT_BENCH_MODES` (`rest,bulk`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use brickkit::api::{AuthInputs, Client, ClientOptions, Secret, resolve};
use brickkit::model::Timestamp;
use brickkit::state::collect::{CollectOptions, Mode, NoProgress, collect};
use ucsim::ops::Actor;
use ucsim::seed::{self, GenSpec};
use ucsim::store::Store;
use ucsim::{Config, Server};

fn main() {
    let tables: usize = std::env::var("BRICKKIT_BENCH_TABLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let latency: u64 = std::env::var("BRICKKIT_BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let jobs: usize = std::env::var("BRICKKIT_BENCH_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let modes: Vec<Mode> = std::env::var("BRICKKIT_BENCH_MODES")
        .unwrap_or_else(|_| "rest,bulk".into())
        .split(',')
        .map(|m| match m.trim() {
            "rest" => Mode::Rest,
            "bulk" => Mode::Bulk,
            other => panic!("BRICKKIT_BENCH_MODES: unknown mode {other}"),
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite");
    let (catalogs, schemas) = (2, 10);
    let per_schema = tables.div_ceil(catalogs * schemas);
    let t0 = Instant::now();
    {
        let mut store = Store::open(Some(&state)).unwrap();
        seed::generate_into(
            &mut store,
            GenSpec {
                catalogs,
                schemas,
                tables: per_schema,
                seed: 7,
            },
            &Actor {
                principal: "bench@example.com".into(),
                now_ms: 1_700_000_000_000,
            },
        )
        .unwrap();
    }
    println!(
        "seeded {} tables ({catalogs} catalogs x {schemas} schemas x {per_schema}) in {:.1}s",
        catalogs * schemas * per_schema,
        t0.elapsed().as_secs_f64()
    );
    let mut config = Config {
        state: Some(state),
        tokens: vec!["T".into()],
        ..Config::default()
    };
    config.faults.latency_ms = latency;
    let h = Server::start(config).unwrap();
    let auth = resolve(
        &AuthInputs {
            host: Some(h.base_url.clone()),
            token: Some(Secret::new("T")),
            ..AuthInputs::default()
        },
        &AuthInputs::default(),
        None,
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut snaps = Vec::new();
    println!("client --jobs {jobs}, latency {latency} ms per request");
    for mode in modes {
        let client = Client::new(
            &auth,
            ClientOptions {
                jobs,
                ..ClientOptions::default()
            },
        )
        .unwrap();
        let opts = CollectOptions {
            catalogs: Vec::new(),
            mode,
            warehouse_id: Some("W".into()),
            infrastructure: true,
            taken_at: Timestamp(0),
            entropy: 0,
        };
        let t = Instant::now();
        let snap = rt
            .block_on(collect(&client, &opts, Arc::new(NoProgress)))
            .unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{:<4}: {:>7} securables {:>7} grants {:>7} tags, {:>7} requests, {:>7.1}s, {} issues",
            mode.as_str(),
            snap.securables.len(),
            snap.grants.len(),
            snap.tags.len(),
            client.requests_sent(),
            secs,
            snap.collection_issues.len()
        );
        snaps.push(snap);
    }
    let strip = |s: &brickkit::state::Snapshot| {
        let mut s = s.clone();
        s.manifest = Default::default();
        s
    };
    if snaps.len() == 2 {
        println!("rest == bulk: {}", strip(&snaps[0]) == strip(&snaps[1]));
    }
    if let Ok(py) = std::env::var("BRICKKIT_BENCH_PYTHON") {
        let t = Instant::now();
        let out = std::process::Command::new(py)
            .args(["benches/collect_sdk_baseline.py", &h.base_url, "T"])
            .output()
            .unwrap();
        println!(
            "sdk : {} ({:.1}s wall) {}",
            String::from_utf8_lossy(&out.stdout).trim(),
            t.elapsed().as_secs_f64(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
}

//! Apply figures (issue #14 item 8), printed; the request target is asserted.
//!
//! A synthetic ucsim workspace (`brickkit_testkit::synth`, 2 catalogs × 10 schemas,
//! `BRICKKIT_BENCH_APPLY_N` tables, default 10,000, 5 columns, 3 grants and 3 tags each)
//! drifted on every table: two declared principals lost their grants and two intruders got
//! some (one `update_grants` of 4 principals, 5 privileges), and either two tag values
//! changed and one tag was removed (one `set_tags` of 3 tags, even tables) or three
//! undeclared tags were added (one `unset_tags` of 3 keys, odd tables). The workspace is
//! collected (bulk), diffed and planned by the library: the plan has exactly N
//! `update_grants` and N tag operations. Every request pays `BRICKKIT_BENCH_LATENCY_MS`
//! (default 10) of server latency. Then, each against a fresh copy of the workspace:
//!
//! 1. the live precondition check alone (a dry run: it reads and sends nothing), with tags
//!    read over REST (no warehouse) and from `information_schema` (warehouse `W`);
//! 2. the whole apply (check, execution, verification) as `brickkit drift apply` runs it by
//!    default: client `--jobs 64` for reads, `apply::DEFAULT_JOBS` operations in flight;
//! 3. the whole apply at `--jobs 1` (the CLI then reads and writes one request at a time);
//! 4. when `BRICKKIT_BENCH_PYTHON` names a Python with `databricks-sdk`, the same changes
//!    sent with the official SDK, one call after another (`benches/apply_sdk_baseline.py`).
//!
//! Mutating requests are counted from ucsim's request log (`GET /ucsim/requests`) and must
//! be at most one per securable per kind of change (grants, tags).
//!
//! Run: `cargo bench --bench apply`. Only 127.0.0.1 is contacted. Knobs (environment):
//! `BRICKKIT_BENCH_APPLY_N`, `BRICKKIT_BENCH_LATENCY_MS`, `BRICKKIT_BENCH_APPLY_RUNS`
//! (comma list of `check,default,jobs1,sdk`; default all; empty: plan and engine CPU only),
//! `BRICKKIT_BENCH_PYTHON`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use brickkit::api::{AuthInputs, Client, ClientOptions, Secret, resolve};
use brickkit::apply::{self, ApplyOptions, ApplyReport, NoJournal, Progress, Status};
use brickkit::diff::{self, DiffOptions};
use brickkit::model::{SecurableKind, Text, Timestamp};
use brickkit::plan::{self, OpKind, Plan, PlanOptions, Request};
use brickkit::state::collect::{CollectOptions, Mode, NoProgress, collect};
use brickkit::state::{GrantRow, TagRow};
use brickkit_testkit::sim_seed::sim_seed;
use brickkit_testkit::synth::{self, SynthSpec};
use serde_json::Value;

/// The allocator the `brickkit` binary uses (see `src/main.rs`), so the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOKEN: &str = "T";
const WAREHOUSE: &str = "W";
/// The CLI's client concurrency when `--jobs` is not given (`src/cli/env.rs`).
const CLI_CLIENT_JOBS: usize = 64;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The workspace: the synthetic declaration's state, then drifted on every table.
fn drifted_workspace(spec: &SynthSpec) -> (brickkit::declared::DeclaredState, Value) {
    let (declared, mut snap) = synth::generate(spec);
    // Every declared principal exists in the account, whether it holds a grant or not.
    let directory = sim_seed(&snap)["principals"].clone();
    let tables: Vec<Text> = snap
        .securables
        .iter()
        .filter(|s| s.kind == Some(SecurableKind::Table))
        .map(|s| s.full_name.clone())
        .collect();
    let index: HashMap<&str, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    // Grants: the first two principals of every table lose theirs; two intruders arrive.
    let mut first_two: HashMap<&str, BTreeSet<Text>> = HashMap::new();
    for g in &snap.grants {
        if g.securable_kind == Some(SecurableKind::Table) {
            let e = first_two.entry(g.securable_full_name.as_str()).or_default();
            if e.len() < 2 {
                e.insert(g.principal.clone());
            }
        }
    }
    let drop: BTreeSet<(Text, Text)> = first_two
        .into_iter()
        .flat_map(|(t, ps)| ps.into_iter().map(move |p| (Text::from(t), p)))
        .collect();
    snap.grants.retain(|g| {
        !(g.securable_kind == Some(SecurableKind::Table)
            && drop.contains(&(g.securable_full_name.clone(), g.principal.clone())))
    });
    for t in &tables {
        for (p, v) in [
            ("grp_intruder_a", "MODIFY"),
            ("grp_intruder_b", "SELECT"),
            ("grp_intruder_b", "MODIFY"),
        ] {
            snap.grants.push(GrantRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: t.clone(),
                principal: p.into(),
                privilege: v.into(),
            });
        }
    }
    // Tags: even tables get two values changed and one removed, odd ones three extras.
    let even = |name: &str| index.get(name).is_some_and(|i| i % 2 == 0);
    snap.tags
        .retain(|r| !(r.column_name.is_none() && r.key == "tag_2" && even(&r.securable_full_name)));
    for r in &mut snap.tags {
        if r.column_name.is_none()
            && (r.key == "tag_0" || r.key == "tag_1")
            && even(&r.securable_full_name)
        {
            r.value = "drifted".into();
        }
    }
    for (i, t) in tables.iter().enumerate() {
        if i % 2 == 1 {
            for k in 0..3 {
                snap.tags.push(TagRow {
                    securable_kind: Some(SecurableKind::Table),
                    securable_full_name: t.clone(),
                    column_name: None,
                    key: format!("extra_{k}").into(),
                    value: "x".into(),
                });
            }
        }
    }
    snap.sort();
    let mut seed = sim_seed(&snap);
    for (kind, list) in directory.as_object().unwrap() {
        let have = seed["principals"][kind].as_array_mut().unwrap();
        for p in list.as_array().unwrap() {
            if !have.contains(p) {
                have.push(p.clone());
            }
        }
    }
    (declared, seed)
}

fn start(seed: &Value, latency: u64) -> ucsim::Handle {
    let mut config = ucsim::Config {
        tokens: vec![TOKEN.into()],
        seed_json: Some(seed.clone()),
        ..ucsim::Config::default()
    };
    config.faults.latency_ms = latency;
    ucsim::Server::start(config).unwrap()
}

fn client(h: &ucsim::Handle, jobs: usize) -> Client {
    let auth = resolve(
        &AuthInputs {
            host: Some(h.base_url.clone()),
            token: Some(Secret::new(TOKEN)),
            ..AuthInputs::default()
        },
        &AuthInputs::default(),
        None,
    )
    .unwrap();
    Client::new(
        &auth,
        ClientOptions {
            jobs,
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// ucsim's admin route `path` with `method`.
fn admin(rt: &tokio::runtime::Runtime, h: &ucsim::Handle, method: &str, path: &str) -> Value {
    rt.block_on(async {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let r = reqwest::Client::new()
            .request(m, format!("{}{path}", h.base_url))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{method} {path}: {}", r.status());
        r.json::<Value>().await.unwrap()
    })
}

/// What ucsim's log says was sent: mutating requests per (securable, kind of change), and
/// reads.
#[derive(Default)]
struct Sent {
    mutating: BTreeMap<(String, &'static str), u64>,
    reads: u64,
    other_mutating: u64,
}

impl Sent {
    fn total(&self) -> u64 {
        self.mutating.values().sum::<u64>() + self.other_mutating
    }
    fn max_per_securable(&self) -> u64 {
        self.mutating.values().copied().max().unwrap_or(0)
    }
}

fn is_read_statement(st: &str) -> bool {
    let st = st.trim_start().to_ascii_uppercase();
    st.starts_with("SELECT") || st.starts_with("DESCRIBE") || st.starts_with("SHOW")
}

/// `ALTER TABLE `a`.`b`.`c` SET TAGS (...)` → `a.b.c`.
fn altered_table(st: &str) -> Option<String> {
    let rest = st.trim_start().strip_prefix("ALTER TABLE ")?;
    let end = rest
        .find(" SET TAGS")
        .or_else(|| rest.find(" UNSET TAGS"))?;
    Some(rest[..end].replace('`', "").to_lowercase())
}

fn sent_log(rt: &tokio::runtime::Runtime, h: &ucsim::Handle) -> Sent {
    let log = admin(rt, h, "GET", "/ucsim/requests");
    let mut out = Sent::default();
    for e in log["requests"].as_array().into_iter().flatten() {
        let m = e["method"].as_str().unwrap_or("");
        let p = e["decoded_path"].as_str().unwrap_or("");
        if p.starts_with("/ucsim") {
            continue;
        }
        if m == "GET" || p.contains("/cancel") {
            out.reads += 1;
            continue;
        }
        if p.ends_with("/sql/statements") || p.ends_with("/sql/statements/") {
            let st = e["body"]["statement"].as_str().unwrap_or("");
            if is_read_statement(st) {
                out.reads += 1;
            } else if let Some(t) = altered_table(st) {
                *out.mutating.entry((t, "tags")).or_default() += 1;
            } else {
                out.other_mutating += 1;
            }
            continue;
        }
        if let Some(t) = p.strip_prefix("/api/2.1/unity-catalog/permissions/table/") {
            *out.mutating
                .entry((t.to_lowercase(), "grants"))
                .or_default() += 1;
        } else {
            out.other_mutating += 1;
        }
    }
    out
}

/// Progress that notes when execution starts and when its last operation settles.
#[derive(Default)]
struct Phases {
    exec_start: Mutex<Option<Instant>>,
    last_done: Mutex<Option<Instant>>,
    done: AtomicU64,
}

impl Progress for Phases {
    fn start(&self, _: u64) {
        *self.exec_start.lock().unwrap() = Some(Instant::now());
    }
    fn done(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
        *self.last_done.lock().unwrap() = Some(Instant::now());
    }
}

struct Run {
    report: ApplyReport,
    wall: Duration,
    phases: Phases,
    t0: Instant,
}

fn run_apply(
    rt: &tokio::runtime::Runtime,
    client: &Client,
    plan: &Plan,
    dry_run: bool,
    jobs: usize,
    warehouse: Option<&str>,
) -> Run {
    let opts = ApplyOptions {
        dry_run,
        jobs,
        warehouse_id: warehouse.map(str::to_string),
        secrets: BTreeMap::new(),
        plan_digest: "sha256:bench".into(),
    };
    let phases = Phases::default();
    let mut journal = NoJournal;
    let clock = || Timestamp(0);
    let t0 = Instant::now();
    let report = rt
        .block_on(apply::run(
            client,
            plan,
            &opts,
            &mut journal,
            &phases,
            &clock,
        ))
        .unwrap();
    let wall = t0.elapsed();
    Run {
        report,
        wall,
        phases,
        t0,
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// One full apply against a fresh workspace, checked and printed.
#[allow(clippy::too_many_arguments)]
fn full_apply(
    rt: &tokio::runtime::Runtime,
    seed: &Value,
    latency: u64,
    plan: &Plan,
    label: &str,
    client_jobs: usize,
    jobs: usize,
    n_ops: usize,
) -> f64 {
    let h = start(seed, latency);
    let mut plan = plan.clone();
    plan.snapshot.host = Some(h.base_url.clone());
    let c = client(&h, client_jobs);
    admin(rt, &h, "DELETE", "/ucsim/requests");
    let r = run_apply(rt, &c, &plan, false, jobs, Some(WAREHOUSE));
    let sent = sent_log(rt, &h);
    let rep = &r.report;
    let applied = rep
        .results
        .iter()
        .filter(|x| x.status == Status::Applied)
        .count();
    let not_applied: Vec<String> = rep
        .results
        .iter()
        .filter(|x| x.status != Status::Applied)
        .take(3)
        .map(|x| {
            format!(
                "{} {:?}: {}",
                x.id,
                x.status,
                x.detail.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert!(
        rep.succeeded(),
        "{label}: the apply did not succeed: refusal {:?}, {} applied of {}, residual {}; {not_applied:#?}",
        rep.refusal,
        applied,
        rep.results.len(),
        rep.residual.as_ref().map_or(0, Vec::len)
    );
    assert_eq!(applied, n_ops, "{label}: every operation applied");
    assert_eq!(
        sent.total(),
        rep.requests.mutating,
        "{label}: log vs report"
    );
    assert_eq!(
        sent.other_mutating, 0,
        "{label}: unexpected mutating requests"
    );
    assert!(
        sent.max_per_securable() <= 1,
        "{label}: more than one mutating request for one securable and kind of change"
    );
    let start = r.phases.exec_start.lock().unwrap().unwrap_or(r.t0);
    let last = r.phases.last_done.lock().unwrap().unwrap_or(start);
    println!(
        "{label:<28} {:>7.1}s wall  (check {:>6.1}s, execute {:>6.1}s, verify {:>6.1}s)  requests: {} mutating (log {}, max {} per securable per kind), check {}, verify {}, retries {}",
        secs(r.wall),
        secs(start - r.t0),
        secs(last - start),
        secs(r.wall.saturating_sub(last - r.t0)),
        rep.requests.mutating,
        sent.total(),
        sent.max_per_securable(),
        rep.requests.check,
        rep.requests.verify,
        rep.requests.retries
    );
    secs(r.wall)
}

/// The plan's changes as the SDK baseline reads them: one JSON line per operation.
fn sdk_changes(plan: &Plan) -> String {
    let mut out = String::new();
    for op in &plan.operations {
        for req in &op.requests {
            let line = match req {
                Request::Rest { path, body, .. } if op.op == OpKind::UpdateGrants => {
                    let body: Value = serde_json::from_str(body).unwrap();
                    assert!(path.contains("/permissions/"));
                    serde_json::json!({
                        "grants": {
                            "securable_type": op.kind.api_securable_type(),
                            "full_name": op.full_name,
                            "changes": body["changes"],
                        }
                    })
                }
                Request::Sql { statement } => serde_json::json!({ "sql": statement }),
                other => panic!("unexpected request {other:?}"),
            };
            out.push_str(&line.to_string());
            out.push('\n');
        }
    }
    out
}

fn main() {
    let n: usize = env_or("BRICKKIT_BENCH_APPLY_N", 10_000);
    let latency: u64 = env_or("BRICKKIT_BENCH_LATENCY_MS", 10);
    let runs: BTreeSet<String> = std::env::var("BRICKKIT_BENCH_APPLY_RUNS")
        .unwrap_or_else(|_| "check,default,jobs1,sdk".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for r in &runs {
        assert!(
            ["check", "default", "jobs1", "sdk"].contains(&r.as_str()),
            "BRICKKIT_BENCH_APPLY_RUNS: unknown run {r}"
        );
    }
    let (catalogs, schemas) = (2, 10);
    let spec = SynthSpec {
        catalogs,
        schemas_per_catalog: schemas,
        tables_per_schema: n.div_ceil(catalogs * schemas).max(1),
        columns_per_table: 5,
        grants_per_table: 3,
        tags_per_table: 3,
        drift_fraction: 0.0,
        seed: 7,
    };
    let tables = spec.table_count();
    let t = Instant::now();
    let (declared, seed) = drifted_workspace(&spec);
    println!(
        "generated {tables} tables ({catalogs} catalogs x {schemas} schemas x {}) in {:.1}s; latency {latency} ms per request",
        spec.tables_per_schema,
        t.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // The plan, from a collection of the workspace.
    let t = Instant::now();
    let h = start(&seed, latency);
    println!("seeded ucsim in {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let c = client(&h, CLI_CLIENT_JOBS);
    let snap = rt
        .block_on(collect(
            &c,
            &CollectOptions {
                catalogs: Vec::new(),
                mode: Mode::Bulk,
                warehouse_id: Some(WAREHOUSE.into()),
                infrastructure: false,
                taken_at: Timestamp(0),
                entropy: 0,
            },
            std::sync::Arc::new(NoProgress),
        ))
        .unwrap();
    let diffs = diff::diff(&declared, &snap, &DiffOptions::default());
    let plan = plan::plan(&declared, &snap, &diffs, &PlanOptions::default());
    let count = |k: &[OpKind]| plan.operations.iter().filter(|o| k.contains(&o.op)).count();
    let grants = count(&[OpKind::UpdateGrants]);
    let set = count(&[OpKind::SetTags]);
    let unset = count(&[OpKind::UnsetTags]);
    let changes: usize = plan.operations.iter().map(|o| o.changes.len()).sum();
    println!(
        "collected and planned in {:.1}s: {} operations ({grants} update_grants, {set} set_tags, {unset} unset_tags), {changes} attribute changes",
        t.elapsed().as_secs_f64(),
        plan.operations.len()
    );
    let others: Vec<&str> = plan
        .operations
        .iter()
        .filter(|o| {
            !matches!(
                o.op,
                OpKind::UpdateGrants | OpKind::SetTags | OpKind::UnsetTags
            )
        })
        .map(|o| o.id.as_str())
        .take(5)
        .collect();
    assert!(others.is_empty(), "unexpected operations: {others:?}");
    assert_eq!(grants, tables, "one update_grants per table");
    assert_eq!(set + unset, tables, "one tag operation per table");
    let n_ops = plan.operations.len();
    // The engine's own CPU, without the network: the reads the check needs, and the
    // verdicts on a snapshot (the collected one stands in for the live read).
    let t = Instant::now();
    let targets = apply::check::targets(&plan.operations);
    let t_targets = t.elapsed();
    let t = Instant::now();
    let verdicts = apply::check::check(&plan, &snap);
    println!(
        "engine CPU: check::targets {:.3}s ({} targets), check::check {:.3}s ({} verdicts)",
        secs(t_targets),
        targets.len(),
        secs(t.elapsed()),
        verdicts.len()
    );

    // 1. The precondition check alone.
    if runs.contains("check") {
        for (label, warehouse) in [
            ("check, REST tag reads", None),
            ("check, information_schema", Some(WAREHOUSE)),
        ] {
            admin(&rt, &h, "DELETE", "/ucsim/requests");
            let r = run_apply(&rt, &c, &plan, true, apply::DEFAULT_JOBS, warehouse);
            let sent = sent_log(&rt, &h);
            let would = r
                .report
                .results
                .iter()
                .filter(|x| x.status == Status::WouldApply)
                .count();
            assert!(
                r.report.refusal.is_none(),
                "{label}: {:?}",
                r.report.refusal
            );
            assert_eq!(would, n_ops, "{label}: every operation would apply");
            assert_eq!(
                sent.total(),
                0,
                "{label}: a dry run sent a mutating request"
            );
            let reqs = r.report.requests.check;
            let floor = reqs as f64 * latency as f64 / 1000.0 / CLI_CLIENT_JOBS as f64;
            println!(
                "{label:<28} {:>7.1}s wall, {reqs} reads (log {}), {} retries; requests x latency / {CLI_CLIENT_JOBS} = {floor:.1}s",
                secs(r.wall),
                sent.reads,
                r.report.requests.retries,
            );
        }
    }
    drop(h);

    // 2. and 3. The whole apply, each on a fresh workspace.
    let mut default_wall = None;
    let mut jobs1_wall = None;
    if runs.contains("default") {
        default_wall = Some(full_apply(
            &rt,
            &seed,
            latency,
            &plan,
            &format!("apply, default (jobs {})", apply::DEFAULT_JOBS),
            CLI_CLIENT_JOBS,
            apply::DEFAULT_JOBS,
            n_ops,
        ));
    }
    if runs.contains("jobs1") {
        jobs1_wall = Some(full_apply(
            &rt,
            &seed,
            latency,
            &plan,
            "apply, --jobs 1",
            1,
            1,
            n_ops,
        ));
    }

    // 4. The SDK baseline.
    if runs.contains("sdk")
        && let Ok(py) = std::env::var("BRICKKIT_BENCH_PYTHON")
    {
        let h = start(&seed, latency);
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("changes.jsonl");
        std::fs::File::create(&file)
            .unwrap()
            .write_all(sdk_changes(&plan).as_bytes())
            .unwrap();
        admin(&rt, &h, "DELETE", "/ucsim/requests");
        let t = Instant::now();
        let out = std::process::Command::new(py)
            .args([
                "benches/apply_sdk_baseline.py",
                &h.base_url,
                TOKEN,
                WAREHOUSE,
                file.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let wall = t.elapsed().as_secs_f64();
        let sent = sent_log(&rt, &h);
        assert!(
            out.status.success(),
            "sdk baseline failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "{:<28} {wall:>7.1}s wall  {}  requests: {} mutating (log, max {} per securable per kind), {} reads",
            "sdk baseline, sequential",
            String::from_utf8_lossy(&out.stdout).trim(),
            sent.total(),
            sent.max_per_securable(),
            sent.reads
        );
        if let Some(d) = default_wall {
            println!("sdk / brickkit default: {:.1}x", wall / d);
        }
        if let Some(j) = jobs1_wall {
            println!("sdk / brickkit --jobs 1: {:.1}x", wall / j);
        }
    }
}

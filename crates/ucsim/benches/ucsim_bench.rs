//! ucsim performance figures (issue 5 item 9), printed, not asserted:
//! 1. seed a synthetic metastore of `UCSIM_BENCH_TABLES` tables (default 1,000,000) into a
//!    SQLite state file;
//! 2. list 100,000 tables through pagination (10 schemas x 10,000 tables, `max_results=0`);
//! 3. simple GETs per second on loopback for a bounded time with a few client threads.
//!
//! Run: `cargo bench -p ucsim --bench ucsim_bench`. Only 127.0.0.1 is contacted; every loop is
//! bounded in count and time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use ucsim::ops::Actor;
use ucsim::seed::{self, GenSpec};
use ucsim::store::Store;
use ucsim::{Config, Server};

/// The same allocator as the `ucsim` binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What a client needs from a list page (items are skipped, not built).
#[derive(serde::Deserialize)]
struct ListPage {
    #[serde(default)]
    tables: Vec<serde::de::IgnoredAny>,
    next_page_token: Option<String>,
}

fn actor() -> Actor {
    Actor {
        principal: "bench@example.com".into(),
        now_ms: 1_700_000_000_000,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn main() {
    let tables: usize = std::env::var("UCSIM_BENCH_TABLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let parts = std::env::var("UCSIM_BENCH_PARTS").unwrap_or_else(|_| "seed,list,gets".into());
    let dir = tempfile::tempdir().unwrap();

    // 1. Seed a large metastore: 10 catalogs x 100 schemas x (tables / 1000) tables.
    if parts.contains("seed") {
        seed_big(&dir, tables);
    }
    if !parts.contains("list") && !parts.contains("gets") {
        return;
    }
    let list_db = dir.path().join("list.sqlite");
    {
        let mut store = Store::open(Some(&list_db)).unwrap();
        seed::generate_into(
            &mut store,
            GenSpec {
                catalogs: 1,
                schemas: 10,
                tables: 10_000,
                seed: 2,
            },
            &actor(),
        )
        .unwrap();
    }
    if parts.contains("list") {
        list(&list_db);
    }
    if parts.contains("gets") {
        gets(&list_db);
    }
}

fn seed_big(dir: &tempfile::TempDir, tables: usize) {
    let per_schema = (tables / 1000).max(1);
    let big = dir.path().join("big.sqlite");
    let t0 = Instant::now();
    {
        let mut store = Store::open(Some(&big)).unwrap();
        seed::generate_into(
            &mut store,
            GenSpec {
                catalogs: 10,
                schemas: 100,
                tables: per_schema,
                seed: 1,
            },
            &actor(),
        )
        .unwrap();
    }
    let seed_secs = t0.elapsed().as_secs_f64();
    let size = std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0);
    println!(
        "seed: {} tables into SQLite in {seed_secs:.1} s ({:.0} tables/s, state file {:.0} MiB)",
        10 * 100 * per_schema,
        (10 * 100 * per_schema) as f64 / seed_secs,
        size as f64 / (1024.0 * 1024.0)
    );
    // Serving the big state starts quickly (nothing is loaded into memory).
    let t0 = Instant::now();
    let h = Server::start(Config {
        state: Some(big.clone()),
        ..Config::default()
    })
    .unwrap();
    println!(
        "start on the seeded state: {:.3} s",
        t0.elapsed().as_secs_f64()
    );
    let a = agent();
    let mut r = a
        .get(&format!(
            "{}/api/2.1/unity-catalog/tables/cat003.s042.t00007",
            h.base_url
        ))
        .call()
        .unwrap();
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(v["full_name"], "cat003.s042.t00007");
    h.stop();
}

/// 2. List 100,000 tables through pagination.
fn list(list_db: &std::path::Path) {
    for page_size in [100usize, 1000] {
        let h = Server::start(Config {
            state: Some(list_db.to_path_buf()),
            page_size,
            ..Config::default()
        })
        .unwrap();
        let a = agent();
        let t0 = Instant::now();
        let mut count = 0usize;
        let mut requests = 0usize;
        for s in 0..10 {
            let mut token: Option<String> = None;
            loop {
                let mut url = format!(
                    "{}/api/2.1/unity-catalog/tables?catalog_name=cat000&schema_name=s{s:03}&max_results=0",
                    h.base_url
                );
                if let Some(t) = &token {
                    url.push_str(&format!("&page_token={t}"));
                }
                let mut r = a.get(&url).call().unwrap();
                let v: ListPage =
                    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
                requests += 1;
                count += v.tables.len();
                match v.next_page_token {
                    Some(t) => token = Some(t),
                    None => break,
                }
                assert!(requests < 100_000);
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "list: {count} tables through {requests} pages (page size {page_size}) in {secs:.2} s"
        );
        h.stop();
    }
}

/// 3. Simple GETs per second (4 client threads, 5 s, keep-alive).
fn gets(list_db: &std::path::Path) {
    let h = Server::start(Config {
        state: Some(list_db.to_path_buf()),
        ..Config::default()
    })
    .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(5);
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let base = h.base_url.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                let a = agent();
                let mut n = 0u64;
                while Instant::now() < deadline && n < 1_000_000 {
                    let url = format!(
                        "{base}/api/2.1/unity-catalog/tables/cat000.s00{}.t0{:04}",
                        i % 10,
                        n % 10_000
                    );
                    let mut r = a.get(&url).call().unwrap();
                    assert_eq!(r.status().as_u16(), 200);
                    let _ = r.body_mut().read_to_string().unwrap();
                    n += 1;
                }
                done.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    let t0 = Instant::now();
    for t in threads {
        t.join().unwrap();
    }
    let secs = t0.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "gets: {n} GET /tables/{{full_name}} in {secs:.1} s = {:.0} requests/s (4 client threads, 127.0.0.1)",
        n as f64 / secs
    );
    h.stop();
}

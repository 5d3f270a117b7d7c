//! Benchmark: load + lower a generated governance tree of 10,000 tables (10 catalogs ×
//! 10 schemas × 100 tables, one file per schema, every table with tags and grants, every
//! fourth one `create: true` with typed columns, masks and a row filter).
//!
//! Run: `cargo bench --bench declared` (prints the figures; target < 1 s per load).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

const CATALOGS: usize = 10;
const SCHEMAS: usize = 10;
const TABLES: usize = 100;

fn generate(root: &Path) {
    fs::write(
        root.join("brickkit.yaml"),
        "project: bench\ndefault_environment: dev\nenvironments: {dev: {}, prd: {}}\n\
         conventions: [conventions/c.yaml]\n\
         principals:\n  analysts: {dev: grp_analysts_dev, prd: grp_analysts}\n  etl: {dev: 6f1a2b3c-0000-4000-8000-000000000001, prd: 6f1a2b3c-0000-4000-8000-000000000002}\n\
         ignore: [\"table:*.*.tmp_*\"]\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("conventions")).unwrap();
    fs::write(
        root.join("conventions/c.yaml"),
        "convention: bench\n\
         naming:\n  catalog: {suffix: \"_{env}\", pattern: \"^[a-z][a-z0-9_]*$\"}\n  table: {pattern: \"^[a-z][a-z0-9_]*$\"}\n\
         owners: {catalog: \"grp_platform_{env}\", default: grp_data_eng}\n\
         tags:\n  defaults:\n    - {key: managed_by, value: brickkit}\n  required:\n    - {key: data_owner, applies_to: [catalog, table]}\n    - {key: data_classification, allowed: [public, internal, confidential], applies_to: [table]}\n  sensitive: [pii]\n\
         grants: {mode: authoritative}\n",
    )
    .unwrap();
    let mut cats = String::from("catalogs:\n");
    for c in 0..CATALOGS {
        let _ = write!(
            cats,
            "  - name: cat{c}\n    tags: {{data_owner: team{c}}}\n    grants: [{{principal: analysts, privileges: [USE_CATALOG]}}]\n"
        );
    }
    fs::write(root.join("catalogs.yaml"), cats).unwrap();
    for c in 0..CATALOGS {
        let dir = root.join(format!("cat{c}"));
        fs::create_dir_all(&dir).unwrap();
        for s in 0..SCHEMAS {
            let mut y = format!(
                "schemas:\n  - name: sch{s}\n    catalog: cat{c}\n    grants: [{{principal: analysts, privileges: [USE_SCHEMA, SELECT]}}]\n    functions:\n      - {{name: mask_pii, create: true, params: [{{name: v, type: STRING}}], returns: STRING, body: \"'***'\"}}\n      - {{name: region_filter, create: true, params: [{{name: r, type: STRING}}], returns: BOOLEAN, body: \"r = 'EU'\"}}\n    tables:\n"
            );
            for t in 0..TABLES {
                let _ = write!(
                    y,
                    "      - name: table_{t}\n        comment: table {t} of cat{c}.sch{s}\n        tags: {{data_owner: team{c}, data_classification: internal}}\n        grants:\n          - {{principal: etl, privileges: [SELECT, MODIFY]}}\n          - {{principal: account users, privileges: [SELECT]}}\n"
                );
                if t % 4 == 0 {
                    let _ = write!(
                        y,
                        "        create: true\n        row_filter: {{function: cat{c}.sch{s}.region_filter, columns: [region]}}\n        columns:\n          - {{name: id, type: BIGINT, nullable: false}}\n          - {{name: region, type: STRING}}\n          - {{name: email, type: STRING, tags: {{pii: \"true\"}}, mask: {{function: cat{c}.sch{s}.mask_pii}}}}\n          - {{name: amount, type: \"DECIMAL(18,2)\"}}\n"
                    );
                }
            }
            fs::write(dir.join(format!("sch{s}.yaml")), y).unwrap();
        }
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let t0 = Instant::now();
    generate(dir.path());
    let gen_time = t0.elapsed();
    let bytes: u64 = walk_bytes(dir.path());

    let mut times: Vec<Duration> = Vec::new();
    let mut count = 0;
    let mut cpu: Vec<u64> = Vec::new();
    for _ in 0..7 {
        let (t, cpu0) = (Instant::now(), cpu_ms());
        let r = brickkit::declared::load(dir.path(), Some("dev"));
        times.push(t.elapsed());
        cpu.push(cpu_ms().saturating_sub(cpu0));
        assert!(
            r.diagnostics.is_empty(),
            "{:?}",
            &r.diagnostics[..3.min(r.diagnostics.len())]
        );
        let s = r.state.unwrap();
        count = s.securables.len();
        let tables = s
            .securables
            .iter()
            .filter(|s| s.kind == brickkit::model::SecurableKind::Table)
            .count();
        assert_eq!(tables, CATALOGS * SCHEMAS * TABLES);
    }
    times.sort();
    println!(
        "declared load+lower: {} tables, {count} securables, {:.1} MiB of YAML in {} files (generated in {:.0} ms)",
        CATALOGS * SCHEMAS * TABLES,
        bytes as f64 / (1024.0 * 1024.0),
        CATALOGS * SCHEMAS + 3,
        gen_time.as_secs_f64() * 1000.0
    );
    println!(
        "  7 runs: min {:.0} ms, median {:.0} ms, max {:.0} ms (target < 1000 ms)",
        times[0].as_secs_f64() * 1000.0,
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    cpu.sort_unstable();
    println!(
        "  CPU time (user+sys, all threads) per load: median {} ms; load average now: {}",
        cpu[cpu.len() / 2],
        fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}

/// Process CPU time (user + system, every thread) in ms, from `/proc/self/stat` (Linux; 0
/// elsewhere). Clock ticks are assumed to be 100 per second.
fn cpu_ms() -> u64 {
    let Ok(stat) = fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of the full line: 11 and 12 after the name.
    (ticks(11) + ticks(12)) * 10
}

fn walk_bytes(p: &Path) -> u64 {
    let mut n = 0;
    for e in fs::read_dir(p).unwrap() {
        let e = e.unwrap();
        let m = e.metadata().unwrap();
        if m.is_dir() {
            n += walk_bytes(&e.path());
        } else {
            n += m.len();
        }
    }
    n
}

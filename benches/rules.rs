//! Benchmark of policy rules (issue #15) on the synthetic 1M-table metastore
//! (`brickkit_testkit::synth::generate_snapshot`: 5 columns, 3 grants, 3 tags per table, a
//! row filter and a mask on every tenth table, 1 % drifted), plus `pii` column tags (on the
//! masked column of every tenth table, and on an unmasked column of every 250th):
//!
//! 1. rule evaluation alone (`rules::evaluate`, index build included) with the 10 rules of
//!    [`ten_rules`] (every check at least once), on a 1-thread and a 2-thread rayon pool,
//!    best of 3;
//! 2. the drift detection process from Parquet with `--unmanaged all` and a 40-securable
//!    tree, with 10 rules and with 0: this binary re-runs itself under `/usr/bin/time -v`
//!    (`--child`), which reads the Parquet snapshot, runs `drift::detect` and writes the
//!    JSON report to a file — what `brickkit drift detect --unmanaged all --format json
//!    --no-history` does after loading its (small) tree. Wall time and peak RSS come from
//!    `time`.
//!
//! Targets: evaluation ≤ 1 s, whole process ≤ 5 s, peak ≤ 2.5 GB (1M tables, 2 cores).
//! Run: `cargo bench --bench rules` (1M) or `cargo bench --bench rules -- 100000`.
//! For profiling: `-- --write <dir>` keeps the Parquet snapshot; then run the bench binary
//! with `--child <dir> <0|10> <report.json>` (one detection) or `--eval <dir> <threads>
//! <runs>` (evaluation alone, on an index built once), e.g. under `perf record`.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use brickkit::declared::{
    DeclaredSecurable, DeclaredState, Policy, PolicyRule, RuleCheck, RuleScope,
};
use brickkit::diff::DiffOptions;
use brickkit::drift::{self, DriftOptions, UnmanagedScope};
use brickkit::model::{SecurableKind, Severity, Timestamp};
use brickkit::report::{self, Format, RenderOptions};
use brickkit::rules;
use brickkit::state::{Snapshot, TagRow, store};
use brickkit_testkit::synth::{self, SynthSpec};

/// The allocator the `brickkit` binary uses (see `src/main.rs`), so the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn rule(id: &str, severity: Severity, scope: RuleScope, check: RuleCheck) -> PolicyRule {
    PolicyRule {
        id: id.into(),
        message: format!("{id} (benchmark rule)"),
        severity,
        scope,
        check,
        origin: None,
    }
}

/// Ten rules an auditor could write for this metastore, every check at least once.
pub fn ten_rules() -> Vec<PolicyRule> {
    use SecurableKind::*;
    let kinds = |k: &[SecurableKind]| RuleScope {
        kinds: k.to_vec(),
        ..RuleScope::default()
    };
    vec![
        rule(
            "table-tier-tag",
            Severity::Warning,
            RuleScope {
                kinds: vec![Table],
                catalogs: s(&["cat_*"]),
                ..RuleScope::default()
            },
            RuleCheck::RequiredTag {
                key: "tag_0".into(),
                allowed: Some(s(&["value_0", "value_1", "value_2", "value_3", "value_4"])),
                default: None,
                on_columns: false,
            },
        ),
        rule(
            "container-data-owner",
            Severity::Warning,
            kinds(&[Catalog, Schema]),
            RuleCheck::RequiredTag {
                key: "data_owner".into(),
                allowed: None,
                default: None,
                on_columns: false,
            },
        ),
        rule(
            "column-classification",
            Severity::Info,
            RuleScope {
                catalogs: s(&["cat_000"]),
                schemas: s(&["sch_000"]),
                ..RuleScope::default()
            },
            RuleCheck::RequiredTag {
                key: "classification".into(),
                allowed: None,
                default: None,
                on_columns: true,
            },
        ),
        rule(
            "table-names",
            Severity::Warning,
            kinds(&[Table]),
            RuleCheck::Naming {
                pattern: "^tbl_[0-9]{7}$".into(),
            },
        ),
        rule(
            "container-names",
            Severity::Warning,
            kinds(&[Catalog, Schema, Function]),
            RuleCheck::Naming {
                pattern: "^(cat|sch)_[0-9]{3}$|_fn$".into(),
            },
        ),
        rule(
            "owners-are-groups",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::Owner {
                pattern: Some("^grp_".into()),
                one_of: Vec::new(),
                not_user: true,
            },
        ),
        rule(
            "nothing-to-everyone",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::ForbiddenGrant {
                principals: s(&["account users", "users"]),
                privileges: s(&["ALL PRIVILEGES", "MODIFY"]),
                users: false,
            },
        ),
        rule(
            "no-user-grants",
            Severity::Warning,
            RuleScope::default(),
            RuleCheck::ForbiddenGrant {
                principals: Vec::new(),
                privileges: Vec::new(),
                users: true,
            },
        ),
        rule(
            "no-intruder-writes",
            Severity::Critical,
            kinds(&[Table]),
            RuleCheck::ForbiddenGrant {
                principals: s(&["grp_intruder*"]),
                privileges: s(&["MODIFY", "ALL_PRIVILEGES"]),
                users: false,
            },
        ),
        rule(
            "pii-protected",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::Protection {
                column_tags: [("pii".to_string(), Some("true".to_string()))].into(),
                require_mask: true,
                require_row_filter: true,
                allowed_tables: s(&["cat_009.*"]),
            },
        ),
    ]
}

/// A 40-securable tree: the 10 catalogs and 30 of their schemas, as the snapshot has them.
fn tree(rules: Vec<PolicyRule>) -> DeclaredState {
    let decl = |kind, name: String, owner: &str| DeclaredSecurable {
        kind,
        declared_name: name.clone(),
        full_name: name,
        origin: None,
        create: true,
        owner: Some(owner.into()),
        comment: None,
        tags: BTreeMap::new(),
        grants: None,
        row_filter: None,
        columns: Vec::new(),
        properties: BTreeMap::new(),
        details: BTreeMap::new(),
    };
    let mut securables = Vec::new();
    for c in 0..10 {
        securables.push(decl(
            SecurableKind::Catalog,
            format!("cat_{c:03}"),
            "grp_platform",
        ));
    }
    for c in 0..10 {
        for sc in 0..3 {
            securables.push(decl(
                SecurableKind::Schema,
                format!("cat_{c:03}.sch_{sc:03}"),
                "grp_data_eng",
            ));
        }
    }
    DeclaredState {
        project: "bench".into(),
        environment: "prd".into(),
        securables,
        policy: Policy {
            rules,
            ..Policy::default()
        },
        ignore: Vec::new(),
    }
}

/// The synthetic snapshot with `pii` column tags.
fn snapshot(n: usize) -> Snapshot {
    let mut snap = synth::generate_snapshot(&SynthSpec::with_tables(n, 0.01, 7));
    let masked: Vec<(String, String)> = snap
        .column_masks
        .iter()
        .map(|m| (m.table_full_name.to_string(), m.column_name.to_string()))
        .collect();
    for (table, column) in masked {
        snap.tags.push(pii(&table, &column));
    }
    let tables: Vec<String> = snap
        .securables
        .iter()
        .filter(|r| r.kind == Some(SecurableKind::Table))
        .map(|r| r.full_name.to_string())
        .collect();
    for t in tables.iter().step_by(250) {
        snap.tags.push(pii(t, "col_2"));
    }
    snap.sort();
    snap.manifest.counts = snap.row_counts();
    snap.manifest.content_digest = brickkit::state::digest::content_digest(&snap);
    snap
}

fn pii(table: &str, column: &str) -> TagRow {
    TagRow {
        securable_kind: Some(SecurableKind::Table),
        securable_full_name: table.into(),
        column_name: Some(column.into()),
        key: "pii".into(),
        value: "true".into(),
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut out = None;
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        out = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[0], times[runs / 2], out.unwrap())
}

/// `--child <snapshot dir> <rules: 0|10> <report file>`: one detection, as the CLI runs it.
fn child(args: &[String]) {
    let (dir, n_rules, out) = (Path::new(&args[0]), &args[1], Path::new(&args[2]));
    let rules = if n_rules == "0" {
        Vec::new()
    } else {
        ten_rules()
    };
    let declared = tree(rules);
    let t = Instant::now();
    let c0 = cpu_seconds();
    let snap = store::read(dir).unwrap();
    let read = t.elapsed();
    let c1 = cpu_seconds();
    let opts = DriftOptions {
        timestamp: Timestamp(0),
        unmanaged: UnmanagedScope::All,
        ..DriftOptions::default()
    };
    let report = drift::detect(&declared, &snap, &DiffOptions::default(), &opts);
    let detected = t.elapsed();
    let c2 = cpu_seconds();
    let file = std::fs::File::create(out).unwrap();
    report::render(
        &report,
        Format::Json,
        &RenderOptions::default(),
        &mut std::io::BufWriter::new(file),
    )
    .unwrap();
    let total = t.elapsed();
    let c3 = cpu_seconds();
    let sm = report.summary();
    eprintln!(
        "child rules={n_rules}: read {:.2}s, detect {:.2}s, json {:.2}s (CPU {:.2} / {:.2} / {:.2}s); {} unmanaged, {} violations, {} rule unknown; report {:.1} MiB",
        read.as_secs_f64(),
        (detected - read).as_secs_f64(),
        (total - detected).as_secs_f64(),
        c1 - c0,
        c2 - c1,
        c3 - c2,
        sm.unmanaged,
        sm.violations,
        sm.rule_unknown,
        std::fs::metadata(out).map_or(0, |m| m.len()) as f64 / 1_048_576.0
    );
    // As `brickkit drift detect` does: the process ends here, nothing is freed row by row.
    std::mem::forget(report);
    std::mem::forget(snap);
}

/// `--eval <snapshot dir> <threads> <runs>`: read a snapshot written by `--write`, build
/// the index once and time `rules::evaluate_indexed` (for profiling evaluation alone).
fn eval_only(args: &[String]) {
    let dir = Path::new(&args[0]);
    let threads: usize = args[1].parse().unwrap();
    let runs: usize = args[2].parse().unwrap();
    let snap = store::read(dir).unwrap();
    let declared = tree(ten_rules());
    let p = pool(threads);
    let index = p.install(|| brickkit::diff::SnapshotIndex::build(&snap));
    let mut cpu = Vec::new();
    let (b, m, found) = p.install(|| {
        best(runs, || {
            let c = cpu_seconds();
            let f = rules::evaluate_indexed(&declared.policy.rules, &index, &snap, &declared);
            cpu.push(cpu_seconds() - c);
            f
        })
    });
    cpu.sort_by(f64::total_cmp);
    println!(
        "evaluate_indexed threads={threads}: best {:.3}s median {:.3}s wall, CPU best {:.2}s median {:.2}s; {} violations, {} unknown",
        b.as_secs_f64(),
        m.as_secs_f64(),
        cpu[0],
        cpu[cpu.len() / 2],
        found.violations.len(),
        found.unknown.len()
    );
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux; 10 ms
/// ticks); 0 elsewhere.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the file (utime, stime) are the 12th and 13th after the name.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// Run the child under `/usr/bin/time -v`: `(wall seconds, peak RSS MiB)`; prints the
/// child's CPU time (user + sys) too.
fn timed_child(dir: &Path, n_rules: usize, out: &Path) -> (f64, f64) {
    let exe = std::env::current_exe().unwrap();
    let o = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(exe)
        .arg("--child")
        .arg(dir)
        .arg(n_rules.to_string())
        .arg(out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    let mut wall = 0.0;
    let mut peak = 0.0;
    let mut cpu = 0.0;
    for line in err.lines() {
        let l = line.trim();
        if l.starts_with("child ") {
            println!("  {l}");
        } else if let Some(v) = l
            .strip_prefix("User time (seconds): ")
            .or_else(|| l.strip_prefix("System time (seconds): "))
        {
            cpu += v.parse::<f64>().unwrap_or(0.0);
        } else if let Some(v) = l.strip_prefix("Elapsed (wall clock) time (h:mm:ss or m:ss): ") {
            wall = v
                .split(':')
                .fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap_or(0.0));
        } else if let Some(v) = l.strip_prefix("Maximum resident set size (kbytes): ") {
            peak = v.parse::<f64>().unwrap_or(0.0) / 1024.0;
        }
    }
    assert!(o.status.success(), "child failed: {err}");
    println!("  child CPU (user+sys) {cpu:.2}s");
    (wall, peak)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("--eval") {
        return eval_only(&args[1..]);
    }
    let n: usize = args
        .iter()
        .find_map(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let t = Instant::now();
    let snap = snapshot(n);
    println!(
        "n={n}: generated in {:.2}s: {} securables, {} columns, {} grants, {} tags",
        t.elapsed().as_secs_f64(),
        snap.securables.len(),
        snap.columns.len(),
        snap.grants.len(),
        snap.tags.len()
    );
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
    {
        // `--write <dir> [n]`: keep the Parquet snapshot for `--child` / `--eval` runs.
        store::write(&snap, Path::new(dir)).unwrap();
        println!("written to {dir}");
        return;
    }
    let declared = tree(ten_rules());

    // 1. Evaluation alone: with the index build (`rules::evaluate`, what `drift::classify`
    // does when called on its own) and on an index already built (`evaluate_indexed`, what
    // `drift::detect` does: the differ's index is reused).
    for threads in [1usize, 2] {
        let p = pool(threads);
        let (b, m, found) = p.install(|| {
            best(3, || {
                rules::evaluate(&declared.policy.rules, &snap, &declared)
            })
        });
        let (bi, mi, index) = p.install(|| best(3, || brickkit::diff::SnapshotIndex::build(&snap)));
        let (be, me, _) = p.install(|| {
            best(3, || {
                rules::evaluate_indexed(&declared.policy.rules, &index, &snap, &declared)
            })
        });
        drop(index);
        let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for v in &found.violations {
            *per_rule.entry(v.rule_id.as_str()).or_default() += 1;
        }
        println!(
            "n={n}: 10 rules threads={threads}: evaluate_indexed best {:.3}s median {:.3}s; index build best {:.3}s median {:.3}s; evaluate (both) best {:.3}s median {:.3}s; {} violations, {} unknown",
            be.as_secs_f64(),
            me.as_secs_f64(),
            bi.as_secs_f64(),
            mi.as_secs_f64(),
            b.as_secs_f64(),
            m.as_secs_f64(),
            found.violations.len(),
            found.unknown.len()
        );
        if threads == 2 {
            println!("n={n}: violations per rule: {per_rule:?}");
        }
    }

    // 2. The detection process from Parquet, 0 and 10 rules, twice each.
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("snap");
    store::write(&snap, &path).unwrap();
    drop(snap);
    let out = dir.path().join("report.json");
    for round in 0..2 {
        for n_rules in [0usize, 10] {
            let (wall, peak) = timed_child(&path, n_rules, &out);
            println!(
                "n={n}: process round {round} rules={n_rules}: wall {wall:.2}s, peak RSS {peak:.0} MiB"
            );
        }
    }
}

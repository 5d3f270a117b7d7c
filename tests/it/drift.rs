//! Drift detection end to end in the library: data-driven diff cases
//! (`tests/cases/diff/<case>/`), golden report files for every format
//! (`tests/golden/report/<format>/<scenario>.<ext>`), and byte-identical output whatever
//! the rayon thread count. `UPDATE_EXPECT=1` rewrites the expected files.

#![allow(clippy::unwrap_used)]

mod fixture;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use brickkit::declared::Origin;
use brickkit::diff::{self, Action, DiffOptions, DiffSet, Presence, Value};
use brickkit::drift::{
    self, Compliant, Drift, DriftOptions, DriftReport, IgnoreRules, Missing, RuleRef, SnapshotRef,
    Unknown, Unmanaged, UnmanagedScope,
};
use brickkit::model::{SecurableKind, Severity, Timestamp};
use brickkit::report::{self, Format, RenderOptions};
use brickkit::rules::{RuleUnknown, Violation};

use crate::support::brickkit;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn update() -> bool {
    std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1")
}

/// Compare `actual` with the file at `path`; `UPDATE_EXPECT=1` rewrites it. A missing file
/// is written and the test fails, so a new golden is always looked at once.
pub fn check_golden(path: &Path, actual: &str) {
    if update() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(expected) => {
            if expected != actual {
                panic!(
                    "{} differs from the output (UPDATE_EXPECT=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}",
                    path.display()
                );
            }
        }
        Err(_) => {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, actual).unwrap();
            panic!(
                "{} did not exist; written, review it and re-run",
                path.display()
            );
        }
    }
}

fn fixed_time() -> Timestamp {
    Timestamp::from_civil(2026, 1, 16, 14, 30, 0, 0)
}

fn test_opts() -> RenderOptions {
    RenderOptions {
        tool_version: "0.0.0-test".into(),
        source_root: Some("examples/governance".into()),
        ..RenderOptions::default()
    }
}

fn render(report: &DriftReport, format: Format) -> String {
    render_with(report, format, &test_opts())
}

fn render_with(report: &DriftReport, format: Format, opts: &RenderOptions) -> String {
    let mut buf = Vec::new();
    report::render(report, format, opts, &mut buf).unwrap();
    String::from_utf8(buf).unwrap()
}

fn render_diffs(set: &DiffSet) -> String {
    let mut s = String::new();
    for d in &set.diffs {
        let p = match d.presence {
            Presence::Present => "present",
            Presence::Absent => "absent",
        };
        writeln!(s, "{} {} ({p})", d.kind, d.full_name).unwrap();
        for c in &d.changes {
            let add = if c.additive { " [additive]" } else { "" };
            writeln!(
                s,
                "  {} {}: declared {}, actual {}{add}",
                c.action, c.field, c.declared, c.actual
            )
            .unwrap();
        }
    }
    for u in &set.undeclared {
        writeln!(s, "undeclared {} {}", u.kind, u.full_name).unwrap();
    }
    s
}

// ---------------------------------------------------------------- data-driven diff cases

fn run_case(dir: &Path) -> String {
    let read = |name: &str| std::fs::read_to_string(dir.join(name));
    let declared: fixture::DeclaredFx =
        serde_json::from_str(&read("declared.json").unwrap()).unwrap();
    let snapshot: fixture::SnapshotFx =
        serde_json::from_str(&read("snapshot.json").unwrap()).unwrap();
    let options: fixture::OptionsFx = read("options.json")
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or_default();
    let declared = declared.into_state();
    let snapshot = snapshot.into_snapshot();
    let set = diff::diff(&declared, &snapshot, &DiffOptions::default());
    let ignore = IgnoreRules::from_specs(&declared.ignore, &options.ignore).unwrap();
    let opts = DriftOptions {
        timestamp: fixed_time(),
        unmanaged: match options.unmanaged.as_deref() {
            Some("all") => UnmanagedScope::All,
            _ => UnmanagedScope::Declared,
        },
        ignore,
    };
    let report = drift::classify(&declared, &snapshot, set.clone(), &opts);
    format!(
        "== diff\n{}\n== report\n{}",
        render_diffs(&set),
        render(&report, Format::Text)
    )
}

#[test]
fn diff_cases() {
    let cases = root().join("tests/cases/diff");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("declared.json").is_file())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 10,
        "expected the diff cases under {}",
        cases.display()
    );
    for dir in dirs {
        let out = run_case(&dir);
        check_golden(&dir.join("expected.txt"), &out);
    }
}

// ---------------------------------------------------------------- report goldens

fn origin(line: usize) -> Option<Origin> {
    Some(Origin {
        file: PathBuf::from("catalogs/ml_platform.yaml"),
        line,
        column: 7,
    })
}

fn drift(
    kind: SecurableKind,
    name: &str,
    field: &str,
    expected: Value,
    actual: Value,
    severity: Severity,
) -> Drift {
    let action = Action::between(&expected, &actual);
    Drift {
        kind,
        full_name: name.into(),
        field: field.into(),
        expected,
        actual,
        action,
        severity,
        additive: false,
        note: None,
        origin: origin(12),
    }
}

/// Every category, notes, an additive grant and characters every format must escape.
fn mixed_report() -> DriftReport {
    use SecurableKind::*;
    let emb = "ml_platform_dev.recommendations.user_embeddings";
    let scores = "ml_platform_dev.recommendations.scores";
    let mut drifted = vec![
        drift(
            Table,
            emb,
            "grants.analysts",
            Value::set(["SELECT"]),
            Value::Set(vec![]),
            Severity::Critical,
        ),
        drift(
            Table,
            emb,
            "row_filter",
            Value::text("ml_platform_dev.sec.pii_filter ON (region)"),
            Value::Absent,
            Severity::Critical,
        ),
        drift(
            Table,
            emb,
            "columns.email.mask",
            Value::text("ml_platform_dev.sec.mask_email"),
            Value::Absent,
            Severity::Critical,
        ),
        drift(
            Table,
            emb,
            "comment",
            Value::text("Embeddings <v2> & \"friends\" | x"),
            Value::text("old"),
            Severity::Info,
        ),
        {
            let mut d = drift(
                Table,
                scores,
                "tags.data_owner",
                Value::text("any value"),
                Value::Absent,
                Severity::Warning,
            );
            d.note = Some("every table needs a data_owner".into());
            d.origin = origin(40);
            d
        },
        {
            let mut d = drift(
                Table,
                scores,
                "grants.Data Engineers",
                Value::set(["SELECT"]),
                Value::set(["MODIFY", "SELECT"]),
                Severity::Info,
            );
            d.additive = true;
            d.origin = origin(40);
            d
        },
        {
            let mut d = drift(
                Schema,
                "ml_platform_dev.recommendations",
                "owner",
                Value::text("ml-team"),
                Value::text("alice@example.com"),
                Severity::Critical,
            );
            d.origin = origin(5);
            d
        },
    ];
    drifted.sort_by(|a, b| (a.kind, &a.full_name, &a.field).cmp(&(b.kind, &b.full_name, &b.field)));
    DriftReport {
        timestamp: fixed_time(),
        project: "acme".into(),
        environment: "dev".into(),
        snapshot: SnapshotRef {
            id: "20260116T140000000Z-1a2b3c4d".into(),
            taken_at: Timestamp::from_civil(2026, 1, 16, 14, 0, 0, 0),
        },
        drifted,
        missing: vec![Missing {
            kind: Table,
            full_name: "ml_platform_dev.recommendations.features".into(),
            severity: Severity::Warning,
            origin: origin(60),
        }],
        unmanaged: vec![Unmanaged {
            kind: Table,
            full_name: "ml_platform_dev.recommendations.tmp_scratch".into(),
            severity: Severity::Info,
        }],
        compliant: vec![
            Compliant {
                kind: Catalog,
                full_name: "ml_platform_dev".into(),
            },
            Compliant {
                kind: Table,
                full_name: "ml_platform_dev.core.users".into(),
            },
        ],
        unknown: vec![
            Unknown {
                kind: Some(Schema),
                full_name: "ml_platform_dev.restricted".into(),
                attribute: None,
                reason: "403: PERMISSION_DENIED on schema".into(),
            },
            Unknown {
                kind: Some(Table),
                full_name: "ml_platform_dev.core.events".into(),
                attribute: Some("grants".into()),
                reason: "429: rate limited".into(),
            },
        ],
        ignored: 3,
        violations: Vec::new(),
        rule_unknown: Vec::new(),
        rules: Vec::new(),
    }
}

fn in_sync_report() -> DriftReport {
    DriftReport {
        timestamp: fixed_time(),
        project: "acme".into(),
        environment: "prd".into(),
        snapshot: SnapshotRef {
            id: "20260116T140000000Z-00000001".into(),
            taken_at: Timestamp::from_civil(2026, 1, 16, 13, 0, 0, 0),
        },
        compliant: vec![
            Compliant {
                kind: SecurableKind::Catalog,
                full_name: "sales_prd".into(),
            },
            Compliant {
                kind: SecurableKind::Schema,
                full_name: "sales_prd.orders".into(),
            },
        ],
        ..DriftReport::default()
    }
}

#[test]
fn report_goldens() {
    for (scenario, report) in [("mixed", mixed_report()), ("in_sync", in_sync_report())] {
        for format in Format::ALL {
            let out = render(&report, format);
            let path = root()
                .join("tests/golden/report")
                .join(format.as_str())
                .join(format!("{scenario}.{}", format.extension()));
            check_golden(&path, &out);
        }
    }
}

#[test]
fn json_report_structure_matches_the_summary() {
    let report = mixed_report();
    let v: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["environment"], "dev");
    assert_eq!(v["snapshot"]["id"], "20260116T140000000Z-1a2b3c4d");
    let sev = &v["summary"]["by_severity"];
    // 4 critical drifts; 1 warning drift + 1 missing; 2 info drifts + 1 unmanaged.
    assert_eq!(
        (
            sev["critical"].as_u64(),
            sev["warning"].as_u64(),
            sev["info"].as_u64()
        ),
        (Some(4), Some(2), Some(3))
    );
    let cat = &v["summary"]["by_category"];
    assert_eq!(
        cat["drifted"].as_u64(),
        Some(v["drifted"].as_array().unwrap().len() as u64)
    );
    assert_eq!(cat["drifted_securables"].as_u64(), Some(3));
    assert_eq!(cat["missing"].as_u64(), Some(1));
    assert_eq!(cat["unknown"].as_u64(), Some(2));
    assert_eq!(v["ignored"].as_u64(), Some(3));
    let first = &v["drifted"][0];
    for key in [
        "resource_type",
        "resource_name",
        "field",
        "expected",
        "actual",
        "action",
        "severity",
    ] {
        assert!(first.get(key).is_some(), "drifted objects carry `{key}`");
    }
    // The text summary line says the same.
    let text = render(&report, Format::Text);
    let last = text.lines().last().unwrap();
    assert_eq!(
        last,
        "Summary: 4 critical, 2 warning, 3 info | 7 drifted field(s) on 3 securable(s), 1 missing, 1 unmanaged, 2 unknown, 2 compliant, 0 violation(s), 0 rule unknown, 0 ignored"
            .replace("0 ignored", "3 ignored")
    );
}

#[test]
fn sarif_levels_and_locations() {
    let v: serde_json::Value =
        serde_json::from_str(&render(&mixed_report(), Format::Sarif)).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        9,
        "one result per drifted field, missing and unmanaged"
    );
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels.iter().filter(|l| **l == "error").count(), 4);
    let loc = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "examples/governance/catalogs/ml_platform.yaml"
    );
    assert!(loc["region"]["startLine"].as_u64().is_some());
}

#[test]
fn colour_is_an_option_not_the_environment() {
    let report = mixed_report();
    let mut plain = Vec::new();
    let mut colour = Vec::new();
    report::render(&report, Format::Text, &RenderOptions::default(), &mut plain).unwrap();
    let opts = RenderOptions {
        color: true,
        ..RenderOptions::default()
    };
    report::render(&report, Format::Text, &opts, &mut colour).unwrap();
    assert!(!String::from_utf8(plain).unwrap().contains('\x1b'));
    assert!(
        String::from_utf8(colour)
            .unwrap()
            .contains("\x1b[1;31mCRITICAL (4):")
    );
}

#[test]
fn fail_on_counts_missing_and_unmanaged_by_their_severity() {
    let mut r = in_sync_report();
    assert!(!r.fails(Severity::Info));
    r.unmanaged.push(Unmanaged {
        kind: SecurableKind::Table,
        full_name: "sales_prd.orders.tmp".into(),
        severity: Severity::Info,
    });
    assert!(r.fails(Severity::Info) && !r.fails(Severity::Warning));
    r.missing.push(Missing {
        kind: SecurableKind::Table,
        full_name: "sales_prd.orders.x".into(),
        severity: Severity::Warning,
        origin: None,
    });
    assert!(r.fails(Severity::Warning) && !r.fails(Severity::Critical));
}

// ---------------------------------------------------------------- reports at scale

/// A report the size of a small metastore: 30,000 unmanaged tables in 30 schemas of 3
/// catalogs (and their schemas), 135 drifted fields of three severities on 60 tables (the
/// critical ones collapse, the warning and info ones are listed), 60
/// missing tables, 60 unknown grants, 60 compliant tables.
fn large_report() -> DriftReport {
    use SecurableKind::*;
    let mut r = mixed_report();
    r.drifted.clear();
    r.missing.clear();
    r.unmanaged.clear();
    r.compliant.clear();
    r.unknown.clear();
    for t in 0..60 {
        let name = format!("ml_platform_dev.s{:02}.declared_{t:03}", t % 6);
        r.drifted.push(drift(
            Table,
            &name,
            "grants.analysts",
            Value::set(["SELECT"]),
            Value::Set(vec![]),
            if t % 3 == 0 {
                Severity::Info
            } else {
                Severity::Critical
            },
        ));
        r.drifted.push(drift(
            Table,
            &name,
            "owner",
            Value::text("ml-team"),
            Value::text("someone"),
            Severity::Critical,
        ));
        if t % 4 == 0 {
            r.drifted.push(drift(
                Table,
                &name,
                "tags.data_owner",
                Value::text("any value"),
                Value::Absent,
                Severity::Warning,
            ));
        }
        r.missing.push(Missing {
            kind: Table,
            full_name: format!("ml_platform_dev.s{:02}.gone_{t:03}", t % 4),
            severity: Severity::Warning,
            origin: origin(60 + t),
        });
        r.unknown.push(Unknown {
            kind: Some(Table),
            full_name: format!("ml_platform_dev.locked.t{t:03}"),
            attribute: Some("grants".into()),
            reason: "403: PERMISSION_DENIED".into(),
        });
        r.compliant.push(Compliant {
            kind: Table,
            full_name: format!("ml_platform_dev.s{:02}.ok_{t:03}", t % 6),
        });
    }
    r.drifted
        .sort_by(|a, b| (a.kind, &a.full_name, &a.field).cmp(&(b.kind, &b.full_name, &b.field)));
    for c in 0..3 {
        r.unmanaged.push(Unmanaged {
            kind: Catalog,
            full_name: format!("raw_{c}"),
            severity: Severity::Info,
        });
    }
    for c in 0..3 {
        for s in 0..10 {
            r.unmanaged.push(Unmanaged {
                kind: Schema,
                full_name: format!("raw_{c}.s{s}"),
                severity: Severity::Info,
            });
        }
    }
    for c in 0..3 {
        for s in 0..10 {
            for t in 0..1_000 {
                r.unmanaged.push(Unmanaged {
                    kind: Table,
                    full_name: format!("raw_{c}.s{s}.t{t:04}"),
                    severity: Severity::Info,
                });
            }
        }
    }
    r
}

#[test]
fn large_reports_collapse_for_people_and_cap_sarif() {
    let report = large_report();
    let capped = RenderOptions {
        sarif_max_results: 20,
        ..test_opts()
    };
    for format in [
        Format::Text,
        Format::Markdown,
        Format::Junit,
        Format::Sarif,
        Format::Html,
    ] {
        let out = render_with(&report, format, &capped);
        let path = root()
            .join("tests/golden/report")
            .join(format.as_str())
            .join(format!("large.{}", format.extension()));
        check_golden(&path, &out);
    }
}

#[test]
fn verbose_lists_every_finding_and_json_always_does() {
    let report = large_report();
    let verbose = RenderOptions {
        verbose: true,
        ..test_opts()
    };
    let text = render_with(&report, Format::Text, &verbose);
    assert_eq!(
        text.lines().filter(|l| l.ends_with(" (table)")).count(),
        30_000,
        "every unmanaged table on its own line"
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("    - ")).count(),
        135
    );
    let md = render_with(&report, Format::Markdown, &verbose);
    assert_eq!(
        md.lines()
            .filter(|l| l.starts_with("- table `raw_"))
            .count(),
        30_000
    );
    let junit = render_with(&report, Format::Junit, &verbose);
    assert_eq!(junit.matches("<testcase ").count(), 30_033 + 60 * 4);
    let json: serde_json::Value = serde_json::from_str(&render(&report, Format::Json)).unwrap();
    assert_eq!(json["unmanaged"].as_array().unwrap().len(), 30_033);
    assert_eq!(json["drifted"].as_array().unwrap().len(), 135);
    // Collapsed, the text report is a page or two.
    assert!(render(&report, Format::Text).lines().count() < 120);
}

#[test]
fn sarif_results_are_capped_and_most_severe_first() {
    let report = large_report();
    for cap in [0, 1, 25, 100, 5_000, 25_000, 100_000] {
        let opts = RenderOptions {
            sarif_max_results: cap,
            ..test_opts()
        };
        let v: serde_json::Value =
            serde_json::from_str(&render_with(&report, Format::Sarif, &opts)).unwrap();
        let run = &v["runs"][0];
        let results = run["results"].as_array().unwrap();
        let total = 135 + 60 + 30_033;
        // The count cap, or the byte budget (8 MiB: about 12,900 of these results) first.
        assert!(results.len() <= cap.min(total), "cap {cap}");
        if cap <= report::SARIF_MAX_RESULTS {
            assert_eq!(results.len(), cap, "cap {cap}");
        } else {
            assert!(results.len() > 12_000, "cap {cap}: {}", results.len());
        }
        let rank = |l: &str| match l {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        };
        let levels: Vec<u8> = results
            .iter()
            .map(|r| rank(r["level"].as_str().unwrap()))
            .collect();
        assert!(
            levels.windows(2).all(|w| w[0] <= w[1]),
            "cap {cap}: severity order"
        );
        let omitted = total - results.len();
        if omitted == 0 {
            assert!(run.get("invocations").is_none());
            assert!(run["properties"].get("omitted").is_none());
            continue;
        }
        let o = &run["properties"]["omitted"];
        assert_eq!(o["omitted"].as_u64(), Some(omitted as u64));
        assert_eq!(o["findings"].as_u64(), Some(total as u64));
        let per_rule: u64 = o["byRule"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|r| r["omitted"].as_object().unwrap().values())
            .map(|n| n.as_u64().unwrap())
            .sum();
        assert_eq!(per_rule, omitted as u64);
        let note = &run["invocations"][0]["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "warning");
        assert!(
            note["message"]["text"]
                .as_str()
                .unwrap()
                .contains("--format json")
        );
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
        // Every rule with a finding is described, listed or not.
        let rules: Vec<&str> = run["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["grants", "missing", "owner", "tags", "unmanaged"]);
    }
}

// ---------------------------------------------------------------- determinism

fn run_with_threads(threads: usize) -> (DiffSet, String, String, String) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let (declared, snapshot) = brickkit_testkit::synth::generate_governed(5_000, 37);
        let set = diff::diff(&declared, &snapshot, &DiffOptions::default());
        let opts = DriftOptions {
            timestamp: fixed_time(),
            ..DriftOptions::default()
        };
        let report = drift::classify(&declared, &snapshot, set.clone(), &opts);
        let verbose = RenderOptions {
            verbose: true,
            ..test_opts()
        };
        (
            set,
            render(&report, Format::Json),
            render_with(&report, Format::Text, &verbose),
            render(&report, Format::Text),
        )
    })
}

#[test]
fn same_bytes_whatever_the_thread_count() {
    let (set1, json1, text1, short1) = run_with_threads(1);
    let (set3, json3, text3, short3) = run_with_threads(3);
    assert!(set1.change_count() > 100, "the generated input has drift");
    assert_eq!(set1, set3);
    assert_eq!(json1, json3);
    assert_eq!(text1, text3);
    assert_eq!(short1, short3);
    // Every rotated kind of drift shows up.
    for needle in [
        "- owner:",
        "- tags.domain:",
        "- grants.intruders:",
        "- columns.email.mask:",
        "- row_filter:",
        "MISSING (",
        "UNMANAGED (",
    ] {
        assert!(text1.contains(needle), "text report shows `{needle}`");
    }
}

// ---------------------------------------------------------------- the CLI

/// The README's main job, without writing history into the repository's `snapshots/`.
const MAIN_JOB: [&str; 8] = [
    "drift",
    "detect",
    "examples/governance",
    "--env",
    "dev",
    "--snapshot",
    "snapshots/example",
    "--no-history",
];

#[test]
fn cli_main_job_shows_every_category_and_exits_1() {
    let (code, out, err) = brickkit(&MAIN_JOB);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.starts_with("DRIFT REPORT - "), "{out}");
    assert!(out.lines().next().unwrap().ends_with(" - Environment: dev"));
    for section in [
        "CRITICAL (",
        "WARNING (",
        "INFO (",
        "MISSING (",
        "UNMANAGED (",
        "UNKNOWN (",
        "VIOLATIONS (5):",
        "RULE UNKNOWN (6):",
        "COMPLIANT (",
    ] {
        assert!(
            out.contains(section),
            "the report has a {section} section:\n{out}"
        );
    }
    assert!(out.lines().last().unwrap().starts_with("Summary: "));
    // The example snapshot is partial: the run says so, and exits 3 when asked to.
    assert!(
        err.contains("the snapshot is partial: 1 collection issue(s)"),
        "{err}"
    );
    let mut args = MAIN_JOB.to_vec();
    args.push("--fail-on-issues");
    let (code, out2, _) = brickkit(&args);
    assert_eq!(code, 3);
    // The same report (the header carries the time of the run).
    assert_eq!(
        out2.lines().skip(1).collect::<Vec<_>>(),
        out.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn cli_json_summary_matches_the_text_report() {
    let (code, text, _) = brickkit(&MAIN_JOB);
    let mut args = MAIN_JOB.to_vec();
    args.extend(["--format", "json"]);
    let (jcode, json, err) = brickkit(&args);
    assert_eq!((code, jcode), (1, 1), "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let sev = &v["summary"]["by_severity"];
    let cat = &v["summary"]["by_category"];
    let n = |x: &serde_json::Value| x.as_u64().unwrap();
    let expected = format!(
        "Summary: {} critical, {} warning, {} info | {} drifted field(s) on {} securable(s), {} missing, {} unmanaged, {} unknown, {} compliant, {} violation(s), {} rule unknown, {} ignored",
        n(&sev["critical"]),
        n(&sev["warning"]),
        n(&sev["info"]),
        n(&cat["drifted"]),
        n(&cat["drifted_securables"]),
        n(&cat["missing"]),
        n(&cat["unmanaged"]),
        n(&cat["unknown"]),
        n(&cat["compliant"]),
        n(&cat["violations"]),
        n(&cat["rule_unknown"]),
        n(&cat["ignored"]),
    );
    assert_eq!(text.lines().last().unwrap(), expected);
    assert_eq!(
        n(&cat["drifted"]) as usize,
        v["drifted"].as_array().unwrap().len()
    );
    assert_eq!(
        n(&cat["missing"]) as usize,
        v["missing"].as_array().unwrap().len()
    );
    assert!(n(&cat["missing"]) > 0 && n(&cat["unmanaged"]) > 0 && n(&cat["unknown"]) > 0);
}

#[test]
fn cli_every_format_renders_the_main_job() {
    for format in ["markdown", "sarif", "junit"] {
        let mut args = MAIN_JOB.to_vec();
        args.extend(["--format", format]);
        let (code, out, err) = brickkit(&args);
        assert_eq!(code, 1, "{format}: {err}");
        assert!(!out.is_empty());
    }
}

#[test]
fn cli_fail_on_threshold_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let mut args = MAIN_JOB.to_vec();
    let p = path.to_str().unwrap().to_string();
    args.extend(["--format", "json", "--output", &p]);
    let (code, out, err) = brickkit(&args);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "the report goes to the file, not stdout");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["format_version"], 1);
    // Ignoring everything leaves nothing at or above any threshold.
    let mut args = MAIN_JOB.to_vec();
    args.extend(["--ignore", "*:*", "--fail-on", "critical"]);
    let (code, out, err) = brickkit(&args);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn cli_bad_input_exits_2_with_a_clear_message() {
    let (code, _, err) = brickkit(&["drift", "detect", "examples/governance", "--env", "dev"]);
    assert_eq!(code, 2);
    assert!(err.contains("--snapshot"), "{err}");

    let (code, _, err) = brickkit(&[
        "drift",
        "detect",
        "examples/governance",
        "--env",
        "dev",
        "--snapshot",
        "no/such/snapshot",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/snapshot"), "{err}");

    let (code, _, err) = brickkit(&[
        "drift",
        "detect",
        "no/such/tree",
        "--env",
        "dev",
        "--snapshot",
        "snapshots/example",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/tree"), "{err}");

    let mut args = MAIN_JOB.to_vec();
    args.extend(["--format", "pdf"]);
    let (code, _, err) = brickkit(&args);
    assert_eq!(code, 2);
    assert!(err.contains("pdf"), "{err}");

    let mut args = MAIN_JOB.to_vec();
    args.extend(["--ignore", "nonsense"]);
    let (code, _, err) = brickkit(&args);
    assert_eq!(code, 2);
    assert!(err.contains("invalid ignore pattern `nonsense`"), "{err}");
}

// ---------------------------------------------------------------- policy rules in every format

fn rule_ref(id: &str, check: &'static str, severity: Severity, line: usize) -> RuleRef {
    RuleRef {
        id: id.into(),
        check,
        message: format!("the {id} rule <says> \"so\" & more"),
        severity,
        origin: Some(Origin {
            file: PathBuf::from("conventions/rules.yaml"),
            line,
            column: 5,
        }),
    }
}

fn violation(rule: &str, name: &str, field: &str, severity: Severity, declared: bool) -> Violation {
    Violation {
        rule_id: rule.into(),
        kind: SecurableKind::Table,
        full_name: name.into(),
        field: field.into(),
        expected: "present".into(),
        actual: "(none)".into(),
        severity,
        declared,
    }
}

fn rule_unknown(rule: &str, kind: Option<SecurableKind>, name: &str, reason: &str) -> RuleUnknown {
    RuleUnknown {
        rule_id: rule.into(),
        kind,
        full_name: name.into(),
        reason: reason.into(),
    }
}

/// The mixed report plus policy rules: `tags` (a user rule named like the built-in drift
/// rule) broken by 120 tables in 4 schemas, half of them undeclared; `owner-is-group`
/// broken twice (critical); `clean` broken by nothing; `blind` that could check nothing;
/// 60 tables `tags` could not check (their tags unreadable).
fn policy_report() -> DriftReport {
    let mut r = mixed_report();
    r.rules = vec![
        rule_ref("blind", "naming", Severity::Info, 30),
        rule_ref("clean", "forbidden_grant", Severity::Warning, 20),
        rule_ref("owner-is-group", "owner", Severity::Critical, 10),
        rule_ref("tags", "required_tag", Severity::Warning, 3),
    ];
    r.violations.push(violation(
        "owner-is-group",
        "ml_platform_dev.recommendations.scores",
        "owner",
        Severity::Critical,
        true,
    ));
    r.violations.push(violation(
        "owner-is-group",
        "ml_platform_dev.recommendations.tmp_scratch",
        "owner",
        Severity::Critical,
        false,
    ));
    for t in 0..120 {
        let name = format!("ml_platform_dev.s{}.t{t:03}", t % 4);
        r.violations.push(violation(
            "tags",
            &name,
            "tags.data_owner",
            Severity::Warning,
            t % 2 == 0,
        ));
        if t % 3 == 0 {
            r.violations.push(violation(
                "tags",
                &name,
                "columns.email.tags.pii",
                Severity::Warning,
                t % 2 == 0,
            ));
        }
    }
    r.violations.sort();
    r.rule_unknown.push(rule_unknown(
        "blind",
        None,
        "",
        "metastore listing failed: 503",
    ));
    for t in 0..60 {
        r.rule_unknown.push(rule_unknown(
            "tags",
            Some(SecurableKind::Table),
            &format!("ml_platform_dev.locked.t{t:03}"),
            "403: tags unreadable",
        ));
    }
    r.rule_unknown.sort();
    r
}

/// A minimal well-formedness check: tags balance, attribute values and text hold no raw
/// `<`, and every `&` starts an entity.
fn assert_well_formed_xml(xml: &str) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        for (i, _) in text.match_indices('&') {
            let ent = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| ent.starts_with(e)),
                "bare & in text: {}",
                &ent[..ent.len().min(40)]
            );
        }
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "raw < in tag {tag}");
        if tag.starts_with('?') {
        } else if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "closing {name}");
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap());
        }
        // Quoted attribute values must not hold a raw quote of their kind: they split evenly.
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in {tag}"
        );
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
}

#[test]
fn policy_rules_show_in_every_format_and_large_rules_collapse() {
    let report = policy_report();
    for format in Format::ALL {
        let out = render(&report, format);
        let path = root()
            .join("tests/golden/report")
            .join(format.as_str())
            .join(format!("policy.{}", format.extension()));
        check_golden(&path, &out);
    }
    // Text: a block per rule, the big one collapsed by field and kind.
    let text = render(&report, Format::Text);
    assert!(text.contains("VIOLATIONS (162):"), "{text}");
    assert!(text.contains(
        "  owner-is-group (critical, conventions/rules.yaml:10): the owner-is-group rule"
    ));
    assert!(text.contains("    ml_platform_dev.recommendations.tmp_scratch (table, not declared)"));
    assert!(
        text.contains("    tags.data_owner: 120 violation(s) on 120 tables in 4 schemas, e.g. ")
    );
    assert!(text.contains("    columns.*.tags.pii: 40 violation(s) on 40 tables in 4 schemas"));
    assert!(text.contains("RULE UNKNOWN (61):"));
    assert!(text.contains("    60 tables in 1 schema, e.g. ml_platform_dev.locked.t000"));
    assert!(text.contains("    metastore: metastore listing failed: 503"));
    assert!(
        text.lines()
            .last()
            .unwrap()
            .ends_with("2 compliant, 162 violation(s), 61 rule unknown, 3 ignored")
    );
    // Verbose lists every violation and every unknown.
    let verbose = RenderOptions {
        verbose: true,
        ..test_opts()
    };
    let text = render_with(&report, Format::Text, &verbose);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("      - tags.data_owner: "))
            .count(),
        120
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("    ml_platform_dev.locked.t"))
            .count(),
        60
    );
    let md = render_with(&report, Format::Markdown, &verbose);
    // 120 violations and the mixed report's drifted field.
    assert_eq!(md.matches("| `tags.data_owner` |").count(), 121);
    assert_eq!(md.matches("(not declared) |").count(), 1 + 60 + 20);
    let md = render(&report, Format::Markdown);
    assert!(md.contains("- `tags.data_owner`: 120 violation(s) on 120 tables in 4 schemas"));
    assert_eq!(md.matches("| `tags.data_owner` |").count(), 1);
    // JUnit: one case per rule in its own suite; the drift suite is unchanged.
    for opts in [test_opts(), verbose.clone()] {
        let junit = render_with(&report, Format::Junit, &opts);
        assert_well_formed_xml(&junit);
        let drift_only = {
            let mut r = report.clone();
            r.rules.clear();
            r.violations.clear();
            r.rule_unknown.clear();
            render_with(&r, Format::Junit, &opts)
        };
        let suite_start = drift_only.find("  <testsuite ").unwrap();
        let suite_end = drift_only.find("  </testsuite>").unwrap();
        assert!(junit.contains(&drift_only[suite_start..suite_end]));
        let policy = &junit[junit.find(r#"<testsuite name="policy.dev""#).unwrap()..];
        assert!(policy.starts_with(
            r#"<testsuite name="policy.dev" tests="4" failures="2" errors="0" skipped="1""#
        ));
        assert!(policy.contains(r#"<testcase classname="policy.naming" name="blind" time="0">"#));
        assert!(
            policy
                .contains(r#"<skipped message="checked nothing: metastore listing failed: 503"/>"#)
        );
        assert!(
            policy.contains(
                r#"<testcase classname="policy.forbidden_grant" name="clean" time="0"/>"#
            )
        );
        assert!(policy.contains(
            r#"<failure type="warning" message="160 violation(s): the tags rule &lt;says&gt; &quot;so&quot; &amp; more">"#
        ));
        let listed = policy.matches("\nml_platform_dev.s").count();
        if opts.verbose {
            assert_eq!(listed, 160);
            assert_eq!(policy.matches("\nml_platform_dev.locked.").count(), 60);
        } else {
            assert_eq!(listed, 0, "collapsed");
            assert!(
                policy.contains("\ntags.data_owner: 120 violation(s) on 120 tables in 4 schemas")
            );
        }
        let top = junit.lines().nth(1).unwrap();
        let n = |attr: &str, s: &str| -> usize {
            let at = s.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3;
            s[at..s[at..].find('"').unwrap() + at].parse().unwrap()
        };
        let drift_top = drift_only.lines().nth(1).unwrap();
        assert_eq!(n("tests", top), n("tests", drift_top) + 4);
        assert_eq!(n("failures", top), n("failures", drift_top) + 2);
        assert_eq!(n("skipped", top), n("skipped", drift_top) + 1);
    }
}

#[test]
fn sarif_policy_rules_never_collide_with_built_in_rules_and_take_part_in_the_cap() {
    let report = policy_report();
    let v: serde_json::Value = serde_json::from_str(&render(&report, Format::Sarif)).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // The built-in `tags` drift rule and the user's `tags` policy rule are two rules.
    assert!(
        ids.contains(&"tags") && ids.contains(&"policy/tags"),
        "{ids:?}"
    );
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "rule ids are unique: {ids:?}");
    // Every policy rule is described, even one without violations.
    let clean = rules.iter().find(|r| r["id"] == "policy/clean").unwrap();
    assert_eq!(clean["name"], "clean");
    assert_eq!(clean["defaultConfiguration"]["level"], "warning");
    assert_eq!(clean["properties"]["check"], "forbidden_grant");
    assert!(
        clean["help"]["text"]
            .as_str()
            .unwrap()
            .contains("examples/governance/conventions/rules.yaml:20")
    );
    let results = run["results"].as_array().unwrap();
    let drift_tags = results.iter().filter(|r| r["ruleId"] == "tags").count();
    let policy_tags = results
        .iter()
        .filter(|r| r["ruleId"] == "policy/tags")
        .count();
    assert_eq!((drift_tags, policy_tags), (1, 160));
    let owner = results
        .iter()
        .find(|r| r["ruleId"] == "policy/owner-is-group" && r["properties"]["declared"] == false)
        .unwrap();
    assert_eq!(owner["level"], "error");
    let loc = &owner["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"],
        "examples/governance/conventions/rules.yaml"
    );
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 10);
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "ml_platform_dev.recommendations.tmp_scratch"
    );
    let text = owner["message"]["text"].as_str().unwrap();
    for part in [
        "tmp_scratch (not declared)",
        "owner-is-group",
        "owner: expected present, actual (none)",
    ] {
        assert!(text.contains(part), "{text}");
    }
    // Rule unknowns are notifications, one per rule, counted; never results.
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    let unknown: Vec<&serde_json::Value> = notes
        .iter()
        .filter(|n| n["descriptor"]["id"] == "rule-unknown")
        .collect();
    assert_eq!(unknown.len(), 2);
    assert_eq!(unknown[0]["associatedRule"]["id"], "policy/blind");
    assert_eq!(run["properties"]["ruleUnknown"]["policy/tags"], 60);
    assert_eq!(run["properties"]["ruleUnknown"]["policy/blind"], 1);

    // Capped: the most severe first, violations among them; the cap note comes first.
    let opts = RenderOptions {
        sarif_max_results: 8,
        ..test_opts()
    };
    let v: serde_json::Value =
        serde_json::from_str(&render_with(&report, Format::Sarif, &opts)).unwrap();
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    // 4 critical drifts (the schema's owner first) and 2 critical violations, then warnings: the drift, the missing
    // table, then the first policy/tags violations.
    let got: Vec<(&str, &str)> = results
        .iter()
        .map(|r| (r["level"].as_str().unwrap(), r["ruleId"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("error", "owner"),
            ("error", "column-mask"),
            ("error", "grants"),
            ("error", "row-filter"),
            ("error", "policy/owner-is-group"),
            ("error", "policy/owner-is-group"),
            ("warning", "tags"),
            ("warning", "missing"),
        ]
    );
    let o = &run["properties"]["omitted"];
    assert_eq!(o["findings"], 9 + 162);
    assert_eq!(o["byRule"]["policy/tags"]["omitted"]["warning"], 160);
    let notes = run["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert_eq!(notes[0]["descriptor"]["id"], "results-capped");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("policy/tags 160 warning")
    );
}

#[test]
fn the_example_report_matches_its_goldens_in_every_format() {
    let dir = root().join("examples/governance");
    let tree = brickkit::app::load_tree(&dir, Some("dev")).unwrap();
    let snap = root().join("snapshots/example");
    let opts = brickkit::app::DetectOptions {
        timestamp: fixed_time(),
        unmanaged: drift::UnmanagedScope::Declared,
        ignore: Vec::new(),
    };
    let detected =
        brickkit::app::detect(&tree, brickkit::app::Source::Saved(&snap), &opts).unwrap();
    let report = detected.report;
    assert_eq!(
        (
            report.violations.len(),
            report.rule_unknown.len(),
            report.rules.len()
        ),
        (5, 6, 6)
    );
    for format in Format::ALL {
        let out = render(&report, format);
        let path = root()
            .join("tests/golden/report")
            .join(format.as_str())
            .join(format!("example.{}", format.extension()));
        check_golden(&path, &out);
        if format == Format::Junit {
            assert_well_formed_xml(&out);
        }
    }
}

#[test]
fn html_report_escapes_every_name_and_stays_small_at_scale() {
    let mut report = mixed_report();
    let hostile = "evil.s.<img src=x onerror=alert(1)>\"'`&";
    report.unmanaged.push(Unmanaged {
        kind: SecurableKind::Table,
        full_name: hostile.to_string(),
        severity: Severity::Info,
    });
    report.environment = "<script>alert(1)</script>".into();
    let html = render(&report, Format::Html);
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&#96;&amp;"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the filter script"
    );
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"));

    // 200,000 unmanaged tables: groups, a ranking, a page of a few kilobytes.
    let mut big = in_sync_report();
    for i in 0..200_000 {
        big.unmanaged.push(Unmanaged {
            kind: SecurableKind::Table,
            full_name: format!("raw.s{:03}.t{i:06}", i % 500),
            severity: Severity::Info,
        });
    }
    big.unmanaged.sort_by(|a, b| a.full_name.cmp(&b.full_name));
    let html = render(&big, Format::Html);
    assert!(html.len() < 64 * 1024, "{} bytes", html.len());
    assert!(html.contains("200,000 tables in 500 schemas"), "{html}");
    assert!(
        html.contains("and 490 more with 196,000 finding(s)"),
        "{html}"
    );
}

//! Policy-rule violations in the history: the violation invariant (property test: the fold
//! of the violation events up to a run is what the run found plus what it could not check),
//! the story of a table that loses a column mask (opens, survives a collection issue,
//! resolves), and the migration of a version 2 history.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use brickkit::drift::{DriftReport, RuleRef, SnapshotRef, Unknown};
use brickkit::history::events::{ViolationFinding, ViolationKey};
use brickkit::history::{Cell, History};
use brickkit::model::{SecurableKind, Severity, Timestamp};
use brickkit::rules::{RuleUnknown, Violation};
use brickkit::state::{CollectionIssue, ColumnMaskRow, store};
use proptest::prelude::*;

use crate::support::brickkit;

const RULES: [&str; 3] = ["r0", "r1", "r2"];
const NAMES: [&str; 3] = ["c.s.t0", "c.s.t1", "c.u.t2"];
/// What a rule unknown may name: a securable, a container, the metastore.
const HIDDEN: [&str; 6] = ["c.s.t0", "c.s.t1", "c.u.t2", "c.s", "c", ""];
const FIELDS: [&str; 2] = ["owner", "columns.email.mask"];
const SEVERITIES: [Severity; 3] = [Severity::Critical, Severity::Warning, Severity::Info];

/// One generated run: violations `(rule, name, field, actual/severity)`, the rules
/// evaluated (bit mask), rule unknowns `(rule, hidden name)`, an unreadable securable.
type Step = (Vec<(u8, u8, u8, u8)>, u8, Vec<(u8, u8)>, Option<u8>);

fn pick<T: Copy>(xs: &[T], i: u8) -> T {
    xs[usize::from(i) % xs.len()]
}

fn run_report(i: u32, step: &Step) -> DriftReport {
    let (found, mask, unknown, unreadable) = step;
    let rules: Vec<&str> = RULES
        .iter()
        .enumerate()
        .filter(|(b, _)| mask & (1 << b) != 0)
        .map(|(_, r)| *r)
        .collect();
    let mut violations = BTreeMap::new();
    for &(r, n, f, a) in found {
        // A rule that is not evaluated finds nothing.
        let rule = pick(&RULES, r);
        if !rules.contains(&rule) {
            continue;
        }
        let v = Violation {
            rule_id: rule.into(),
            kind: SecurableKind::Table,
            full_name: pick(&NAMES, n).into(),
            field: pick(&FIELDS, f).into(),
            expected: "want".into(),
            actual: format!("v{}", a % 3),
            severity: pick(&SEVERITIES, a / 3),
            declared: false,
        };
        violations.insert((v.rule_id.clone(), v.full_name.clone(), v.field.clone()), v);
    }
    let t = Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0).millis() + i64::from(i) * 86_400_000;
    DriftReport {
        environment: "dev".into(),
        project: "p".into(),
        snapshot: SnapshotRef {
            id: format!("snap-{i:03}"),
            taken_at: Timestamp(t),
        },
        violations: violations.into_values().collect(),
        rule_unknown: unknown
            .iter()
            .filter(|(r, _)| rules.contains(&pick(&RULES, *r)))
            .map(|&(r, n)| RuleUnknown {
                rule_id: pick(&RULES, r).into(),
                kind: None,
                full_name: pick(&HIDDEN, n).into(),
                reason: "hidden".into(),
            })
            .collect(),
        unknown: unreadable
            .iter()
            .map(|&n| Unknown {
                kind: Some(SecurableKind::Table),
                full_name: pick(&NAMES, n).into(),
                attribute: None,
                reason: "unreadable".into(),
            })
            .collect(),
        rules: rules
            .iter()
            .map(|id| RuleRef {
                id: (*id).into(),
                check: "owner",
                message: String::new(),
                severity: Severity::Warning,
                origin: None,
            })
            .collect(),
        ..DriftReport::default()
    }
}

fn finding(v: &Violation) -> ViolationFinding {
    ViolationFinding {
        rule_id: v.rule_id.clone(),
        securable_kind: v.kind.as_str().into(),
        securable: v.full_name.clone(),
        field: v.field.clone(),
        severity: v.severity.as_str().into(),
        expected: v.expected.clone(),
        actual: v.actual.clone(),
    }
}

/// The model, written independently of `events::violation_events`: what the run found,
/// plus every violation open before it whose rule still exists and which the run could
/// not check (its rule does not know the securable, a container of it or the
/// metastore; or nobody could read the securable).
fn model(
    before: &BTreeMap<ViolationKey, ViolationFinding>,
    r: &DriftReport,
) -> BTreeMap<ViolationKey, ViolationFinding> {
    let mut out: BTreeMap<ViolationKey, ViolationFinding> = r
        .violations
        .iter()
        .map(|v| {
            let f = finding(v);
            (f.key(), f)
        })
        .collect();
    let rules: BTreeSet<&str> = r.rules.iter().map(|x| x.id.as_str()).collect();
    for (k, o) in before {
        if out.contains_key(k) || !rules.contains(o.rule_id.as_str()) {
            continue;
        }
        let hidden = r.rule_unknown.iter().any(|u| {
            u.rule_id == o.rule_id
                && (u.full_name.is_empty()
                    || u.full_name == o.securable
                    || o.securable.starts_with(&format!("{}.", u.full_name)))
        }) || r.unknown.iter().any(|u| u.full_name == o.securable);
        if hidden {
            out.insert(k.clone(), o.clone());
        }
    }
    out
}

fn open_view(h: &History) -> BTreeMap<ViolationKey, ViolationFinding> {
    let q = h
        .query(
            "SELECT rule_id, securable_kind, securable, field, severity, expected, actual \
             FROM open_violations WHERE environment = 'dev'",
        )
        .unwrap();
    q.rows
        .iter()
        .map(|row| {
            let t: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => t.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            let f = ViolationFinding {
                rule_id: t[0].clone(),
                securable_kind: t[1].clone(),
                securable: t[2].clone(),
                field: t[3].clone(),
                severity: t[4].clone(),
                expected: t[5].clone(),
                actual: t[6].clone(),
            };
            (f.key(), f)
        })
        .collect()
}

fn step_strategy() -> impl Strategy<Value = Step> {
    (
        prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), 0u8..9), 0..6),
        0u8..8,
        prop::collection::vec((any::<u8>(), any::<u8>()), 0..3),
        prop::option::weighted(0.2, any::<u8>()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Folding the violation events up to run K gives the violations open after run K:
    /// what K found plus what K could not check; the `open_violations` view and the run's
    /// `open_total` agree with it; unknown never resolves, a removed rule always does.
    #[test]
    fn folding_violation_events_reproduces_every_run(
        steps in prop::collection::vec(step_strategy(), 1..10)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut h = History::open_or_create(&dir.path().join("h.sqlite")).unwrap();
        let mut open = BTreeMap::new();
        let mut models = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let r = run_report(u32::try_from(i).unwrap(), step);
            h.ingest_drift(&r).unwrap();
            open = model(&open, &r);
            prop_assert_eq!(&open_view(&h), &open, "run {}", i);
            let total = h
                .query(&format!(
                    "SELECT open_total FROM violation_runs WHERE snapshot_id = '{}'",
                    r.snapshot.id
                ))
                .unwrap();
            prop_assert_eq!(&total.rows[0][0], &Cell::Int(i64::try_from(open.len()).unwrap()));
            models.push((r.snapshot.id.clone(), open.clone()));
        }
        for (id, want) in &models {
            prop_assert_eq!(&h.violations_at("dev", id).unwrap(), want, "run {}", id);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const ORDERS: &str = "sales_dev.orders.orders";

/// The example snapshot `day` days later, changed by `edit`.
fn snapshot_on(dir: &Path, day: u32, edit: impl FnOnce(&mut brickkit::state::Snapshot)) -> String {
    let mut s = store::read(&root().join("snapshots/example")).unwrap();
    let t = Timestamp(s.manifest.taken_at.millis() + i64::from(day) * 86_400_000);
    s.manifest.snapshot_id = brickkit::state::id::new_snapshot_id(t, day + 1);
    s.manifest.taken_at = t;
    s.manifest.content_digest = String::new();
    edit(&mut s);
    s.sort();
    s.manifest.counts = s.row_counts();
    let p = dir.join(format!("day{day}"));
    store::write(&s, &p).unwrap();
    p.to_str().unwrap().to_string()
}

fn masked(s: &mut brickkit::state::Snapshot) {
    s.column_masks.push(ColumnMaskRow {
        table_full_name: ORDERS.into(),
        column_name: "email".into(),
        function_full_name: "sales_dev.orders.mask_email".into(),
        using_arguments: Vec::new(),
    });
}

/// `orders.email` (tagged pii) is masked on day 0, loses its mask on day 1 (the rule
/// `pii-columns-are-masked` opens a violation), is hidden by a collection issue over its
/// schema on day 2 (still open: unknown is never compliant) and is masked again on day 3
/// (resolved, outside brickkit: no apply changed it).
#[test]
fn a_table_that_loses_its_mask_opens_a_violation_until_the_mask_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let h = dir.path().join("h.sqlite");
    let h = h.to_str().unwrap().to_string();
    let snaps = [
        snapshot_on(dir.path(), 0, masked),
        snapshot_on(dir.path(), 1, |_| {}),
        snapshot_on(dir.path(), 2, |s| {
            s.collection_issues.push(CollectionIssue {
                securable_kind: Some(SecurableKind::Schema),
                full_name: "sales_dev.orders".into(),
                attribute: None,
                subtree: true,
                error_code: Some("PERMISSION_DENIED".into()),
                message: "listing tables failed (HTTP 403)".into(),
            });
        }),
        snapshot_on(dir.path(), 3, masked),
    ];
    for s in &snaps {
        let (code, _, err) = brickkit(&[
            "drift",
            "detect",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            s,
            "--history",
            &h,
        ]);
        assert!(code == 0 || code == 1, "{err}");
        assert!(!err.contains("not recorded"), "{err}");
    }
    let (code, out, err) = brickkit(&[
        "query",
        "queries/violations_over_time.sql",
        "--history",
        &h,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("pii-columns-are-masked") && l.contains(ORDERS))
        .collect();
    let day = |d: u32| {
        Timestamp(
            store::read_manifest(&root().join("snapshots/example"))
                .unwrap()
                .taken_at
                .millis()
                + i64::from(d) * 86_400_000,
        )
        .to_rfc3339()
    };
    let want = [
        format!(
            "dev,pii-columns-are-masked,table,{ORDERS},columns.email.mask,opened,{},critical,a column mask (the column is tagged pii=true),(none),,",
            day(1)
        ),
        format!(
            "dev,pii-columns-are-masked,table,{ORDERS},columns.email.mask,resolved,{},critical,a column mask (the column is tagged pii=true),(none),not_found,outside brickkit",
            day(3)
        ),
    ];
    assert_eq!(rows, want, "{out}");

    // The day 2 run kept it (and orders_backup's two) open, and said so.
    let (code, out, _) = brickkit(&["history", "show", "--history", &h]);
    assert_eq!(code, 0);
    assert!(
        out.contains("0 resolved; 5 open (3 not checked: kept open)"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "violation_opened   critical table {ORDERS} columns.email.mask [pii-columns-are-masked]"
        )),
        "{out}"
    );
    let html = dir.path().join("r.html");
    let (code, _, err) = brickkit(&[
        "history",
        "report",
        "--html",
        html.to_str().unwrap(),
        "--history",
        &h,
    ]);
    assert_eq!(code, 0, "{err}");
    let out = std::fs::read_to_string(&html).unwrap();
    assert!(out.contains("<h2>Policy-rule violations</h2>"), "{out}");
    assert!(out.contains("<h2>Open violations (4)</h2>"), "{out}");
}

/// A version 2 history, as the previous brickkit wrote it, with a drift run in it.
fn v2_history(path: &Path) {
    let schema = |f: &str| {
        std::fs::read_to_string(crate::support::repo().join("queries/schema").join(f)).unwrap()
    };
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; BEGIN; {} {} {} PRAGMA application_id = {}; PRAGMA user_version = 2; COMMIT;",
        schema("legacy/001_events_v3.sql"),
        schema("002_views.sql"),
        schema("003_apply.sql"),
        brickkit::history::store::APPLICATION_ID
    ))
    .unwrap();
    c.execute_batch(
        "INSERT INTO drift_runs (snapshot_id, environment, project, at_ms, occurred_at, day, \
         open_critical, open_warning, open_info, drifted, missing, unmanaged, compliant, unknown, \
         opened, changed, resolved) VALUES ('snap-000', 'dev', 'p', 1767225600000, \
         '2026-01-01T00:00:00.000Z', '2026-01-01', 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0); \
         INSERT INTO drift_events (snapshot_id, environment, at_ms, occurred_at, day, event, \
         securable_kind, securable, field, category, severity, expected, actual) VALUES \
         ('snap-000', 'dev', 1767225600000, '2026-01-01T00:00:00.000Z', '2026-01-01', 'opened', \
         'table', 'c.s.t0', 'owner', 'drifted', 'critical', 'a', 'b');",
    )
    .unwrap();
}

#[test]
fn a_version_2_history_is_refused_then_migrated_and_keeps_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.sqlite");
    v2_history(&path);
    let version = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    let e = match History::open(&path) {
        Ok(_) => panic!("version 2 accepted"),
        Err(e) => e.to_string(),
    };
    assert!(e.contains("`brickkit history migrate --history "), "{e}");
    assert_eq!(version(&path), 2, "refused, not changed");
    brickkit::history::store::migrate(&path, || {}).unwrap();
    let mut h = History::open(&path).unwrap();
    assert_eq!(version(&path), 4, "migrated");
    // The old drift is still open; a new run records violations beside it.
    let step: Step = (vec![(0, 0, 0, 0)], 0b111, Vec::new(), None);
    let r = run_report(1, &step);
    h.ingest_drift(&r).unwrap();
    let n = |sql: &str| h.query(sql).unwrap().rows[0][0].clone();
    assert_eq!(n("SELECT count(*) FROM open_violations"), Cell::Int(1));
    assert_eq!(n("SELECT count(*) FROM drift_events"), Cell::Int(2));
    assert_eq!(n("SELECT count(*) FROM drift_runs"), Cell::Int(2));
    drop(h);

    // Opening again changes nothing; a fresh file has the same tables, views and triggers.
    History::open(&path).unwrap();
    assert_eq!(
        brickkit::history::store::migrate(&path, || {}).unwrap(),
        brickkit::history::Migrated::AlreadyCurrent
    );
    assert_eq!(version(&path), 4);
    let fresh = dir.path().join("fresh.sqlite");
    History::open_or_create(&fresh).unwrap();
    let schema_of = |p: &Path| -> Vec<String> {
        let c = rusqlite::Connection::open(p).unwrap();
        let mut st = c
            .prepare(
                "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' \
                 ORDER BY type, name",
            )
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(schema_of(&path), schema_of(&fresh));
    assert!(
        schema_of(&fresh).contains(&"view open_violations".to_string()),
        "{:?}",
        schema_of(&fresh)
    );

    // A newer version is refused before anything is written.
    let future = dir.path().join("future.sqlite");
    History::open_or_create(&future)
        .unwrap()
        .connection()
        .execute_batch("PRAGMA user_version = 5;")
        .unwrap();
    let before = std::fs::read(&future).unwrap();
    let e = match History::open(&future) {
        Ok(_) => panic!("version 5 accepted"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.contains("event-store version 5 is not supported (this brickkit reads version 4"),
        "{e}"
    );
    assert_eq!(std::fs::read(&future).unwrap(), before);
}

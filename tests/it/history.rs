//! History store: the event-sourcing invariant (property test), append-only triggers,
//! idempotent and ordered ingest, mixed workspaces, bad files, drift events, `queries/`.

use std::path::Path;

use brickkit::history::{Cell, History, IngestOptions, Ingested};
use brickkit::model::{SecurableKind, Text, Timestamp};
use brickkit::state::id::new_snapshot_id;
use brickkit::state::{
    ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot, TagRow,
};
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};
use proptest::prelude::*;

/// A small synthetic snapshot: 1 catalog, 1 schema, `tables` tables.
pub fn base(tables: usize) -> Snapshot {
    let spec = SynthSpec {
        catalogs: 1,
        schemas_per_catalog: 1,
        tables_per_schema: tables,
        columns_per_table: 3,
        grants_per_table: 2,
        tags_per_table: 2,
        drift_fraction: 0.0,
        seed: 7,
    };
    generate_snapshot(&spec)
}

/// Give `s` the identity of snapshot number `i` of its lineage (day `i` after the base).
pub fn stamp(s: &mut Snapshot, i: u32) {
    let t = Timestamp(
        Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0).millis() + i64::from(i) * 86_400_000,
    );
    s.manifest.taken_at = t;
    s.manifest.snapshot_id = new_snapshot_id(t, i);
    s.sort();
    s.manifest.counts = s.row_counts();
}

/// One random change, chosen by `op` on the securable picked by `idx`.
pub fn mutate(s: &mut Snapshot, op: u8, idx: usize, val: u8) {
    let tables: Vec<Text> = s
        .securables
        .iter()
        .filter(|r| r.kind == Some(SecurableKind::Table))
        .map(|r| r.full_name.clone())
        .collect();
    let pick = |v: &[Text]| -> Option<Text> {
        if v.is_empty() {
            None
        } else {
            Some(v[idx % v.len()].clone())
        }
    };
    let Some(t) = pick(&tables) else {
        return;
    };
    let v = format!("v{val}");
    match op % 12 {
        0 => {
            if let Some(r) = s.securables.iter_mut().find(|r| r.full_name == t) {
                r.owner = Some(format!("owner_{v}").into());
            }
        }
        1 => {
            if let Some(r) = s.securables.iter_mut().find(|r| r.full_name == t) {
                r.comment = match val % 3 {
                    0 => None,
                    1 => Some(String::new().into()),
                    _ => Some(format!("comment {v}").into()),
                };
            }
        }
        2 => {
            // Snapshots hold no duplicate rows (the model's sets); neither do generated ones.
            let g = GrantRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: t,
                principal: format!("group_{}", val % 4).into(),
                privilege: ["SELECT", "MODIFY", "ALL_PRIVILEGES"][usize::from(val % 3)]
                    .to_string()
                    .into(),
            };
            if !s.grants.contains(&g) {
                s.grants.push(g);
            }
        }
        3 => {
            if let Some(i) = s.grants.iter().position(|g| g.securable_full_name == t) {
                s.grants.remove(i);
            }
        }
        4 => {
            let column = val.is_multiple_of(2).then(|| "c0".to_string());
            s.tags.retain(|g| {
                !(g.securable_full_name == t
                    && g.key == "pii"
                    && g.column_name.as_deref() == column.as_deref())
            });
            s.tags.push(TagRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: t,
                column_name: column.map(Into::into),
                key: "pii".into(),
                value: v.into(),
            });
        }
        5 => s.tags.retain(|g| g.securable_full_name != t),
        6 => {
            s.securables.retain(|r| r.full_name != t);
            s.columns.retain(|c| c.table_full_name != t);
            s.grants.retain(|g| g.securable_full_name != t);
            s.tags.retain(|g| g.securable_full_name != t);
            s.row_filters.retain(|g| g.table_full_name != t);
            s.column_masks.retain(|g| g.table_full_name != t);
        }
        7 => {
            let name = format!("{t}_new{val}");
            if s.securables.iter().any(|r| r.full_name == name) {
                return;
            }
            let parent = t.rsplit_once('.').map(|(p, _)| p.to_string());
            s.securables.push(SecurableRow {
                kind: Some(SecurableKind::Table),
                full_name: name.clone().into(),
                parent: parent.map(Into::into),
                owner: Some("someone".into()),
                properties: [("k".to_string(), v.clone())].into_iter().collect(),
                created_at: Some(Timestamp(i64::from(val))),
                ..SecurableRow::default()
            });
            s.columns.push(ColumnRow {
                table_full_name: name.into(),
                name: "id".into(),
                position: 0,
                type_text: "bigint".into(),
                nullable: val.is_multiple_of(2),
                comment: (val.is_multiple_of(3).then(|| v.clone())).map(Into::into),
            });
        }
        8 => {
            if let Some(c) = s.columns.iter_mut().find(|c| c.table_full_name == t) {
                c.type_text = format!("decimal({val},2)").into();
            }
        }
        9 => {
            s.row_filters.retain(|f| f.table_full_name != t);
            if val.is_multiple_of(2) {
                s.row_filters.push(RowFilterRow {
                    table_full_name: t,
                    function_full_name: format!("c.s.f_{v}").into(),
                    input_arguments: vec!["`a`".into(), format!("`{v}`")],
                });
            }
        }
        10 => {
            s.column_masks.retain(|f| f.table_full_name != t);
            if val.is_multiple_of(2) {
                s.column_masks.push(ColumnMaskRow {
                    table_full_name: t,
                    column_name: "c1".into(),
                    function_full_name: "c.s.mask".into(),
                    using_arguments: vec![format!("`{v}`")],
                });
            }
        }
        _ => {
            if let Some(r) = s.securables.iter_mut().find(|r| r.full_name == t) {
                r.details.insert("detail".into(), v);
                r.updated_at = Some(Timestamp(i64::from(val) * 1000));
            }
        }
    }
}

fn open(dir: &Path) -> History {
    History::open_or_create(&dir.join("history.sqlite")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Folding the state events up to snapshot K reproduces snapshot K exactly.
    #[test]
    fn folding_events_reproduces_every_snapshot(
        steps in prop::collection::vec(prop::collection::vec((any::<u8>(), any::<u16>(), any::<u8>()), 0..8), 1..16)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut h = open(dir.path());
        let mut s = base(6);
        let mut kept = Vec::new();
        for (i, ops) in steps.iter().enumerate() {
            for &(op, idx, val) in ops {
                mutate(&mut s, op, usize::from(idx), val);
            }
            stamp(&mut s, u32::try_from(i).unwrap());
            h.ingest_snapshot(&s, IngestOptions::default()).unwrap();
            kept.push(s.clone());
        }
        for k in &kept {
            let folded = h.fold_at(&k.manifest.snapshot_id).unwrap();
            prop_assert_eq!(&folded, k);
        }
    }
}

#[test]
fn event_tables_refuse_update_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    let mut s = base(3);
    stamp(&mut s, 0);
    h.ingest_snapshot(&s, IngestOptions::default()).unwrap();
    let c = h.connection();
    for table in [
        "snapshots",
        "state_events",
        "drift_runs",
        "drift_events",
        "operation_events",
        "plan_events",
        "apply_events",
        "op_events",
        "op_changes",
    ] {
        let upd = c.execute(&format!("UPDATE {table} SET seq = seq + 1000"), []);
        let del = c.execute(&format!("DELETE FROM {table}"), []);
        // Tables holding rows must refuse; every event table carries both triggers.
        let rows: i64 = c
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        if rows > 0 {
            let e = upd.unwrap_err().to_string();
            assert!(e.contains("append-only"), "{table}: {e}");
            let e = del.unwrap_err().to_string();
            assert!(e.contains("append-only"), "{table}: {e}");
        }
        let triggers: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(triggers, 2, "{table}");
    }
    let n: i64 = c
        .query_row("SELECT count(*) FROM state_events", [], |r| r.get(0))
        .unwrap();
    assert!(n > 0);
}

#[test]
fn same_snapshot_twice_is_a_no_op_and_late_snapshots_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    let mut s0 = base(4);
    stamp(&mut s0, 0);
    let mut s1 = s0.clone();
    mutate(&mut s1, 0, 1, 9);
    stamp(&mut s1, 1);
    assert!(matches!(
        h.ingest_snapshot(&s1, IngestOptions::default()).unwrap(),
        Ingested::Added { .. }
    ));
    assert_eq!(
        h.ingest_snapshot(&s1, IngestOptions::default()).unwrap(),
        Ingested::AlreadyPresent
    );
    let e = h
        .ingest_snapshot(&s0, IngestOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("older than"), "{e}");
    let n = h.query("SELECT count(*) FROM snapshots").unwrap();
    assert_eq!(n.rows, vec![vec![Cell::Int(1)]]);
}

#[test]
fn ingest_writes_only_the_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    let mut s = base(20);
    stamp(&mut s, 0);
    h.ingest_snapshot(&s, IngestOptions::default()).unwrap();
    mutate(&mut s, 0, 3, 1); // owner change: one event
    stamp(&mut s, 1);
    assert_eq!(
        h.ingest_snapshot(&s, IngestOptions::default()).unwrap(),
        Ingested::Added { events: 1 }
    );
    let r = h
        .query("SELECT event, attribute, old_value IS NOT NULL, new_value FROM state_events WHERE snapshot_id = (SELECT snapshot_id FROM snapshots ORDER BY seq DESC LIMIT 1)")
        .unwrap();
    assert_eq!(
        r.rows,
        vec![vec![
            Cell::Text("attribute_changed".into()),
            Cell::Text("owner".into()),
            Cell::Int(1),
            Cell::Text("owner_v1".into())
        ]]
    );
}

#[test]
fn concurrent_ingests_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("history.sqlite");
    drop(History::open_or_create(&path).unwrap());
    let mut s = base(30);
    let mut snaps = Vec::new();
    for i in 0..6u32 {
        mutate(&mut s, 2, i as usize, 1);
        mutate(&mut s, 0, i as usize * 3, 2);
        stamp(&mut s, i);
        snaps.push(s.clone());
    }
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                let mut h = History::open(&path).unwrap();
                for s in &snaps {
                    h.ingest_snapshot(s, IngestOptions::default()).unwrap();
                }
            });
        }
    });
    let h = History::open(&path).unwrap();
    let n = h.query("SELECT count(*) FROM snapshots").unwrap();
    assert_eq!(n.rows, vec![vec![Cell::Int(6)]]);
    for s in &snaps {
        assert_eq!(&h.fold_at(&s.manifest.snapshot_id).unwrap(), s);
    }
}

#[test]
fn another_workspace_is_refused_unless_mixed_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = open(dir.path());
    let mut a = base(2);
    stamp(&mut a, 0);
    h.ingest_snapshot(&a, IngestOptions::default()).unwrap();
    let mut b = a.clone();
    b.manifest.lineage = "other".into();
    b.manifest.metastore_id = Some("ms-other".into());
    stamp(&mut b, 1);
    let e = h
        .ingest_snapshot(&b, IngestOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("--allow-mixed"), "{e}");
    let n = h.query("SELECT count(*) FROM snapshots").unwrap();
    assert_eq!(n.rows, vec![vec![Cell::Int(1)]]);
    h.ingest_snapshot(&b, IngestOptions { allow_mixed: true })
        .unwrap();
    // Each lineage folds on its own.
    assert_eq!(h.fold_at(&b.manifest.snapshot_id).unwrap(), b);
    assert_eq!(h.fold_at(&a.manifest.snapshot_id).unwrap(), a);
}

pub mod queries {
    //! Every file of `queries/` on a generated history with known answers.

    use super::*;
    use brickkit::diff::{Action, Value};
    use brickkit::drift::{Drift, DriftReport, SnapshotRef, Unmanaged};
    use brickkit::model::Severity;

    const A: &str = "sales_dev.customers.customers";

    fn drift(name: &str, field: &str, sev: Severity, actual: &str) -> Drift {
        Drift {
            kind: SecurableKind::Table,
            full_name: name.to_string(),
            field: field.to_string(),
            expected: Value::text("want"),
            actual: Value::text(actual),
            action: Action::Modify,
            severity: sev,
            additive: false,
            note: None,
            origin: None,
        }
    }

    fn report(s: &Snapshot, drifted: Vec<Drift>) -> DriftReport {
        DriftReport {
            environment: "dev".into(),
            project: "p".into(),
            snapshot: SnapshotRef {
                id: s.manifest.snapshot_id.clone(),
                taken_at: s.manifest.taken_at,
            },
            drifted,
            unmanaged: vec![Unmanaged {
                kind: SecurableKind::Table,
                full_name: "c.s.c".into(),
                severity: Severity::Info,
            }],
            ..DriftReport::default()
        }
    }

    /// Three daily snapshots and drift runs: A (critical owner) open day 0, resolved day 2;
    /// B (warning tag) open day 0, resolved day 1; C unmanaged throughout; D (critical
    /// grant) opened day 1, changed day 2. Day 1 adds a grant by hand on table T and
    /// removes T's `pii` tag; A appears day 1 and changes owner day 2.
    ///
    /// Plans and applies: a plan at 06:00 on day 0; at 12:00 an apply grants SELECT to
    /// `svc_brickkit` on T (the day 1 snapshot shows it: not a grant outside brickkit),
    /// fails on `c.s.d` (403) and skips `c.s.d`'s owner transfer; on day 1 at 06:00 an
    /// apply is refused (stale) and at 12:00 one is interrupted after its intent on T.
    pub fn known_history(dir: &Path) -> (History, String) {
        let mut h = open(dir);
        let mut s0 = base(3);
        let t = applied_table();
        s0.tags.push(TagRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t.clone().into(),
            column_name: None,
            key: "pii".into(),
            value: "true".into(),
        });
        stamp(&mut s0, 0);
        let mut s1 = s0.clone();
        s1.grants.push(GrantRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t.clone().into(),
            principal: "intruder".into(),
            privilege: "MODIFY".into(),
        });
        s1.grants.push(GrantRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t.clone().into(),
            principal: "svc_brickkit".into(),
            privilege: "SELECT".into(),
        });
        s1.tags
            .retain(|g| !(g.securable_full_name == t && g.key == "pii"));
        s1.securables.push(SecurableRow {
            kind: Some(SecurableKind::Table),
            full_name: A.into(),
            owner: Some("alice".into()),
            ..SecurableRow::default()
        });
        stamp(&mut s1, 1);
        let mut s2 = s1.clone();
        for r in &mut s2.securables {
            if r.full_name == A {
                r.owner = Some("bob".into());
            }
        }
        stamp(&mut s2, 2);
        let runs = [
            (
                &s0,
                vec![
                    drift(A, "owner", Severity::Critical, "x"),
                    drift("c.s.b", "tags.pii", Severity::Warning, "x"),
                ],
            ),
            (
                &s1,
                vec![
                    drift(A, "owner", Severity::Critical, "x"),
                    drift("c.s.d", "grants.g", Severity::Critical, "x"),
                ],
            ),
            (
                &s2,
                vec![drift("c.s.d", "grants.g", Severity::Critical, "y")],
            ),
        ];
        for (i, (s, d)) in runs.into_iter().enumerate() {
            h.ingest_snapshot(s, IngestOptions::default()).unwrap();
            h.ingest_drift(&with_violations(report(s, d), i, &t))
                .unwrap();
        }
        let path = h.path().to_path_buf();
        drop(h);
        record_applies(&path, &t);
        (History::open(&path).unwrap(), t)
    }

    /// The policy-rule part of run `day` of the known history: `pii-masked` finds
    /// `c.s.m`'s `email` column unmasked on day 0; on day 1 a collection issue hides the
    /// schema from the rule (kept open); on day 2 the rule checks it again and finds
    /// nothing (resolved outside brickkit). `svc-grants` finds T without the
    /// `svc_brickkit` grant on day 0; day 1 no longer (resolved: the apply of day 0 made
    /// that change). `old-rule` (info, `c.s.b` owner) opens day 0, changes day 1 and
    /// leaves the tree on day 2 (resolved, rule removed).
    pub fn with_violations(mut r: DriftReport, day: usize, t: &str) -> DriftReport {
        use brickkit::drift::RuleRef;
        use brickkit::rules::{RuleUnknown, Violation};
        let v =
            |rule: &str, name: &str, field: &str, sev: Severity, want: &str, got: &str| Violation {
                rule_id: rule.into(),
                kind: SecurableKind::Table,
                full_name: name.into(),
                field: field.into(),
                expected: want.into(),
                actual: got.into(),
                severity: sev,
                declared: false,
            };
        let rule = |id: &str, sev: Severity| RuleRef {
            id: id.into(),
            check: "owner",
            message: String::new(),
            severity: sev,
            origin: None,
        };
        let mask = || {
            v(
                "pii-masked",
                "c.s.m",
                "columns.email.mask",
                Severity::Critical,
                "a mask",
                "None",
            )
        };
        let owner = |who: &str| v("old-rule", "c.s.b", "owner", Severity::Info, "a group", who);
        r.rules = vec![
            rule("old-rule", Severity::Info),
            rule("pii-masked", Severity::Critical),
            rule("svc-grants", Severity::Warning),
        ];
        match day {
            0 => {
                r.violations = vec![
                    owner("alice"),
                    mask(),
                    v(
                        "svc-grants",
                        t,
                        "grants.svc_brickkit",
                        Severity::Warning,
                        "{SELECT}",
                        "{}",
                    ),
                ];
            }
            1 => {
                r.violations = vec![owner("bob")];
                r.rule_unknown = vec![RuleUnknown {
                    rule_id: "pii-masked".into(),
                    kind: Some(SecurableKind::Schema),
                    full_name: "c.s".into(),
                    reason: "PERMISSION_DENIED listing tables".into(),
                }];
            }
            _ => {
                r.rules.remove(0);
            }
        }
        r
    }

    /// The table T of the known history: the one brickkit grants SELECT on.
    pub fn applied_table() -> String {
        base(3)
            .securables
            .iter()
            .find(|r| r.kind == Some(SecurableKind::Table))
            .unwrap()
            .full_name
            .to_string()
    }

    fn record_applies(path: &Path, t: &str) {
        use crate::history_apply::{DIGEST, grants_op, plan, report, result, run_apply};
        use brickkit::apply::{Journal, Moved, Refusal, Status};
        use brickkit::history::{ApplyJournal, apply_id};
        use brickkit::plan::{OpKind, Operation};

        let day = 86_400_000;
        let d0 = Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0).millis();
        let mut owner = grants_op("c.s.d", "g", &[], &[]);
        owner.op = OpKind::SetOwner;
        owner.id = Operation::id_of(SecurableKind::Table, "c.s.d", OpKind::SetOwner, None);
        let p = plan(vec![
            grants_op(t, "svc_brickkit", &[], &["SELECT"]),
            grants_op("c.s.d", "g", &["MODIFY"], &["SELECT"]),
            owner,
        ]);
        History::open(path)
            .unwrap()
            .record_plan(&p, DIGEST, Timestamp(d0 + day / 4))
            .unwrap();
        let o = &p.operations;
        run_apply(
            path,
            &p,
            Timestamp(d0 + day / 2),
            vec![
                result(&o[0], Status::Applied, None),
                result(
                    &o[1],
                    Status::Failed,
                    Some(("403", "PERMISSION_DENIED: not allowed on c.s.d")),
                ),
                result(
                    &o[2],
                    Status::Skipped,
                    Some(("", "depends on table:c.s.d:update_grants, which failed")),
                ),
            ],
            Some(Vec::new()),
        );
        // Refused: `finished` only.
        let at = Timestamp(d0 + day + day / 4);
        let mut j = ApplyJournal::open(path, &p, DIGEST, &apply_id(DIGEST, at)).unwrap();
        let moved = Moved {
            op_id: o[1].id.clone(),
            kind: SecurableKind::Table,
            full_name: "c.s.d".into(),
            attribute: "grants.g".into(),
            planned_from: Value::set(["MODIFY"]),
            now: Some(Value::set(["ALL_PRIVILEGES"])),
            target: Value::set(["SELECT"]),
            unreadable: None,
        };
        let skipped = o
            .iter()
            .map(|x| result(x, Status::Skipped, Some(("", "the apply was refused"))))
            .collect();
        j.finished(&report(
            &p,
            at,
            skipped,
            Some(Refusal::Stale(vec![moved])),
            None,
        ));
        j.into_result().unwrap();
        // Interrupted: started, one intent, then nothing.
        let at = Timestamp(d0 + day + day / 2);
        let mut j = ApplyJournal::open(path, &p, DIGEST, &apply_id(DIGEST, at)).unwrap();
        j.started(&report(&p, at, Vec::new(), None, None));
        j.intent(&o[1].id, Timestamp(at.millis() + 1000));
        j.into_result().unwrap();
    }

    fn run(h: &History, file: &str) -> Vec<String> {
        let sql = std::fs::read_to_string(format!("queries/{file}")).unwrap();
        let r = h.query(&sql).unwrap();
        r.rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|c| match c {
                        Cell::Null => "NULL".to_string(),
                        Cell::Int(i) => i.to_string(),
                        Cell::Real(x) => x.to_string(),
                        Cell::Text(t) => t.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect()
    }

    const D0: &str = "2026-01-01T00:00:00.000Z";
    const D1: &str = "2026-01-02T00:00:00.000Z";
    const D2: &str = "2026-01-03T00:00:00.000Z";

    #[test]
    fn export_writes_one_parquet_file_per_table_and_day() {
        let dir = tempfile::tempdir().unwrap();
        let (h, _) = known_history(dir.path());
        let out = dir.path().join("pq");
        let n = brickkit::history::export::export(&h, &out).unwrap();
        // snapshots, state_events, drift_runs, drift_events: 3 days each (state events on
        // days 0, 1 and 2); operation_events: one empty file; plan_events and op_changes:
        // day 0; apply_events and op_events: days 0 and 1; violation_runs and
        // violation_events: 3 days.
        assert_eq!(n, 25);
        for day in ["2026-01-01", "2026-01-02", "2026-01-03"] {
            assert!(
                out.join(format!("drift_runs/day={day}/part-0.parquet"))
                    .is_file()
            );
        }
        assert!(
            out.join("operation_events/day=none/part-0.parquet")
                .is_file()
        );
        // Every table ends with `at_ts`, a UTC millisecond timestamp of `at_ms` (of
        // `taken_at_ms` for snapshots), after the SQLite columns (docs/formats/history.md).
        for (table, ms) in [("snapshots", "taken_at_ms"), ("drift_events", "at_ms")] {
            let f = std::fs::File::open(out.join(format!("{table}/day=2026-01-01/part-0.parquet")))
                .unwrap();
            let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
                .unwrap()
                .build()
                .unwrap();
            let batch = r.into_iter().next().unwrap().unwrap();
            let schema = batch.schema();
            let last = schema.fields().last().unwrap();
            assert_eq!(last.name(), "at_ts");
            assert_eq!(
                last.data_type(),
                &arrow::datatypes::DataType::Timestamp(
                    arrow::datatypes::TimeUnit::Millisecond,
                    Some("UTC".into())
                )
            );
            let ts = batch
                .column(schema.fields().len() - 1)
                .as_any()
                .downcast_ref::<arrow::array::TimestampMillisecondArray>()
                .unwrap();
            let at = batch
                .column(schema.index_of(ms).unwrap())
                .as_any()
                .downcast_ref::<arrow::array::Int64Array>()
                .unwrap();
            assert_eq!(ts.values(), at.values());
        }
        let e = brickkit::history::export::export(&h, &out)
            .unwrap_err()
            .to_string();
        assert!(e.contains("already exists"), "{e}");
    }

    #[test]
    fn every_query_file_answers_the_known_history() {
        let dir = tempfile::tempdir().unwrap();
        let (h, t) = known_history(dir.path());
        let expected: Vec<(&str, Vec<String>)> = vec![
            (
                "drift_per_day.sql",
                vec![
                    "2026-01-01|dev|1|1|1".into(),
                    "2026-01-02|dev|2|0|1".into(),
                    "2026-01-03|dev|1|0|1".into(),
                ],
            ),
            (
                "open_drift.sql",
                vec![
                    format!("dev|critical|table|c.s.d|grants.g|drifted|want|y|{D1}"),
                    format!("dev|info|table|c.s.c|exists|unmanaged|false|true|{D0}"),
                ],
            ),
            (
                "open_critical_drift.sql",
                vec![format!("dev|table|c.s.d|grants.g|want|y|{D1}")],
            ),
            (
                "time_to_resolve.sql",
                vec!["critical|1|48|48".into(), "warning|1|24|24".into()],
            ),
            (
                "grants_outside_brickkit.sql",
                vec![format!("{D1}|table|{t}|intruder|MODIFY")],
            ),
            (
                "changes_applied.sql",
                vec![format!(
                    "2026-01-01T12:00:01.040Z|table|{t}|grants.svc_brickkit|{{}}|{{SELECT}}|update_grants|{}",
                    brickkit::history::apply_id(
                        crate::history_apply::DIGEST,
                        Timestamp::from_civil(2026, 1, 1, 12, 0, 0, 0)
                    )
                )],
            ),
            (
                "failed_operations.sql",
                vec![
                    format!(
                        "2026-01-01T12:00:02.040Z|{}|table|c.s.d|update_grants|NULL|failed|403|PERMISSION_DENIED: not allowed on c.s.d",
                        brickkit::history::apply_id(
                            crate::history_apply::DIGEST,
                            Timestamp::from_civil(2026, 1, 1, 12, 0, 0, 0)
                        )
                    ),
                    format!(
                        "2026-01-02T12:00:01.000Z|{}|table|c.s.d|update_grants|NULL|interrupted|NULL|intent recorded, no result: the requests may have been sent",
                        brickkit::history::apply_id(
                            crate::history_apply::DIGEST,
                            Timestamp::from_civil(2026, 1, 2, 12, 0, 0, 0)
                        )
                    ),
                ],
            ),
            (
                "lost_sensitive_tag.sql",
                vec![format!("{D1}|table|{t}||pii|true")],
            ),
            (
                "unmanaged_growth.sql",
                vec![
                    format!("{D0}|dev|1|1"),
                    format!("{D1}|dev|1|0"),
                    format!("{D2}|dev|1|0"),
                ],
            ),
            (
                "securable_timeline.sql",
                vec![
                    format!("{D0}|drift|opened|owner (critical)|want|x"),
                    format!("{D1}|state|securable_added|securable|NULL|"),
                    format!("{D1}|state|attribute_added|owner|NULL|alice"),
                    format!("{D2}|state|attribute_changed|owner|alice|bob"),
                    format!("{D2}|drift|resolved|owner (critical)|want|x"),
                ],
            ),
            (
                "violations_over_time.sql",
                vec![
                    format!(
                        "dev|old-rule|table|c.s.b|owner|opened|{D0}|info|a group|alice|NULL|NULL"
                    ),
                    format!(
                        "dev|old-rule|table|c.s.b|owner|changed|{D1}|info|a group|bob|NULL|NULL"
                    ),
                    format!(
                        "dev|old-rule|table|c.s.b|owner|resolved|{D2}|info|a group|bob|rule_removed|rule removed"
                    ),
                    format!(
                        "dev|pii-masked|table|c.s.m|columns.email.mask|opened|{D0}|critical|a mask|None|NULL|NULL"
                    ),
                    format!(
                        "dev|pii-masked|table|c.s.m|columns.email.mask|resolved|{D2}|critical|a mask|None|not_found|outside brickkit"
                    ),
                    format!(
                        "dev|svc-grants|table|{t}|grants.svc_brickkit|opened|{D0}|warning|{{SELECT}}|{{}}|NULL|NULL"
                    ),
                    format!(
                        "dev|svc-grants|table|{t}|grants.svc_brickkit|resolved|{D1}|warning|{{SELECT}}|{{}}|not_found|brickkit apply {} (plan {})",
                        brickkit::history::apply_id(
                            crate::history_apply::DIGEST,
                            Timestamp::from_civil(2026, 1, 1, 12, 0, 0, 0)
                        ),
                        crate::history_apply::DIGEST
                    ),
                ],
            ),
            (
                "open_violations.sql",
                vec![
                    "2026-01-01|dev|old-rule|1|0".into(),
                    "2026-01-01|dev|pii-masked|1|1".into(),
                    "2026-01-01|dev|svc-grants|1|0".into(),
                    "2026-01-02|dev|old-rule|1|0".into(),
                    "2026-01-02|dev|pii-masked|1|1".into(),
                ],
            ),
            (
                "most_drifting.sql",
                vec![
                    "table|c.s.d|1|1".into(),
                    format!("table|{A}|1|1"),
                    "table|c.s.b|1|0".into(),
                    "table|c.s.c|1|0".into(),
                ],
            ),
        ];
        let mut files: Vec<String> = std::fs::read_dir("queries")
            .unwrap()
            .filter_map(|e| {
                let n = e.unwrap().file_name().to_string_lossy().into_owned();
                n.ends_with(".sql").then_some(n)
            })
            .collect();
        files.sort();
        let mut covered: Vec<String> = expected.iter().map(|(f, _)| f.to_string()).collect();
        covered.sort();
        assert_eq!(files, covered, "every query file needs a known answer");
        assert!(files.len() >= 10);
        for (file, want) in expected {
            let text = std::fs::read_to_string(format!("queries/{file}")).unwrap();
            assert!(text.starts_with("-- Question:"), "{file}: header");
            assert!(
                text.contains("brickkit query queries/"),
                "{file}: how to run"
            );
            assert_eq!(run(&h, file), want, "{file}");
        }
        // scripts/check_history_duckdb.py runs every query on this history's Parquet
        // export with DuckDB and compares with SQLite.
        if let Some(out) = std::env::var_os("BRICKKIT_HISTORY_FIXTURE") {
            let out = out.to_string_lossy().replace('\'', "''");
            h.connection()
                .execute_batch(&format!("VACUUM INTO '{out}'"))
                .unwrap();
        }
    }
}

mod cli {
    //! The story from `snapshots/example` and a second snapshot; bad history files; the
    //! history `snapshot collect` records beside the snapshots it writes.

    use std::path::{Path, PathBuf};

    use brickkit::model::Timestamp;
    use brickkit::state::store;
    use serde_json::json;

    use crate::support::sim::{collect, start};
    use crate::support::{brickkit, brickkit_with};

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// The example snapshot one day later: the `gl_entries` owner is fixed (resolves a
    /// critical drift) and `orders` gets a new owner by hand (opens one).
    pub fn second_snapshot(dir: &Path) -> PathBuf {
        let mut s = store::read(&root().join("snapshots/example")).unwrap();
        let t = Timestamp(s.manifest.taken_at.millis() + 86_400_000);
        s.manifest.parent_id = Some(s.manifest.snapshot_id.clone());
        s.manifest.snapshot_id = brickkit::state::id::new_snapshot_id(t, 2);
        s.manifest.taken_at = t;
        s.manifest.content_digest = String::new();
        for r in &mut s.securables {
            match r.full_name.as_str() {
                "finance_dev.ledger.gl_entries" => r.owner = Some("grp_data_eng".into()),
                "sales_dev.orders.orders" => r.owner = Some("mallory@acme.com".into()),
                _ => {}
            }
        }
        let p = dir.join("second");
        store::write(&s, &p).unwrap();
        p
    }

    pub fn story(dir: &Path) -> String {
        let h = dir.join("h.sqlite");
        let h = h.to_str().unwrap().to_string();
        let second = second_snapshot(dir);
        let (code, _, err) = brickkit(&[
            "drift",
            "detect",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            "snapshots/example",
            "--history",
            &h,
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(!err.contains("not recorded"), "{err}");
        let (code, _, err) = brickkit(&[
            "drift",
            "detect",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            second.to_str().unwrap(),
            "--history",
            &h,
        ]);
        assert_eq!(code, 1, "{err}");
        h
    }

    #[test]
    fn history_tells_the_story_of_two_snapshots() {
        let dir = tempfile::tempdir().unwrap();
        let h = story(dir.path());
        let (code, out, err) = brickkit(&["history", "show", "--history", &h]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(
            "attribute_changed  table finance_dev.ledger.gl_entries owner jane.doe@acme.com -> grp_data_eng"
        ), "{out}");
        assert!(
            out.contains("drift_resolved   critical table finance_dev.ledger.gl_entries owner"),
            "{out}"
        );
        assert!(
            out.contains("drift_opened     critical table sales_dev.orders.orders owner"),
            "{out}"
        );
        assert_eq!(out.matches("  snapshot ").count(), 2, "{out}");

        let (code, out, _) = brickkit(&[
            "history",
            "show",
            "--history",
            &h,
            "--securable",
            "sales_dev.orders.orders",
            "--since",
            "2026-11-28",
        ]);
        assert_eq!(code, 0);
        assert!(
            out.lines().all(|l| l.contains("sales_dev.orders.orders")),
            "{out}"
        );
        assert!(out.contains("mallory@acme.com"), "{out}");

        let (code, out, err) = brickkit(&[
            "query",
            "queries/open_drift.sql",
            "--history",
            &h,
            "--format",
            "csv",
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("sales_dev.orders.orders,owner"), "{out}");
        assert!(!out.contains("gl_entries,owner"), "{out}");

        // Re-running detection on the same snapshot records nothing new.
        let before = brickkit(&[
            "query",
            "SELECT count(*) FROM drift_events",
            "--history",
            &h,
        ])
        .1;
        brickkit(&[
            "drift",
            "detect",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            "snapshots/example",
            "--history",
            &h,
        ]);
        let after = brickkit(&[
            "query",
            "SELECT count(*) FROM drift_events",
            "--history",
            &h,
        ])
        .1;
        assert_eq!(before, after);
    }

    #[test]
    fn html_report_has_one_point_per_snapshot_and_fetches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let h = story(dir.path());
        // A third snapshot without a detection still gets its point (zero drift).
        let mut s = store::read(&second_snapshot(&dir.path().join("x"))).unwrap();
        let t = Timestamp(s.manifest.taken_at.millis() + 86_400_000);
        s.manifest.taken_at = t;
        s.manifest.snapshot_id = brickkit::state::id::new_snapshot_id(t, 3);
        s.manifest.content_digest = String::new();
        let third = dir.path().join("third");
        store::write(&s, &third).unwrap();
        assert_eq!(
            brickkit(&[
                "history",
                "ingest",
                third.to_str().unwrap(),
                "--history",
                &h
            ])
            .0,
            0
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
        let text = std::fs::read_to_string(&html).unwrap();
        for sev in ["critical", "warning", "info"] {
            let points = text
                .matches(&format!("class=\"point\" data-severity=\"{sev}\""))
                .count();
            assert_eq!(points, 3, "{sev}");
        }
        assert!(text.contains("<svg"));
        assert!(text.contains("sales_dev.orders.orders"), "open drift table");
        assert!(
            !text.contains("http://") || text.matches("http://").count() == 1,
            "only the SVG namespace"
        );
        assert!(!text.contains("https://") && !text.contains("<link"));
        // One inline script (the filter box), nothing loaded from anywhere.
        assert_eq!(text.matches("<script").count(), 1);
        assert!(text.contains("<script>") && !text.contains(" src="));
    }

    #[test]
    fn no_history_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path().join("never.sqlite");
        let (code, _, err) = brickkit(&[
            "drift",
            "detect",
            "examples/governance",
            "--env",
            "dev",
            "--snapshot",
            "snapshots/example",
            "--history",
            h.to_str().unwrap(),
            "--no-history",
        ]);
        assert_eq!(code, 1, "{err}");
        assert!(!h.exists());
    }

    #[test]
    fn ingest_command_with_declared_records_drift() {
        let dir = tempfile::tempdir().unwrap();
        let second = second_snapshot(dir.path());
        let h = dir.path().join("i.sqlite");
        let (code, out, err) = brickkit(&[
            "history",
            "ingest",
            second.to_str().unwrap(),
            "snapshots/example",
            "--declared",
            "examples/governance",
            "--env",
            "dev",
            "--history",
            h.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(out.lines().count(), 2, "{out}");
        let (_, out, _) = brickkit(&[
            "query",
            "SELECT event, count(*) FROM drift_events WHERE securable = 'finance_dev.ledger.gl_entries' GROUP BY event ORDER BY event",
            "--history",
            h.to_str().unwrap(),
            "--format",
            "csv",
        ]);
        assert_eq!(out, "event,count(*)\nopened,1\nresolved,1\n");
    }

    fn file_bytes(p: &Path) -> Vec<u8> {
        std::fs::read(p).unwrap()
    }

    #[test]
    fn bad_history_files_are_refused_with_exit_2_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        // Corrupt: not SQLite at all.
        let corrupt = dir.path().join("corrupt.sqlite");
        std::fs::write(&corrupt, b"this is not a database, just text padding it out to be long enough to look like a header").unwrap();
        // Foreign: a valid SQLite file of someone else.
        let foreign = dir.path().join("foreign.sqlite");
        {
            let c = rusqlite::Connection::open(&foreign).unwrap();
            c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
                .unwrap();
        }
        // Unknown version: a brickkit history from the future.
        let future = dir.path().join("future.sqlite");
        {
            let mut h = brickkit::history::History::open_or_create(&future).unwrap();
            let _ = &mut h;
            h.connection()
                .execute_batch("PRAGMA user_version = 99;")
                .unwrap();
        }
        for (p, needle) in [
            (&corrupt, "not a readable SQLite database"),
            (&foreign, "not a brickkit history"),
            (&future, "event-store version 99"),
        ] {
            let before = file_bytes(p);
            let ps = p.to_str().unwrap();
            for args in [
                vec!["history", "ingest", "snapshots/example", "--history", ps],
                vec!["query", "SELECT 1", "--history", ps],
                vec!["history", "show", "--history", ps],
            ] {
                let (code, _, err) = brickkit(&args);
                assert_eq!(code, 2, "{args:?}: {err}");
                assert!(err.contains(needle), "{args:?}: {err}");
            }
            assert_eq!(file_bytes(p), before, "{}: nothing written", p.display());
            // drift detect still reports and keeps its exit code; it only warns.
            let (code, _, err) = brickkit(&[
                "drift",
                "detect",
                "examples/governance",
                "--env",
                "dev",
                "--snapshot",
                "snapshots/example",
                "--history",
                ps,
            ]);
            assert_eq!(code, 1, "{err}");
            assert!(err.contains("not recorded in history"), "{err}");
            assert_eq!(file_bytes(p), before);
        }
        // A missing history is "does not exist" for readers, never created by them.
        let missing = dir.path().join("missing.sqlite");
        let (code, _, err) =
            brickkit(&["query", "SELECT 1", "--history", missing.to_str().unwrap()]);
        assert_eq!(code, 2);
        assert!(err.contains("does not exist"), "{err}");
        assert!(!missing.exists());
    }

    #[test]
    fn mixed_workspace_is_refused_by_the_cli_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path().join("m.sqlite");
        let hs = h.to_str().unwrap();
        assert_eq!(
            brickkit(&["history", "ingest", "snapshots/example", "--history", hs]).0,
            0
        );
        let mut s = brickkit_testkit::synth::generate_snapshot(
            &brickkit_testkit::synth::SynthSpec::with_tables(5, 0.0, 1),
        );
        s.manifest.taken_at = Timestamp(s.manifest.taken_at.millis() + 365 * 86_400_000);
        s.manifest.snapshot_id = brickkit::state::id::new_snapshot_id(s.manifest.taken_at, 1);
        s.manifest.content_digest = String::new();
        let other = dir.path().join("other");
        store::write(&s, &other).unwrap();
        let (code, _, err) = brickkit(&[
            "history",
            "ingest",
            other.to_str().unwrap(),
            "--history",
            hs,
        ]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--allow-mixed"), "{err}");
        let (_, out, _) = brickkit(&[
            "query",
            "SELECT count(*) AS n FROM snapshots",
            "--history",
            hs,
            "--format",
            "csv",
        ]);
        assert_eq!(out, "n\n1\n");
        let (code, _, err) = brickkit(&[
            "history",
            "ingest",
            other.to_str().unwrap(),
            "--history",
            hs,
            "--allow-mixed",
        ]);
        assert_eq!(code, 0, "{err}");
    }

    #[test]
    fn collect_records_history_beside_the_snapshots_unless_told_not_to() {
        let h = start(json!({}), 50);
        let dir = tempfile::tempdir().unwrap();
        let (first, _) = collect(&h, dir.path(), &[]);
        let history = dir.path().join("history.sqlite");
        assert!(history.is_file(), "no history written: {}", first.stderr);
        let (second, _) = collect(&h, dir.path(), &[]);
        let shown = brickkit_with(
            &["history", "show", "--history", history.to_str().unwrap()],
            &[],
        );
        assert_eq!(shown.code, 0, "{}", shown.stderr);
        for run in [&first, &second] {
            let path = run.path.as_ref().unwrap();
            let id = path.file_name().unwrap().to_str().unwrap();
            assert!(shown.stdout.contains(id), "{id} not in:\n{}", shown.stdout);
        }
        // The history file beside the snapshots is not reported as a stray file.
        let listed = brickkit_with(&["snapshot", "list", dir.path().to_str().unwrap()], &[]);
        assert_eq!(listed.code, 0, "{}", listed.stderr);
        assert!(
            !listed.stderr.contains("history.sqlite"),
            "{}",
            listed.stderr
        );

        let other = tempfile::tempdir().unwrap();
        collect(&h, other.path(), &["--no-history"]);
        assert!(!other.path().join("history.sqlite").exists());
    }
}

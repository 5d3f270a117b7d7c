//! History store: the event-sourcing invariant (property test), append-only triggers,
//! idempotent and ordered ingest, mixed workspaces, bad files, drift events, `queries/`.

use std::path::Path;

use brickkit::history::{Cell, History, IngestOptions, Ingested};
use brickkit::model::{SecurableKind, Timestamp};
use brickkit::state::id::new_snapshot_id;
use brickkit::state::{
    ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot, TagRow,
};
use brickkit::synth::{SynthSpec, generate_snapshot};
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
    let tables: Vec<String> = s
        .securables
        .iter()
        .filter(|r| r.kind == Some(SecurableKind::Table))
        .map(|r| r.full_name.clone())
        .collect();
    let pick = |v: &[String]| -> Option<String> {
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
                r.owner = Some(format!("owner_{v}"));
            }
        }
        1 => {
            if let Some(r) = s.securables.iter_mut().find(|r| r.full_name == t) {
                r.comment = match val % 3 {
                    0 => None,
                    1 => Some(String::new()),
                    _ => Some(format!("comment {v}")),
                };
            }
        }
        2 => s.grants.push(GrantRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: t,
            principal: format!("group_{}", val % 4),
            privilege: ["SELECT", "MODIFY", "ALL_PRIVILEGES"][usize::from(val % 3)].to_string(),
        }),
        3 => {
            if let Some(i) = s.grants.iter().position(|g| g.securable_full_name == t) {
                s.grants.remove(i);
            }
        }
        4 => {
            let column = val.is_multiple_of(2).then(|| "c0".to_string());
            s.tags.retain(|g| {
                !(g.securable_full_name == t && g.key == "pii" && g.column_name == column)
            });
            s.tags.push(TagRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: t,
                column_name: column,
                key: "pii".to_string(),
                value: v,
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
                full_name: name.clone(),
                parent,
                owner: Some("someone".into()),
                properties: [("k".to_string(), v.clone())].into_iter().collect(),
                created_at: Some(Timestamp(i64::from(val))),
                ..SecurableRow::default()
            });
            s.columns.push(ColumnRow {
                table_full_name: name,
                name: "id".into(),
                position: 0,
                type_text: "bigint".into(),
                nullable: val.is_multiple_of(2),
                comment: val.is_multiple_of(3).then(|| v.clone()),
            });
        }
        8 => {
            if let Some(c) = s.columns.iter_mut().find(|c| c.table_full_name == t) {
                c.type_text = format!("decimal({val},2)");
            }
        }
        9 => {
            s.row_filters.retain(|f| f.table_full_name != t);
            if val.is_multiple_of(2) {
                s.row_filters.push(RowFilterRow {
                    table_full_name: t,
                    function_full_name: format!("c.s.f_{v}"),
                    input_columns: vec!["a".into(), v],
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
                    using_columns: vec![v],
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
        steps in prop::collection::vec(prop::collection::vec((any::<u8>(), any::<u16>(), any::<u8>()), 0..8), 1..10)
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

//! A deterministic generator of a declared state and a matching snapshot with a chosen
//! share of drift, for the thread-count determinism test and `benches/diff.rs`.
//!
//! Every table: owner, comment, 3 tags, 3 grants, a masked and tagged column; every
//! 10th table a row filter. Every `drift_every`-th table gets one drift, rotating through
//! owner, tag value, extra grant, dropped mask, dropped row filter and a missing table;
//! the snapshot also holds one unmanaged table per schema.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use brickkit::declared::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, Policy, RequiredTag, RowFilter,
};
use brickkit::model::{SecurableKind, Timestamp};
use brickkit::state::{
    ColumnMaskRow, GrantRow, Manifest, RowFilterRow, SecurableRow, Snapshot, TagRow,
};

/// Build `tables` tables spread over 4 catalogs × 10 schemas; one drift every
/// `drift_every` tables (0 = none).
pub fn generate(tables: usize, drift_every: usize) -> (DeclaredState, Snapshot) {
    let catalogs = 4usize;
    let schemas = 10usize;
    let mut decl = Vec::with_capacity(tables + 64);
    let mut snap = Snapshot {
        manifest: Manifest {
            format_version: 1,
            snapshot_id: "20260101T000000000Z-0000beef".into(),
            taken_at: Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0),
            scope: vec!["*".into()],
            collector_mode: "generated".into(),
            ..Manifest::default()
        },
        ..Snapshot::default()
    };
    snap.securables.reserve(tables + 64);
    snap.grants.reserve(tables * 3);
    snap.tags.reserve(tables * 4);
    snap.column_masks.reserve(tables);
    let grants = |name: &str| -> BTreeMap<String, BTreeSet<String>> {
        let _ = name;
        [
            ("analysts", vec!["SELECT"]),
            ("data-engineers", vec!["MODIFY", "SELECT"]),
            ("account users", vec!["SELECT"]),
        ]
        .into_iter()
        .map(|(p, v)| (p.to_string(), v.into_iter().map(str::to_string).collect()))
        .collect()
    };
    let plain = |kind: SecurableKind, name: String| DeclaredSecurable {
        kind,
        declared_name: name.clone(),
        full_name: name,
        origin: None,
        create: true,
        owner: Some("platform-admins".into()),
        comment: None,
        tags: BTreeMap::new(),
        grants: None,
        row_filter: None,
        columns: Vec::new(),
        properties: BTreeMap::new(),
        details: BTreeMap::new(),
    };
    let row = |kind: SecurableKind, name: String| SecurableRow {
        kind: Some(kind),
        parent: name.rsplit_once('.').map(|(p, _)| p.to_string()),
        full_name: name,
        owner: Some("platform-admins".into()),
        ..SecurableRow::default()
    };
    for c in 0..catalogs {
        let cat = format!("cat{c}_dev");
        decl.push(plain(SecurableKind::Catalog, cat.clone()));
        snap.securables
            .push(row(SecurableKind::Catalog, cat.clone()));
        for s in 0..schemas {
            let sch = format!("{cat}.sch{s}");
            decl.push(plain(SecurableKind::Schema, sch.clone()));
            snap.securables
                .push(row(SecurableKind::Schema, sch.clone()));
            let unmanaged = format!("{sch}.zz_unmanaged");
            snap.securables.push(row(SecurableKind::Table, unmanaged));
        }
    }
    for t in 0..tables {
        let cat = format!("cat{}_dev", t % catalogs);
        let sch = format!("{cat}.sch{}", (t / catalogs) % schemas);
        let name = format!("{sch}.t{t:07}");
        let drift = drift_every > 0 && t % drift_every == drift_every / 2;
        let which = if drift {
            (t / drift_every) % 6
        } else {
            usize::MAX
        };
        let filter = t % 10 == 0;
        let mut tags = BTreeMap::new();
        tags.insert("data_owner".to_string(), "team-a".to_string());
        tags.insert("domain".to_string(), format!("d{}", t % 7));
        tags.insert("pii".to_string(), "false".to_string());
        decl.push(DeclaredSecurable {
            kind: SecurableKind::Table,
            full_name: name.clone(),
            declared_name: name.clone(),
            origin: None,
            create: false,
            owner: Some("data-engineers".into()),
            comment: Some(format!("table {t}")),
            tags: tags.clone(),
            grants: Some(grants(&name)),
            row_filter: filter.then(|| RowFilter {
                function: format!("{cat}.sec.region_filter"),
                columns: vec!["region".into()],
            }),
            columns: vec![DeclaredColumn {
                name: "email".into(),
                data_type: None,
                nullable: None,
                comment: None,
                tags: [("pii".to_string(), "true".to_string())].into(),
                mask: Some(ColumnMask {
                    function: format!("{cat}.sec.mask_email"),
                    using_columns: Vec::new(),
                }),
            }],
            properties: BTreeMap::new(),
            details: BTreeMap::new(),
        });
        if which == 5 {
            continue; // missing table
        }
        snap.securables.push(SecurableRow {
            kind: Some(SecurableKind::Table),
            parent: Some(sch.clone()),
            full_name: name.clone(),
            owner: Some(
                if which == 0 {
                    "someone-else"
                } else {
                    "data-engineers"
                }
                .into(),
            ),
            comment: Some(format!("table {t}")),
            securable_type: Some("MANAGED".into()),
            format: Some("DELTA".into()),
            properties: [("delta.minReaderVersion".to_string(), "3".to_string())].into(),
            ..SecurableRow::default()
        });
        for (p, privs) in grants(&name) {
            for v in privs {
                snap.grants.push(GrantRow {
                    securable_kind: Some(SecurableKind::Table),
                    securable_full_name: name.clone(),
                    principal: p.clone(),
                    privilege: v,
                });
            }
        }
        if which == 2 {
            snap.grants.push(GrantRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: name.clone(),
                principal: "intruders".into(),
                privilege: "MODIFY".into(),
            });
        }
        for (k, v) in &tags {
            let v = if which == 1 && k == "domain" {
                "changed".to_string()
            } else {
                v.clone()
            };
            snap.tags.push(TagRow {
                securable_kind: Some(SecurableKind::Table),
                securable_full_name: name.clone(),
                column_name: None,
                key: k.clone(),
                value: v,
            });
        }
        snap.tags.push(TagRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: name.clone(),
            column_name: Some("email".into()),
            key: "pii".into(),
            value: "true".into(),
        });
        if which != 3 {
            snap.column_masks.push(ColumnMaskRow {
                table_full_name: name.clone(),
                column_name: "email".into(),
                function_full_name: format!("{cat}.sec.mask_email"),
                using_columns: Vec::new(),
            });
        }
        if filter && which != 4 {
            snap.row_filters.push(RowFilterRow {
                table_full_name: name.clone(),
                function_full_name: format!("`{cat}`.`sec`.`region_filter`"),
                input_columns: vec!["region".into()],
            });
        }
    }
    decl.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
    snap.sort();
    let state = DeclaredState {
        project: "generated".into(),
        environment: "dev".into(),
        securables: decl,
        policy: Policy {
            required_tags: vec![RequiredTag {
                key: "data_owner".into(),
                allowed: None,
                applies_to: vec![SecurableKind::Table],
                message: None,
                origin: None,
            }],
            sensitive_tags: ["pii".to_string()].into(),
            ..Policy::default()
        },
        ignore: Vec::new(),
    };
    (state, snap)
}

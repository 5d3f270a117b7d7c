//! The **synthetic generator**: a declared state and a matching snapshot of any size, with
//! a chosen fraction of drifted tables, deterministic from a seed. For tests and
//! benchmarks only.
//!
//! Owns nothing persistent and does no IO, no clock, no randomness beyond the seed: the
//! same [`SynthSpec`] always gives the same `(DeclaredState, Snapshot)`.

use std::collections::{BTreeMap, BTreeSet};

use crate::declared::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, Policy, RowFilter,
};
use crate::model::{SecurableKind, Timestamp};
use crate::state::digest::content_digest;
use crate::state::id::new_snapshot_id;
use crate::state::{
    ColumnMaskRow, ColumnRow, GrantRow, Manifest, RowFilterRow, SNAPSHOT_FORMAT_VERSION,
    SecurableRow, Snapshot, TagRow,
};

/// Size and shape of a synthetic metastore.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    pub catalogs: usize,
    pub schemas_per_catalog: usize,
    pub tables_per_schema: usize,
    pub columns_per_table: usize,
    pub grants_per_table: usize,
    pub tags_per_table: usize,
    /// Fraction (0.0..=1.0) of tables that get drift in the snapshot.
    pub drift_fraction: f64,
    pub seed: u64,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec {
            catalogs: 2,
            schemas_per_catalog: 3,
            tables_per_schema: 10,
            columns_per_table: 5,
            grants_per_table: 3,
            tags_per_table: 3,
            drift_fraction: 0.1,
            seed: 42,
        }
    }
}

impl SynthSpec {
    /// A spec with about `tables` tables (10 catalogs x 10 schemas when large enough),
    /// 5 columns, 3 grants and 3 tags per table.
    pub fn with_tables(tables: usize, drift_fraction: f64, seed: u64) -> SynthSpec {
        let (catalogs, schemas) = if tables >= 10_000 { (10, 10) } else { (1, 1) };
        SynthSpec {
            catalogs,
            schemas_per_catalog: schemas,
            tables_per_schema: tables.div_ceil(catalogs * schemas).max(1),
            columns_per_table: 5,
            grants_per_table: 3,
            tags_per_table: 3,
            drift_fraction,
            seed,
        }
    }

    pub fn table_count(&self) -> usize {
        self.catalogs * self.schemas_per_catalog * self.tables_per_schema
    }
}

/// The kinds of drift planted on a drifted table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftKind {
    MissingGrant,
    ExtraGrant,
    ChangedTag,
    MissingTag,
    WrongOwner,
    CommentChange,
    DroppedFilterOrMask,
    MissingTable,
}

const DRIFT_KINDS: [DriftKind; 8] = [
    DriftKind::MissingGrant,
    DriftKind::ExtraGrant,
    DriftKind::ChangedTag,
    DriftKind::MissingTag,
    DriftKind::WrongOwner,
    DriftKind::CommentChange,
    DriftKind::DroppedFilterOrMask,
    DriftKind::MissingTable,
];

const TYPES: [&str; 5] = ["bigint", "string", "date", "decimal(18,2)", "boolean"];

/// splitmix64: a tiny, good-enough deterministic mixer.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The drift (if any) planted on table number `t`.
pub fn drift_of(spec: &SynthSpec, t: usize) -> Option<DriftKind> {
    let r = mix(spec.seed ^ mix(t as u64));
    let unit = (r >> 11) as f64 / (1u64 << 53) as f64;
    if unit < spec.drift_fraction {
        Some(DRIFT_KINDS[(mix(r) % DRIFT_KINDS.len() as u64) as usize])
    } else {
        None
    }
}

/// Generate the declared state and the matching snapshot (with planted drift).
pub fn generate(spec: &SynthSpec) -> (DeclaredState, Snapshot) {
    let (d, s) = build(spec, true);
    (
        d.unwrap_or_else(|| DeclaredState {
            project: String::new(),
            environment: String::new(),
            securables: Vec::new(),
            policy: Policy::default(),
            ignore: Vec::new(),
        }),
        s,
    )
}

/// Generate only the snapshot (cheaper when the declared side is not needed).
pub fn generate_snapshot(spec: &SynthSpec) -> Snapshot {
    build(spec, false).1
}

fn owner_of(t: usize) -> String {
    format!("grp_owner_{}", t % 7)
}

fn principal_of(t: usize, j: usize) -> String {
    format!("grp_team_{:02}", (t + j * 3) % 40)
}

const PRIVS: [&str; 3] = ["SELECT", "MODIFY", "APPLY_TAG"];

fn tag_value(t: usize, j: usize) -> String {
    format!("value_{}", (t + j) % 5)
}

fn build(spec: &SynthSpec, with_declared: bool) -> (Option<DeclaredState>, Snapshot) {
    let n_tables = spec.table_count();
    let taken_at = Timestamp::from_civil(2026, 11, 27, 0, 0, 0, 0);
    let created = Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0);
    let mut s = Snapshot::default();
    s.securables
        .reserve(n_tables + spec.catalogs * (1 + spec.schemas_per_catalog * 3));
    s.columns.reserve(n_tables * spec.columns_per_table);
    s.grants.reserve(n_tables * (spec.grants_per_table + 1));
    s.tags.reserve(n_tables * spec.tags_per_table);
    let mut declared: Vec<DeclaredSecurable> = Vec::new();
    let mut scope = Vec::new();
    let mut t = 0usize;

    let decl = |kind, full_name: &str, owner: &str, comment: Option<String>| DeclaredSecurable {
        kind,
        full_name: full_name.to_string(),
        declared_name: full_name.to_string(),
        origin: None,
        create: true,
        owner: Some(owner.to_string()),
        comment,
        tags: BTreeMap::new(),
        grants: Some(BTreeMap::new()),
        row_filter: None,
        columns: Vec::new(),
        properties: BTreeMap::new(),
        details: BTreeMap::new(),
    };

    for c in 0..spec.catalogs {
        let cat = format!("cat_{c:03}");
        scope.push(cat.clone());
        s.securables.push(SecurableRow {
            kind: Some(SecurableKind::Catalog),
            full_name: cat.clone(),
            owner: Some("grp_platform".into()),
            securable_type: Some("MANAGED_CATALOG".into()),
            created_at: Some(created),
            ..Default::default()
        });
        s.grants.push(GrantRow {
            securable_kind: Some(SecurableKind::Catalog),
            securable_full_name: cat.clone(),
            principal: "grp_readers".into(),
            privilege: "USE_CATALOG".into(),
        });
        if with_declared {
            let mut d = decl(SecurableKind::Catalog, &cat, "grp_platform", None);
            d.grants = Some(grants_map([("grp_readers", "USE_CATALOG")]));
            declared.push(d);
        }
        for sc in 0..spec.schemas_per_catalog {
            let sch = format!("{cat}.sch_{sc:03}");
            s.securables.push(SecurableRow {
                kind: Some(SecurableKind::Schema),
                full_name: sch.clone(),
                parent: Some(cat.clone()),
                owner: Some("grp_data_eng".into()),
                created_at: Some(created),
                ..Default::default()
            });
            s.grants.push(GrantRow {
                securable_kind: Some(SecurableKind::Schema),
                securable_full_name: sch.clone(),
                principal: "grp_readers".into(),
                privilege: "USE_SCHEMA".into(),
            });
            let filter_fn = format!("{sch}.filter_fn");
            let mask_fn = format!("{sch}.mask_fn");
            for f in [&filter_fn, &mask_fn] {
                s.securables.push(SecurableRow {
                    kind: Some(SecurableKind::Function),
                    full_name: f.clone(),
                    parent: Some(sch.clone()),
                    owner: Some("grp_data_eng".into()),
                    created_at: Some(created),
                    ..Default::default()
                });
            }
            if with_declared {
                let mut d = decl(SecurableKind::Schema, &sch, "grp_data_eng", None);
                d.grants = Some(grants_map([("grp_readers", "USE_SCHEMA")]));
                declared.push(d);
                for f in [&filter_fn, &mask_fn] {
                    declared.push(decl(SecurableKind::Function, f, "grp_data_eng", None));
                }
            }
            for _ in 0..spec.tables_per_schema {
                let name = format!("{sch}.tbl_{t:07}");
                let drift = drift_of(spec, t);
                let guarded = t.is_multiple_of(10) && spec.columns_per_table >= 2;
                let comment = format!("synthetic table {t}");
                if with_declared {
                    let mut d = decl(
                        SecurableKind::Table,
                        &name,
                        &owner_of(t),
                        Some(comment.clone()),
                    );
                    for j in 0..spec.tags_per_table {
                        d.tags.insert(format!("tag_{j}"), tag_value(t, j));
                    }
                    let mut g = BTreeMap::new();
                    for j in 0..spec.grants_per_table {
                        g.entry(principal_of(t, j))
                            .or_insert_with(BTreeSet::new)
                            .insert(PRIVS[j % PRIVS.len()].to_string());
                    }
                    d.grants = Some(g);
                    for k in 0..spec.columns_per_table {
                        d.columns.push(DeclaredColumn {
                            name: format!("col_{k}"),
                            data_type: Some(TYPES[k % TYPES.len()].to_string()),
                            nullable: Some(k != 0),
                            comment: None,
                            tags: BTreeMap::new(),
                            mask: (guarded && k == 0).then(|| ColumnMask {
                                function: mask_fn.clone(),
                                using_columns: Vec::new(),
                            }),
                        });
                    }
                    if guarded {
                        d.row_filter = Some(RowFilter {
                            function: filter_fn.clone(),
                            columns: vec!["col_1".into()],
                        });
                    }
                    declared.push(d);
                }
                t += 1;
                if drift == Some(DriftKind::MissingTable) {
                    continue;
                }
                s.securables.push(SecurableRow {
                    kind: Some(SecurableKind::Table),
                    full_name: name.clone(),
                    parent: Some(sch.clone()),
                    owner: Some(if drift == Some(DriftKind::WrongOwner) {
                        "someone_else".into()
                    } else {
                        owner_of(t - 1)
                    }),
                    comment: Some(if drift == Some(DriftKind::CommentChange) {
                        "edited by hand".into()
                    } else {
                        comment
                    }),
                    securable_type: Some("MANAGED".into()),
                    format: Some("DELTA".into()),
                    created_at: Some(created),
                    updated_at: Some(created),
                    ..Default::default()
                });
                let tt = t - 1;
                for k in 0..spec.columns_per_table {
                    s.columns.push(ColumnRow {
                        table_full_name: name.clone(),
                        name: format!("col_{k}"),
                        position: k as i32,
                        type_text: TYPES[k % TYPES.len()].to_string(),
                        nullable: k != 0,
                        comment: None,
                    });
                }
                for j in 0..spec.grants_per_table {
                    if j == 0 && drift == Some(DriftKind::MissingGrant) {
                        continue;
                    }
                    s.grants.push(GrantRow {
                        securable_kind: Some(SecurableKind::Table),
                        securable_full_name: name.clone(),
                        principal: principal_of(tt, j),
                        privilege: PRIVS[j % PRIVS.len()].to_string(),
                    });
                }
                let dropped = drift == Some(DriftKind::DroppedFilterOrMask);
                if drift == Some(DriftKind::ExtraGrant) || (dropped && !guarded) {
                    s.grants.push(GrantRow {
                        securable_kind: Some(SecurableKind::Table),
                        securable_full_name: name.clone(),
                        principal: "grp_intruder".into(),
                        privilege: "MODIFY".into(),
                    });
                }
                for j in 0..spec.tags_per_table {
                    if j == 0 && drift == Some(DriftKind::MissingTag) {
                        continue;
                    }
                    let value = if j == 0 && drift == Some(DriftKind::ChangedTag) {
                        "drifted".to_string()
                    } else {
                        tag_value(tt, j)
                    };
                    s.tags.push(TagRow {
                        securable_kind: Some(SecurableKind::Table),
                        securable_full_name: name.clone(),
                        column_name: None,
                        key: format!("tag_{j}"),
                        value,
                    });
                }
                if guarded {
                    // A dropped control alternates between the filter and the mask.
                    let drop_filter = dropped && tt.is_multiple_of(20);
                    let drop_mask = dropped && !drop_filter;
                    if !drop_filter {
                        s.row_filters.push(RowFilterRow {
                            table_full_name: name.clone(),
                            function_full_name: filter_fn.clone(),
                            input_columns: vec!["col_1".into()],
                        });
                    }
                    if !drop_mask {
                        s.column_masks.push(ColumnMaskRow {
                            table_full_name: name.clone(),
                            column_name: "col_0".into(),
                            function_full_name: mask_fn.clone(),
                            using_columns: Vec::new(),
                        });
                    }
                }
            }
        }
    }

    s.sort();
    s.manifest = Manifest {
        format_version: SNAPSHOT_FORMAT_VERSION,
        snapshot_id: new_snapshot_id(taken_at, (spec.seed & 0xffff_ffff) as u32),
        lineage: format!("synthetic-{}", spec.seed),
        parent_id: None,
        taken_at,
        host: Some("https://synthetic.invalid".into()),
        metastore_id: Some("00000000-0000-0000-0000-000000000000".into()),
        scope,
        collector_mode: "synthetic".into(),
        brickkit_version: crate::VERSION.to_string(),
        counts: s.row_counts(),
        content_digest: String::new(),
    };
    s.manifest.content_digest = content_digest(&s);

    let declared = with_declared.then(|| {
        declared.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
        DeclaredState {
            project: "synthetic".into(),
            environment: "synthetic".into(),
            securables: declared,
            policy: Policy::default(),
            ignore: Vec::new(),
        }
    });
    (declared, s)
}

fn grants_map<const N: usize>(g: [(&str, &str); N]) -> BTreeMap<String, BTreeSet<String>> {
    let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (p, priv_) in g {
        m.entry(p.to_string())
            .or_default()
            .insert(priv_.to_string());
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_sized() {
        let spec = SynthSpec::default();
        let (d1, s1) = generate(&spec);
        let (d2, s2) = generate(&spec);
        assert_eq!(s1, s2);
        assert_eq!(d1, d2);
        let tables = d1
            .securables
            .iter()
            .filter(|s| s.kind == SecurableKind::Table)
            .count();
        assert_eq!(tables, spec.table_count());
        assert!(s1.is_sorted());
        assert_eq!(s1.manifest.content_digest, content_digest(&s1));
        let other = generate_snapshot(&SynthSpec {
            seed: 7,
            ..spec.clone()
        });
        assert_ne!(other.manifest.content_digest, s1.manifest.content_digest);
    }

    #[test]
    fn no_drift_means_the_snapshot_matches_the_declaration() {
        let spec = SynthSpec {
            drift_fraction: 0.0,
            ..SynthSpec::default()
        };
        let (d, s) = generate(&spec);
        let observed: usize = s.tags.len();
        let declared: usize = d.securables.iter().map(|x| x.tags.len()).sum();
        assert_eq!(observed, declared);
        let observed_grants = s.grants.len();
        let declared_grants: usize = d
            .securables
            .iter()
            .filter_map(|x| x.grants.as_ref())
            .map(|g| g.values().map(BTreeSet::len).sum::<usize>())
            .sum();
        assert_eq!(observed_grants, declared_grants);
        assert!(
            s.securables
                .iter()
                .all(|r| r.owner.as_deref() != Some("someone_else"))
        );
    }

    #[test]
    fn drift_fraction_is_respected_and_varied() {
        let spec = SynthSpec {
            catalogs: 2,
            schemas_per_catalog: 5,
            tables_per_schema: 1000,
            drift_fraction: 0.1,
            ..SynthSpec::default()
        };
        let drifted: Vec<DriftKind> = (0..spec.table_count())
            .filter_map(|t| drift_of(&spec, t))
            .collect();
        let frac = drifted.len() as f64 / spec.table_count() as f64;
        assert!((0.08..0.12).contains(&frac), "{frac}");
        for k in DRIFT_KINDS {
            assert!(drifted.contains(&k), "{k:?} never planted");
        }
        let s = generate_snapshot(&spec);
        let missing = drifted
            .iter()
            .filter(|k| **k == DriftKind::MissingTable)
            .count();
        let tables = s
            .securables
            .iter()
            .filter(|r| r.kind == Some(SecurableKind::Table))
            .count();
        assert_eq!(tables, spec.table_count() - missing);
    }
}

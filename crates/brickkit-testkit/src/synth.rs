//! The **synthetic generator**: a declared state and a matching snapshot of any size, with
//! planted drift, deterministic from its inputs. For tests and benchmarks only.
//!
//! Two shapes, built with the same [`Builder`] (declared securables, observed rows, one
//! sort at the end):
//!
//! - [`generate`] / [`generate_snapshot`] from a [`SynthSpec`]: catalogs × schemas ×
//!   tables with columns, grants, tags, and a row filter and a mask on every 10th table;
//!   a seeded fraction of tables drifts (eight kinds, [`DriftKind`]). The benchmarks
//!   (`benches/diff.rs`, `store.rs`, `history.rs`) measure this shape; its output must not
//!   change, or the figures in `docs/benchmarks.md` stop being comparable.
//! - [`generate_governed`]: a governed workspace (4 catalogs × 10 schemas, a required-tag
//!   and sensitive-tag policy, a masked and tagged column on every table, an unmanaged table
//!   per schema), one drift every n-th table rotating through six kinds. The thread-count
//!   determinism test (`tests/it/drift.rs`) uses it.
//!
//! Owns nothing persistent and does no IO, no clock, no randomness beyond the seed: the
//! same inputs always give the same `(DeclaredState, Snapshot)`.

use std::collections::{BTreeMap, BTreeSet};

use brickkit::declared::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, Policy, RequiredTag, RowFilter,
};
use brickkit::model::{PolicyArg, SecurableKind, Text, Timestamp};
use brickkit::state::digest::content_digest;
use brickkit::state::id::new_snapshot_id;
use brickkit::state::{
    ColumnMaskRow, ColumnRow, GrantRow, Manifest, RowFilterRow, SNAPSHOT_FORMAT_VERSION,
    SecurableRow, Snapshot, TagRow,
};

/// The building code both shapes share: the declared securables and the observed rows as
/// they are added, sorted once by [`Builder::finish`].
#[derive(Default)]
struct Builder {
    declared: Vec<DeclaredSecurable>,
    snap: Snapshot,
}

/// A declared securable with an owner and nothing else (no grants block, no tags).
fn declared(kind: SecurableKind, full_name: &str, owner: &str) -> DeclaredSecurable {
    DeclaredSecurable {
        kind,
        full_name: full_name.to_string(),
        declared_name: full_name.to_string(),
        origin: None,
        create: true,
        owner: Some(owner.to_string()),
        comment: None,
        tags: BTreeMap::new(),
        grants: None,
        row_filter: None,
        columns: Vec::new(),
        properties: BTreeMap::new(),
        details: BTreeMap::new(),
    }
}

impl Builder {
    fn declare(&mut self, d: DeclaredSecurable) {
        self.declared.push(d);
    }

    fn observe(&mut self, row: SecurableRow) {
        self.snap.securables.push(row);
    }

    fn grant(&mut self, kind: SecurableKind, name: &str, principal: String, privilege: String) {
        self.snap.grants.push(GrantRow {
            securable_kind: Some(kind),
            securable_full_name: name.into(),
            principal: principal.into(),
            privilege: privilege.into(),
        });
    }

    fn tag(&mut self, name: &str, column: Option<&str>, key: String, value: String) {
        self.snap.tags.push(TagRow {
            securable_kind: Some(SecurableKind::Table),
            securable_full_name: name.into(),
            column_name: column.map(Text::from),
            key: key.into(),
            value: value.into(),
        });
    }

    fn row_filter(&mut self, table: &str, function: String, columns: Vec<String>) {
        self.snap.row_filters.push(RowFilterRow {
            table_full_name: table.into(),
            function_full_name: function.into(),
            input_arguments: columns
                .iter()
                .map(|c| PolicyArg::column(c.as_str()).to_sql())
                .collect(),
        });
    }

    fn mask(&mut self, table: &str, column: &str, function: String) {
        self.snap.column_masks.push(ColumnMaskRow {
            table_full_name: table.into(),
            column_name: column.into(),
            function_full_name: function.into(),
            using_arguments: Vec::new(),
        });
    }

    /// The declared securables sorted by kind and name, and the sorted snapshot (its
    /// manifest is the caller's).
    fn finish(mut self) -> (Vec<DeclaredSecurable>, Snapshot) {
        self.declared
            .sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
        self.snap.sort();
        (self.declared, self.snap)
    }
}

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
    let mut b = Builder::default();
    b.snap
        .securables
        .reserve(n_tables + spec.catalogs * (1 + spec.schemas_per_catalog * 3));
    b.snap.columns.reserve(n_tables * spec.columns_per_table);
    b.snap
        .grants
        .reserve(n_tables * (spec.grants_per_table + 1));
    b.snap.tags.reserve(n_tables * spec.tags_per_table);
    let mut scope = Vec::new();
    let mut t = 0usize;

    // Every declared securable of this shape has a (possibly empty) grants block.
    let decl = |kind, full_name: &str, owner: &str, comment: Option<String>| DeclaredSecurable {
        comment,
        grants: Some(BTreeMap::new()),
        ..declared(kind, full_name, owner)
    };

    for c in 0..spec.catalogs {
        let cat = format!("cat_{c:03}");
        scope.push(cat.clone());
        b.observe(SecurableRow {
            kind: Some(SecurableKind::Catalog),
            full_name: cat.clone().into(),
            owner: Some("grp_platform".into()),
            securable_type: Some("MANAGED_CATALOG".into()),
            created_at: Some(created),
            ..Default::default()
        });
        b.grant(
            SecurableKind::Catalog,
            &cat,
            "grp_readers".into(),
            "USE_CATALOG".into(),
        );
        if with_declared {
            let mut d = decl(SecurableKind::Catalog, &cat, "grp_platform", None);
            d.grants = Some(grants_map([("grp_readers", "USE_CATALOG")]));
            b.declare(d);
        }
        for sc in 0..spec.schemas_per_catalog {
            let sch = format!("{cat}.sch_{sc:03}");
            b.observe(SecurableRow {
                kind: Some(SecurableKind::Schema),
                full_name: sch.clone().into(),
                parent: Some(cat.clone().into()),
                owner: Some("grp_data_eng".into()),
                created_at: Some(created),
                ..Default::default()
            });
            b.grant(
                SecurableKind::Schema,
                &sch,
                "grp_readers".into(),
                "USE_SCHEMA".into(),
            );
            let filter_fn = format!("{sch}.filter_fn");
            let mask_fn = format!("{sch}.mask_fn");
            for f in [&filter_fn, &mask_fn] {
                b.observe(SecurableRow {
                    kind: Some(SecurableKind::Function),
                    full_name: f.clone().into(),
                    parent: Some(sch.clone().into()),
                    owner: Some("grp_data_eng".into()),
                    created_at: Some(created),
                    ..Default::default()
                });
            }
            if with_declared {
                let mut d = decl(SecurableKind::Schema, &sch, "grp_data_eng", None);
                d.grants = Some(grants_map([("grp_readers", "USE_SCHEMA")]));
                b.declare(d);
                for f in [&filter_fn, &mask_fn] {
                    b.declare(decl(SecurableKind::Function, f, "grp_data_eng", None));
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
                            columns: vec![PolicyArg::column("col_1")],
                        });
                    }
                    b.declare(d);
                }
                t += 1;
                if drift == Some(DriftKind::MissingTable) {
                    continue;
                }
                b.observe(SecurableRow {
                    kind: Some(SecurableKind::Table),
                    full_name: name.clone().into(),
                    parent: Some(sch.clone().into()),
                    owner: Some(if drift == Some(DriftKind::WrongOwner) {
                        "someone_else".into()
                    } else {
                        owner_of(t - 1).into()
                    }),
                    comment: Some(if drift == Some(DriftKind::CommentChange) {
                        "edited by hand".into()
                    } else {
                        comment.into()
                    }),
                    securable_type: Some("MANAGED".into()),
                    format: Some("DELTA".into()),
                    created_at: Some(created),
                    updated_at: Some(created),
                    ..Default::default()
                });
                let tt = t - 1;
                for k in 0..spec.columns_per_table {
                    b.snap.columns.push(ColumnRow {
                        table_full_name: name.clone().into(),
                        name: format!("col_{k}").into(),
                        position: k as i32,
                        type_text: TYPES[k % TYPES.len()].into(),
                        nullable: k != 0,
                        comment: None,
                    });
                }
                for j in 0..spec.grants_per_table {
                    if j == 0 && drift == Some(DriftKind::MissingGrant) {
                        continue;
                    }
                    b.grant(
                        SecurableKind::Table,
                        &name,
                        principal_of(tt, j),
                        PRIVS[j % PRIVS.len()].to_string(),
                    );
                }
                let dropped = drift == Some(DriftKind::DroppedFilterOrMask);
                if drift == Some(DriftKind::ExtraGrant) || (dropped && !guarded) {
                    b.grant(
                        SecurableKind::Table,
                        &name,
                        "grp_intruder".into(),
                        "MODIFY".into(),
                    );
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
                    b.tag(&name, None, format!("tag_{j}"), value);
                }
                if guarded {
                    // A dropped control alternates between the filter and the mask.
                    let drop_filter = dropped && tt.is_multiple_of(20);
                    let drop_mask = dropped && !drop_filter;
                    if !drop_filter {
                        b.row_filter(&name, filter_fn.clone(), vec!["col_1".into()]);
                    }
                    if !drop_mask {
                        b.mask(&name, "col_0", mask_fn.clone());
                    }
                }
            }
        }
    }

    let (declared, mut s) = b.finish();
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
        brickkit_version: brickkit::VERSION.to_string(),
        counts: s.row_counts(),
        content_digest: String::new(),
    };
    s.manifest.content_digest = content_digest(&s);

    let declared = with_declared.then(|| DeclaredState {
        project: "synthetic".into(),
        environment: "synthetic".into(),
        securables: declared,
        policy: Policy::default(),
        ignore: Vec::new(),
    });
    (declared, s)
}

/// The governed shape: `tables` tables spread round-robin over 4 catalogs × 10 schemas,
/// one drift every `drift_every` tables (0 = none), for the thread-count determinism test.
///
/// Every table: owner, comment, 3 tags, 3 grants, a masked and tagged `email` column;
/// every 10th table a row filter (observed with a backquoted function name, which the
/// differ must normalise). The drifted tables rotate through owner, tag value, extra
/// grant, dropped mask, dropped row filter and a missing table; the snapshot also holds one
/// unmanaged table per schema. The policy requires a `data_owner` tag on tables and calls
/// `pii` sensitive. The snapshot has a fixed id and no content digest.
pub fn generate_governed(tables: usize, drift_every: usize) -> (DeclaredState, Snapshot) {
    let catalogs = 4usize;
    let schemas = 10usize;
    let mut b = Builder {
        declared: Vec::with_capacity(tables + 64),
        snap: Snapshot::default(),
    };
    b.snap.securables.reserve(tables + 64);
    b.snap.grants.reserve(tables * 3);
    b.snap.tags.reserve(tables * 4);
    b.snap.column_masks.reserve(tables);
    let grants = || -> BTreeMap<String, BTreeSet<String>> {
        [
            ("analysts", vec!["SELECT"]),
            ("data-engineers", vec!["MODIFY", "SELECT"]),
            ("account users", vec!["SELECT"]),
        ]
        .into_iter()
        .map(|(p, v)| (p.to_string(), v.into_iter().map(str::to_string).collect()))
        .collect()
    };
    let plain = |kind: SecurableKind, name: String| declared(kind, &name, "platform-admins");
    let row = |kind: SecurableKind, name: String| SecurableRow {
        kind: Some(kind),
        parent: (name.rsplit_once('.').map(|(p, _)| p.to_string())).map(Into::into),
        full_name: name.into(),
        owner: Some("platform-admins".into()),
        ..SecurableRow::default()
    };
    for c in 0..catalogs {
        let cat = format!("cat{c}_dev");
        b.declare(plain(SecurableKind::Catalog, cat.clone()));
        b.observe(row(SecurableKind::Catalog, cat.clone()));
        for s in 0..schemas {
            let sch = format!("{cat}.sch{s}");
            b.declare(plain(SecurableKind::Schema, sch.clone()));
            b.observe(row(SecurableKind::Schema, sch.clone()));
            b.observe(row(SecurableKind::Table, format!("{sch}.zz_unmanaged")));
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
        let filter = t.is_multiple_of(10);
        let mut tags = BTreeMap::new();
        tags.insert("data_owner".to_string(), "team-a".to_string());
        tags.insert("domain".to_string(), format!("d{}", t % 7));
        tags.insert("pii".to_string(), "false".to_string());
        b.declare(DeclaredSecurable {
            create: false,
            owner: Some("data-engineers".into()),
            comment: Some(format!("table {t}")),
            tags: tags.clone(),
            grants: Some(grants()),
            row_filter: filter.then(|| RowFilter {
                function: format!("{cat}.sec.region_filter"),
                columns: vec![PolicyArg::column("region")],
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
            ..declared(SecurableKind::Table, &name, "data-engineers")
        });
        if which == 5 {
            continue; // missing table
        }
        b.observe(SecurableRow {
            kind: Some(SecurableKind::Table),
            parent: Some(sch.clone().into()),
            full_name: name.clone().into(),
            owner: Some(
                if which == 0 {
                    "someone-else"
                } else {
                    "data-engineers"
                }
                .into(),
            ),
            comment: Some(format!("table {t}").into()),
            securable_type: Some("MANAGED".into()),
            format: Some("DELTA".into()),
            properties: [("delta.minReaderVersion".to_string(), "3".to_string())].into(),
            ..SecurableRow::default()
        });
        for (p, privs) in grants() {
            for v in privs {
                b.grant(SecurableKind::Table, &name, p.clone(), v);
            }
        }
        if which == 2 {
            b.grant(
                SecurableKind::Table,
                &name,
                "intruders".into(),
                "MODIFY".into(),
            );
        }
        for (k, v) in &tags {
            let v = if which == 1 && k == "domain" {
                "changed".to_string()
            } else {
                v.clone()
            };
            b.tag(&name, None, k.clone(), v);
        }
        b.tag(&name, Some("email"), "pii".into(), "true".into());
        if which != 3 {
            b.mask(&name, "email", format!("{cat}.sec.mask_email"));
        }
        if filter && which != 4 {
            b.row_filter(
                &name,
                format!("`{cat}`.`sec`.`region_filter`"),
                vec!["region".into()],
            );
        }
    }
    let (securables, mut snap) = b.finish();
    snap.manifest = Manifest {
        format_version: 1,
        snapshot_id: "20260101T000000000Z-0000beef".into(),
        taken_at: Timestamp::from_civil(2026, 1, 1, 0, 0, 0, 0),
        scope: vec!["*".into()],
        collector_mode: "generated".into(),
        ..Manifest::default()
    };
    let state = DeclaredState {
        project: "generated".into(),
        environment: "dev".into(),
        securables,
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

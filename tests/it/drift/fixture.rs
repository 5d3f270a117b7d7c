//! Small JSON fixture formats for data-driven diff cases: `declared.json` (the effective
//! declared state, every field optional) and `snapshot.json` (rows as short tuples). They
//! exist only for tests; the real inputs are the YAML tree and the snapshot stores.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use brickkit::declared::{
    ColumnMask, DeclaredColumn, DeclaredSecurable, DeclaredState, GrantMode, IgnoreSpec,
    NamingRule, Origin, Policy, RequiredTag, RowFilter,
};
use brickkit::model::{PolicyArg, SecurableKind, Severity, Timestamp};
use brickkit::state::{
    CollectionIssue, ColumnMaskRow, GrantRow, Manifest, RowFilterRow, SecurableRow, Snapshot,
    TagRow,
};
use serde::Deserialize;

/// Filter and mask arguments of a case: SQL text (`region`, `` `region` ``, `'US'`, `42`).
fn args(v: Vec<String>) -> Vec<PolicyArg> {
    v.iter().map(|a| PolicyArg::from_sql(a)).collect()
}

fn kind(s: &str) -> SecurableKind {
    s.parse().unwrap()
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DeclaredFx {
    project: Option<String>,
    environment: Option<String>,
    policy: PolicyFx,
    ignore: Vec<String>,
    securables: Vec<SecurableFx>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct PolicyFx {
    required_tags: Vec<RequiredFx>,
    sensitive_tags: Vec<String>,
    naming: BTreeMap<String, NamingFx>,
    grant_mode: Option<String>,
    severity_overrides: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RequiredFx {
    key: String,
    allowed: Option<Vec<String>>,
    applies_to: Vec<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct NamingFx {
    pattern: Option<String>,
    suffix: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct SecurableFx {
    kind: String,
    name: String,
    line: Option<usize>,
    create: Option<bool>,
    owner: Option<String>,
    comment: Option<String>,
    tags: BTreeMap<String, String>,
    grants: Option<BTreeMap<String, Vec<String>>>,
    row_filter: Option<(String, Vec<String>)>,
    columns: Vec<ColumnFx>,
    properties: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct ColumnFx {
    name: String,
    tags: BTreeMap<String, String>,
    mask: Option<(String, Vec<String>)>,
}

impl DeclaredFx {
    pub fn into_state(self) -> DeclaredState {
        let mut securables: Vec<DeclaredSecurable> = self
            .securables
            .into_iter()
            .map(|s| DeclaredSecurable {
                kind: kind(&s.kind),
                full_name: s.name.to_ascii_lowercase(),
                declared_name: s.name.clone(),
                origin: s.line.map(|line| Origin {
                    file: PathBuf::from("governance.yaml"),
                    line,
                    column: 3,
                }),
                create: s.create.unwrap_or(s.kind != "table"),
                owner: s.owner,
                comment: s.comment,
                tags: s.tags,
                grants: s.grants.map(|g| {
                    g.into_iter()
                        .map(|(p, v)| (p, v.into_iter().collect::<BTreeSet<_>>()))
                        .collect()
                }),
                row_filter: s.row_filter.map(|(function, columns)| RowFilter {
                    function,
                    columns: args(columns),
                }),
                columns: s
                    .columns
                    .into_iter()
                    .map(|c| DeclaredColumn {
                        name: c.name,
                        data_type: None,
                        nullable: None,
                        comment: None,
                        tags: c.tags,
                        mask: c.mask.map(|(function, using_columns)| ColumnMask {
                            function,
                            using_columns: args(using_columns),
                        }),
                    })
                    .collect(),
                properties: s.properties,
                details: BTreeMap::new(),
            })
            .collect();
        securables.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
        let p = self.policy;
        DeclaredState {
            project: self.project.unwrap_or_else(|| "fixture".into()),
            environment: self.environment.unwrap_or_else(|| "dev".into()),
            securables,
            policy: Policy {
                required_tags: p
                    .required_tags
                    .into_iter()
                    .map(|r| RequiredTag {
                        key: r.key,
                        allowed: r.allowed,
                        applies_to: r.applies_to.iter().map(|k| kind(k)).collect(),
                        message: r.message,
                        origin: None,
                    })
                    .collect(),
                sensitive_tags: p.sensitive_tags.into_iter().collect(),
                naming: p
                    .naming
                    .into_iter()
                    .map(|(k, n)| {
                        (
                            kind(&k),
                            NamingRule {
                                pattern: n.pattern,
                                suffix: n.suffix,
                            },
                        )
                    })
                    .collect(),
                grant_mode: match p.grant_mode.as_deref() {
                    Some("additive") => GrantMode::Additive,
                    _ => GrantMode::Authoritative,
                },
                severity_overrides: p
                    .severity_overrides
                    .into_iter()
                    .map(|(g, s)| (g, s.parse::<Severity>().unwrap()))
                    .collect(),
                rules: Vec::new(),
            },
            ignore: self
                .ignore
                .into_iter()
                .map(|pattern| IgnoreSpec {
                    pattern,
                    origin: None,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SnapshotFx {
    id: Option<String>,
    taken_at: Option<String>,
    scope: Vec<String>,
    securables: Vec<SecRowFx>,
    /// `[kind, securable, principal, privilege]`
    grants: Vec<(String, String, String, String)>,
    /// `[kind, securable, column|null, key, value]`
    tags: Vec<(String, String, Option<String>, String, String)>,
    /// `[table, function, [columns]]`
    row_filters: Vec<(String, String, Vec<String>)>,
    /// `[table, column, function, [using]]`
    column_masks: Vec<(String, String, String, Vec<String>)>,
    issues: Vec<IssueFx>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct SecRowFx {
    kind: String,
    name: String,
    owner: Option<String>,
    comment: Option<String>,
    properties: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct IssueFx {
    kind: Option<String>,
    name: String,
    attribute: Option<String>,
    subtree: bool,
    code: Option<String>,
    message: String,
}

impl SnapshotFx {
    pub fn into_snapshot(self) -> Snapshot {
        let mut s = Snapshot {
            manifest: Manifest {
                format_version: 1,
                snapshot_id: self
                    .id
                    .unwrap_or_else(|| "20260101T000000000Z-00000000".into()),
                taken_at: Timestamp::parse_rfc3339(
                    self.taken_at.as_deref().unwrap_or("2026-01-01T00:00:00Z"),
                )
                .unwrap(),
                scope: if self.scope.is_empty() {
                    vec!["*".into()]
                } else {
                    self.scope
                },
                collector_mode: "fixture".into(),
                ..Manifest::default()
            },
            securables: self
                .securables
                .into_iter()
                .map(|r| SecurableRow {
                    kind: Some(kind(&r.kind)),
                    parent: (r.name.rsplit_once('.').map(|(p, _)| p.to_string())).map(Into::into),
                    full_name: r.name.into(),
                    owner: r.owner.map(Into::into),
                    comment: r.comment.map(Into::into),
                    properties: r.properties,
                    ..SecurableRow::default()
                })
                .collect(),
            grants: self
                .grants
                .into_iter()
                .map(|(k, n, p, v)| GrantRow {
                    securable_kind: Some(kind(&k)),
                    securable_full_name: n.into(),
                    principal: p.into(),
                    privilege: v.into(),
                })
                .collect(),
            tags: self
                .tags
                .into_iter()
                .map(|(k, n, c, key, value)| TagRow {
                    securable_kind: Some(kind(&k)),
                    securable_full_name: n.into(),
                    column_name: c.map(Into::into),
                    key: key.into(),
                    value: value.into(),
                })
                .collect(),
            row_filters: self
                .row_filters
                .into_iter()
                .map(|(t, f, c)| RowFilterRow {
                    table_full_name: t.into(),
                    function_full_name: f.into(),
                    input_arguments: c.iter().map(|a| PolicyArg::from_sql(a).to_sql()).collect(),
                })
                .collect(),
            column_masks: self
                .column_masks
                .into_iter()
                .map(|(t, c, f, u)| ColumnMaskRow {
                    table_full_name: t.into(),
                    column_name: c.into(),
                    function_full_name: f.into(),
                    using_arguments: u.iter().map(|a| PolicyArg::from_sql(a).to_sql()).collect(),
                })
                .collect(),
            collection_issues: self
                .issues
                .into_iter()
                .map(|i| CollectionIssue {
                    securable_kind: i.kind.as_deref().map(kind),
                    full_name: i.name.into(),
                    attribute: i.attribute.map(Into::into),
                    subtree: i.subtree,
                    error_code: i.code.map(Into::into),
                    message: i.message.into(),
                })
                .collect(),
            ..Snapshot::default()
        };
        s.sort();
        s
    }
}

/// `options.json` of a case.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct OptionsFx {
    pub ignore: Vec<String>,
    pub unmanaged: Option<String>,
}

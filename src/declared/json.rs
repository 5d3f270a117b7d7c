//! Printed JSON mirrors of the declared side: the effective state (`brickkit declared
//! show --format json`) and loader diagnostics (`brickkit validate --format json`).
//!
//! Owns these two versioned formats (`format_version`, see `docs/declared-format.md`) and
//! the conversions from the model. It must never be used to read a tree: the YAML is the
//! source of truth. Output is deterministic (sorted maps and lists).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::LoadResult;
use super::diagnostic::Diagnostic;
use super::model::{DeclaredState, GrantMode, Origin};
use crate::model::PolicyArg;

/// Version of the `declared show` JSON format.
pub const DECLARED_JSON_VERSION: u32 = 1;
/// Version of the `validate` JSON format.
pub const VALIDATE_JSON_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct DeclaredJson {
    pub format_version: u32,
    pub project: String,
    pub environment: String,
    pub securables: Vec<SecurableJson>,
    pub policy: PolicyJson,
    pub ignore: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SecurableJson {
    pub kind: &'static str,
    pub full_name: String,
    pub declared_name: String,
    pub create: bool,
    pub owner: Option<String>,
    pub comment: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// principal -> sorted privileges; `null` when grants are not governed.
    pub grants: Option<BTreeMap<String, BTreeSet<String>>>,
    pub row_filter: Option<RowFilterJson>,
    /// column -> mask.
    pub column_masks: BTreeMap<String, MaskJson>,
    pub columns: Vec<ColumnJson>,
    pub properties: BTreeMap<String, String>,
    pub details: BTreeMap<String, String>,
    /// `file:line:column`, relative to the tree root.
    pub origin: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RowFilterJson {
    pub function: String,
    pub columns: Vec<ArgJson>,
}

#[derive(Debug, Serialize)]
pub struct MaskJson {
    pub function: String,
    pub using_columns: Vec<ArgJson>,
}

/// A filter or mask argument: a column as its name, a constant as `{"constant": literal}`
/// (the literal's SQL text, e.g. `'US'` or `42`).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum ArgJson {
    Column(String),
    Constant { constant: String },
}

fn args_json(args: &[PolicyArg]) -> Vec<ArgJson> {
    args.iter()
        .map(|a| match a {
            PolicyArg::Column(c) => ArgJson::Column(c.clone()),
            PolicyArg::Constant(k) => ArgJson::Constant {
                constant: k.clone(),
            },
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct ColumnJson {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: Option<String>,
    pub nullable: Option<bool>,
    pub comment: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub mask: Option<MaskJson>,
}

#[derive(Debug, Serialize)]
pub struct PolicyJson {
    pub grant_mode: &'static str,
    pub sensitive_tags: BTreeSet<String>,
    pub required_tags: Vec<RequiredTagJson>,
    /// kind -> rule.
    pub naming: BTreeMap<&'static str, NamingJson>,
    pub severity_overrides: Vec<SeverityOverrideJson>,
    /// Policy rules over every securable in scope, in file order.
    pub rules: Vec<RuleJson>,
}

#[derive(Debug, Serialize)]
pub struct RuleJson {
    pub id: String,
    pub message: String,
    pub severity: &'static str,
    pub scope: RuleScopeJson,
    pub check: RuleCheckJson,
    pub origin: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct RuleScopeJson {
    pub kinds: Vec<&'static str>,
    pub catalogs: Vec<String>,
    pub schemas: Vec<String>,
    pub names: Vec<String>,
    pub environments: Vec<String>,
}

/// A rule's check, tagged by `type`.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RuleCheckJson {
    RequiredTag {
        key: String,
        allowed: Option<Vec<String>>,
        /// Left out when the rule gives none.
        #[serde(skip_serializing_if = "Option::is_none")]
        default: Option<String>,
        columns: bool,
    },
    Naming {
        pattern: String,
    },
    Owner {
        pattern: Option<String>,
        one_of: Vec<String>,
        not_user: bool,
    },
    ForbiddenGrant {
        principals: Vec<String>,
        privileges: Vec<String>,
        users: bool,
    },
    Protection {
        column_tags: BTreeMap<String, Option<String>>,
        require_mask: bool,
        require_row_filter: bool,
        allowed_tables: Vec<String>,
    },
}

fn rule_json(r: &crate::declared::model::PolicyRule) -> RuleJson {
    use crate::declared::model::RuleCheck as C;
    RuleJson {
        id: r.id.clone(),
        message: r.message.clone(),
        severity: r.severity.as_str(),
        scope: RuleScopeJson {
            kinds: r.scope.kinds.iter().map(|k| k.as_str()).collect(),
            catalogs: r.scope.catalogs.clone(),
            schemas: r.scope.schemas.clone(),
            names: r.scope.names.clone(),
            environments: r.scope.environments.clone(),
        },
        check: match &r.check {
            C::RequiredTag {
                key,
                allowed,
                default,
                on_columns,
            } => RuleCheckJson::RequiredTag {
                key: key.clone(),
                allowed: allowed.clone(),
                default: default.clone(),
                columns: *on_columns,
            },
            C::Naming { pattern } => RuleCheckJson::Naming {
                pattern: pattern.clone(),
            },
            C::Owner {
                pattern,
                one_of,
                not_user,
            } => RuleCheckJson::Owner {
                pattern: pattern.clone(),
                one_of: one_of.clone(),
                not_user: *not_user,
            },
            C::ForbiddenGrant {
                principals,
                privileges,
                users,
            } => RuleCheckJson::ForbiddenGrant {
                principals: principals.clone(),
                privileges: privileges.clone(),
                users: *users,
            },
            C::Protection {
                column_tags,
                require_mask,
                require_row_filter,
                allowed_tables,
            } => RuleCheckJson::Protection {
                column_tags: column_tags.clone(),
                require_mask: *require_mask,
                require_row_filter: *require_row_filter,
                allowed_tables: allowed_tables.clone(),
            },
        },
        origin: origin_text(r.origin.as_ref()),
    }
}

#[derive(Debug, Serialize)]
pub struct RequiredTagJson {
    pub key: String,
    pub allowed: Option<Vec<String>>,
    pub applies_to: Vec<&'static str>,
    pub message: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NamingJson {
    pub pattern: Option<String>,
    pub suffix: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SeverityOverrideJson {
    pub field: String,
    pub severity: &'static str,
}

fn origin_text(o: Option<&Origin>) -> Option<String> {
    o.map(|o| {
        format!(
            "{}:{}:{}",
            o.file.display().to_string().replace('\\', "/"),
            o.line,
            o.column
        )
    })
}

impl DeclaredJson {
    /// Mirror of an effective state.
    pub fn from_state(s: &DeclaredState) -> Self {
        let securables = s
            .securables
            .iter()
            .map(|d| SecurableJson {
                kind: d.kind.as_str(),
                full_name: d.full_name.clone(),
                declared_name: d.declared_name.clone(),
                create: d.create,
                owner: d.owner.clone(),
                comment: d.comment.clone(),
                tags: d.tags.clone(),
                grants: d.grants.clone(),
                row_filter: d.row_filter.as_ref().map(|r| RowFilterJson {
                    function: r.function.clone(),
                    columns: args_json(&r.columns),
                }),
                column_masks: d
                    .columns
                    .iter()
                    .filter_map(|c| {
                        c.mask.as_ref().map(|m| {
                            (
                                c.name.clone(),
                                MaskJson {
                                    function: m.function.clone(),
                                    using_columns: args_json(&m.using_columns),
                                },
                            )
                        })
                    })
                    .collect(),
                columns: d
                    .columns
                    .iter()
                    .map(|c| ColumnJson {
                        name: c.name.clone(),
                        data_type: c.data_type.clone(),
                        nullable: c.nullable,
                        comment: c.comment.clone(),
                        tags: c.tags.clone(),
                        mask: c.mask.as_ref().map(|m| MaskJson {
                            function: m.function.clone(),
                            using_columns: args_json(&m.using_columns),
                        }),
                    })
                    .collect(),
                properties: d.properties.clone(),
                details: d.details.clone(),
                origin: origin_text(d.origin.as_ref()),
            })
            .collect();
        let p = &s.policy;
        DeclaredJson {
            format_version: DECLARED_JSON_VERSION,
            project: s.project.clone(),
            environment: s.environment.clone(),
            securables,
            policy: PolicyJson {
                grant_mode: match p.grant_mode {
                    GrantMode::Authoritative => "authoritative",
                    GrantMode::Additive => "additive",
                },
                sensitive_tags: p.sensitive_tags.clone(),
                required_tags: p
                    .required_tags
                    .iter()
                    .map(|r| RequiredTagJson {
                        key: r.key.clone(),
                        allowed: r.allowed.clone(),
                        applies_to: r.applies_to.iter().map(|k| k.as_str()).collect(),
                        message: r.message.clone(),
                    })
                    .collect(),
                naming: p
                    .naming
                    .iter()
                    .map(|(k, n)| {
                        (
                            k.as_str(),
                            NamingJson {
                                pattern: n.pattern.clone(),
                                suffix: n.suffix.clone(),
                            },
                        )
                    })
                    .collect(),
                severity_overrides: p
                    .severity_overrides
                    .iter()
                    .map(|(f, s)| SeverityOverrideJson {
                        field: f.clone(),
                        severity: s.as_str(),
                    })
                    .collect(),
                rules: p.rules.iter().map(rule_json).collect(),
            },
            ignore: s.ignore.iter().map(|i| i.pattern.clone()).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ValidateJson {
    pub format_version: u32,
    /// The environment the tree was checked for, when known.
    pub environment: Option<String>,
    /// `valid` (no diagnostics), `violations` (exit 1) or `errors` (exit 2).
    pub outcome: &'static str,
    pub errors: usize,
    pub violations: usize,
    pub diagnostics: Vec<DiagnosticJson>,
}

#[derive(Debug, Serialize)]
pub struct DiagnosticJson {
    pub level: &'static str,
    pub code: &'static str,
    /// Relative to the tree root; `null` for problems with the tree as a whole.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl DiagnosticJson {
    pub fn from_diagnostic(d: &Diagnostic) -> Self {
        DiagnosticJson {
            level: d.level.as_str(),
            code: d.code,
            file: d
                .origin
                .as_ref()
                .map(|o| o.file.display().to_string().replace('\\', "/")),
            line: d.origin.as_ref().map(|o| o.line),
            column: d.origin.as_ref().map(|o| o.column),
            message: d.message.clone(),
        }
    }
}

impl ValidateJson {
    /// Mirror of a load result.
    pub fn from_result(r: &LoadResult) -> Self {
        let errors = r
            .diagnostics
            .iter()
            .filter(|d| d.level == super::Level::Error)
            .count();
        let violations = r.diagnostics.len() - errors;
        ValidateJson {
            format_version: VALIDATE_JSON_VERSION,
            environment: r.state.as_ref().map(|s| s.environment.clone()),
            outcome: if errors > 0 {
                "errors"
            } else if violations > 0 {
                "violations"
            } else {
                "valid"
            },
            errors,
            violations,
            diagnostics: r
                .diagnostics
                .iter()
                .map(DiagnosticJson::from_diagnostic)
                .collect(),
        }
    }
}

/// Pretty JSON of a value followed by a newline.
pub fn to_pretty<T: Serialize>(v: &T) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(v)?;
    s.push('\n');
    Ok(s)
}

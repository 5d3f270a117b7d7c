//! The **effective declared state**: what the YAML tree says after environments and
//! conventions have been applied. Every later stage (diff, drift, planner) reads only this.
//!
//! Pure data: no IO, no serde. Names here are already resolved for one environment.

pub use crate::model::Origin;
use crate::model::{PolicyArg, SecurableKind, Severity};
use std::collections::{BTreeMap, BTreeSet};

/// The effective declared state of a governance tree for one environment.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredState {
    /// `project:` from `brickkit.yaml`.
    pub project: String,
    /// The environment the names were resolved for.
    pub environment: String,
    /// Every declared securable, sorted by `(kind, full_name)`; full names are unique per kind.
    pub securables: Vec<DeclaredSecurable>,
    /// Conventions that the differ and the classifier apply beyond the per-securable values.
    pub policy: Policy,
    /// Ignore patterns from `brickkit.yaml` (`kind:name-glob[#field-glob]`).
    pub ignore: Vec<IgnoreSpec>,
}

/// One ignore pattern and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreSpec {
    pub pattern: String,
    pub origin: Option<Origin>,
}

/// A securable as it should be.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredSecurable {
    pub kind: SecurableKind,
    /// Resolved, environment-specific full name (`sales_dev.orders.orders`), lower case.
    pub full_name: String,
    /// The name as written in YAML, before environment resolution (`sales.orders.orders`).
    pub declared_name: String,
    /// Where the securable is declared.
    pub origin: Option<Origin>,
    /// True when brickkit owns the securable's existence (catalogs, schemas, volumes,
    /// functions, infrastructure, and tables with `create: true`); false for table references,
    /// which are governed but never created or dropped.
    pub create: bool,
    /// Expected owner (explicit or convention default); `None` = owner not governed.
    pub owner: Option<String>,
    /// Expected comment; `None` = comment not governed.
    pub comment: Option<String>,
    /// Expected securable-level tags, convention defaults included. Tags on the actual
    /// securable that are not here are drift (`remove`), unless ignored.
    pub tags: BTreeMap<String, String>,
    /// Expected direct grants: principal (resolved) -> canonical privileges.
    /// `None` = grants not governed on this securable.
    pub grants: Option<BTreeMap<String, BTreeSet<String>>>,
    /// Expected row filter (tables only). `None` = the table should have no row filter.
    pub row_filter: Option<RowFilter>,
    /// Declared columns (all of them for `create: true` tables; the governed subset otherwise).
    /// A mask found on a column that declares none (or is not declared) is drift.
    pub columns: Vec<DeclaredColumn>,
    /// Declared table properties; only these keys are compared.
    pub properties: BTreeMap<String, String>,
    /// Kind-specific attributes, flattened to strings: for functions `params`, `returns`,
    /// `body`; volumes `volume_type`, `storage_location`; external locations `url`,
    /// `credential_name`, `read_only`; storage credentials `aws_iam_role`, ...; connections
    /// `connection_type` and `options.<key>` (secrets only as `${env:VAR}` references).
    pub details: BTreeMap<String, String>,
}

impl DeclaredSecurable {
    /// Full name of the parent securable (`cat` for a schema, `cat.sch` for a table).
    pub fn parent_name(&self) -> Option<&str> {
        self.kind.parent_kind()?;
        self.full_name.rsplit_once('.').map(|(p, _)| p)
    }

    /// The catalog this securable lives in, for catalog-scoped kinds.
    pub fn catalog_name(&self) -> Option<&str> {
        if self.kind.in_catalog() {
            self.full_name.split('.').next()
        } else {
            None
        }
    }
}

/// A row filter: a function (resolved three-part name) applied with these arguments
/// (columns or constants).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowFilter {
    pub function: String,
    pub columns: Vec<PolicyArg>,
}

/// A column mask: a function (resolved three-part name) and its extra `USING COLUMNS`
/// arguments (columns or constants).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ColumnMask {
    pub function: String,
    pub using_columns: Vec<PolicyArg>,
}

/// A declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredColumn {
    pub name: String,
    /// SQL type text (`DECIMAL(18,2)`); required for `create: true` tables.
    pub data_type: Option<String>,
    pub nullable: Option<bool>,
    pub comment: Option<String>,
    /// Column-level tags.
    pub tags: BTreeMap<String, String>,
    pub mask: Option<ColumnMask>,
}

/// How declared grants relate to grants found on the securable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GrantMode {
    /// Undeclared privileges are drift and are revoked on apply.
    #[default]
    Authoritative,
    /// Only missing privileges are drift; extra ones are reported as info and never revoked.
    Additive,
}

/// A tag every securable of some kinds must carry.
#[derive(Debug, Clone, PartialEq)]
pub struct RequiredTag {
    pub key: String,
    /// Allowed values; `None` = any value.
    pub allowed: Option<Vec<String>>,
    /// Kinds it applies to; empty = every kind.
    pub applies_to: Vec<SecurableKind>,
    /// Custom message shown when the tag is missing or has a value not allowed.
    pub message: Option<String>,
    pub origin: Option<Origin>,
}

impl RequiredTag {
    /// True when the rule applies to securables of `kind`.
    pub fn applies(&self, kind: SecurableKind) -> bool {
        self.applies_to.is_empty() || self.applies_to.contains(&kind)
    }
}

/// A naming rule for one securable kind, checked against the short (last-part) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingRule {
    /// Regular expression (Rust `regex` syntax) the name must match; validated at load time.
    /// Checked against the name as written, before the environment suffix is added.
    pub pattern: Option<String>,
    /// Suffix appended for the environment (`{env}` already replaced), e.g. `_dev`.
    pub suffix: Option<String>,
}

/// Where a policy rule applies: kinds and globs on the name's parts. Empty lists mean
/// "any". Globs use `*` (any run of characters) and `?` (one character), matched
/// case-insensitively against the snapshot's names. Environments are applied when the
/// tree is loaded: a rule whose `environments` excludes the loaded one is not compiled.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleScope {
    pub kinds: Vec<SecurableKind>,
    /// Catalog name globs (the first part of the full name; infrastructure kinds have none
    /// and are in scope only when this is empty).
    pub catalogs: Vec<String>,
    /// Schema name globs (the second part).
    pub schemas: Vec<String>,
    /// Globs on the last part of the name (the securable's own name).
    pub names: Vec<String>,
    /// Environments the rule applies to, as written (empty: every environment).
    pub environments: Vec<String>,
}

/// What a policy rule checks on every securable in its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleCheck {
    /// A tag with `key` must be present — on the securable or, with `on_columns`, on every
    /// column of a table in scope — with one of `allowed` values when given. `default` is
    /// the value `drift plan` sets where the tag is missing or not allowed (one of `allowed`
    /// when both are given); without it, a single allowed value is the fix.
    RequiredTag {
        key: String,
        allowed: Option<Vec<String>>,
        default: Option<String>,
        on_columns: bool,
    },
    /// The securable's own (last-part) name must match `pattern` (a Rust regex).
    Naming { pattern: String },
    /// The owner must match `pattern` (regex), be one of `one_of`, and with `not_user` must
    /// not be an individual user (an e-mail address).
    Owner {
        pattern: Option<String>,
        one_of: Vec<String>,
        not_user: bool,
    },
    /// No direct grant of a privilege matching `privileges` (globs on canonical privilege
    /// names, e.g. `ALL_PRIVILEGES`, `MODIFY`; empty: any) to a principal matching
    /// `principals` (globs; empty: any) — and, with `users`, to any individual user.
    ForbiddenGrant {
        principals: Vec<String>,
        privileges: Vec<String>,
        users: bool,
    },
    /// Protection: a column whose tags match `column_tags` (key → required value, `None` =
    /// any value) must carry a column mask (`require_mask`), and a table holding such a column
    /// must carry a row filter (`require_row_filter`) unless its full name matches one of
    /// `allowed_tables` (globs).
    Protection {
        column_tags: BTreeMap<String, Option<String>>,
        require_mask: bool,
        require_row_filter: bool,
        allowed_tables: Vec<String>,
    },
}

impl RuleCheck {
    /// The snake_case name of the check, as written in a convention file.
    pub fn as_str(&self) -> &'static str {
        match self {
            RuleCheck::RequiredTag { .. } => "required_tag",
            RuleCheck::Naming { .. } => "naming",
            RuleCheck::Owner { .. } => "owner",
            RuleCheck::ForbiddenGrant { .. } => "forbidden_grant",
            RuleCheck::Protection { .. } => "protection",
        }
    }
}

/// A policy rule: applies to **every** securable of a snapshot within its scope, declared or
/// not (the "offline audit"), unlike the declared-only conventions above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// Unique across the tree (`[a-z0-9][a-z0-9_.-]*`): the id in every report.
    pub id: String,
    /// What a violation means, for people (also the SARIF rule's help text).
    pub message: String,
    pub severity: Severity,
    pub scope: RuleScope,
    pub check: RuleCheck,
    /// Where the rule is written (SARIF results point here).
    pub origin: Option<Origin>,
}

/// Convention rules, after merging every convention file that applies.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Policy {
    pub required_tags: Vec<RequiredTag>,
    /// Tag keys whose drift is critical.
    pub sensitive_tags: BTreeSet<String>,
    pub naming: BTreeMap<SecurableKind, NamingRule>,
    pub grant_mode: GrantMode,
    /// Severity overrides: field glob (`tags.cost_center`, `comment`, `grants.*`) -> severity.
    /// The first matching entry wins.
    pub severity_overrides: Vec<(String, Severity)>,
    /// Policy rules over every securable in scope, in the order the files list them.
    pub rules: Vec<PolicyRule>,
}

//! The **planner**: declared state, a snapshot and their diff become a [`Plan`] — an ordered
//! list of [`Operation`]s, each with a stable id, the securable it touches, the attribute
//! values it expects to find (the *precondition*, as seen in the snapshot) and the values it
//! sets (the *target*), the ids it depends on, and exactly the request(s) it will send (a
//! REST call with its canonical JSON body, or one SQL statement).
//!
//! What is planned is decided by the drift classification (`drift::classify`), so a plan
//! and `drift detect` always agree: nothing is planned for a securable or attribute that is
//! unknown (under a collection issue), ignored or undeclared — those are listed in
//! [`Plan::not_planned`] with the reason. brickkit never drops a securable.
//!
//! Policy rule violations (the report's `violations`) with one unambiguous fix — a required
//! tag's default or single allowed value, a forbidden grant to revoke — are planned too, on
//! declared and undeclared securables alike, each change naming its rule
//! ([`AttributeChange::from_rules`]); every other violation, and every one whose fix the
//! declared tree contradicts (the tree wins), is in [`Plan::left_for_person`].
//!
//! Pure and synchronous: no IO, no clock, no environment. Secrets never enter a plan:
//! connection options keep their `${env:VAR}` references, resolved only at apply time.
//! Domain types here do not derive serde; `doc` holds the mirror the JSON output and the
//! plan file (`file`) share, and `render` prints text, JSON and markdown.

mod build;
pub mod doc;
pub mod file;
mod fix;
pub mod render;
pub mod request;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::declared::GrantMode;
use crate::diff::Value;
use crate::drift::{IgnoreRules, UnmanagedScope};
use crate::model::{SecurableKind, Timestamp};

pub use build::{plan, plan_report};

/// Options of the planner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanOptions {
    /// Ignore rules (the tree's and the caller's), already parsed: the same the drift
    /// classification uses.
    pub ignore: IgnoreRules,
    /// Where undeclared securables are listed as "not planned".
    pub unmanaged: UnmanagedScope,
}

/// The snapshot a plan was computed from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotSource {
    pub id: String,
    pub lineage: String,
    /// The snapshot's content digest (`sha256:<hex>`).
    pub digest: String,
    pub host: Option<String>,
    pub metastore_id: Option<String>,
    pub taken_at: Timestamp,
}

/// A computed plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub project: String,
    pub environment: String,
    pub snapshot: SnapshotSource,
    /// Digest of the effective declared state the plan was made from (`sha256:<hex>`).
    pub declared_digest: String,
    pub grant_mode: GrantMode,
    /// Version of the brickkit that made the plan.
    pub brickkit_version: String,
    /// In execution order: every operation comes after those it depends on.
    pub operations: Vec<Operation>,
    /// What the plan leaves alone, and why; sorted by (kind, name, attribute).
    pub not_planned: Vec<NotPlanned>,
    /// Policy rule violations no operation fixes, for a person to decide; sorted by (rule,
    /// kind, name, field).
    pub left_for_person: Vec<LeftForPerson>,
}

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// Create the securable (REST `POST`, or `CREATE TABLE` / `CREATE FUNCTION`).
    Create,
    SetComment,
    /// One permissions `PATCH` with every principal's `add` and `remove`.
    UpdateGrants,
    /// One `SET TAGS (...)` on a securable or a column.
    SetTags,
    /// One `UNSET TAGS (...)` on a securable or a column.
    UnsetTags,
    SetRowFilter,
    DropRowFilter,
    SetMask,
    DropMask,
    /// Owner transfer: after every other change on the securable.
    SetOwner,
}

impl OpKind {
    pub const ALL: [OpKind; 10] = [
        OpKind::Create,
        OpKind::SetComment,
        OpKind::UpdateGrants,
        OpKind::SetTags,
        OpKind::UnsetTags,
        OpKind::SetRowFilter,
        OpKind::DropRowFilter,
        OpKind::SetMask,
        OpKind::DropMask,
        OpKind::SetOwner,
    ];

    /// The snake_case name used in ids, JSON and the plan file.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::SetComment => "set_comment",
            OpKind::UpdateGrants => "update_grants",
            OpKind::SetTags => "set_tags",
            OpKind::UnsetTags => "unset_tags",
            OpKind::SetRowFilter => "set_row_filter",
            OpKind::DropRowFilter => "drop_row_filter",
            OpKind::SetMask => "set_mask",
            OpKind::DropMask => "drop_mask",
            OpKind::SetOwner => "set_owner",
        }
    }

    /// The inverse of [`OpKind::as_str`].
    pub fn parse(s: &str) -> Option<OpKind> {
        OpKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an operation counts in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    /// `+`
    Create,
    /// `~`
    Change,
    /// `-`: only revokes, unsets or drops.
    Revoke,
}

impl Effect {
    pub fn symbol(self) -> char {
        match self {
            Effect::Create => '+',
            Effect::Change => '~',
            Effect::Revoke => '-',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Create => "create",
            Effect::Change => "change",
            Effect::Revoke => "revoke",
        }
    }
}

/// One attribute an operation touches: what the snapshot showed, and what it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    /// The drift field spelling: `exists`, `owner`, `comment`, `tags.<key>`,
    /// `columns.<col>.tags.<key>`, `grants.<principal>`, `row_filter`, `columns.<col>.mask`.
    pub attribute: String,
    /// The observed value the plan was made against (apply checks it live). For a
    /// securable the plan creates, every attribute's precondition is `Absent`.
    pub precondition: Value,
    /// The value after the operation.
    pub target: Value,
    /// Ids of the policy rules whose fix this change carries, sorted (empty: the declared
    /// tree's change alone).
    pub from_rules: Vec<String>,
}

/// HTTP method of a REST request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Patch,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Patch => "PATCH",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "POST" => Some(Method::Post),
            "PATCH" => Some(Method::Patch),
            _ => None,
        }
    }
}

/// Exactly what an operation sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A REST call; `path` is percent-encoded, `body` is canonical JSON (sorted keys, no
    /// whitespace). Connection secrets appear only as `${env:VAR}` references.
    Rest {
        method: Method,
        path: String,
        body: String,
    },
    /// One SQL statement for the Statement Execution API.
    Sql { statement: String },
}

/// One planned operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Stable id: `<kind>:<full name>:<operation>[:<column>]` — never an index, so the same
    /// drift gives the same id in every plan.
    pub id: String,
    pub kind: SecurableKind,
    pub full_name: String,
    pub op: OpKind,
    /// The column, for column tags and masks.
    pub column: Option<String>,
    /// Every attribute the operation touches, sorted by attribute.
    pub changes: Vec<AttributeChange>,
    /// Ids of the operations that must succeed first.
    pub depends_on: Vec<String>,
    pub requests: Vec<Request>,
}

impl Operation {
    /// The policy rules whose fixes the operation carries, sorted, once each.
    pub fn rules(&self) -> Vec<&str> {
        let mut r: Vec<&str> = self
            .changes
            .iter()
            .flat_map(|c| c.from_rules.iter().map(String::as_str))
            .collect();
        r.sort_unstable();
        r.dedup();
        r
    }

    /// The stable id of an operation.
    pub fn id_of(kind: SecurableKind, full_name: &str, op: OpKind, column: Option<&str>) -> String {
        match column {
            Some(c) => format!("{}:{full_name}:{}:{c}", kind.as_str(), op.as_str()),
            None => format!("{}:{full_name}:{}", kind.as_str(), op.as_str()),
        }
    }

    /// How the operation counts: creates, revokes (only removals), or changes.
    pub fn effect(&self) -> Effect {
        match self.op {
            OpKind::Create => Effect::Create,
            OpKind::UnsetTags | OpKind::DropRowFilter | OpKind::DropMask => Effect::Revoke,
            OpKind::UpdateGrants => {
                let only_removes =
                    self.changes
                        .iter()
                        .all(|c| match (&c.target, &c.precondition) {
                            (Value::Set(t), Value::Set(p)) => t.iter().all(|x| p.contains(x)),
                            _ => false,
                        });
                if only_removes {
                    Effect::Revoke
                } else {
                    Effect::Change
                }
            }
            _ => Effect::Change,
        }
    }
}

/// Why something is not planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// Under a collection issue: nobody could read it.
    Unknown,
    /// Silenced by an ignore rule.
    Ignored,
    /// Present in the workspace, not declared: brickkit never drops a securable.
    Undeclared,
    /// Additive grant mode: extra privileges are reported, never revoked.
    Additive,
    /// Drift brickkit cannot or does not fix (renames, properties, a reference table).
    Unsupported,
}

impl Cause {
    pub const ALL: [Cause; 5] = [
        Cause::Unknown,
        Cause::Ignored,
        Cause::Undeclared,
        Cause::Additive,
        Cause::Unsupported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Unknown => "unknown",
            Cause::Ignored => "ignored",
            Cause::Undeclared => "undeclared",
            Cause::Additive => "additive",
            Cause::Unsupported => "unsupported",
        }
    }

    pub fn parse(s: &str) -> Option<Cause> {
        Cause::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Something the plan leaves alone.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct NotPlanned {
    /// `None` for a metastore-level collection issue.
    pub kind: Option<SecurableKind>,
    pub full_name: String,
    /// `None` = the whole securable.
    pub attribute: Option<String>,
    pub cause: Cause,
    pub reason: String,
}

/// Why a rule violation is left for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LeftCause {
    /// The rule has no single fix a plan can make (a mask, a row filter, a name, an owner,
    /// a tag with several allowed values and no default).
    NoFix,
    /// The declared tree (or another rule) wants something else for the same attribute: the
    /// tree wins, a person reconciles them.
    Conflict,
}

impl LeftCause {
    pub const ALL: [LeftCause; 2] = [LeftCause::NoFix, LeftCause::Conflict];

    pub fn as_str(self) -> &'static str {
        match self {
            LeftCause::NoFix => "no_fix",
            LeftCause::Conflict => "conflict",
        }
    }

    pub fn parse(s: &str) -> Option<LeftCause> {
        LeftCause::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A policy rule violation the plan does not fix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LeftForPerson {
    pub rule_id: String,
    pub kind: SecurableKind,
    pub full_name: String,
    /// The violation's field (`columns.email.mask`, `owner`, `tags.data_owner`, ...).
    pub field: String,
    pub cause: LeftCause,
    /// Why, and what a person would do.
    pub reason: String,
}

/// Counts for the summary line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlanSummary {
    pub create: usize,
    pub change: usize,
    pub revoke: usize,
    /// Not planned because unknown.
    pub unknown: usize,
    /// Everything not planned, unknown included.
    pub not_planned: usize,
    /// Operations carrying a policy rule's fix.
    pub from_rules: usize,
    /// Rule violations left for a person.
    pub left_for_person: usize,
}

impl Plan {
    /// Counts per effect and of what is not planned.
    pub fn summary(&self) -> PlanSummary {
        let mut s = PlanSummary {
            not_planned: self.not_planned.len(),
            unknown: self
                .not_planned
                .iter()
                .filter(|n| n.cause == Cause::Unknown)
                .count(),
            left_for_person: self.left_for_person.len(),
            ..PlanSummary::default()
        };
        for op in &self.operations {
            if op.changes.iter().any(|c| !c.from_rules.is_empty()) {
                s.from_rules += 1;
            }
            match op.effect() {
                Effect::Create => s.create += 1,
                Effect::Change => s.change += 1,
                Effect::Revoke => s.revoke += 1,
            }
        }
        s
    }

    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }
}

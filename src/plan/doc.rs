//! The serde mirror of a [`Plan`]: what `drift plan --format json` prints
//! (`docs/formats/plan-json.md`) and what the plan file stores as MessagePack
//! (`docs/formats/plan.md`). Conversions both ways are lossless, so a plan read back from a
//! file renders byte for byte as it did when it was made.
//!
//! Owns the field names of both formats; must never change one without bumping
//! [`PLAN_FORMAT_VERSION`].

use serde::{Deserialize, Serialize};

use crate::declared::GrantMode;
use crate::diff::Value;
use crate::model::{SecurableKind, Timestamp};

use super::{
    AttributeChange, Cause, LeftCause, LeftForPerson, Method, NotPlanned, OpKind, Operation, Plan,
    Request, SnapshotSource,
};

/// Version of the plan JSON and of the plan file's content. Readers refuse any other.
///
/// Version 2 added the policy rules' part: each change's `from_rules` and the plan's
/// `left_for_person`.
pub const PLAN_FORMAT_VERSION: u32 = 2;

/// A plan, as printed in JSON and stored in a plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    pub format_version: u32,
    pub project: String,
    pub environment: String,
    pub snapshot: SnapshotDoc,
    pub declared_digest: String,
    /// `authoritative` or `additive`.
    pub grant_mode: String,
    pub brickkit_version: String,
    /// Counts (JSON output only; derived, so the file leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<SummaryDoc>,
    pub operations: Vec<OperationDoc>,
    pub not_planned: Vec<NotPlannedDoc>,
    /// Policy rule violations no operation fixes.
    pub left_for_person: Vec<LeftDoc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotDoc {
    pub id: String,
    pub lineage: String,
    pub digest: String,
    pub host: Option<String>,
    pub metastore_id: Option<String>,
    /// RFC 3339 UTC.
    pub taken_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryDoc {
    pub operations: usize,
    pub create: usize,
    pub change: usize,
    pub revoke: usize,
    pub unknown: usize,
    pub not_planned: usize,
    /// Operations carrying a policy rule's fix.
    pub from_rules: usize,
    pub left_for_person: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationDoc {
    pub id: String,
    pub kind: String,
    pub full_name: String,
    pub operation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// `create`, `change` or `revoke` (JSON output only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    pub changes: Vec<ChangeDoc>,
    pub depends_on: Vec<String>,
    pub requests: Vec<RequestDoc>,
}

/// An attribute value: `null` (absent), a string, a list of strings (a set) or a boolean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ValueDoc {
    Text(String),
    Set(Vec<String>),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeDoc {
    pub attribute: String,
    /// The precondition: the value observed in the snapshot.
    pub before: Option<ValueDoc>,
    /// The target.
    pub after: Option<ValueDoc>,
    /// The policy rules whose fix the change carries (left out when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RequestDoc {
    Rest {
        method: String,
        path: String,
        /// Canonical JSON text, exactly the bytes sent.
        body: String,
    },
    Sql {
        statement: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotPlannedDoc {
    pub kind: Option<String>,
    pub full_name: String,
    pub attribute: Option<String>,
    pub cause: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeftDoc {
    pub rule: String,
    pub kind: String,
    pub full_name: String,
    pub field: String,
    /// `no_fix` or `conflict`.
    pub cause: String,
    pub reason: String,
}

pub fn value_doc(v: &Value) -> Option<ValueDoc> {
    match v {
        Value::Absent => None,
        Value::Text(t) => Some(ValueDoc::Text(t.clone())),
        Value::Set(s) => Some(ValueDoc::Set(s.clone())),
        Value::Bool(b) => Some(ValueDoc::Bool(*b)),
    }
}

fn value_of(v: Option<ValueDoc>) -> Value {
    match v {
        None => Value::Absent,
        Some(ValueDoc::Text(t)) => Value::Text(t),
        Some(ValueDoc::Set(s)) => Value::Set(s),
        Some(ValueDoc::Bool(b)) => Value::Bool(b),
    }
}

/// What a document holds that no plan can.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    #[error(
        "unsupported plan format version {0} (this brickkit reads version {PLAN_FORMAT_VERSION})"
    )]
    Version(u32),
    #[error("unknown {what} `{value}`")]
    Unknown { what: &'static str, value: String },
    #[error("bad timestamp `{0}`")]
    Time(String),
}

fn unknown(what: &'static str, value: &str) -> DocError {
    DocError::Unknown {
        what,
        value: value.to_string(),
    }
}

impl PlanDoc {
    /// The mirror of `plan`; `with_summary` adds the derived counts (JSON output).
    pub fn from_plan(plan: &Plan, with_summary: bool) -> PlanDoc {
        let summary = with_summary.then(|| {
            let s = plan.summary();
            SummaryDoc {
                operations: plan.operations.len(),
                create: s.create,
                change: s.change,
                revoke: s.revoke,
                unknown: s.unknown,
                not_planned: s.not_planned,
                from_rules: s.from_rules,
                left_for_person: s.left_for_person,
            }
        });
        PlanDoc {
            format_version: PLAN_FORMAT_VERSION,
            project: plan.project.clone(),
            environment: plan.environment.clone(),
            snapshot: SnapshotDoc {
                id: plan.snapshot.id.clone(),
                lineage: plan.snapshot.lineage.clone(),
                digest: plan.snapshot.digest.clone(),
                host: plan.snapshot.host.clone(),
                metastore_id: plan.snapshot.metastore_id.clone(),
                taken_at: plan.snapshot.taken_at.to_rfc3339(),
            },
            declared_digest: plan.declared_digest.clone(),
            grant_mode: grant_mode_str(plan.grant_mode).into(),
            brickkit_version: plan.brickkit_version.clone(),
            summary,
            operations: plan
                .operations
                .iter()
                .map(|o| OperationDoc {
                    id: o.id.clone(),
                    kind: o.kind.as_str().into(),
                    full_name: o.full_name.clone(),
                    operation: o.op.as_str().into(),
                    column: o.column.clone(),
                    effect: with_summary.then(|| o.effect().as_str().to_string()),
                    changes: o
                        .changes
                        .iter()
                        .map(|c| ChangeDoc {
                            attribute: c.attribute.clone(),
                            before: value_doc(&c.precondition),
                            after: value_doc(&c.target),
                            from_rules: c.from_rules.clone(),
                        })
                        .collect(),
                    depends_on: o.depends_on.clone(),
                    requests: o
                        .requests
                        .iter()
                        .map(|r| match r {
                            Request::Rest { method, path, body } => RequestDoc::Rest {
                                method: method.as_str().into(),
                                path: path.clone(),
                                body: body.clone(),
                            },
                            Request::Sql { statement } => RequestDoc::Sql {
                                statement: statement.clone(),
                            },
                        })
                        .collect(),
                })
                .collect(),
            not_planned: plan
                .not_planned
                .iter()
                .map(|n| NotPlannedDoc {
                    kind: n.kind.map(|k| k.as_str().to_string()),
                    full_name: n.full_name.clone(),
                    attribute: n.attribute.clone(),
                    cause: n.cause.as_str().into(),
                    reason: n.reason.clone(),
                })
                .collect(),
            left_for_person: plan
                .left_for_person
                .iter()
                .map(|l| LeftDoc {
                    rule: l.rule_id.clone(),
                    kind: l.kind.as_str().into(),
                    full_name: l.full_name.clone(),
                    field: l.field.clone(),
                    cause: l.cause.as_str().into(),
                    reason: l.reason.clone(),
                })
                .collect(),
        }
    }

    /// The plan this document describes.
    pub fn into_plan(self) -> Result<Plan, DocError> {
        if self.format_version != PLAN_FORMAT_VERSION {
            return Err(DocError::Version(self.format_version));
        }
        let kind = |s: &str| {
            s.parse::<SecurableKind>()
                .map_err(|_| unknown("securable kind", s))
        };
        let grant_mode = match self.grant_mode.as_str() {
            "authoritative" => GrantMode::Authoritative,
            "additive" => GrantMode::Additive,
            other => return Err(unknown("grant mode", other)),
        };
        let taken_at = Timestamp::parse_rfc3339(&self.snapshot.taken_at)
            .ok_or_else(|| DocError::Time(self.snapshot.taken_at.clone()))?;
        let mut operations = Vec::with_capacity(self.operations.len());
        for o in self.operations {
            let mut requests = Vec::with_capacity(o.requests.len());
            for r in o.requests {
                requests.push(match r {
                    RequestDoc::Rest { method, path, body } => Request::Rest {
                        method: Method::parse(&method)
                            .ok_or_else(|| unknown("HTTP method", &method))?,
                        path,
                        body,
                    },
                    RequestDoc::Sql { statement } => Request::Sql { statement },
                });
            }
            operations.push(Operation {
                id: o.id,
                kind: kind(&o.kind)?,
                full_name: o.full_name,
                op: OpKind::parse(&o.operation)
                    .ok_or_else(|| unknown("operation", &o.operation))?,
                column: o.column,
                changes: o
                    .changes
                    .into_iter()
                    .map(|c| AttributeChange {
                        attribute: c.attribute,
                        precondition: value_of(c.before),
                        target: value_of(c.after),
                        from_rules: c.from_rules,
                    })
                    .collect(),
                depends_on: o.depends_on,
                requests,
            });
        }
        let mut not_planned = Vec::with_capacity(self.not_planned.len());
        for n in self.not_planned {
            not_planned.push(NotPlanned {
                kind: n.kind.as_deref().map(kind).transpose()?,
                full_name: n.full_name,
                attribute: n.attribute,
                cause: Cause::parse(&n.cause).ok_or_else(|| unknown("cause", &n.cause))?,
                reason: n.reason,
            });
        }
        let mut left_for_person = Vec::with_capacity(self.left_for_person.len());
        for l in self.left_for_person {
            left_for_person.push(LeftForPerson {
                rule_id: l.rule,
                kind: kind(&l.kind)?,
                full_name: l.full_name,
                field: l.field,
                cause: LeftCause::parse(&l.cause).ok_or_else(|| unknown("cause", &l.cause))?,
                reason: l.reason,
            });
        }
        Ok(Plan {
            project: self.project,
            environment: self.environment,
            snapshot: SnapshotSource {
                id: self.snapshot.id,
                lineage: self.snapshot.lineage,
                digest: self.snapshot.digest,
                host: self.snapshot.host,
                metastore_id: self.snapshot.metastore_id,
                taken_at,
            },
            declared_digest: self.declared_digest,
            grant_mode,
            brickkit_version: self.brickkit_version,
            operations,
            not_planned,
            left_for_person,
        })
    }
}

/// `authoritative` / `additive`.
pub fn grant_mode_str(m: GrantMode) -> &'static str {
    match m {
        GrantMode::Authoritative => "authoritative",
        GrantMode::Additive => "additive",
    }
}

//! The **live check**: every attribute a plan touches, compared with what a fresh read of
//! the workspace shows. Per operation, in the issue's words: every attribute already at its
//! **target** → done (nothing to send: this is what lets a re-run finish an interrupted
//! apply); each attribute at its **precondition** or target → apply; anything else →
//! **stale**, and one stale operation refuses the whole apply. An attribute that could not be
//! re-read is stale too (`now` unknown): brickkit never acts on what it cannot see.
//!
//! For a securable the plan itself creates, the other operations' preconditions are "absent"
//! (what the plan saw). Once the create is done — by this apply or by an earlier run of the
//! same plan — the securable holds whatever creating it left (its creator as owner, say), so
//! for those operations any value short of the target means "apply", never "stale".
//!
//! The same comparison verifies an apply ([`residual`]). Pure: values in, verdicts out;
//! comparisons are the differ's (`diff::observe`), so spelling is never drift.

use std::collections::{HashMap, HashSet};

use crate::diff::observe::{self, Attribute};
use crate::diff::{SnapshotIndex, Value};
use crate::drift::attribute_covers;
use crate::model::SecurableKind;
use crate::plan::{OpKind, Operation, Plan};
use crate::state::collect::Target;
use crate::state::{CollectionIssue, Snapshot};

use super::outcome::{Moved, Residual};

/// What the live check says of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every attribute is at its target.
    Done,
    /// Every attribute is at its precondition or its target.
    Apply,
    /// Something moved (or could not be read).
    Stale(Vec<Moved>),
}

/// The reads the live check needs: one target per securable, with the attributes its
/// operations touch.
pub fn targets(ops: &[Operation]) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    // (kind, lower-case name) -> position in `out`: one lookup per operation.
    let mut at: HashMap<(SecurableKind, String), usize> = HashMap::new();
    for op in ops {
        let i = *at
            .entry((op.kind, op.full_name.to_lowercase()))
            .or_insert_with(|| {
                out.push(Target {
                    kind: Some(op.kind),
                    full_name: op.full_name.clone(),
                    ..Target::default()
                });
                out.len() - 1
            });
        let t = &mut out[i];
        for c in &op.changes {
            match Attribute::parse(&c.attribute, op.column.as_deref()) {
                Some(Attribute::Grants(_)) => t.grants = true,
                Some(Attribute::Tag(_)) => t.tags = true,
                Some(Attribute::ColumnTag(col, _)) => {
                    t.column_tags.insert(col.to_string());
                }
                _ => t.details = true,
            }
        }
    }
    // A securable the plan creates is read whole: existence decides everything else.
    let created: HashSet<(SecurableKind, String)> = ops
        .iter()
        .filter(|o| o.op == OpKind::Create)
        .map(|o| (o.kind, o.full_name.to_lowercase()))
        .collect();
    for t in &mut out {
        if let Some(k) = t.kind
            && created.contains(&(k, t.full_name.to_lowercase()))
        {
            t.details = true;
        }
    }
    out
}

/// A live read's collection issues by lower-case `full_name`: the issues on a securable and
/// the catalog-wide ones over its catalog are two lookups, not a scan per attribute.
struct Issues<'a>(HashMap<String, Vec<&'a CollectionIssue>>);

impl<'a> Issues<'a> {
    fn new(live: &'a Snapshot) -> Issues<'a> {
        let mut by_name: HashMap<String, Vec<&'a CollectionIssue>> = HashMap::new();
        for i in &live.collection_issues {
            by_name
                .entry(i.full_name.to_lowercase())
                .or_default()
                .push(i);
        }
        Issues(by_name)
    }

    /// Why `field` of `(kind, name)` could not be read, if a collection issue covers it.
    fn unreadable(
        &self,
        kind: SecurableKind,
        name: &str,
        field: &str,
        column: Option<&str>,
    ) -> Option<String> {
        if self.0.is_empty() {
            return None;
        }
        let lower = name.to_lowercase();
        let on = self
            .0
            .get(&lower)
            .into_iter()
            .flatten()
            .filter(|i| i.securable_kind.is_none_or(|k| k == kind));
        // A catalog-wide issue (a failed information_schema query) covers what is in it.
        let catalog = lower.split('.').next().unwrap_or_default();
        let under = self
            .0
            .get(catalog)
            .into_iter()
            .flatten()
            .filter(|i| i.subtree && i.securable_kind == Some(SecurableKind::Catalog));
        on.chain(under)
            .find(|i| match i.attribute.as_deref() {
                None => true,
                Some(a) => {
                    attribute_covers(a, field)
                        || column.is_some_and(|c| {
                            a.strip_prefix("tags.column.")
                                .is_some_and(|ac| ac.eq_ignore_ascii_case(c))
                                && field.contains(".tags.")
                        })
                }
            })
            .map(|i| i.message.to_string())
    }
}

/// Does this operation act on a securable the plan creates (the create itself excluded)?
fn on_created(plan_creates: &HashSet<String>, op: &Operation) -> bool {
    op.op != OpKind::Create
        && op
            .depends_on
            .iter()
            .any(|d| plan_creates.contains(d) && is_own_create(d, op))
}

fn is_own_create(dep: &str, op: &Operation) -> bool {
    dep.eq_ignore_ascii_case(&Operation::id_of(
        op.kind,
        &op.full_name,
        OpKind::Create,
        None,
    ))
}

/// The verdict of every operation of `plan` against `live` (a scoped read of its
/// [`targets`]), in plan order.
pub fn check(plan: &Plan, live: &Snapshot) -> Vec<Verdict> {
    let index = SnapshotIndex::build(live);
    let issues = Issues::new(live);
    let creates: HashSet<String> = plan
        .operations
        .iter()
        .filter(|o| o.op == OpKind::Create)
        .map(|o| o.id.clone())
        .collect();
    plan.operations
        .iter()
        .map(|op| verdict(&index, &issues, op, on_created(&creates, op)))
        .collect()
}

fn verdict(
    index: &SnapshotIndex<'_>,
    issues: &Issues<'_>,
    op: &Operation,
    on_created: bool,
) -> Verdict {
    let exists_field = crate::diff::FIELD_EXISTS;
    let exists = observe::value(index, op.kind, &op.full_name, Attribute::Exists);
    let exists_unreadable = issues.unreadable(op.kind, &op.full_name, exists_field, None);
    if on_created && exists_unreadable.is_none() && exists == Value::Bool(false) {
        // Not created yet: everything is as the plan saw it.
        return Verdict::Apply;
    }
    let mut moved = Vec::new();
    let mut all_target = true;
    if op.op != OpKind::Create && !on_created {
        if let Some(why) = &exists_unreadable {
            moved.push(self::moved(
                op,
                exists_field,
                &Value::Bool(true),
                None,
                &Value::Bool(true),
                Some(why.clone()),
            ));
        } else if exists == Value::Bool(false) {
            moved.push(self::moved(
                op,
                exists_field,
                &Value::Bool(true),
                Some(exists),
                &Value::Bool(true),
                None,
            ));
        }
        if !moved.is_empty() {
            return Verdict::Stale(moved);
        }
    }
    for c in &op.changes {
        let Some(attr) = Attribute::parse(&c.attribute, op.column.as_deref()) else {
            moved.push(self::moved(
                op,
                &c.attribute,
                &c.precondition,
                None,
                &c.target,
                Some("brickkit cannot re-read this attribute".into()),
            ));
            continue;
        };
        if let Some(why) =
            issues.unreadable(op.kind, &op.full_name, &c.attribute, op.column.as_deref())
        {
            moved.push(self::moved(
                op,
                &c.attribute,
                &c.precondition,
                None,
                &c.target,
                Some(why),
            ));
            continue;
        }
        let now = observe::value(index, op.kind, &op.full_name, attr);
        let at_target = observe::same(attr, &now, &c.target);
        let at_pre = observe::same(attr, &now, &c.precondition);
        all_target &= at_target;
        if !at_target && !at_pre && !on_created {
            moved.push(self::moved(
                op,
                &c.attribute,
                &c.precondition,
                Some(now),
                &c.target,
                None,
            ));
        }
    }
    if !moved.is_empty() {
        Verdict::Stale(moved)
    } else if all_target {
        Verdict::Done
    } else {
        Verdict::Apply
    }
}

fn moved(
    op: &Operation,
    attribute: &str,
    from: &Value,
    now: Option<Value>,
    target: &Value,
    why: Option<String>,
) -> Moved {
    Moved {
        op_id: op.id.clone(),
        kind: op.kind,
        full_name: op.full_name.clone(),
        attribute: attribute.to_string(),
        planned_from: from.clone(),
        now,
        target: target.clone(),
        unreadable: why,
    }
}

/// True when every attribute of `op` is at its target in `live` (the re-read after a lost
/// answer).
pub fn holds(op: &Operation, live: &Snapshot) -> bool {
    let index = SnapshotIndex::build(live);
    let issues = Issues::new(live);
    op.changes.iter().all(|c| {
        Attribute::parse(&c.attribute, op.column.as_deref()).is_some_and(|attr| {
            issues
                .unreadable(op.kind, &op.full_name, &c.attribute, op.column.as_deref())
                .is_none()
                && observe::same(
                    attr,
                    &observe::value(&index, op.kind, &op.full_name, attr),
                    &c.target,
                )
        })
    })
}

/// The attributes of `ops` not at their target in `live`: the verification's residual drift.
pub fn residual<'a>(ops: impl Iterator<Item = &'a Operation>, live: &Snapshot) -> Vec<Residual> {
    let index = SnapshotIndex::build(live);
    let issues = Issues::new(live);
    let mut out = Vec::new();
    for op in ops {
        for c in &op.changes {
            let attr = Attribute::parse(&c.attribute, op.column.as_deref());
            let now = match attr {
                Some(a)
                    if issues
                        .unreadable(op.kind, &op.full_name, &c.attribute, op.column.as_deref())
                        .is_none() =>
                {
                    Some(observe::value(&index, op.kind, &op.full_name, a))
                }
                _ => None,
            };
            let ok = match (attr, &now) {
                (Some(a), Some(v)) => observe::same(a, v, &c.target),
                _ => false,
            };
            if !ok {
                out.push(Residual {
                    op_id: op.id.clone(),
                    kind: op.kind,
                    full_name: op.full_name.clone(),
                    attribute: c.attribute.clone(),
                    target: c.target.clone(),
                    now,
                });
            }
        }
    }
    out.sort();
    out
}

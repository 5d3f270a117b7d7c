//! **Policy rule fixes** in a plan: each violation of the drift report becomes either a
//! change carried by an operation (marked with the rule's id) or an entry left for a person.
//!
//! A fix is planned only where the rule has exactly one answer the plan can send: a
//! required tag's `default` (else its single allowed value) set with `SET TAGS`, and the
//! privileges a forbidden-grant rule matches revoked from the principal (the others kept).
//! Masks, row filters, names, owners and tags with several allowed values and no default are
//! left for a person. The declared tree wins over a rule: where the tree declares another
//! value for the same attribute (a tag value the rule does not allow, a privilege the rule
//! forbids), nothing is planned for the rule and the conflict is left for a person; where
//! the tree's own change already fixes the violation, the rule adds nothing. Rule changes
//! join the tree's changes of the same securable (one grants `PATCH`, one `SET TAGS` per
//! securable or column), so no attribute is touched by two operations.
//!
//! Pure: reads the snapshot's values (the preconditions) through `diff::observe`; must never
//! evaluate rules itself (the violations come from `crate::rules`, through the report).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::declared::{DeclaredSecurable, PolicyRule, RuleCheck};
use crate::diff::normalize::{lower, principal, privilege};
use crate::diff::observe::{self, Attribute};
use crate::diff::{SnapshotIndex, Value};
use crate::model::SecurableKind;
use crate::rules::Violation;
use crate::rules::glob::{Glob, any_matches};
use crate::state::Snapshot;

use super::build::{Builder, Pending, PendingGrant, Slot};
use super::{Cause, LeftCause, LeftForPerson};

/// What a rule would have a plan do about one of its violations.
enum Fix {
    /// Set the tag to this value.
    Tag(String),
    /// Revoke the held privileges matching these globs (empty: every privilege).
    Revoke(Vec<Glob>),
    /// Nothing a plan can decide.
    None,
}

fn fix_of(rule: &PolicyRule) -> Fix {
    match &rule.check {
        RuleCheck::RequiredTag {
            allowed, default, ..
        } => match (default, allowed) {
            (Some(d), _) => Fix::Tag(d.clone()),
            (None, Some(a)) if a.len() == 1 => Fix::Tag(a[0].clone()),
            _ => Fix::None,
        },
        RuleCheck::ForbiddenGrant { privileges, .. } => Fix::Revoke(
            privileges
                .iter()
                .map(|p| Glob::folded(&privilege::canonical(p.trim())))
                .collect(),
        ),
        RuleCheck::Naming { .. } | RuleCheck::Owner { .. } | RuleCheck::Protection { .. } => {
            Fix::None
        }
    }
}

/// Why a rule has no fix for `field`, and what a person would do.
fn no_fix_reason(rule: &PolicyRule, field: &str) -> &'static str {
    match &rule.check {
        RuleCheck::RequiredTag { allowed: None, .. } => {
            "the rule allows any value and gives no default: set one, or give the rule a `default:`"
        }
        RuleCheck::RequiredTag { .. } => {
            "the rule allows several values and gives no default: choose one, or give the rule a `default:`"
        }
        RuleCheck::Naming { .. } => {
            "brickkit never renames a securable: rename it by hand, or narrow the rule's scope"
        }
        RuleCheck::Owner { .. } => {
            "the rule does not say who the owner is: declare an owner, or transfer it by hand"
        }
        RuleCheck::Protection { .. } if field == "row_filter" => {
            "which row filter protects the table is a person's choice: declare one, or list the table in the rule's allowed_tables"
        }
        RuleCheck::Protection { .. } => {
            "which function masks the column is a person's choice: declare a mask for it"
        }
        RuleCheck::ForbiddenGrant { .. } => "nothing to revoke",
    }
}

/// `{a, b}`.
fn braces(items: &[String]) -> String {
    format!("{{{}}}", items.join(", "))
}

impl<'a> Builder<'a> {
    /// Plan the fixes of `violations` (sorted by rule id, as the report holds them) into the
    /// pending changes of their securables, or leave them for a person.
    pub(super) fn rule_fixes(&mut self, snapshot: &Snapshot, violations: &[Violation]) {
        if violations.is_empty() {
            return;
        }
        let declared = self.declared;
        let rules: HashMap<&str, (&PolicyRule, Fix)> = declared
            .policy
            .rules
            .iter()
            .map(|r| (r.id.as_str(), (r, fix_of(r))))
            .collect();
        let needs_values = violations.iter().any(|v| {
            rules
                .get(v.rule_id.as_str())
                .is_some_and(|(_, f)| !matches!(f, Fix::None))
        });
        let index = needs_values.then(|| SnapshotIndex::build(snapshot));
        for v in violations {
            let Some((rule, fix)) = rules.get(v.rule_id.as_str()) else {
                continue;
            };
            match (fix, &index) {
                (Fix::Tag(value), Some(index)) => self.tag_fix(index, rule, v, value),
                (Fix::Revoke(globs), Some(index)) => self.revoke_fix(index, v, globs),
                _ => {
                    let why = no_fix_reason(rule, &v.field).to_string();
                    self.leave(v, LeftCause::NoFix, why);
                }
            }
        }
    }

    fn leave(&mut self, v: &Violation, cause: LeftCause, reason: String) {
        self.left.push(LeftForPerson {
            rule_id: v.rule_id.clone(),
            kind: v.kind,
            full_name: v.full_name.clone(),
            field: v.field.clone(),
            cause,
            reason,
        });
    }

    /// The pending changes of a present securable, declared or not.
    fn slot(&mut self, kind: SecurableKind, name: &str) -> &mut Pending<'a> {
        let decl = self.find(kind, name);
        let slot = self
            .pending
            .entry((kind, lower(name).into_owned()))
            .or_insert_with(|| Slot {
                full_name: decl.map_or_else(|| name.to_string(), |d| d.full_name.clone()),
                decl,
                p: Pending::default(),
            });
        &mut slot.p
    }

    /// A missing or not-allowed required tag: set `value`, unless the tree says otherwise.
    fn tag_fix(
        &mut self,
        index: &SnapshotIndex<'_>,
        rule: &PolicyRule,
        v: &Violation,
        value: &str,
    ) {
        let RuleCheck::RequiredTag { key, allowed, .. } = &rule.check else {
            return;
        };
        let allows = |x: &str| allowed.as_ref().is_none_or(|a| a.iter().any(|y| y == x));
        let column = match v.field.strip_prefix("columns.") {
            Some(rest) => match rest
                .strip_suffix(key.as_str())
                .and_then(|r| r.strip_suffix(".tags."))
            {
                Some(c) => Some(c.to_string()),
                None => {
                    self.leave(
                        v,
                        LeftCause::NoFix,
                        "brickkit cannot read this field".into(),
                    );
                    return;
                }
            },
            None => None,
        };
        let decl: Option<&DeclaredSecurable> = self.find(v.kind, &v.full_name);
        let dcol = column.as_ref().and_then(|c| {
            decl.and_then(|d| d.columns.iter().find(|dc| dc.name.eq_ignore_ascii_case(c)))
        });
        let declared_value = match &column {
            None => decl.and_then(|d| d.tags.get(key)),
            Some(_) => dcol.and_then(|c| c.tags.get(key)),
        };
        if let Some(dv) = declared_value {
            if !allows(dv) {
                self.leave(
                    v,
                    LeftCause::Conflict,
                    format!(
                        "the tree declares `{dv}`, the rule wants {}: the tree wins; change the declaration or the rule",
                        v.expected
                    ),
                );
            }
            // Else the tree's own change sets an allowed value.
            return;
        }
        let col = column.map(|c| dcol.map_or(c, |d| d.name.clone()));
        let attr = match &col {
            Some(c) => format!("columns.{c}.tags.{key}"),
            None => format!("tags.{key}"),
        };
        let p = self.slot(v.kind, &v.full_name);
        if p.unset_tags.get(&col).is_some_and(|m| m.contains_key(key)) {
            self.leave(
                v,
                LeftCause::Conflict,
                "the tree removes this tag (it declares none): the tree wins; declare a value or change the rule".into(),
            );
            return;
        }
        if let Some((_, earlier)) = p.set_tags.get(&col).and_then(|m| m.get(key)) {
            // Set by an earlier rule (the tree's declared values are handled above).
            if earlier == value {
                p.rules.entry(attr).or_default().insert(rule.id.clone());
            } else {
                let by = p
                    .rules
                    .get(&attr)
                    .map(|r| r.iter().cloned().collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                let why = format!(
                    "rule `{by}` sets `{earlier}`, this rule `{value}`: the rules disagree; align them or declare a value"
                );
                self.leave(v, LeftCause::Conflict, why);
            }
            return;
        }
        let pre = observe::value(
            index,
            v.kind,
            &v.full_name,
            match &col {
                Some(c) => Attribute::ColumnTag(c, key),
                None => Attribute::Tag(key),
            },
        );
        p.set_tags
            .entry(col)
            .or_default()
            .insert(key.clone(), (pre, value.to_string()));
        p.rules.entry(attr).or_default().insert(v.rule_id.clone());
    }

    /// A forbidden grant: revoke the held privileges the rule matches, keep the others —
    /// except what the tree declares for the principal (the tree wins).
    fn revoke_fix(&mut self, index: &SnapshotIndex<'_>, v: &Violation, globs: &[Glob]) {
        let Some(who) = v.field.strip_prefix("grants.") else {
            return;
        };
        let have = match observe::value(index, v.kind, &v.full_name, Attribute::Grants(who)) {
            Value::Set(s) => s,
            _ => Vec::new(),
        };
        let forbidden: Vec<String> = have
            .iter()
            .filter(|p| globs.is_empty() || any_matches(globs, p))
            .cloned()
            .collect();
        if forbidden.is_empty() {
            return;
        }
        let decl = self.find(v.kind, &v.full_name);
        let declared: BTreeSet<String> = decl
            .and_then(|d| d.grants.as_ref())
            .map(|g| {
                g.iter()
                    .filter(|(p, _)| principal::same(p, who))
                    .flat_map(|(_, privs)| {
                        privs.iter().map(|x| privilege::canonical(x).into_owned())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let (kept, revoke): (Vec<String>, Vec<String>) =
            forbidden.into_iter().partition(|p| declared.contains(p));
        if !kept.is_empty() {
            self.leave(
                v,
                LeftCause::Conflict,
                format!(
                    "the tree declares {} for `{who}`, the rule forbids it: the tree wins; change the declaration or the rule",
                    braces(&kept)
                ),
            );
        }
        if revoke.is_empty() {
            return;
        }
        let rule_id = v.rule_id.clone();
        let p = self.slot(v.kind, &v.full_name);
        if let Some((name, g)) = p.grants.iter_mut().find(|(p, _)| principal::same(p, who)) {
            // The tree's change for this principal (or an earlier rule's).
            let canon = |x: &String| privilege::canonical(x).into_owned();
            let more: Vec<String> = revoke
                .into_iter()
                .filter(|x| !g.remove.iter().any(|r| canon(r) == *x))
                .collect();
            if more.is_empty() {
                return;
            }
            g.target.retain(|t| !more.contains(&canon(t)));
            g.remove.extend(more);
            g.remove.sort();
            g.remove.dedup();
            let attr = format!("grants.{name}");
            p.rules.entry(attr).or_default().insert(rule_id);
        } else {
            let target = have
                .iter()
                .filter(|x| !revoke.contains(x))
                .cloned()
                .collect();
            p.grants.insert(
                who.to_string(),
                PendingGrant {
                    have,
                    target,
                    add: Vec::new(),
                    remove: revoke,
                },
            );
            p.rules
                .entry(format!("grants.{who}"))
                .or_default()
                .insert(rule_id);
        }
    }

    /// Once every operation is built: a violation left for a person whose attribute the
    /// tree's plan changes says so, and a drifted field a rule's change fixes is no longer
    /// "not planned".
    pub(super) fn after_rules(&mut self) {
        if self.left.is_empty() && self.ops.iter().all(|o| o.rules().is_empty()) {
            return;
        }
        // (kind, lower name, lower attribute) -> (operation id, target, from a rule).
        let mut touched: BTreeMap<(SecurableKind, String, String), (String, Value, bool)> =
            BTreeMap::new();
        for op in &self.ops {
            for c in &op.changes {
                touched.insert(
                    (
                        op.kind,
                        lower(&op.full_name).into_owned(),
                        c.attribute.to_lowercase(),
                    ),
                    (op.id.clone(), c.target.clone(), !c.from_rules.is_empty()),
                );
            }
        }
        for l in &mut self.left {
            if l.cause != LeftCause::NoFix {
                continue;
            }
            let key = (
                l.kind,
                lower(&l.full_name).into_owned(),
                l.field.to_lowercase(),
            );
            if let Some((id, target, _)) = touched.get(&key) {
                l.reason = format!(
                    "the declared tree's `{id}` sets it to {target}: check that meets the rule (the rule alone has no fix: {})",
                    l.reason
                );
            }
        }
        self.not_planned.retain(|n| {
            let (Some(kind), Some(attr), Cause::Unsupported) = (n.kind, &n.attribute, n.cause)
            else {
                return true;
            };
            let key = (kind, lower(&n.full_name).into_owned(), attr.to_lowercase());
            !touched.get(&key).is_some_and(|(_, _, rule)| *rule)
        });
    }
}

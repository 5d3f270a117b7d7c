//! The parallel driver: every snapshot securable, in chunks (rayon), against every rule
//! whose scope holds it; then what the snapshot's collection issues hid. Output sorted, so
//! the findings are the same whatever the thread count or the snapshot's row order.
//!
//! Pure: reads the snapshot through `diff::SnapshotIndex`; writes nothing.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::declared::{DeclaredState, PolicyRule};
use crate::diff::{SnapshotIndex, normalize::lower};
use crate::model::SecurableKind;
use crate::state::Snapshot;

use super::check::{Check, Hit, Subject};
use super::coverage::{Coverage, Reason, attribute_covers};
use super::scope::{Parts, Scope};
use super::{Findings, RuleUnknown, Violation};

/// Securables per parallel work item.
const CHUNK: usize = 8192;

/// A rule ready to run.
struct Compiled<'r> {
    rule: &'r PolicyRule,
    scope: Scope,
    check: Check,
}

/// Evaluate `rules` against every securable of `snapshot` (indexing it first).
pub fn evaluate(rules: &[PolicyRule], snapshot: &Snapshot, declared: &DeclaredState) -> Findings {
    if rules.is_empty() {
        return Findings::default();
    }
    let index = SnapshotIndex::build(snapshot);
    evaluate_indexed(rules, &index, snapshot, declared)
}

/// [`evaluate`] with an index the caller already built over `snapshot`.
pub fn evaluate_indexed(
    rules: &[PolicyRule],
    index: &SnapshotIndex<'_>,
    snapshot: &Snapshot,
    declared: &DeclaredState,
) -> Findings {
    let mut findings = Findings::default();
    let mut compiled = Vec::with_capacity(rules.len());
    for rule in rules {
        match Check::compile(&rule.check) {
            Ok(check) => compiled.push(Compiled {
                rule,
                scope: Scope::new(&rule.scope, check.applicable()),
                check,
            }),
            Err(reason) => findings.unknown.push(RuleUnknown {
                rule_id: rule.id.clone(),
                kind: None,
                full_name: String::new(),
                reason,
            }),
        }
    }
    compiled.retain(|c| !c.scope.is_empty());
    if compiled.is_empty() {
        return findings;
    }

    let columns = compiled.iter().any(|c| c.check.needs_columns()).then(|| {
        index.group(&snapshot.columns, |c| {
            (Some(SecurableKind::Table), c.table_full_name.as_str())
        })
    });
    let coverage = Coverage::new(snapshot);
    let mut declared_keys: Vec<(SecurableKind, Cow<'_, str>)> = declared
        .securables
        .par_iter()
        .map(|s| (s.kind, lower(s.full_name.trim())))
        .collect();
    declared_keys.par_sort_unstable();
    let ctx = Ctx {
        rules: &compiled,
        index,
        columns: columns.as_ref(),
        coverage: &coverage,
        complete: coverage.is_complete(),
        attribute_issues: coverage.has_attribute_issues(),
        declared: &declared_keys,
    };

    let n = index.len();
    let parts: Vec<(Vec<Violation>, Vec<RuleUnknown>)> = (0..n.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut out = (Vec::new(), Vec::new());
            let mut hits = Vec::new();
            for id in c * CHUNK..((c + 1) * CHUNK).min(n) {
                ctx.securable(id as u32, &mut hits, &mut out.0, &mut out.1);
            }
            out
        })
        .collect();
    let (v, u): (usize, usize) = parts
        .iter()
        .fold((0, 0), |(v, u), p| (v + p.0.len(), u + p.1.len()));
    findings.violations.reserve(v);
    findings.unknown.reserve(u);
    for (v, u) in parts {
        findings.violations.extend(v);
        findings.unknown.extend(u);
    }
    hidden(&compiled, index, &coverage, &mut findings.unknown);

    findings.violations.par_sort_unstable();
    findings.unknown.par_sort_unstable();
    findings.unknown.dedup();
    findings
}

/// What every securable's evaluation shares.
struct Ctx<'a, 'r> {
    rules: &'a [Compiled<'r>],
    index: &'a SnapshotIndex<'a>,
    columns: Option<&'a crate::diff::Groups>,
    coverage: &'a Coverage<'a>,
    complete: bool,
    attribute_issues: bool,
    declared: &'a [(SecurableKind, Cow<'a, str>)],
}

impl Ctx<'_, '_> {
    fn is_declared(&self, kind: SecurableKind, name: &str) -> bool {
        self.declared
            .binary_search_by(|(k, n)| (*k, n.as_ref()).cmp(&(kind, name)))
            .is_ok()
    }

    fn securable(
        &self,
        id: u32,
        hits: &mut Vec<Hit>,
        violations: &mut Vec<Violation>,
        unknown: &mut Vec<RuleUnknown>,
    ) {
        let Some((kind, name)) = self.index.key(id) else {
            return;
        };
        let parts = Parts::of(kind, name);
        // Computed once per securable, and only when some rule holds it.
        let mut whole: Option<Option<Reason>> = None;
        let mut attrs: Option<Vec<(String, Reason)>> = None;
        let mut subject: Option<Subject<'_>> = None;
        let mut declared: Option<bool> = None;
        for r in self.rules {
            if !r.scope.matches(kind, &parts) {
                continue;
            }
            if !self.complete {
                let w = whole.get_or_insert_with(|| self.coverage.securable(kind, name, true));
                let why = w.clone().or_else(|| {
                    if !self.attribute_issues {
                        return None;
                    }
                    let a = attrs.get_or_insert_with(|| self.coverage.attributes(kind, name));
                    a.iter()
                        .find(|(attr, _)| r.check.reads().iter().any(|f| attribute_covers(attr, f)))
                        .map(|(_, reason)| reason.clone())
                });
                if let Some(reason) = why {
                    unknown.push(RuleUnknown {
                        rule_id: r.rule.id.clone(),
                        kind: Some(kind),
                        full_name: name.to_string(),
                        reason: reason.text,
                    });
                    continue;
                }
            }
            let subject = match subject {
                Some(s) => s,
                None => {
                    let Some(obs) = self.index.observed(id) else {
                        return;
                    };
                    let s = Subject {
                        name,
                        obs,
                        columns: self.columns.map_or(&[], |c| c.get(id)),
                    };
                    *subject.insert(s)
                }
            };
            r.check.run(&subject, hits);
            for h in hits.drain(..) {
                let declared = *declared.get_or_insert_with(|| self.is_declared(kind, name));
                violations.push(Violation {
                    rule_id: r.rule.id.clone(),
                    kind,
                    full_name: name.to_string(),
                    field: h.field,
                    expected: h.expected,
                    actual: h.actual,
                    severity: r.rule.severity,
                    declared,
                });
            }
        }
    }
}

/// What whole-securable collection issues hid from the snapshot: the metastore, a
/// securable whose row could not be read, or what is under a catalog or schema whose
/// listing failed. Each is unknown for every rule whose scope could hold it.
fn hidden(
    rules: &[Compiled<'_>],
    index: &SnapshotIndex<'_>,
    coverage: &Coverage<'_>,
    unknown: &mut Vec<RuleUnknown>,
) {
    for (_, issue, reason) in coverage.issues() {
        if issue.attribute.is_some() {
            continue;
        }
        let name = lower(issue.full_name.trim()).into_owned();
        let present = !name.is_empty()
            && match issue.securable_kind {
                Some(k) => index.find(k, &name).is_some(),
                None => SecurableKind::ALL
                    .iter()
                    .any(|&k| index.find(k, &name).is_some()),
            };
        let (itself, text) = if present {
            (
                false,
                format!("what is under it could not be read: {}", reason.text),
            )
        } else {
            (true, reason.text.clone())
        };
        let below = issue.subtree || name.is_empty();
        for r in rules {
            if (itself || below) && r.scope.may_hold(issue.securable_kind, &name, itself, below) {
                unknown.push(RuleUnknown {
                    rule_id: r.rule.id.clone(),
                    kind: issue.securable_kind.filter(|_| !name.is_empty()),
                    full_name: name.clone(),
                    reason: text.clone(),
                });
            }
        }
    }
}

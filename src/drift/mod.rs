//! Drift classification: a [`DiffSet`] plus the declared policy and the snapshot's blind
//! spots become a [`DriftReport`] — drifted (with severity), missing, unmanaged, compliant,
//! unknown, the policy rules' violations and unknowns (`crate::rules`), and how much was
//! ignored.
//!
//! Entry points: [`classify`] (after [`crate::diff::diff`]) or [`detect`] (both steps).
//! Invariant: unknown is never reported as missing or compliant (see `coverage`).
//! Pure and synchronous: no IO, no clock (the report time comes in through
//! [`DriftOptions`]), no environment.

pub mod ignore;
mod report;
pub mod severity;

use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::declared::DeclaredState;
use crate::diff::{
    self, Diff, DiffOptions, DiffSet, FIELD_EXISTS, Presence, SnapshotIndex, normalize::lower,
};
use crate::model::{SecurableKind, Timestamp};
use crate::rules;
use crate::state::Snapshot;

pub use crate::rules::coverage::attribute_covers;
pub use ignore::{Error as IgnoreError, IgnoreRule, IgnoreRules};
pub use report::{
    Compliant, Drift, DriftReport, Missing, RuleRef, SnapshotRef, Summary, Unknown, Unmanaged,
};

use crate::rules::coverage::Coverage;

/// Where unmanaged securables are looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnmanagedScope {
    /// Inside declared catalogs, plus the metastore-level kinds (storage credentials,
    /// external locations, connections) the tree declares at least one of.
    #[default]
    Declared,
    /// Everything in the snapshot.
    All,
}

/// Options of the classifier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DriftOptions {
    /// The report's time (the caller reads the clock).
    pub timestamp: Timestamp,
    pub unmanaged: UnmanagedScope,
    /// Ignore rules: the tree's and the command line's, already parsed.
    pub ignore: IgnoreRules,
}

/// Diff and classify in one call (`diff::diff` then [`classify`]).
pub fn detect(
    declared: &DeclaredState,
    snapshot: &Snapshot,
    diff_opts: &DiffOptions,
    opts: &DriftOptions,
) -> DriftReport {
    if declared.policy.rules.is_empty() {
        // The index is dropped before classifying, as it always was.
        let diffs = diff::diff(declared, snapshot, diff_opts);
        return classify(declared, snapshot, diffs, opts);
    }
    // One index for the differ and the policy rules.
    let index = SnapshotIndex::build(snapshot);
    let diffs = diff::diff_indexed(declared, &index, diff_opts);
    classify_with(declared, snapshot, diffs, opts, Some(&index))
}

/// What one declared securable became.
#[derive(Debug, Default)]
struct Outcome {
    drifted: Vec<Drift>,
    missing: Option<Missing>,
    compliant: Option<Compliant>,
    unknown: Vec<Unknown>,
    ignored: usize,
}

/// Classify the differ's output.
pub fn classify(
    declared: &DeclaredState,
    snapshot: &Snapshot,
    diffs: DiffSet,
    opts: &DriftOptions,
) -> DriftReport {
    classify_with(declared, snapshot, diffs, opts, None)
}

/// [`classify`], with the snapshot's index when the caller has one (the policy rules read
/// it; without it they build their own).
pub fn classify_with(
    declared: &DeclaredState,
    snapshot: &Snapshot,
    diffs: DiffSet,
    opts: &DriftOptions,
    index: Option<&SnapshotIndex<'_>>,
) -> DriftReport {
    let coverage = Coverage::new(snapshot);
    let outcomes: Vec<Outcome> = diffs
        .diffs
        .into_par_iter()
        .map(|d| classify_one(declared, &coverage, d, opts))
        .collect();

    let mut report = DriftReport {
        timestamp: opts.timestamp,
        project: declared.project.clone(),
        environment: declared.environment.clone(),
        snapshot: SnapshotRef {
            id: snapshot.manifest.snapshot_id.clone(),
            taken_at: snapshot.manifest.taken_at,
        },
        ..DriftReport::default()
    };
    for o in outcomes {
        report.drifted.extend(o.drifted);
        report.missing.extend(o.missing);
        report.compliant.extend(o.compliant);
        report.unknown.extend(o.unknown);
        report.ignored += o.ignored;
    }

    // Collection issues that cover no declared securable are reported on their own: they
    // are still something nobody could check.
    for (i, issue, reason) in coverage.issues() {
        let hit = declared
            .securables
            .par_iter()
            .any(|s| coverage.issue_covers(i, s.kind, &lower(&s.full_name)));
        if !hit {
            report.unknown.push(Unknown {
                kind: issue.securable_kind,
                full_name: lower(issue.full_name.trim()).into_owned(),
                attribute: issue.attribute.as_deref().map(str::to_string),
                reason: reason.text,
            });
        }
    }

    // Unmanaged: snapshot securables nobody declared, in scope, not ignored.
    let catalogs: BTreeSet<String> = declared
        .securables
        .iter()
        .filter(|s| s.kind == SecurableKind::Catalog)
        .map(|s| lower(&s.full_name).into_owned())
        .collect();
    let infra: BTreeSet<SecurableKind> = declared
        .securables
        .iter()
        .filter(|s| !s.kind.in_catalog())
        .map(|s| s.kind)
        .collect();
    let unmanaged_severity = severity::of_unmanaged(&declared.policy);
    for u in diffs.undeclared {
        let in_scope = match opts.unmanaged {
            UnmanagedScope::All => true,
            UnmanagedScope::Declared => {
                if u.kind.in_catalog() {
                    u.kind != SecurableKind::Catalog
                        && u.full_name
                            .split('.')
                            .next()
                            .is_some_and(|c| catalogs.contains(c))
                } else {
                    infra.contains(&u.kind)
                }
            }
        };
        if !in_scope {
            continue;
        }
        if opts.ignore.field(u.kind, &u.full_name, FIELD_EXISTS) {
            report.ignored += 1;
            continue;
        }
        report.unmanaged.push(Unmanaged {
            kind: u.kind,
            full_name: u.full_name,
            severity: unmanaged_severity,
        });
    }

    // Policy rules: every snapshot securable in a rule's scope, declared or not.
    if !declared.policy.rules.is_empty() {
        let rules = &declared.policy.rules;
        let findings = match index {
            Some(index) => rules::evaluate_indexed(rules, index, snapshot, declared),
            None => rules::evaluate(rules, snapshot, declared),
        };
        let mut violations = findings.violations;
        if !opts.ignore.is_empty() {
            let before = violations.len();
            violations.retain(|v| !opts.ignore.field(v.kind, &v.full_name, &v.field));
            report.ignored += before - violations.len();
        }
        report.violations = violations;
        report.rule_unknown = findings.unknown;
        report.rules = declared.policy.rules.iter().map(RuleRef::of).collect();
        report.rules.sort_by(|a, b| a.id.cmp(&b.id));
    }

    report
        .drifted
        .sort_by(|a, b| (a.kind, &a.full_name, &a.field).cmp(&(b.kind, &b.full_name, &b.field)));
    report.unknown.sort_by(|a, b| {
        (a.kind, &a.full_name, &a.attribute).cmp(&(b.kind, &b.full_name, &b.attribute))
    });
    report.unknown.dedup();
    report
}

fn classify_one(
    declared: &DeclaredState,
    coverage: &Coverage<'_>,
    d: Diff,
    opts: &DriftOptions,
) -> Outcome {
    let mut out = Outcome::default();
    let name = lower(&d.full_name).into_owned();
    if let Some(reason) = coverage.securable(d.kind, &name, d.presence == Presence::Present) {
        out.unknown.push(Unknown {
            kind: Some(d.kind),
            full_name: d.full_name,
            attribute: None,
            reason: reason.text,
        });
        return out;
    }
    let attrs = coverage.attributes(d.kind, &name);
    for (attr, reason) in &attrs {
        out.unknown.push(Unknown {
            kind: Some(d.kind),
            full_name: d.full_name.clone(),
            attribute: Some(attr.clone()),
            reason: reason.text.clone(),
        });
    }
    let origin = declared
        .securables
        .get(d.declared_index)
        .and_then(|s| s.origin.clone());
    let policy = &declared.policy;
    for c in d.changes {
        if attrs.iter().any(|(a, _)| attribute_covers(a, &c.field)) {
            continue;
        }
        if opts.ignore.field(d.kind, &name, &c.field) {
            out.ignored += 1;
            continue;
        }
        let severity = severity::of_field(&c.field, d.kind, c.additive, policy);
        if d.presence == Presence::Absent {
            out.missing = Some(Missing {
                kind: d.kind,
                full_name: d.full_name.clone(),
                severity,
                origin: origin.clone(),
            });
            continue;
        }
        out.drifted.push(Drift {
            kind: d.kind,
            full_name: d.full_name.clone(),
            field: c.field,
            expected: c.declared,
            actual: c.actual,
            action: c.action,
            severity,
            additive: c.additive,
            note: c.note,
            origin: origin.clone(),
        });
    }
    if out.drifted.is_empty()
        && out.missing.is_none()
        && attrs.is_empty()
        && d.presence == Presence::Present
    {
        out.compliant = Some(Compliant {
            kind: d.kind,
            full_name: d.full_name,
        });
    }
    out
}

//! `DriftReport`: the classified outcome of one diff (the seed's report, plus unknown and
//! the ignored count), and its `Summary`.
//!
//! Plain data, sorted by construction; renderers in `report` print it and nothing else.

use crate::declared::Origin;
use crate::declared::PolicyRule;
use crate::diff::{Action, Value};
use crate::model::{SecurableKind, Severity, Timestamp};
use crate::rules::{RuleUnknown, Violation};

/// Which snapshot a report was computed against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SnapshotRef {
    pub id: String,
    pub taken_at: Timestamp,
}

/// One drifted attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub kind: SecurableKind,
    pub full_name: String,
    pub field: String,
    pub expected: Value,
    pub actual: Value,
    pub action: Action,
    pub severity: Severity,
    /// Additive grant mode: reported, never revoked.
    pub additive: bool,
    /// Convention message or rule that explains the expectation.
    pub note: Option<String>,
    /// Where the securable is declared.
    pub origin: Option<Origin>,
}

/// A declared securable the snapshot does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub kind: SecurableKind,
    pub full_name: String,
    pub severity: Severity,
    pub origin: Option<Origin>,
}

/// A snapshot securable nobody declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmanaged {
    pub kind: SecurableKind,
    pub full_name: String,
    pub severity: Severity,
}

/// A declared securable with no drift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compliant {
    pub kind: SecurableKind,
    pub full_name: String,
}

/// Something that could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// `None` for a metastore-level issue.
    pub kind: Option<SecurableKind>,
    /// Empty for a metastore-level issue.
    pub full_name: String,
    /// `None` = the whole securable; `Some("grants")` = only that attribute.
    pub attribute: Option<String>,
    pub reason: String,
}

/// A policy rule as the reports name it (SARIF's rule list, the rule's file and line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub id: String,
    /// The check's name: `required_tag`, `naming`, `owner`, `forbidden_grant`, `protection`.
    pub check: &'static str,
    pub message: String,
    pub severity: Severity,
    pub origin: Option<Origin>,
}

impl RuleRef {
    pub fn of(rule: &PolicyRule) -> RuleRef {
        RuleRef {
            id: rule.id.clone(),
            check: rule.check.as_str(),
            message: rule.message.clone(),
            severity: rule.severity,
            origin: rule.origin.clone(),
        }
    }
}

/// The classified drift of one declaration tree against one snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DriftReport {
    /// When the report was made (passed in; the core never reads the clock).
    pub timestamp: Timestamp,
    pub project: String,
    pub environment: String,
    pub snapshot: SnapshotRef,
    /// Sorted by `(kind, full_name, field)`.
    pub drifted: Vec<Drift>,
    /// Sorted by `(kind, full_name)`.
    pub missing: Vec<Missing>,
    pub unmanaged: Vec<Unmanaged>,
    pub compliant: Vec<Compliant>,
    /// Sorted by `(kind, full_name, attribute)`.
    pub unknown: Vec<Unknown>,
    /// Policy rule violations over every securable of the snapshot in a rule's scope,
    /// declared or not, after ignore rules. Sorted by `(rule_id, kind, full_name, field)`.
    pub violations: Vec<Violation>,
    /// Securables in a rule's scope that a collection issue hid from it (never compliant,
    /// never a violation). Sorted.
    pub rule_unknown: Vec<RuleUnknown>,
    /// The policy rules evaluated, sorted by id.
    pub rules: Vec<RuleRef>,
    /// Findings (drifted fields, missing and unmanaged securables, violations) silenced by
    /// ignore rules.
    pub ignored: usize,
}

/// Counts per severity and per category. Severity counts include missing securables
/// (warning unless overridden), unmanaged ones (info unless overridden) and rule
/// violations (their rule's severity): every finding counts once, by its severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    /// Drifted fields.
    pub drifted: usize,
    /// Distinct securables with at least one drifted field.
    pub drifted_securables: usize,
    pub missing: usize,
    pub unmanaged: usize,
    pub compliant: usize,
    pub unknown: usize,
    /// Policy rule violations.
    pub violations: usize,
    /// Securables a rule could not check.
    pub rule_unknown: usize,
    pub ignored: usize,
}

impl Summary {
    /// Count for one severity.
    pub fn at(&self, s: Severity) -> usize {
        match s {
            Severity::Critical => self.critical,
            Severity::Warning => self.warning,
            Severity::Info => self.info,
        }
    }

    /// Total findings (drifted fields + missing + unmanaged + violations).
    pub fn findings(&self) -> usize {
        self.critical + self.warning + self.info
    }
}

impl DriftReport {
    /// Counts per severity and per category.
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            drifted: self.drifted.len(),
            missing: self.missing.len(),
            unmanaged: self.unmanaged.len(),
            compliant: self.compliant.len(),
            unknown: self.unknown.len(),
            violations: self.violations.len(),
            rule_unknown: self.rule_unknown.len(),
            ignored: self.ignored,
            ..Summary::default()
        };
        let mut bump = |sev: Severity| match sev {
            Severity::Critical => s.critical += 1,
            Severity::Warning => s.warning += 1,
            Severity::Info => s.info += 1,
        };
        self.drifted.iter().for_each(|d| bump(d.severity));
        self.missing.iter().for_each(|m| bump(m.severity));
        self.unmanaged.iter().for_each(|u| bump(u.severity));
        self.violations.iter().for_each(|v| bump(v.severity));
        s.drifted_securables = self
            .drifted
            .windows(2)
            .filter(|w| (w[0].kind, &w[0].full_name) != (w[1].kind, &w[1].full_name))
            .count()
            + usize::from(!self.drifted.is_empty());
        s
    }

    /// The highest severity among all findings, if there is any finding.
    pub fn worst(&self) -> Option<Severity> {
        let d = self.drifted.iter().map(|d| d.severity);
        let m = self.missing.iter().map(|m| m.severity);
        let u = self.unmanaged.iter().map(|u| u.severity);
        let v = self.violations.iter().map(|v| v.severity);
        d.chain(m).chain(u).chain(v).max()
    }

    /// The rule named `id`, if the report lists it.
    pub fn rule(&self, id: &str) -> Option<&RuleRef> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .and_then(|i| self.rules.get(i))
    }

    /// True when some finding is at or above `threshold` (the `--fail-on` rule).
    pub fn fails(&self, threshold: Severity) -> bool {
        self.worst().is_some_and(|w| w >= threshold)
    }
}

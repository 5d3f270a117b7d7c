//! **Policy rules** over a whole metastore: the convention files' `rules:` (compiled into
//! [`crate::declared::PolicyRule`]s) checked against **every** securable a snapshot holds
//! within each rule's scope, declared or not — the offline audit ("does every production
//! table have a `data_owner`?", "is any `pii` column left without a mask?").
//!
//! This module owns the findings' nouns ([`Violation`], [`RuleUnknown`]) and their
//! evaluation. Pure and synchronous (parallel with rayon): no IO, no clock, no environment;
//! the same rules and snapshot give the same findings, in the same order, whatever the
//! thread count or the snapshot's row order. It knows nothing of report formats.

mod check;
pub mod coverage;
mod eval;
pub mod glob;
pub mod scope;

use crate::model::{SecurableKind, Severity};

pub use eval::{evaluate, evaluate_indexed};

/// Everything the rules found in one snapshot: violations sorted by `(rule_id, kind,
/// full_name, field, ...)`, unknowns sorted and without duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Findings {
    pub violations: Vec<Violation>,
    pub unknown: Vec<RuleUnknown>,
}

/// One securable (or one of its columns) that breaks one rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Violation {
    /// The rule's id.
    pub rule_id: String,
    pub kind: SecurableKind,
    pub full_name: String,
    /// The drift field spelling of what is wrong: `tags.<key>`, `columns.<col>.tags.<key>`,
    /// `name`, `owner`, `grants.<principal>`, `columns.<col>.mask`, `row_filter`.
    pub field: String,
    /// What the rule wants, for people (`one of internal, restricted`, `a mask`, ...).
    pub expected: String,
    /// What the snapshot holds (`None`, the value, the privileges granted, ...).
    pub actual: String,
    pub severity: Severity,
    /// True when the tree declares the securable.
    pub declared: bool,
}

/// A securable in a rule's scope that could not be checked: a collection issue covers what
/// the rule reads. Never reported as compliant.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleUnknown {
    pub rule_id: String,
    /// `None` for a metastore-level issue (or a rule that could not be compiled) and for an
    /// issue that did not say which kind it hid.
    pub kind: Option<SecurableKind>,
    /// Lower case; the container for what a subtree issue hid; empty for the metastore.
    pub full_name: String,
    /// Why: the collection issue's message.
    pub reason: String,
}

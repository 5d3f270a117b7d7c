//! Renderers of a [`DriftReport`]: one file per format (`text`, `json`, `markdown`,
//! `sarif`, `junit`, `html`), each a pure function writing to `&mut dyn io::Write`.
//!
//! Renderers never read the clock, the environment or the terminal: the report carries its
//! timestamp and [`RenderOptions`] says whether to colour. Output is byte-for-byte
//! deterministic for a given report.
//!
//! Renderers **stream**: they write findings to the writer as they go and never build the
//! whole document in memory, so a million findings cost little more than the report itself.
//! The formats read by people (text, markdown, JUnit) collapse a category of more than
//! [`COLLAPSE_OVER`] entries into groups of the same finding (`group`), unless
//! [`RenderOptions::verbose`]; SARIF keeps at most [`RenderOptions::sarif_max_results`]
//! results, the most severe first. JSON always lists everything.

mod group;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::drift::{DriftReport, RuleRef};
use crate::model::{Severity, Timestamp};
use crate::rules::{RuleUnknown, Violation};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
    Junit,
    Html,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
        Format::Html,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Html => "html",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Json => "json",
            Format::Markdown => "md",
            Format::Sarif => "sarif",
            Format::Junit => "xml",
            Format::Html => "html",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" | "txt" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "markdown" | "md" => Ok(Format::Markdown),
            "sarif" => Ok(Format::Sarif),
            "junit" | "xml" => Ok(Format::Junit),
            "html" | "htm" => Ok(Format::Html),
            _ => Err(format!(
                "unknown report format `{s}` (expected text, json, markdown, sarif, junit or html)"
            )),
        }
    }
}

/// How to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// ANSI colours in the text format (the CLI decides from `--color`, the tty and
    /// `NO_COLOR`).
    pub color: bool,
    /// Version written as the tool version (SARIF, JUnit).
    pub tool_version: String,
    /// Prefix joined to declaration file paths in SARIF locations (the tree's directory as
    /// given on the command line, so paths are relative to the repository root).
    pub source_root: Option<String>,
    /// List every finding in text, markdown and JUnit, however many (`--verbose`); by
    /// default a category of more than [`COLLAPSE_OVER`] entries is shown as groups.
    pub verbose: bool,
    /// Most results a SARIF run carries (the rest are counted per rule in the run's
    /// properties and a notification); [`SARIF_MAX_RESULTS`] by default.
    pub sarif_max_results: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            tool_version: crate::VERSION.to_string(),
            source_root: None,
            verbose: false,
            sarif_max_results: SARIF_MAX_RESULTS,
        }
    }
}

/// A category (drifted fields of one severity, missing, unmanaged, unknown, compliant) with
/// more entries than this is collapsed into groups in text, markdown and JUnit.
pub const COLLAPSE_OVER: usize = 50;

/// Examples named per collapsed group.
pub(crate) const EXAMPLES: usize = 3;

/// Default cap on SARIF results per run. GitHub code scanning rejects a run of more than
/// 25,000 results and keeps only the 5,000 most severe of a larger one; capping at 5,000
/// means what it shows is exactly what was sent, and keeps an upload far below its 10 MB
/// gzipped limit (about 1 KB per result before compression).
pub const SARIF_MAX_RESULTS: usize = 5_000;

/// Render `report` as `format` into `out`.
pub fn render(
    report: &DriftReport,
    format: Format,
    opts: &RenderOptions,
    out: &mut dyn io::Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::render(report, opts, out),
        Format::Json => json::render(report, opts, out),
        Format::Markdown => markdown::render(report, opts, out),
        Format::Sarif => sarif::render(report, opts, out),
        Format::Junit => junit::render(report, opts, out),
        Format::Html => html::render(report, opts, out),
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC (the seed's header spelling).
pub(crate) fn human_time(t: Timestamp) -> String {
    let (y, mo, d, h, mi, s, _) = t.to_civil();
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// Severities from the most to the least serious.
pub(crate) const SEVERITIES: [Severity; 3] =
    [Severity::Critical, Severity::Warning, Severity::Info];

/// `998992` → `998,992`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The rule a drifted field belongs to: SARIF's rule id, and the group a collapsed list
/// puts it in.
pub(crate) fn drift_rule(field: &str) -> &'static str {
    if field == "exists" {
        "missing"
    } else if field == "owner" {
        "owner"
    } else if field == "comment" {
        "comment"
    } else if field == "name" {
        "naming"
    } else if field == "row_filter" {
        "row-filter"
    } else if field.starts_with("tags.") {
        "tags"
    } else if field.starts_with("grants.") {
        "grants"
    } else if field.starts_with("properties.") {
        "properties"
    } else if field.starts_with("columns.") && field.ends_with(".mask") {
        "column-mask"
    } else if field.starts_with("columns.") {
        "column-tags"
    } else {
        "other"
    }
}

/// The id a finding is reported under (SARIF `ruleId`, the `--fail-on` and cap counts):
/// one of the built-in drift rules (`missing`, `owner`, `tags`, `grants`, ...), or a policy
/// rule of the convention files, spelled `policy/<id>`. A policy rule id is lower case
/// `[a-z0-9][a-z0-9_.-]*` (checked by `validate`) and never holds a `/`, and no built-in id
/// does, so the two never collide, whatever a policy rule is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum RuleKey<'a> {
    Builtin(&'static str),
    Policy(&'a str),
}

/// The prefix of a policy rule's id in SARIF (and any other place a policy rule and a
/// built-in drift rule share a list).
pub(crate) const POLICY_PREFIX: &str = "policy/";

impl fmt::Display for RuleKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleKey::Builtin(id) => f.write_str(id),
            RuleKey::Policy(id) => write!(f, "{POLICY_PREFIX}{id}"),
        }
    }
}

/// One finding of a report, whatever its category: what SARIF turns into a result and the
/// `--fail-on` rule counts. A new category of finding is one more variant here.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Finding<'a> {
    Drifted(&'a crate::drift::Drift),
    Missing(&'a crate::drift::Missing),
    Unmanaged(&'a crate::drift::Unmanaged),
    Violation(&'a Violation),
}

impl<'a> Finding<'a> {
    pub(crate) fn severity(self) -> Severity {
        match self {
            Finding::Drifted(d) => d.severity,
            Finding::Missing(m) => m.severity,
            Finding::Unmanaged(u) => u.severity,
            Finding::Violation(v) => v.severity,
        }
    }

    /// The rule the finding is reported under (SARIF `ruleId`).
    pub(crate) fn rule(self) -> RuleKey<'a> {
        match self {
            Finding::Drifted(d) => RuleKey::Builtin(drift_rule(&d.field)),
            Finding::Missing(_) => RuleKey::Builtin("missing"),
            Finding::Unmanaged(_) => RuleKey::Builtin("unmanaged"),
            Finding::Violation(v) => RuleKey::Policy(&v.rule_id),
        }
    }
}

/// Every finding, category by category (drifted, missing, policy violations, unmanaged),
/// each category in the report's order. Violations come before unmanaged securables, so a
/// capped list of the same severity keeps a broken rule before a million undeclared tables.
pub(crate) fn findings(report: &DriftReport) -> impl Iterator<Item = Finding<'_>> + Clone {
    let d = report.drifted.iter().map(Finding::Drifted);
    let m = report.missing.iter().map(Finding::Missing);
    let v = report.violations.iter().map(Finding::Violation);
    let u = report.unmanaged.iter().map(Finding::Unmanaged);
    d.chain(m).chain(v).chain(u)
}

/// The policy rules a report speaks of, by id, in id order: those it evaluated, and any
/// a violation or rule-unknown entry names without the report listing it.
pub(crate) fn policy_rule_ids(report: &DriftReport) -> Vec<&str> {
    let mut ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    ids.extend(per_rule(report, &report.violations, |v| &v.rule_id).map(|(id, ..)| id));
    ids.extend(per_rule(report, &report.rule_unknown, |u| &u.rule_id).map(|(id, ..)| id));
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `items` (violations or rule unknowns, sorted by rule id) one rule at a time: its id, the
/// report's description of it, its entries. What every per-rule section walks.
pub(crate) fn per_rule<'a, T>(
    report: &'a DriftReport,
    items: &'a [T],
    id: fn(&T) -> &str,
) -> impl Iterator<Item = (&'a str, Option<&'a RuleRef>, &'a [T])> + 'a {
    items
        .chunk_by(move |a, b| id(a) == id(b))
        .filter_map(move |chunk| {
            let rule_id = id(chunk.first()?);
            Some((rule_id, report.rule(rule_id), chunk))
        })
}

/// The entries of one rule in a list sorted by rule id (violations, rule unknowns).
pub(crate) fn of_rule<'a, T>(items: &'a [T], id: &str, rule: impl Fn(&T) -> &str) -> &'a [T] {
    let start = items.partition_point(|t| rule(t) < id);
    let len = items[start..].partition_point(|t| rule(t) == id);
    &items[start..start + len]
}

/// `conventions/acme.yaml:60`, where a policy rule is written (relative to the tree).
pub(crate) fn rule_place(rule: Option<&RuleRef>) -> Option<String> {
    rule.and_then(|r| r.origin.as_ref())
        .map(|o| format!("{}:{}", o.file.to_string_lossy().replace('\\', "/"), o.line))
}

/// `finance_dev.reporting (schema)`, or `metastore` for a metastore-level entry.
pub(crate) fn rule_unknown_what(u: &RuleUnknown) -> String {
    match (u.kind, u.full_name.is_empty()) {
        (_, true) => "metastore".to_string(),
        (Some(k), false) => format!("{} ({k})", u.full_name),
        (None, false) => u.full_name.clone(),
    }
}

/// A rule-unknown entry that stands for the whole metastore (a metastore-level issue, or
/// a rule that could not be compiled): the rule checked nothing.
pub(crate) fn checked_nothing(u: &RuleUnknown) -> bool {
    u.full_name.is_empty()
}

/// `columns.email.mask` → `columns.*.mask`, `grants.jane@x.com` → `grants.*`: the field
/// of a violation without the column or principal, the key a collapsed rule groups by.
pub(crate) fn field_shape(field: &str) -> std::borrow::Cow<'_, str> {
    if let Some(rest) = field.strip_prefix("columns.") {
        match rest.split_once('.') {
            Some((_, tail)) => format!("columns.*.{tail}").into(),
            None => field.into(),
        }
    } else if field.starts_with("grants.") {
        "grants.*".into()
    } else {
        field.into()
    }
}

/// The one-line summary shared by text and markdown.
pub(crate) fn summary_line(report: &DriftReport) -> String {
    let s = report.summary();
    format!(
        "Summary: {} critical, {} warning, {} info | {} drifted field(s) on {} securable(s), {} missing, {} unmanaged, {} unknown, {} compliant, {} violation(s), {} rule unknown, {} ignored",
        s.critical,
        s.warning,
        s.info,
        s.drifted,
        s.drifted_securables,
        s.missing,
        s.unmanaged,
        s.unknown,
        s.compliant,
        s.violations,
        s.rule_unknown,
        s.ignored
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(998_992), "998,992");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn formats_parse() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert_eq!("MD".parse::<Format>(), Ok(Format::Markdown));
        assert!(
            "pdf"
                .parse::<Format>()
                .unwrap_err()
                .contains("unknown report format")
        );
    }
}

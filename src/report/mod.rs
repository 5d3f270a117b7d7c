//! Renderers of a [`DriftReport`]: one file per format (`text`, `json`, `markdown`,
//! `sarif`, `junit`), each a pure function writing to `&mut dyn io::Write`.
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
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;

use std::fmt;
use std::io;
use std::str::FromStr;

use crate::drift::DriftReport;
use crate::model::{Severity, Timestamp};

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Text,
    Json,
    Markdown,
    Sarif,
    Junit,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 5] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
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
            _ => Err(format!(
                "unknown report format `{s}` (expected text, json, markdown, sarif or junit)"
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

/// One finding of a report, whatever its category: what SARIF turns into a result and the
/// `--fail-on` rule counts. A new category of finding is one more variant here.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Finding<'a> {
    Drifted(&'a crate::drift::Drift),
    Missing(&'a crate::drift::Missing),
    Unmanaged(&'a crate::drift::Unmanaged),
}

impl<'a> Finding<'a> {
    pub(crate) fn severity(self) -> Severity {
        match self {
            Finding::Drifted(d) => d.severity,
            Finding::Missing(m) => m.severity,
            Finding::Unmanaged(u) => u.severity,
        }
    }

    /// The rule id (SARIF `ruleId`).
    pub(crate) fn rule(self) -> &'static str {
        match self {
            Finding::Drifted(d) => drift_rule(&d.field),
            Finding::Missing(_) => "missing",
            Finding::Unmanaged(_) => "unmanaged",
        }
    }
}

/// Every finding, category by category, each category in the report's order.
pub(crate) fn findings(report: &DriftReport) -> impl Iterator<Item = Finding<'_>> + Clone {
    let d = report.drifted.iter().map(Finding::Drifted);
    let m = report.missing.iter().map(Finding::Missing);
    let u = report.unmanaged.iter().map(Finding::Unmanaged);
    d.chain(m).chain(u)
}

/// The one-line summary shared by text and markdown.
pub(crate) fn summary_line(report: &DriftReport) -> String {
    let s = report.summary();
    format!(
        "Summary: {} critical, {} warning, {} info | {} drifted field(s) on {} securable(s), {} missing, {} unmanaged, {} unknown, {} compliant, {} ignored",
        s.critical,
        s.warning,
        s.info,
        s.drifted,
        s.drifted_securables,
        s.missing,
        s.unmanaged,
        s.unknown,
        s.compliant,
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
            "html"
                .parse::<Format>()
                .unwrap_err()
                .contains("unknown report format")
        );
    }
}

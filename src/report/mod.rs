//! Renderers of a [`DriftReport`]: one file per format (`text`, `json`, `markdown`,
//! `sarif`, `junit`), each a pure function writing to `&mut dyn io::Write`.
//!
//! Renderers never read the clock, the environment or the terminal: the report carries its
//! timestamp and [`RenderOptions`] says whether to colour. Output is byte-for-byte
//! deterministic for a given report.

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
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            tool_version: crate::VERSION.to_string(),
            source_root: None,
        }
    }
}

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

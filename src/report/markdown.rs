//! The Markdown report, sized for a pull-request comment: a heading, a severity table,
//! one table per severity group, then missing, unmanaged and unknown lists, compliant
//! securables folded in a `<details>` block, and the summary line last.

use std::io::{self, Write};

use crate::drift::{Drift, DriftReport};

use super::text::unknown_line;
use super::{RenderOptions, SEVERITIES, human_time, summary_line};

/// Escape text for a table cell or list item.
fn cell(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => o.push_str("\\|"),
            '\n' => o.push_str("<br>"),
            '`' => o.push_str("\\`"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '*' => {
                o.push('\\');
                o.push(c);
            }
            _ => o.push(c),
        }
    }
    o
}

/// Code span that survives backticks in the content.
fn code(s: &str) -> String {
    if s.contains('`') {
        format!("`` {} ``", s.replace('\n', " "))
    } else {
        format!("`{}`", s.replace('\n', " ").replace('|', "\\|"))
    }
}

pub fn render(report: &DriftReport, _opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let s = report.summary();
    writeln!(
        out,
        "## brickkit drift report: {}",
        code(&report.environment)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Report time {} UTC, snapshot {} taken {} UTC.",
        human_time(report.timestamp),
        code(if report.snapshot.id.is_empty() {
            "-"
        } else {
            &report.snapshot.id
        }),
        human_time(report.snapshot.taken_at)
    )?;
    writeln!(out)?;
    writeln!(out, "| Severity | Findings |")?;
    writeln!(out, "| --- | ---: |")?;
    for sev in SEVERITIES {
        writeln!(out, "| {} | {} |", sev.as_str(), s.at(sev))?;
    }
    for sev in SEVERITIES {
        let items: Vec<&Drift> = report
            .drifted
            .iter()
            .filter(|d| d.severity == sev)
            .collect();
        if items.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(
            out,
            "### {} ({})",
            sev.as_str().to_ascii_uppercase(),
            items.len()
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| Resource | Type | Field | Expected | Actual | Action |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for d in items {
            let action = if d.additive {
                format!("{} (additive)", d.action)
            } else {
                d.action.to_string()
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code(&d.full_name),
                d.kind,
                code(&d.field),
                cell(&d.expected.to_string()),
                cell(&d.actual.to_string()),
                action
            )?;
        }
    }
    if !report.missing.is_empty() {
        writeln!(out)?;
        writeln!(out, "### MISSING ({})", report.missing.len())?;
        writeln!(out)?;
        for m in &report.missing {
            match &m.origin {
                Some(o) => writeln!(
                    out,
                    "- {} {} (declared at {})",
                    m.kind,
                    code(&m.full_name),
                    code(&format!("{}:{}", o.file.display(), o.line))
                )?,
                None => writeln!(out, "- {} {}", m.kind, code(&m.full_name))?,
            }
        }
    }
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        writeln!(out, "### UNMANAGED ({})", report.unmanaged.len())?;
        writeln!(out)?;
        for u in &report.unmanaged {
            writeln!(out, "- {} {}", u.kind, code(&u.full_name))?;
        }
    }
    if !report.unknown.is_empty() {
        writeln!(out)?;
        writeln!(out, "### UNKNOWN ({})", report.unknown.len())?;
        writeln!(out)?;
        for u in &report.unknown {
            writeln!(out, "- {}", cell(&unknown_line(u)))?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "<details><summary>COMPLIANT ({})</summary>",
        report.compliant.len()
    )?;
    writeln!(out)?;
    for c in &report.compliant {
        writeln!(out, "- {} {}", c.kind, code(&c.full_name))?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
    Ok(())
}

//! The Markdown report, sized for a pull-request comment: a heading, a severity table,
//! one table per severity group, then missing, unmanaged and unknown lists, compliant
//! securables folded in a `<details>` block, and the summary line last. A category of more
//! than `COLLAPSE_OVER` entries becomes a list of groups with counts and a few examples
//! (as in the text report), unless `--verbose`.

use std::io::{self, Write};

use crate::drift::{Drift, DriftReport};
use crate::model::SecurableKind;

use super::group::{Group, Groups, collapse, hint};
use super::text::unknown_line;
use super::{RenderOptions, SEVERITIES, drift_rule, human_time, summary_line, thousands};

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

pub fn render(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    write_report(report, opts, &mut w)?;
    w.flush()
}

/// One list item per group of a collapsed category, then the hint in italics.
fn groups<K: Ord>(
    out: &mut dyn Write,
    groups: &Groups<'_, K>,
    line: impl Fn(&K, &Group<'_>) -> String,
) -> io::Result<()> {
    for (k, g) in groups.iter() {
        writeln!(out, "- {}", line(k, g))?;
    }
    writeln!(out)?;
    writeln!(out, "_{}_", hint(groups.total, groups.len()))
}

/// `998,992 tables in 100 schemas, e.g. `a`, `b`, `c`, …`
fn securables_item(kind: Option<SecurableKind>, g: &Group<'_>) -> String {
    format!("{}{}", g.securables_phrase(kind), g.examples_phrase(code))
}

fn write_report(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
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
        let items = || report.drifted.iter().filter(move |d| d.severity == sev);
        let count = items().count();
        if count == 0 {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {} ({})", sev.as_str().to_ascii_uppercase(), count)?;
        writeln!(out)?;
        if collapse(count, opts) {
            let mut g = Groups::default();
            for d in items() {
                g.add((drift_rule(&d.field), d.kind), d.full_name.as_str(), None);
            }
            groups(out, &g, |(rule, kind), g| {
                format!(
                    "{}: {} drifted field(s) on {}{}",
                    code(rule),
                    thousands(g.count),
                    g.securables_phrase(Some(*kind)),
                    g.examples_phrase(code)
                )
            })?;
            continue;
        }
        writeln!(
            out,
            "| Resource | Type | Field | Expected | Actual | Action |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for d in items() {
            drift_row(out, d)?;
        }
    }
    if !report.missing.is_empty() {
        writeln!(out)?;
        writeln!(out, "### MISSING ({})", report.missing.len())?;
        writeln!(out)?;
        if collapse(report.missing.len(), opts) {
            let mut g = Groups::default();
            for m in &report.missing {
                g.add(m.kind, m.full_name.as_str(), None);
            }
            groups(out, &g, |k, g| securables_item(Some(*k), g))?;
        } else {
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
    }
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        writeln!(out, "### UNMANAGED ({})", report.unmanaged.len())?;
        writeln!(out)?;
        if collapse(report.unmanaged.len(), opts) {
            let mut g = Groups::default();
            for u in &report.unmanaged {
                g.add(u.kind, u.full_name.as_str(), None);
            }
            groups(out, &g, |k, g| securables_item(Some(*k), g))?;
        } else {
            for u in &report.unmanaged {
                writeln!(out, "- {} {}", u.kind, code(&u.full_name))?;
            }
        }
    }
    if !report.unknown.is_empty() {
        writeln!(out)?;
        writeln!(out, "### UNKNOWN ({})", report.unknown.len())?;
        writeln!(out)?;
        if collapse(report.unknown.len(), opts) {
            let mut g = Groups::default();
            for u in &report.unknown {
                g.add((u.kind, u.attribute.as_deref()), u.full_name.as_str(), None);
            }
            groups(out, &g, |(kind, attr), g| {
                let what = attr.map_or(String::new(), |a| format!("{} unknown on ", code(a)));
                format!("{what}{}", securables_item(*kind, g))
            })?;
        } else {
            for u in &report.unknown {
                writeln!(out, "- {}", cell(&unknown_line(u)))?;
            }
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "<details><summary>COMPLIANT ({})</summary>",
        report.compliant.len()
    )?;
    writeln!(out)?;
    if collapse(report.compliant.len(), opts) {
        let mut g = Groups::default();
        for c in &report.compliant {
            g.add(c.kind, c.full_name.as_str(), None);
        }
        groups(out, &g, |k, g| securables_item(Some(*k), g))?;
    } else {
        for c in &report.compliant {
            writeln!(out, "- {} {}", c.kind, code(&c.full_name))?;
        }
    }
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
    Ok(())
}

fn drift_row(out: &mut dyn Write, d: &Drift) -> io::Result<()> {
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
    )
}

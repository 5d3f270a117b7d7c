//! The Markdown report, sized for a pull-request comment: a heading, a severity table,
//! one table per severity group, then missing and unmanaged lists, the policy rules'
//! violations (a heading per rule with its severity, `file:line` and message, then a table
//! of securables, undeclared ones marked), unknown and rule-unknown lists, compliant
//! securables folded in a `<details>` block, and the summary line last. A category — or one
//! rule's violations or unknowns — of more than `COLLAPSE_OVER` entries becomes a list of
//! groups with counts and a few examples (as in the text report), unless `--verbose`.

use std::io::{self, Write};

use crate::drift::{Drift, DriftReport, RuleRef};
use crate::model::SecurableKind;

use super::group::{Group, Style, walk};
use super::text::{unknown_line, violation_group_line};
use super::{
    RenderOptions, SEVERITIES, drift_rule, field_shape, human_time, per_rule, rule_place,
    rule_unknown_what, summary_line, thousands,
};

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

/// Markdown's collapsed lines: one list item per group, then the hint in italics.
struct Items;

impl Style for Items {
    fn group(&self, out: &mut dyn Write, line: &str) -> io::Result<()> {
        writeln!(out, "- {line}")
    }
    fn hint(&self, out: &mut dyn Write, hint: &str) -> io::Result<()> {
        writeln!(out)?;
        writeln!(out, "_{hint}_")
    }
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
        let items = report.drifted.iter().filter(move |d| d.severity == sev);
        let count = items.clone().count();
        if count == 0 {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {} ({})", sev.as_str().to_ascii_uppercase(), count)?;
        writeln!(out)?;
        let mut header = false;
        walk(
            out,
            opts,
            &Items,
            items,
            |d| ((drift_rule(&d.field), d.kind), d.full_name.as_str()),
            |(rule, kind), g| {
                format!(
                    "{}: {} drifted field(s) on {}{}",
                    code(rule),
                    thousands(g.count),
                    g.securables_phrase(Some(*kind)),
                    g.examples_phrase(code)
                )
            },
            |out, d| {
                if !header {
                    writeln!(
                        out,
                        "| Resource | Type | Field | Expected | Actual | Action |"
                    )?;
                    writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
                    header = true;
                }
                drift_row(out, d)
            },
        )?;
    }
    if !report.missing.is_empty() {
        writeln!(out)?;
        writeln!(out, "### MISSING ({})", report.missing.len())?;
        writeln!(out)?;
        walk(
            out,
            opts,
            &Items,
            report.missing.iter(),
            |m| (m.kind, m.full_name.as_str()),
            |k, g| securables_item(Some(*k), g),
            |out, m| match &m.origin {
                Some(o) => writeln!(
                    out,
                    "- {} {} (declared at {})",
                    m.kind,
                    code(&m.full_name),
                    code(&format!("{}:{}", o.file.display(), o.line))
                ),
                None => writeln!(out, "- {} {}", m.kind, code(&m.full_name)),
            },
        )?;
    }
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        writeln!(out, "### UNMANAGED ({})", report.unmanaged.len())?;
        writeln!(out)?;
        walk(
            out,
            opts,
            &Items,
            report.unmanaged.iter(),
            |u| (u.kind, u.full_name.as_str()),
            |k, g| securables_item(Some(*k), g),
            |out, u| writeln!(out, "- {} {}", u.kind, code(&u.full_name)),
        )?;
    }
    write_violations(report, opts, out)?;
    if !report.unknown.is_empty() {
        writeln!(out)?;
        writeln!(out, "### UNKNOWN ({})", report.unknown.len())?;
        writeln!(out)?;
        walk(
            out,
            opts,
            &Items,
            report.unknown.iter(),
            |u| ((u.kind, u.attribute.as_deref()), u.full_name.as_str()),
            |(kind, attr), g| {
                let what = attr.map_or(String::new(), |a| format!("{} unknown on ", code(a)));
                format!("{what}{}", securables_item(*kind, g))
            },
            |out, u| writeln!(out, "- {}", cell(&unknown_line(u))),
        )?;
    }
    write_rule_unknown(report, opts, out)?;
    writeln!(out)?;
    writeln!(
        out,
        "<details><summary>COMPLIANT ({})</summary>",
        report.compliant.len()
    )?;
    writeln!(out)?;
    walk(
        out,
        opts,
        &Items,
        report.compliant.iter(),
        |c| (c.kind, c.full_name.as_str()),
        |k, g| securables_item(Some(*k), g),
        |out, c| writeln!(out, "- {} {}", c.kind, code(&c.full_name)),
    )?;
    writeln!(out)?;
    writeln!(out, "</details>")?;
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
    Ok(())
}

/// `#### `owners-are-groups` (warning, declared at `conventions/acme.yaml:60`)` and the
/// rule's message below it.
fn rule_heading(
    out: &mut dyn Write,
    id: &str,
    rule: Option<&RuleRef>,
    what: &str,
) -> io::Result<()> {
    let mut paren: Vec<String> = Vec::new();
    if let Some(r) = rule {
        paren.push(r.severity.as_str().to_string());
    }
    if let Some(place) = rule_place(rule) {
        paren.push(format!("declared at {}", code(&place)));
    }
    paren.push(what.to_string());
    writeln!(out)?;
    writeln!(out, "#### {} ({})", code(id), paren.join(", "))?;
    if let Some(r) = rule.filter(|r| !r.message.is_empty()) {
        writeln!(out)?;
        writeln!(out, "{}", cell(&r.message))?;
    }
    writeln!(out)
}

/// VIOLATIONS: a heading per policy rule, then a table of its violations (or groups).
fn write_violations(
    report: &DriftReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.violations.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### VIOLATIONS ({})", report.violations.len())?;
    for (rule_id, rule, chunk) in per_rule(report, &report.violations, |v| &v.rule_id) {
        let what = format!("{} violation(s)", thousands(chunk.len()));
        rule_heading(out, rule_id, rule, &what)?;
        let mut header = false;
        walk(
            out,
            opts,
            &Items,
            chunk.iter(),
            |v| ((field_shape(&v.field), v.kind), v.full_name.as_str()),
            |(field, kind), g| violation_group_line(field, *kind, g, code),
            |out, v| {
                if !header {
                    writeln!(out, "| Resource | Type | Field | Expected | Actual |")?;
                    writeln!(out, "| --- | --- | --- | --- | --- |")?;
                    header = true;
                }
                writeln!(
                    out,
                    "| {}{} | {} | {} | {} | {} |",
                    code(&v.full_name),
                    if v.declared { "" } else { " (not declared)" },
                    v.kind,
                    code(&v.field),
                    cell(&v.expected),
                    cell(&v.actual)
                )
            },
        )?;
    }
    Ok(())
}

/// RULE UNKNOWN: a heading per policy rule, then what it could not check and why.
fn write_rule_unknown(
    report: &DriftReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.rule_unknown.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### RULE UNKNOWN ({})", report.rule_unknown.len())?;
    for (rule_id, rule, chunk) in per_rule(report, &report.rule_unknown, |u| &u.rule_id) {
        let what = format!("{} not checked", thousands(chunk.len()));
        rule_heading(out, rule_id, rule, &what)?;
        walk(
            out,
            opts,
            &Items,
            chunk.iter(),
            |u| (u.kind, u.full_name.as_str()),
            |kind, g| securables_item(*kind, g),
            |out, u| {
                writeln!(
                    out,
                    "- {}: {}",
                    code(&rule_unknown_what(u)),
                    cell(&u.reason)
                )
            },
        )?;
    }
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

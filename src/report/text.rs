//! The text report: the seed's layout. Header `DRIFT REPORT - <time> - Environment: <env>`,
//! then CRITICAL / WARNING / INFO groups (securable, then `- field: expected …, actual …`),
//! MISSING, UNMANAGED, VIOLATIONS (per policy rule: id, severity, `file:line`, message,
//! then each securable — `not declared` when the tree does not declare it — and its
//! fields), UNKNOWN, RULE UNKNOWN (per policy rule: what it could not check and why),
//! COMPLIANT (count and names), and the summary line last.
//! A category — or one rule's violations or unknowns — of more than `COLLAPSE_OVER`
//! entries is shown as groups (drifted fields by rule and kind, securables by kind, unknown
//! ones by kind and attribute, violations by field and kind), one line each with counts and
//! a few examples, unless `--verbose`; `group::walk` decides.
//!
//! Colour only when `RenderOptions::color` says so; never looks at the terminal.

use std::io::{self, Write};

use crate::drift::{Drift, DriftReport, RuleRef, Unknown};
use crate::model::{SecurableKind, Severity};
use crate::rules::Violation;

use super::group::{Group, Style, walk};
use super::{
    RenderOptions, SEVERITIES, drift_rule, field_shape, human_time, per_rule, rule_place,
    rule_unknown_what, summary_line, thousands,
};

const RESET: &str = "\x1b[0m";

fn paint(opts: &RenderOptions, code: &str, s: &str) -> String {
    if opts.color {
        format!("\x1b[{code}m{s}{RESET}")
    } else {
        s.to_string()
    }
}

fn severity_colour(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

/// One drift line, without indentation.
pub(crate) fn drift_line(d: &Drift) -> String {
    let mut line = format!("{}: expected {}, actual {}", d.field, d.expected, d.actual);
    if d.additive {
        line.push_str(" (additive grant mode: reported only)");
    } else if let Some(note) = &d.note {
        line.push_str(&format!(" ({note})"));
    }
    line
}

/// One unknown line, without indentation.
pub(crate) fn unknown_line(u: &Unknown) -> String {
    let what = match (&u.kind, u.full_name.is_empty()) {
        (_, true) => "metastore".to_string(),
        (Some(k), false) => format!("{} ({k})", u.full_name),
        (None, false) => u.full_name.clone(),
    };
    match &u.attribute {
        Some(a) => format!("{what} [{a}]: {}", u.reason),
        None => format!("{what}: {}", u.reason),
    }
}

pub fn render(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    write_report(report, opts, &mut w)?;
    w.flush()
}

/// Text's collapsed lines: two spaces in, the hint last.
struct Indented;

impl Style for Indented {
    fn group(&self, out: &mut dyn Write, line: &str) -> io::Result<()> {
        writeln!(out, "  {line}")
    }
    fn hint(&self, out: &mut dyn Write, hint: &str) -> io::Result<()> {
        writeln!(out, "  {hint}")
    }
}

/// The same, four spaces in (the entries of one policy rule).
struct Nested;

impl Style for Nested {
    fn group(&self, out: &mut dyn Write, line: &str) -> io::Result<()> {
        writeln!(out, "    {line}")
    }
    fn hint(&self, out: &mut dyn Write, hint: &str) -> io::Result<()> {
        writeln!(out, "    {hint}")
    }
}

/// `998,992 tables in 100 schemas, e.g. a, b, c, …`
fn securables_line(kind: Option<SecurableKind>, g: &Group<'_>) -> String {
    format!(
        "{}{}",
        g.securables_phrase(kind),
        g.examples_phrase(str::to_string)
    )
}

/// `owner: 998,992 violation(s) on 998,992 tables in 100 schemas, e.g. …` for a collapsed
/// policy rule.
pub(crate) fn violation_group_line(
    field: &str,
    kind: SecurableKind,
    g: &Group<'_>,
    show: impl Fn(&str) -> String,
) -> String {
    format!(
        "{}: {} violation(s) on {}{}",
        show(field),
        thousands(g.count),
        g.securables_phrase(Some(kind)),
        g.examples_phrase(show)
    )
}

/// `sales_dev.orders.orders_backup (table, not declared)`: a securable a violation names.
pub(crate) fn violation_securable(v: &Violation) -> String {
    if v.declared {
        format!("{} ({})", v.full_name, v.kind)
    } else {
        format!("{} ({}, not declared)", v.full_name, v.kind)
    }
}

/// One violation line, without indentation: `owner: expected …, actual …`.
pub(crate) fn violation_line(v: &Violation) -> String {
    format!("{}: expected {}, actual {}", v.field, v.expected, v.actual)
}

/// `owners-are-groups (warning, conventions/acme.yaml:60): securables are owned by groups`
fn rule_header(id: &str, rule: Option<&RuleRef>) -> String {
    let mut head = String::from(id);
    let mut paren: Vec<String> = Vec::new();
    if let Some(r) = rule {
        paren.push(r.severity.as_str().to_string());
    }
    if let Some(place) = rule_place(rule) {
        paren.push(place);
    }
    if !paren.is_empty() {
        head.push_str(&format!(" ({})", paren.join(", ")));
    }
    match rule {
        Some(r) if !r.message.is_empty() => format!("{head}: {}", r.message),
        _ => head,
    }
}

fn write_report(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        paint(
            opts,
            "1",
            &format!(
                "DRIFT REPORT - {} - Environment: {}",
                human_time(report.timestamp),
                report.environment
            )
        )
    )?;
    writeln!(
        out,
        "Snapshot: {} (taken {})",
        if report.snapshot.id.is_empty() {
            "-"
        } else {
            &report.snapshot.id
        },
        human_time(report.snapshot.taken_at)
    )?;

    for sev in SEVERITIES {
        let items = report.drifted.iter().filter(move |d| d.severity == sev);
        let count = items.clone().count();
        if count == 0 {
            continue;
        }
        writeln!(out)?;
        let head = format!("{} ({}):", sev.as_str().to_ascii_uppercase(), count);
        writeln!(out, "{}", paint(opts, severity_colour(sev), &head))?;
        let mut last: Option<(SecurableKind, &str)> = None;
        walk(
            out,
            opts,
            &Indented,
            items,
            |d| ((drift_rule(&d.field), d.kind), d.full_name.as_str()),
            |(rule, kind), g| {
                format!(
                    "{rule}: {} drifted field(s) on {}{}",
                    thousands(g.count),
                    g.securables_phrase(Some(*kind)),
                    g.examples_phrase(str::to_string)
                )
            },
            |out, d| {
                if last != Some((d.kind, d.full_name.as_str())) {
                    writeln!(out, "  {}", d.full_name)?;
                    last = Some((d.kind, d.full_name.as_str()));
                }
                writeln!(out, "    - {}", drift_line(d))
            },
        )?;
    }

    if !report.missing.is_empty() {
        writeln!(out)?;
        let head = format!("MISSING ({}):", report.missing.len());
        writeln!(out, "{}", paint(opts, "1;33", &head))?;
        walk(
            out,
            opts,
            &Indented,
            report.missing.iter(),
            |m| (m.kind, m.full_name.as_str()),
            |k, g| securables_line(Some(*k), g),
            |out, m| match &m.origin {
                Some(o) => writeln!(
                    out,
                    "  {} ({}) - declared at {}:{}",
                    m.full_name,
                    m.kind,
                    o.file.display(),
                    o.line
                ),
                None => writeln!(out, "  {} ({})", m.full_name, m.kind),
            },
        )?;
    }
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        let head = format!("UNMANAGED ({}):", report.unmanaged.len());
        writeln!(out, "{}", paint(opts, "1;34", &head))?;
        walk(
            out,
            opts,
            &Indented,
            report.unmanaged.iter(),
            |u| (u.kind, u.full_name.as_str()),
            |k, g| securables_line(Some(*k), g),
            |out, u| writeln!(out, "  {} ({})", u.full_name, u.kind),
        )?;
    }
    write_violations(report, opts, out)?;
    if !report.unknown.is_empty() {
        writeln!(out)?;
        let head = format!("UNKNOWN ({}):", report.unknown.len());
        writeln!(out, "{}", paint(opts, "1;35", &head))?;
        walk(
            out,
            opts,
            &Indented,
            report.unknown.iter(),
            |u| ((u.kind, u.attribute.as_deref()), u.full_name.as_str()),
            |(kind, attr), g| unknown_group_line(*kind, *attr, g),
            |out, u| writeln!(out, "  {}", unknown_line(u)),
        )?;
    }
    write_rule_unknown(report, opts, out)?;
    writeln!(out)?;
    let head = format!("COMPLIANT ({}):", report.compliant.len());
    writeln!(out, "{}", paint(opts, "1;32", &head))?;
    walk(
        out,
        opts,
        &Indented,
        report.compliant.iter(),
        |c| (c.kind, c.full_name.as_str()),
        |k, g| securables_line(Some(*k), g),
        |out, c| writeln!(out, "  {}", c.full_name),
    )?;
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
    Ok(())
}

/// VIOLATIONS: one block per policy rule (id, severity, where it is written, message), its
/// securables and what is wrong with each; a rule with more than `COLLAPSE_OVER`
/// violations as groups by field and kind.
fn write_violations(
    report: &DriftReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.violations.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let worst = report
        .violations
        .iter()
        .map(|v| v.severity)
        .max()
        .unwrap_or(Severity::Info);
    let head = format!("VIOLATIONS ({}):", report.violations.len());
    writeln!(out, "{}", paint(opts, severity_colour(worst), &head))?;
    for (rule_id, rule, chunk) in per_rule(report, &report.violations, |v| &v.rule_id) {
        writeln!(out, "  {}", rule_header(rule_id, rule))?;
        let mut last: Option<(SecurableKind, &str)> = None;
        walk(
            out,
            opts,
            &Nested,
            chunk.iter(),
            |v| ((field_shape(&v.field), v.kind), v.full_name.as_str()),
            |(field, kind), g| violation_group_line(field, *kind, g, str::to_string),
            |out, v| {
                if last != Some((v.kind, v.full_name.as_str())) {
                    writeln!(out, "    {}", violation_securable(v))?;
                    last = Some((v.kind, v.full_name.as_str()));
                }
                writeln!(out, "      - {}", violation_line(v))
            },
        )?;
    }
    Ok(())
}

/// RULE UNKNOWN: per policy rule, what it could not check and why.
fn write_rule_unknown(
    report: &DriftReport,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    if report.rule_unknown.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let head = format!("RULE UNKNOWN ({}):", report.rule_unknown.len());
    writeln!(out, "{}", paint(opts, "1;35", &head))?;
    for (rule_id, rule, chunk) in per_rule(report, &report.rule_unknown, |u| &u.rule_id) {
        match rule_place(rule) {
            Some(place) => writeln!(out, "  {} ({place}):", rule_id)?,
            None => writeln!(out, "  {}:", rule_id)?,
        }
        walk(
            out,
            opts,
            &Nested,
            chunk.iter(),
            |u| (u.kind, u.full_name.as_str()),
            |kind, g| securables_line(*kind, g),
            |out, u| writeln!(out, "    {}: {}", rule_unknown_what(u), u.reason),
        )?;
    }
    Ok(())
}

/// `grants unknown on 120 tables in 3 schemas, e.g. …` for a collapsed UNKNOWN group.
pub(crate) fn unknown_group_line(
    kind: Option<SecurableKind>,
    attribute: Option<&str>,
    g: &Group<'_>,
) -> String {
    let what = match attribute {
        Some(a) => format!("{a} unknown on "),
        None => String::new(),
    };
    format!(
        "{what}{}{}",
        g.securables_phrase(kind),
        g.examples_phrase(str::to_string)
    )
}

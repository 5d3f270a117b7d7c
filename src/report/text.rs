//! The text report: the seed's layout. Header `DRIFT REPORT - <time> - Environment: <env>`,
//! then CRITICAL / WARNING / INFO groups (securable, then `- field: expected …, actual …`),
//! MISSING, UNMANAGED, UNKNOWN, COMPLIANT (count and names), and the summary line last.
//! A category of more than `COLLAPSE_OVER` entries is shown as groups (drifted fields by
//! rule and kind, securables by kind, unknown ones by kind and attribute), one line each
//! with counts and a few examples, unless `--verbose`.
//!
//! Colour only when `RenderOptions::color` says so; never looks at the terminal.

use std::io::{self, Write};

use crate::drift::{Drift, DriftReport, Unknown};
use crate::model::{SecurableKind, Severity};

use super::group::{Group, Groups, collapse, hint};
use super::{RenderOptions, SEVERITIES, drift_rule, human_time, summary_line, thousands};

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

/// One line per group of a collapsed category, then the hint.
fn groups<K: Ord>(
    out: &mut dyn Write,
    groups: &Groups<'_, K>,
    line: impl Fn(&K, &Group<'_>) -> String,
) -> io::Result<()> {
    for (k, g) in groups.iter() {
        writeln!(out, "  {}", line(k, g))?;
    }
    writeln!(out, "  {}", hint(groups.total, groups.len()))
}

/// `998,992 tables in 100 schemas, e.g. a, b, c, …`
fn securables_line(kind: Option<SecurableKind>, g: &Group<'_>) -> String {
    format!(
        "{}{}",
        g.securables_phrase(kind),
        g.examples_phrase(str::to_string)
    )
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
        let items = || report.drifted.iter().filter(move |d| d.severity == sev);
        let count = items().count();
        if count == 0 {
            continue;
        }
        writeln!(out)?;
        let head = format!("{} ({}):", sev.as_str().to_ascii_uppercase(), count);
        writeln!(out, "{}", paint(opts, severity_colour(sev), &head))?;
        if collapse(count, opts) {
            let mut g = Groups::default();
            for d in items() {
                g.add((drift_rule(&d.field), d.kind), d.full_name.as_str(), None);
            }
            groups(out, &g, |(rule, kind), g| {
                format!(
                    "{rule}: {} drifted field(s) on {}{}",
                    thousands(g.count),
                    g.securables_phrase(Some(*kind)),
                    g.examples_phrase(str::to_string)
                )
            })?;
            continue;
        }
        let mut last: Option<(&crate::model::SecurableKind, &str)> = None;
        for d in items() {
            if last != Some((&d.kind, d.full_name.as_str())) {
                writeln!(out, "  {}", d.full_name)?;
                last = Some((&d.kind, d.full_name.as_str()));
            }
            writeln!(out, "    - {}", drift_line(d))?;
        }
    }

    if !report.missing.is_empty() {
        writeln!(out)?;
        let head = format!("MISSING ({}):", report.missing.len());
        writeln!(out, "{}", paint(opts, "1;33", &head))?;
        if collapse(report.missing.len(), opts) {
            let mut g = Groups::default();
            for m in &report.missing {
                g.add(m.kind, m.full_name.as_str(), None);
            }
            groups(out, &g, |k, g| securables_line(Some(*k), g))?;
        } else {
            for m in &report.missing {
                match &m.origin {
                    Some(o) => writeln!(
                        out,
                        "  {} ({}) - declared at {}:{}",
                        m.full_name,
                        m.kind,
                        o.file.display(),
                        o.line
                    )?,
                    None => writeln!(out, "  {} ({})", m.full_name, m.kind)?,
                }
            }
        }
    }
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        let head = format!("UNMANAGED ({}):", report.unmanaged.len());
        writeln!(out, "{}", paint(opts, "1;34", &head))?;
        if collapse(report.unmanaged.len(), opts) {
            let mut g = Groups::default();
            for u in &report.unmanaged {
                g.add(u.kind, u.full_name.as_str(), None);
            }
            groups(out, &g, |k, g| securables_line(Some(*k), g))?;
        } else {
            for u in &report.unmanaged {
                writeln!(out, "  {} ({})", u.full_name, u.kind)?;
            }
        }
    }
    if !report.unknown.is_empty() {
        writeln!(out)?;
        let head = format!("UNKNOWN ({}):", report.unknown.len());
        writeln!(out, "{}", paint(opts, "1;35", &head))?;
        if collapse(report.unknown.len(), opts) {
            let mut g = Groups::default();
            for u in &report.unknown {
                g.add((u.kind, u.attribute.as_deref()), u.full_name.as_str(), None);
            }
            groups(out, &g, |(kind, attr), g| {
                unknown_group_line(*kind, *attr, g)
            })?;
        } else {
            for u in &report.unknown {
                writeln!(out, "  {}", unknown_line(u))?;
            }
        }
    }
    writeln!(out)?;
    let head = format!("COMPLIANT ({}):", report.compliant.len());
    writeln!(out, "{}", paint(opts, "1;32", &head))?;
    if collapse(report.compliant.len(), opts) {
        let mut g = Groups::default();
        for c in &report.compliant {
            g.add(c.kind, c.full_name.as_str(), None);
        }
        groups(out, &g, |k, g| securables_line(Some(*k), g))?;
    } else {
        for c in &report.compliant {
            writeln!(out, "  {}", c.full_name)?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
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

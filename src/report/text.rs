//! The text report: the seed's layout. Header `DRIFT REPORT - <time> - Environment: <env>`,
//! then CRITICAL / WARNING / INFO groups (securable, then `- field: expected …, actual …`),
//! MISSING, UNMANAGED, UNKNOWN, COMPLIANT (count and names), and the summary line last.
//!
//! Colour only when `RenderOptions::color` says so; never looks at the terminal.

use std::io::{self, Write};

use crate::drift::{Drift, DriftReport, Unknown};
use crate::model::Severity;

use super::{RenderOptions, SEVERITIES, human_time, summary_line};

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
        let items: Vec<&Drift> = report
            .drifted
            .iter()
            .filter(|d| d.severity == sev)
            .collect();
        if items.is_empty() {
            continue;
        }
        writeln!(out)?;
        let head = format!("{} ({}):", sev.as_str().to_ascii_uppercase(), items.len());
        writeln!(out, "{}", paint(opts, severity_colour(sev), &head))?;
        let mut last: Option<(&crate::model::SecurableKind, &str)> = None;
        for d in items {
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
    if !report.unmanaged.is_empty() {
        writeln!(out)?;
        let head = format!("UNMANAGED ({}):", report.unmanaged.len());
        writeln!(out, "{}", paint(opts, "1;34", &head))?;
        for u in &report.unmanaged {
            writeln!(out, "  {} ({})", u.full_name, u.kind)?;
        }
    }
    if !report.unknown.is_empty() {
        writeln!(out)?;
        let head = format!("UNKNOWN ({}):", report.unknown.len());
        writeln!(out, "{}", paint(opts, "1;35", &head))?;
        for u in &report.unknown {
            writeln!(out, "  {}", unknown_line(u))?;
        }
    }
    writeln!(out)?;
    let head = format!("COMPLIANT ({}):", report.compliant.len());
    writeln!(out, "{}", paint(opts, "1;32", &head))?;
    for c in &report.compliant {
        writeln!(out, "  {}", c.full_name)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(report))?;
    Ok(())
}

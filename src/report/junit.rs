//! JUnit XML for CI dashboards: one `<testcase>` per securable (classname = kind,
//! name = full name). Drifted, missing and unmanaged securables fail (one `<failure>` whose
//! body lists every finding); unknown ones are skipped; compliant ones pass.
//!
//! A category of more than `COLLAPSE_OVER` entries (unless `--verbose`) becomes one test
//! case per group instead (classname = kind, name = `unmanaged: 998,992 tables in 100
//! schemas`), after the per-securable cases: failing for drifted (per rule), missing and
//! unmanaged groups, skipped for unknown ones, passing for compliant ones; the body names a
//! few examples. Failure texts are built as each case is written, never kept.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::drift::{Drift, DriftReport};
use crate::model::{SecurableKind, Severity};

use super::group::{Group, Groups, collapse, hint};
use super::text::drift_line;
use super::{RenderOptions, drift_rule, thousands};

/// Escape text for XML attributes and content.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// What one securable's test case says, by reference into the report.
#[derive(Default)]
struct Case<'a> {
    drifts: Vec<&'a Drift>,
    /// Missing or unmanaged: its severity.
    missing: Option<Severity>,
    unmanaged: Option<Severity>,
    skipped: Vec<(Option<&'a str>, &'a str)>,
}

impl Case<'_> {
    fn failures(&self) -> usize {
        self.drifts.len()
            + usize::from(self.missing.is_some())
            + usize::from(self.unmanaged.is_some())
    }

    fn worst(&self) -> Severity {
        self.drifts
            .iter()
            .map(|d| d.severity)
            .chain(self.missing)
            .chain(self.unmanaged)
            .max()
            .unwrap_or(Severity::Info)
    }

    /// The failure body: one line per finding.
    fn body(&self) -> String {
        let mut lines: Vec<String> = self
            .drifts
            .iter()
            .map(|d| format!("{} [{}]", drift_line(d), d.severity))
            .collect();
        if let Some(s) = self.missing {
            lines.push(format!("missing: declared but does not exist [{s}]"));
        }
        if let Some(s) = self.unmanaged {
            lines.push(format!("unmanaged: exists but is not declared [{s}]"));
        }
        lines.join("\n")
    }

    fn skipped_text(&self, (attribute, reason): (Option<&str>, &str)) -> String {
        match attribute {
            Some(a) => format!("{a} unknown: {reason}"),
            None => format!("unknown: {reason}"),
        }
    }
}

/// How a collapsed group's test case ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Fail,
    Skip,
    Pass,
}

/// A test case standing for a collapsed group.
struct GroupCase {
    kind: Option<SecurableKind>,
    name: String,
    outcome: Outcome,
    worst: Severity,
    count: usize,
    body: String,
}

fn group_case(
    kind: Option<SecurableKind>,
    what: &str,
    outcome: Outcome,
    g: &Group<'_>,
    total: usize,
    groups: usize,
) -> GroupCase {
    GroupCase {
        kind,
        name: format!("{what}{}", g.securables_phrase(kind)),
        outcome,
        worst: g.worst.unwrap_or(Severity::Info),
        count: g.count,
        body: format!(
            "{} {}{}{}{}",
            thousands(g.count),
            if outcome == Outcome::Fail {
                "finding(s)"
            } else {
                "entries"
            },
            g.examples_phrase(str::to_string),
            // Attribute values fold newlines; a skipped message is one.
            if outcome == Outcome::Skip { " " } else { "\n" },
            hint(total, groups)
        ),
    }
}

/// The group cases of one collapsed category.
fn push_groups<K: Ord>(
    cases: &mut Vec<GroupCase>,
    groups: &Groups<'_, K>,
    outcome: Outcome,
    what: impl Fn(&K) -> (Option<SecurableKind>, String),
) {
    for (k, g) in groups.iter() {
        let (kind, label) = what(k);
        cases.push(group_case(
            kind,
            &label,
            outcome,
            g,
            groups.total,
            groups.len(),
        ));
    }
}

pub fn render(report: &DriftReport, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut cases: BTreeMap<(SecurableKind, &str), Case<'_>> = BTreeMap::new();
    let mut grouped: Vec<GroupCase> = Vec::new();
    if collapse(report.drifted.len(), opts) {
        let mut g = Groups::default();
        for d in &report.drifted {
            g.add(
                (drift_rule(&d.field), d.kind),
                d.full_name.as_str(),
                Some(d.severity),
            );
        }
        push_groups(&mut grouped, &g, Outcome::Fail, |(rule, kind)| {
            (Some(*kind), format!("drifted {rule}: "))
        });
    } else {
        for d in &report.drifted {
            cases
                .entry((d.kind, &d.full_name))
                .or_default()
                .drifts
                .push(d);
        }
    }
    if collapse(report.missing.len(), opts) {
        let mut g = Groups::default();
        for m in &report.missing {
            g.add(m.kind, m.full_name.as_str(), Some(m.severity));
        }
        push_groups(&mut grouped, &g, Outcome::Fail, |k| {
            (Some(*k), "missing: ".into())
        });
    } else {
        for m in &report.missing {
            cases.entry((m.kind, &m.full_name)).or_default().missing = Some(m.severity);
        }
    }
    if collapse(report.unmanaged.len(), opts) {
        let mut g = Groups::default();
        for u in &report.unmanaged {
            g.add(u.kind, u.full_name.as_str(), Some(u.severity));
        }
        push_groups(&mut grouped, &g, Outcome::Fail, |k| {
            (Some(*k), "unmanaged: ".into())
        });
    } else {
        for u in &report.unmanaged {
            cases.entry((u.kind, &u.full_name)).or_default().unmanaged = Some(u.severity);
        }
    }
    let known = report.unknown.iter().filter(|u| u.kind.is_some());
    if collapse(known.clone().count(), opts) {
        let mut g = Groups::default();
        for u in known {
            g.add((u.kind, u.attribute.as_deref()), u.full_name.as_str(), None);
        }
        push_groups(&mut grouped, &g, Outcome::Skip, |(kind, attr)| {
            let what = attr.map_or("unknown: ".to_string(), |a| format!("{a} unknown: "));
            (*kind, what)
        });
    } else {
        for u in known {
            if let Some(k) = u.kind {
                cases
                    .entry((k, &u.full_name))
                    .or_default()
                    .skipped
                    .push((u.attribute.as_deref(), &u.reason));
            }
        }
    }
    if collapse(report.compliant.len(), opts) {
        let mut g = Groups::default();
        for c in &report.compliant {
            g.add(c.kind, c.full_name.as_str(), None);
        }
        push_groups(&mut grouped, &g, Outcome::Pass, |k| {
            (Some(*k), "compliant: ".into())
        });
    } else {
        for c in &report.compliant {
            cases.entry((c.kind, &c.full_name)).or_default();
        }
    }
    let tests = cases.len() + grouped.len();
    let failures = cases.values().filter(|c| c.failures() > 0).count()
        + grouped
            .iter()
            .filter(|g| g.outcome == Outcome::Fail)
            .count();
    let skipped = cases
        .values()
        .filter(|c| c.failures() == 0 && !c.skipped.is_empty())
        .count()
        + grouped
            .iter()
            .filter(|g| g.outcome == Outcome::Skip)
            .count();
    let ts = esc(&report.timestamp.to_rfc3339());
    let env = esc(&report.environment);

    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="brickkit drift" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}" time="0" timestamp="{ts}">"#
    )?;
    writeln!(
        w,
        r#"  <testsuite name="drift.{env}" tests="{tests}" failures="{failures}" errors="0" skipped="{skipped}" time="0" timestamp="{ts}">"#
    )?;
    writeln!(w, "    <properties>")?;
    writeln!(w, r#"      <property name="environment" value="{env}"/>"#)?;
    writeln!(
        w,
        r#"      <property name="snapshot" value="{}"/>"#,
        esc(&report.snapshot.id)
    )?;
    writeln!(
        w,
        r#"      <property name="ignored" value="{}"/>"#,
        report.ignored
    )?;
    writeln!(w, "    </properties>")?;
    for ((kind, name), case) in &cases {
        let open = format!(
            r#"    <testcase classname="{}" name="{}" time="0""#,
            kind.as_str(),
            esc(name)
        );
        if case.failures() > 0 {
            let worst = case.worst();
            writeln!(w, "{open}>")?;
            writeln!(
                w,
                r#"      <failure type="{}" message="{} finding(s), worst {}">{}</failure>"#,
                worst,
                case.failures(),
                worst,
                esc(&case.body())
            )?;
            for s in &case.skipped {
                writeln!(
                    w,
                    "      <system-out>{}</system-out>",
                    esc(&case.skipped_text(*s))
                )?;
            }
            writeln!(w, "    </testcase>")?;
        } else if !case.skipped.is_empty() {
            writeln!(w, "{open}>")?;
            let text: Vec<String> = case.skipped.iter().map(|s| case.skipped_text(*s)).collect();
            writeln!(w, r#"      <skipped message="{}"/>"#, esc(&text.join("; ")))?;
            writeln!(w, "    </testcase>")?;
        } else {
            writeln!(w, "{open}/>")?;
        }
    }
    for g in &grouped {
        let open = format!(
            r#"    <testcase classname="{}" name="{}" time="0""#,
            g.kind.map_or("metastore", |k| k.as_str()),
            esc(&g.name)
        );
        match g.outcome {
            Outcome::Fail => {
                writeln!(w, "{open}>")?;
                writeln!(
                    w,
                    r#"      <failure type="{}" message="{} finding(s), worst {}">{}</failure>"#,
                    g.worst,
                    g.count,
                    g.worst,
                    esc(&g.body)
                )?;
                writeln!(w, "    </testcase>")?;
            }
            Outcome::Skip => {
                writeln!(w, "{open}>")?;
                writeln!(w, r#"      <skipped message="{}"/>"#, esc(&g.body))?;
                writeln!(w, "    </testcase>")?;
            }
            Outcome::Pass => {
                writeln!(w, "{open}>")?;
                writeln!(w, "      <system-out>{}</system-out>", esc(&g.body))?;
                writeln!(w, "    </testcase>")?;
            }
        }
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")?;
    w.flush()
}

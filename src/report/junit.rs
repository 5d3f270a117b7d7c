//! JUnit XML for CI dashboards: one `<testcase>` per securable (classname = kind,
//! name = full name). Drifted, missing and unmanaged securables fail (one `<failure>` whose
//! body lists every finding); unknown ones are skipped; compliant ones pass.
//!
//! A category of more than `COLLAPSE_OVER` entries (unless `--verbose`) becomes one test
//! case per group instead (classname = kind, name = `unmanaged: 998,992 tables in 100
//! schemas`), after the per-securable cases: failing for drifted (per rule), missing and
//! unmanaged groups, skipped for unknown ones, passing for compliant ones; the body names a
//! few examples. Failure texts are built as each case is written, never kept.
//!
//! Policy rules get a second suite, `policy.<env>` (absent when there is no rule): one test
//! case per rule (classname `policy.<check>`, name = rule id) failing with its violations
//! (collapsed like the rest), skipped when the rule could check nothing, noting in
//! `<system-out>` the securables it could not check; a rule with neither passes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::drift::{Drift, DriftReport};
use crate::model::{SecurableKind, Severity};

use crate::rules::{RuleUnknown, Violation};

use super::group::{Group, Groups, collapse, hint};
use super::text::{drift_line, violation_group_line, violation_line, violation_securable};
use super::{
    RenderOptions, checked_nothing, drift_rule, field_shape, of_rule, policy_rule_ids, rule_place,
    rule_unknown_what, thousands,
};

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
    let policy = PolicySuite::of(report);
    let all_tests = tests + policy.tests();
    let all_failures = failures + policy.failures();
    let all_skipped = skipped + policy.skipped();

    let mut w = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="brickkit drift" tests="{all_tests}" failures="{all_failures}" errors="0" skipped="{all_skipped}" time="0" timestamp="{ts}">"#
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
    policy.write(report, opts, &mut w)?;
    writeln!(w, "</testsuites>")?;
    w.flush()
}

/// The `policy.<env>` suite: one test case per policy rule (classname `policy.<check>`,
/// name = the rule id). A rule with violations fails, its failure body listing them (as
/// groups when there are more than `COLLAPSE_OVER`, unless `--verbose`); a rule that could
/// not check anything (a metastore-level issue, a rule that did not compile) is skipped; a
/// rule that could not check some securables says which in `<system-out>`; the rest pass.
/// Absent when the report has no policy rule.
struct PolicySuite<'a> {
    /// Per rule: id, its violations, its unknowns.
    rules: Vec<(&'a str, &'a [Violation], &'a [RuleUnknown])>,
}

impl<'a> PolicySuite<'a> {
    fn of(report: &'a DriftReport) -> Self {
        let rules = policy_rule_ids(report)
            .into_iter()
            .map(|id| {
                (
                    id,
                    of_rule(&report.violations, id, |v| &v.rule_id),
                    of_rule(&report.rule_unknown, id, |u| &u.rule_id),
                )
            })
            .collect();
        PolicySuite { rules }
    }

    fn tests(&self) -> usize {
        self.rules.len()
    }

    fn failures(&self) -> usize {
        self.rules.iter().filter(|(_, v, _)| !v.is_empty()).count()
    }

    fn skipped(&self) -> usize {
        self.rules
            .iter()
            .filter(|(_, v, u)| v.is_empty() && u.iter().any(checked_nothing))
            .count()
    }

    fn write(
        &self,
        report: &DriftReport,
        opts: &RenderOptions,
        w: &mut dyn Write,
    ) -> io::Result<()> {
        if self.rules.is_empty() {
            return Ok(());
        }
        let ts = esc(&report.timestamp.to_rfc3339());
        let env = esc(&report.environment);
        writeln!(
            w,
            r#"  <testsuite name="policy.{env}" tests="{}" failures="{}" errors="0" skipped="{}" time="0" timestamp="{ts}">"#,
            self.tests(),
            self.failures(),
            self.skipped()
        )?;
        writeln!(w, "    <properties>")?;
        writeln!(w, r#"      <property name="environment" value="{env}"/>"#)?;
        writeln!(
            w,
            r#"      <property name="violations" value="{}"/>"#,
            report.violations.len()
        )?;
        writeln!(
            w,
            r#"      <property name="rule_unknown" value="{}"/>"#,
            report.rule_unknown.len()
        )?;
        writeln!(w, "    </properties>")?;
        for (id, violations, unknown) in &self.rules {
            let rule = report.rule(id);
            let classname = rule.map_or("policy".to_string(), |r| format!("policy.{}", r.check));
            let open = format!(
                r#"    <testcase classname="{}" name="{}" time="0""#,
                esc(&classname),
                esc(id)
            );
            if violations.is_empty() && unknown.is_empty() {
                writeln!(w, "{open}/>")?;
                continue;
            }
            writeln!(w, "{open}>")?;
            if !violations.is_empty() {
                let severity = rule
                    .map(|r| r.severity)
                    .or_else(|| violations.iter().map(|v| v.severity).max())
                    .unwrap_or(Severity::Info);
                let message = match rule.filter(|r| !r.message.is_empty()) {
                    Some(r) => format!("{} violation(s): {}", violations.len(), r.message),
                    None => format!("{} violation(s)", violations.len()),
                };
                write!(
                    w,
                    r#"      <failure type="{severity}" message="{}">"#,
                    esc(&message)
                )?;
                let mut head = format!("policy rule {id} ({severity})");
                if let Some(place) = rule_place(rule) {
                    head.push_str(&format!(", declared at {place}"));
                }
                write!(w, "{}", esc(&head))?;
                violation_lines(violations, opts, w)?;
                writeln!(w, "</failure>")?;
            }
            if unknown.is_empty() {
                // failed above
            } else if violations.is_empty() && unknown.iter().any(checked_nothing) {
                let text: Vec<String> = unknown
                    .iter()
                    .filter(|u| checked_nothing(u))
                    .map(|u| u.reason.clone())
                    .collect();
                writeln!(
                    w,
                    r#"      <skipped message="{}"/>"#,
                    esc(&format!("checked nothing: {}", text.join("; ")))
                )?;
            } else {
                write!(
                    w,
                    "      <system-out>{}",
                    esc(&format!(
                        "could not check {} securable(s) (neither violations nor compliant):",
                        unknown.len()
                    ))
                )?;
                unknown_lines(unknown, opts, w)?;
                writeln!(w, "</system-out>")?;
            }
            writeln!(w, "    </testcase>")?;
        }
        writeln!(w, "  </testsuite>")
    }
}

/// A failing rule's violations, one line each (or its groups and the hint), escaped and
/// written as they are walked.
fn violation_lines(
    violations: &[Violation],
    opts: &RenderOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    if collapse(violations.len(), opts) {
        let mut g = Groups::default();
        for v in violations {
            g.add((field_shape(&v.field), v.kind), v.full_name.as_str(), None);
        }
        for ((field, kind), grp) in g.iter() {
            write!(
                w,
                "\n{}",
                esc(&violation_group_line(field, *kind, grp, str::to_string))
            )?;
        }
        return write!(w, "\n{}", esc(&hint(g.total, g.len())));
    }
    for v in violations {
        write!(
            w,
            "\n{}: {}",
            esc(&violation_securable(v)),
            esc(&violation_line(v))
        )?;
    }
    Ok(())
}

/// What a rule could not check, one line each (or groups by kind and the hint).
fn unknown_lines(
    unknown: &[RuleUnknown],
    opts: &RenderOptions,
    w: &mut dyn Write,
) -> io::Result<()> {
    if collapse(unknown.len(), opts) {
        let mut g = Groups::default();
        for u in unknown {
            g.add(u.kind, u.full_name.as_str(), None);
        }
        for (kind, grp) in g.iter() {
            write!(
                w,
                "\n{}",
                esc(&format!(
                    "{}{}",
                    grp.securables_phrase(*kind),
                    grp.examples_phrase(str::to_string)
                ))
            )?;
        }
        return write!(w, "\n{}", esc(&hint(g.total, g.len())));
    }
    for u in unknown {
        write!(
            w,
            "\n{}",
            esc(&format!("{}: {}", rule_unknown_what(u), u.reason))
        )?;
    }
    Ok(())
}

//! JUnit XML for CI dashboards: one `<testcase>` per securable (classname = kind,
//! name = full name). Drifted, missing and unmanaged securables fail (one `<failure>` whose
//! body lists every finding); unknown ones are skipped; compliant ones pass.

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::drift::DriftReport;
use crate::model::{SecurableKind, Severity};

use super::RenderOptions;
use super::text::drift_line;

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

#[derive(Default)]
struct Case {
    failures: Vec<(Severity, String)>,
    skipped: Vec<String>,
}

pub fn render(report: &DriftReport, _opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut cases: BTreeMap<(SecurableKind, &str), Case> = BTreeMap::new();
    for d in &report.drifted {
        cases
            .entry((d.kind, &d.full_name))
            .or_default()
            .failures
            .push((d.severity, format!("{} [{}]", drift_line(d), d.severity)));
    }
    for m in &report.missing {
        cases
            .entry((m.kind, &m.full_name))
            .or_default()
            .failures
            .push((
                m.severity,
                format!("missing: declared but does not exist [{}]", m.severity),
            ));
    }
    for u in &report.unmanaged {
        cases
            .entry((u.kind, &u.full_name))
            .or_default()
            .failures
            .push((
                u.severity,
                format!("unmanaged: exists but is not declared [{}]", u.severity),
            ));
    }
    for u in &report.unknown {
        if let Some(k) = u.kind {
            let what = match &u.attribute {
                Some(a) => format!("{a} unknown: {}", u.reason),
                None => format!("unknown: {}", u.reason),
            };
            cases
                .entry((k, &u.full_name))
                .or_default()
                .skipped
                .push(what);
        }
    }
    for c in &report.compliant {
        cases.entry((c.kind, &c.full_name)).or_default();
    }
    let tests = cases.len();
    let failures = cases.values().filter(|c| !c.failures.is_empty()).count();
    let skipped = cases
        .values()
        .filter(|c| c.failures.is_empty() && !c.skipped.is_empty())
        .count();
    let ts = esc(&report.timestamp.to_rfc3339());
    let env = esc(&report.environment);

    let mut w = io::BufWriter::new(out);
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
        if !case.failures.is_empty() {
            let worst = case
                .failures
                .iter()
                .map(|f| f.0)
                .max()
                .unwrap_or(Severity::Info);
            writeln!(w, "{open}>")?;
            writeln!(
                w,
                r#"      <failure type="{}" message="{} finding(s), worst {}">{}</failure>"#,
                worst,
                case.failures.len(),
                worst,
                esc(&case
                    .failures
                    .iter()
                    .map(|f| f.1.as_str())
                    .collect::<Vec<_>>()
                    .join("\n"))
            )?;
            for s in &case.skipped {
                writeln!(w, "      <system-out>{}</system-out>", esc(s))?;
            }
            writeln!(w, "    </testcase>")?;
        } else if !case.skipped.is_empty() {
            writeln!(w, "{open}>")?;
            writeln!(
                w,
                r#"      <skipped message="{}"/>"#,
                esc(&case.skipped.join("; "))
            )?;
            writeln!(w, "    </testcase>")?;
        } else {
            writeln!(w, "{open}/>")?;
        }
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")?;
    w.flush()
}
